// `ood push ARTIFACT.zip REF`: store an artifact in the local OCI layout or a registry; prints the digest.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { OodError } from '../../errors.js';
import { readNumbers } from '../option-checks.js';
import { requireProvenance, withProvenancePolicy } from '../provenance-policy.js';
import { formatBytes, plural } from '../wording.js';
import { TRITON_NUMBERS } from './export.js';
import { withModelcarOptions, type ModelcarArgs } from './modelcar-options.js';
import { storeOptionsFrom, withRegistryOptions, type RegistryArgs } from './registry-options.js';

const MODELCAR_ONLY = ['base', 'platform', 'name', 'model-version', 'max-batch', 'instances', 'device'] as const;

interface PushArgs extends GlobalOptions, RegistryArgs, ModelcarArgs {
  artifact: string;
  ref: string;
  force?: boolean;
  'ignore-check'?: string[];
  'require-provenance'?: boolean;
}

export const pushCommand: CommandModule<object, PushArgs> = {
  command: 'push <artifact> <ref>',
  describe: 'Push an artifact zip to the local store (NAME:TAG) or an OCI registry (HOST/NAME:TAG)',
  builder: (y) =>
    withModelcarOptions(
      withRegistryOptions(
        withProvenancePolicy(y)
          .positional('artifact', {
            type: 'string',
            demandOption: true,
            describe: 'Artifact zip written by `ood prepare`',
          })
          .positional('ref', {
            type: 'string',
            demandOption: true,
            describe: 'digits:1.0 (local) or 127.0.0.1:5000/team/digits:1.0',
          })
          .option('json', { type: 'boolean', describe: 'Print digest, layers and transfer counts as JSON' })
          .option('force', {
            type: 'boolean',
            describe:
              'Move the tag when it already names another artifact, and push although introspect FAILS schemas, model, score, certainty or provenance checks (each printed as a warning); never past archive, files, integrity or runtime',
          })
          .option('ignore-check', {
            type: 'string',
            array: true,
            requiresArg: true,
            describe:
              'Push although introspect FAILS this check (repeatable): integrity.*, runtime.node/onnxruntime, or any schemas/model/score/certainty/provenance check; never archive safety or what runs',
          })
          .example('$0 push digits.zip digits:1.0', 'Store in ~/.ood/registry (or $OOD_HOME/registry)')
          .example(
            '$0 push digits.zip digits:1.0 --ignore-check runtime.onnxruntime',
            'Push although its onnxruntime range does not match this machine',
          )
          .example(
            'echo "$PASS" | $0 push digits.zip registry.example.com/team/digits:1.0 --username me --password-stdin',
            'Push to a registry',
          )
          .example(
            '$0 push digits.zip registry.example.com/models/digits:1.0.0 --modelcar --base registry.example.com/mirror/busybox:1.36',
            'A KServe modelcar: storageUri oci://registry.example.com/models/digits:1.0.0',
          ),
      ),
    ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { printJson } = await import('../output.js');
      if (argv.modelcar) return pushModelcarCommand(argv, printJson);
      const stray = MODELCAR_ONLY.filter((flag) => argv[flag] !== undefined);
      if (stray.length > 0)
        throw new OodError('MODELCAR_OPTION_ALONE', `--${stray.join(', --')} only apply with --modelcar`, {
          hint: 'Add --modelcar to push a KServe modelcar image, or drop those options to push the artifact.',
        });
      await refuseDirectory(argv.artifact);
      const { pushArtifact } = await import('../../registry/push.js');
      const { createByteProgressBar } = await import('../progress-bar.js');
      const bar = createByteProgressBar('pushing', { quiet: argv.quiet || argv.json });
      const result = await pushArtifact(argv.artifact, argv.ref, {
        ...(await storeOptionsFrom(argv)),
        force: argv.force === true,
        ignoreChecks: argv['ignore-check'] ?? [],
        requireProvenance: requireProvenance(argv['require-provenance']),
        onBytes: (done, total, moved) => bar.update(done, total, moved),
      }).finally(() => bar.finish());
      if (argv.json) printJson(result);
      else {
        for (const c of result.ignoredChecks)
          process.stderr.write(`Warning: pushed although introspect fails ${c.key}: ${c.message}\n`);
        process.stdout.write(`${result.digest}\n`);
        const s = result.stats;
        if (!argv.quiet)
          process.stderr.write(
            `pushed ${result.reference}: ${plural(s.blobsUploaded, 'blob')} uploaded (${formatBytes(s.bytesUploaded)}), ${s.blobsSkipped} already there\n`,
          );
      }
    }),
};

/** A registry stores the zip, byte for byte: a directory (prepare --dir) is told so before introspect runs on it. */
async function refuseDirectory(path: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  if (!(await stat(path).catch(() => null))?.isDirectory()) return;
  throw new OodError('NOT_AN_ARTIFACT', `${path} is a directory: ood push stores an artifact zip`, {
    hint: 'Write the zip with `ood prepare MODEL.onnx -o artifact.zip` (not --dir), and push that.',
  });
}

async function pushModelcarCommand(argv: PushArgs, printJson: (value: unknown) => void): Promise<void> {
  const n = readNumbers(argv, TRITON_NUMBERS);
  if (!argv.base)
    throw new OodError('MODELCAR_NEEDS_BASE', '--modelcar needs --base: an image with a shell to put the model on', {
      hint: 'Mirror a small image with a shell into your registry and name it: --base registry.example.com/mirror/busybox:1.36',
    });
  const { pushModelcar } = await import('../../deploy/modelcar.js');
  const { createImageUploadBars } = await import('../progress-bar.js');
  const bars = createImageUploadBars({ quiet: argv.quiet || argv.json });
  const result = await pushModelcar(argv.artifact, argv.ref, {
    ...(await storeOptionsFrom(argv)),
    base: argv.base,
    platform: argv.platform,
    name: argv.name,
    version: n['model-version'],
    maxBatch: n['max-batch'],
    instances: n.instances,
    kind: argv.device,
    progress: bars.progress,
  }).finally(() => bars.finish());
  if (argv.json) return printJson(result);
  process.stdout.write(`${result.digest}\n`);
  if (argv.quiet) return;
  const moved = (t: string) => result.layers.filter((l) => l.transfer === t).length;
  process.stderr.write(
    `pushed modelcar ${result.reference} (${result.platform}): model at ${result.modelPath}; base layers ` +
      `${moved('mounted')} mounted, ${moved('copied')} copied, ${moved('present')} already there\n` +
      `artifact ${result.artifact.reference} is its subject\n` +
      `KServe: storageUri: oci://${result.reference}\n`,
  );
}
