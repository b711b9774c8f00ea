// Artifacts the deploy tests start from, made by the real pipeline: `enableModel` then `buildArtifact`
// (ood enable, ood prepare). The digits example is calibrated on its training split; a torchvision model is
// exported by Debian's torch and enabled with the raw energy score.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { enableModel } from '../../src/certainty/enable.js';
import { fixtures } from './fixtures.js';
import { exportTorchvision, type TorchvisionArch } from './torchvision.js';

/** The labels of the digits example, one per class (digits 0-7). */
export const DIGIT_LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'];

/** Enable and prepare the digits model into `dir`; returns the enabled model and the artifact zip. */
export async function makeDigitsArtifact(
  dir: string,
  /** `uncheckedLabels`: pack labels.txt with --include, past prepare's check (for tests of the readers' own). */
  options: { labels?: string[]; uncheckedLabels?: boolean; version?: string } = {},
): Promise<{ model: string; zip: string }> {
  const model = join(dir, 'digits-enabled.onnx');
  await enableModel({ model: fixtures.digits.model, output: model, data: fixtures.digits.idTrain, force: true });
  let labels: string | undefined;
  if (options.labels) {
    labels = join(dir, 'labels.txt');
    await writeFile(labels, `${options.labels.join('\n')}\n`);
  }
  const zip = join(dir, `digits-${options.version ?? '1.0.0'}.zip`);
  await buildArtifact({
    model,
    output: zip,
    sample: fixtures.digits.sample,
    name: 'digits',
    version: options.version ?? '1.0.0',
    labels: options.uncheckedLabels ? undefined : labels,
    include: options.uncheckedLabels && labels ? [labels] : [],
    force: true,
    env: { SOURCE_DATE_EPOCH: '1767225600' },
  });
  return { model, zip };
}

/** Export a torchvision classifier (64 px input, batch dynamic), enable it and prepare it into `dir`. */
export async function makeTorchvisionArtifact(
  dir: string,
  arch: TorchvisionArch = 'mobilenet_v2',
): Promise<{ model: string; zip: string }> {
  const exported = await exportTorchvision(arch, { imageSize: 64 });
  const model = join(dir, `${arch}-enabled.onnx`);
  await enableModel({ model: exported, output: model, force: true });
  const zip = join(dir, `${arch}.zip`);
  await buildArtifact({
    model,
    output: zip,
    name: arch.replace('_', '-'),
    version: '1.0.0',
    force: true,
    env: { SOURCE_DATE_EPOCH: '1767225600' },
  });
  return { model, zip };
}
