// `ood inspect`: show a raw ONNX model's signature, opsets, producer, size and certainty record.
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';

interface InspectArgs extends GlobalOptions {
  model: string;
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <model>',
  describe: "Show a model's inputs and outputs, opsets, producer, size and certainty record",
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'The .onnx model' })
      .option('json', { type: 'boolean', describe: 'Print the description as JSON' })
      .example('$0 inspect examples/digits/model.onnx', 'Inputs, outputs and opsets, as tables')
      .example('$0 inspect enabled.onnx --json | jq .certainty', 'The certainty record ood enable wrote'),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { describeModel } = await import('../../artifact/describe-model.js');
      const { printJson } = await import('../output.js');
      const { renderModelDescription } = await import('../render-inspect.js');
      const description = await describeModel(argv.model);
      if (argv.json) printJson(description);
      else process.stdout.write(renderModelDescription(description));
    }),
};
