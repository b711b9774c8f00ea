// `ood export triton ARTIFACT|MODEL -o DIR`: write a Triton model repository with an explicit config.pbtxt.
import type { Argv, CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readNumbers } from '../option-checks.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';

/** The Triton settings' numbers (text from yargs, read by option-checks so `--max-batch abc` is named). */
export const TRITON_NUMBERS = {
  'model-version': RULES.positiveCount,
  'max-batch': RULES.count,
  instances: RULES.positiveCount,
} as const;

interface TritonArgs extends GlobalOptions, ConnectionArgs {
  source: string;
  output: string;
  name?: string;
  'model-version'?: string;
  'max-batch'?: string;
  'queue-delay'?: string;
  instances?: string;
  device: 'auto' | 'cpu' | 'gpu';
  force?: boolean;
  labels?: string;
}

const tritonCommand: CommandModule<object, TritonArgs> = {
  command: 'triton <source>',
  describe: 'Write a Triton model repository (config.pbtxt, numeric version directory, model and external data)',
  builder: (y) =>
    withReferenceOptions(y)
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe:
          'Artifact .zip or directory (from `ood prepare`), a .onnx model, or a reference (NAME:TAG, HOST/NAME@sha256:…)',
      })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Model repository directory' })
      .option('name', { type: 'string', describe: "Model name in Triton (default: the artifact's name)" })
      .option('model-version', {
        alias: 'version',
        type: 'string',
        describe: 'Numeric version directory (default 1)',
      })
      .option('max-batch', {
        type: 'string',
        describe: 'max_batch_size; needs a dynamic first dimension everywhere (default 8 then, else 0; 0 = off)',
      })
      .option('queue-delay', {
        type: 'string',
        describe: "Dynamic batcher's max_queue_delay_microseconds (default 100)",
      })
      .option('instances', { type: 'string', describe: 'Model instances per device (instance_group count, default 1)' })
      .option('device', {
        choices: ['auto', 'cpu', 'gpu'] as const,
        default: 'auto' as const,
        describe: 'instance_group kind: KIND_AUTO, KIND_CPU or KIND_GPU',
      })
      .option('labels', {
        type: 'string',
        describe: "Class labels, one per line, for label_filename (default: the artifact's labels.txt, if any)",
      })
      .option('force', { type: 'boolean', describe: "Replace the model's directory if the repository has it" })
      .option('json', { type: 'boolean', describe: 'Print what was written as JSON' })
      .example(
        '$0 export triton digits.zip -o model-repository',
        'Then: tritonserver --model-repository=model-repository',
      )
      .example('$0 export triton resnet.onnx -o repo --name resnet --max-batch 32 --instances 2', 'Tune batching'),
  handler: (argv) =>
    runCommand(argv, async () => {
      const n = readNumbers(argv, { ...TRITON_NUMBERS, 'queue-delay': { ...RULES.count, example: '100' } });
      const { exportTriton } = await import('../../deploy/triton/export.js');
      const source = await resolveArtifactArgument(argv.source, argv);
      const result = await exportTriton(source, argv.output, {
        name: argv.name,
        version: n['model-version'],
        maxBatch: n['max-batch'],
        queueDelayMicroseconds: n['queue-delay'],
        instances: n.instances,
        kind: argv.device,
        force: argv.force,
        labelsFile: argv.labels,
      });
      if (argv.json) {
        const { printJson } = await import('../output.js');
        printJson(result);
        return;
      }
      process.stdout.write(`${result.modelDir}\n`);
      if (!argv.quiet) for (const file of result.files) process.stderr.write(`  ${file}\n`);
      for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    }),
};

export const exportCommand: CommandModule<object, object> = {
  command: 'export',
  describe: 'Export a model for another serving engine (triton)',
  builder: (y: Argv) => y.command(tritonCommand).demandCommand(1, 'Name a target: ood export triton …'),
  handler: () => undefined,
};
