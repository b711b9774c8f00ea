// `ood deploy kserve ARTIFACT --storage-uri URI [-o FILE]`: write a KServe InferenceService manifest.
import type { Argv, CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readNumbers } from '../option-checks.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';

interface KserveArgs extends GlobalOptions, ConnectionArgs {
  source: string;
  'storage-uri'?: string;
  image?: string;
  output?: string;
  name?: string;
  namespace?: string;
  runtime: string;
  'min-replicas'?: string;
  'max-replicas'?: string;
  cpu: string;
  memory: string;
  gpus?: string;
  force?: boolean;
}

const kserveCommand: CommandModule<object, KserveArgs> = {
  command: 'kserve <source>',
  describe: 'Write a KServe InferenceService (ONNX on Triton, Open Inference Protocol v2) for an artifact',
  builder: (y) =>
    withReferenceOptions(y)
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'Artifact .zip or directory, a .onnx model, or a reference (NAME:TAG, HOST/NAME@sha256:…)',
      })
      .option('storage-uri', {
        type: 'string',
        describe: 'oci://HOST/REPO:TAG (a modelcar) or s3:// gs:// pvc:// (a Triton repository)',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'Write the YAML to FILE (default: stdout)' })
      .option('name', { type: 'string', describe: "InferenceService name (default: the artifact's name)" })
      .option('namespace', { type: 'string', describe: 'metadata.namespace (default: none, kubectl decides)' })
      .option('runtime', {
        type: 'string',
        default: 'kserve-tritonserver',
        describe: 'ServingRuntime name; "ood" writes one for the ood server image (--image)',
      })
      .option('image', { type: 'string', describe: 'With --runtime ood: the image `ood image` pushed' })
      .option('min-replicas', { type: 'string', describe: 'predictor.minReplicas (default 1)' })
      .option('max-replicas', { type: 'string', describe: 'predictor.maxReplicas (default: min-replicas, at least 1)' })
      .option('cpu', { type: 'string', default: '1', describe: 'CPU request and limit per replica' })
      .option('memory', { type: 'string', default: '2Gi', describe: 'Memory request and limit per replica' })
      .option('gpus', { type: 'string', describe: 'nvidia.com/gpu per replica (default none)' })
      .option('force', { type: 'boolean', describe: 'Replace FILE if it exists' })
      .option('json', { type: 'boolean', describe: 'Print the manifest as JSON instead of YAML' })
      .example(
        '$0 deploy kserve digits.zip --storage-uri oci://registry.example.com/models/digits:1.0.0 -o digits.yaml',
        'Then: kubectl apply -f digits.yaml',
      )
      .example(
        '$0 deploy kserve digits.zip --storage-uri s3://models/triton --max-replicas 4 --gpus 1',
        'A Triton repository on S3',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const n = readNumbers(argv, {
        'min-replicas': RULES.count,
        'max-replicas': RULES.positiveCount,
        gpus: { ...RULES.count, example: '1' },
      });
      const { deployKserve } = await import('../../deploy/kserve/deploy.js');
      const result = await deployKserve(await resolveArtifactArgument(argv.source, argv), {
        storageUri: argv['storage-uri'],
        image: argv.image,
        output: argv.output,
        force: argv.force,
        name: argv.name,
        namespace: argv.namespace,
        runtime: argv.runtime,
        minReplicas: n['min-replicas'],
        maxReplicas: n['max-replicas'],
        cpu: argv.cpu,
        memory: argv.memory,
        gpus: n.gpus,
      });
      if (argv.json) {
        const { printJson } = await import('../output.js');
        // Kubernetes objects keep the Kubernetes API's own (camelCase) field names.
        printJson(result.servingRuntime ? [result.servingRuntime, result.manifest] : result.manifest, {
          verbatim: true,
        });
      } else if (!argv.output) process.stdout.write(result.yaml);
      else process.stdout.write(`${argv.output}\n`);
      for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    }),
};

export const deployCommand: CommandModule<object, object> = {
  command: 'deploy',
  describe: 'Write deployment manifests for a serving platform (kserve)',
  builder: (y: Argv) => y.command(kserveCommand).demandCommand(1, 'Name a platform: ood deploy kserve …'),
  handler: () => undefined,
};
