// The "modelcar" flag group of `ood push --modelcar`: the base image and the Triton repository's settings.
import type { Argv } from 'yargs';

/** Parsed modelcar options. */
export interface ModelcarArgs {
  modelcar?: boolean;
  base?: string;
  platform?: string;
  name?: string;
  'model-version'?: string;
  'max-batch'?: string;
  instances?: string;
  device?: 'auto' | 'cpu' | 'gpu';
}

/** Add --modelcar, --base, --platform and the Triton settings (--name, --model-version, --max-batch, …). */
export function withModelcarOptions<T>(y: Argv<T>): Argv<T & ModelcarArgs> {
  return y
    .option('modelcar', {
      type: 'boolean',
      describe: "Push an OCI image for KServe's oci:// storage (Triton repository under /models/) instead",
    })
    .option('base', { type: 'string', describe: 'Base image with a shell, HOST/REPO:TAG (e.g. a mirrored busybox)' })
    .option('platform', {
      type: 'string',
      describe: 'os/arch to take from a multi-platform base (default linux/amd64)',
    })
    .option('name', { type: 'string', describe: "Triton model name (default: the artifact's name)" })
    .option('model-version', { type: 'string', describe: 'Triton version directory (default 1)' })
    .option('max-batch', { type: 'string', describe: 'Triton max_batch_size (default 8 when the model batches)' })
    .option('instances', { type: 'string', describe: 'Triton instance_group count (default 1)' })
    .option('device', { choices: ['auto', 'cpu', 'gpu'] as const, describe: 'Triton instance_group kind' })
    .group(
      ['modelcar', 'base', 'platform', 'name', 'model-version', 'max-batch', 'instances', 'device'],
      'Modelcar:',
    ) as Argv<T & ModelcarArgs>;
}
