// `ood export triton ARTIFACT|MODEL -o DIR`: write a Triton model repository with an explicit config.pbtxt.
import type { Argv, CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';

interface TritonArgs extends GlobalOptions {
  source: string;
  output: string;
  name?: string;
  'model-version'?: number;
  'max-batch'?: number;
  'queue-delay'?: number;
  instances?: number;
  device: 'auto' | 'cpu' | 'gpu';
  force?: boolean;
  labels?: string;
}

const tritonCommand: CommandModule<object, TritonArgs> = {
  command: 'triton <source>',
  describe: 'Write a Triton model repository (config.pbtxt, numeric version directory, model and external data)',
  builder: (y) =>
    y
      .positional('source', {
        type: 'string',
        demandOption: true,
        describe: 'Artifact .zip or directory (from `ood prepare`), or a .onnx model',
      })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Model repository directory' })
      .option('name', { type: 'string', describe: "Model name in Triton (default: the artifact's name)" })
      .option('model-version', {
        alias: 'version',
        type: 'number',
        describe: 'Numeric version directory (default 1)',
      })
      .option('max-batch', {
        type: 'number',
        describe: 'max_batch_size; needs a dynamic first dimension everywhere (default 8 then, else 0; 0 = off)',
      })
      .option('queue-delay', {
        type: 'number',
        describe: "Dynamic batcher's max_queue_delay_microseconds (default 100)",
      })
      .option('instances', { type: 'number', describe: 'Model instances per device (instance_group count, default 1)' })
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
      const { exportTriton } = await import('../../deploy/triton/export.js');
      const result = await exportTriton(argv.source, argv.output, {
        name: argv.name,
        version: argv['model-version'],
        maxBatch: argv['max-batch'],
        queueDelayMicroseconds: argv['queue-delay'],
        instances: argv.instances,
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
      for (const file of result.files) process.stderr.write(`  ${file}\n`);
      for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    }),
};

export const exportCommand: CommandModule<object, object> = {
  command: 'export',
  describe: 'Export a model for another serving engine (triton)',
  builder: (y: Argv) => y.command(tritonCommand).demandCommand(1, 'Name a target: ood export triton …'),
  handler: () => undefined,
};
