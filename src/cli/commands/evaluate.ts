// `ood evaluate`: how well does a certainty-enabled model's score separate in- from out-of-distribution data?
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';

interface EvaluateArgs extends GlobalOptions {
  model: string;
  id: string;
  ood: string[];
  original?: string;
  html?: string;
  'batch-size'?: number;
  force?: boolean;
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: 'evaluate <model>',
  describe: 'Measure how well the certainty score separates in-distribution from out-of-distribution data',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'Enabled .onnx model, or an artifact (.zip or directory)' })
      .option('id', { type: 'string', demandOption: true, describe: 'In-distribution data set (.npy)' })
      .option('ood', { type: 'string', array: true, demandOption: true, describe: 'Out-of-distribution data set (.npy); repeat for several' })
      .option('original', { type: 'string', describe: 'The model before `ood enable`, to compare its outputs bit for bit' })
      .option('html', { type: 'string', describe: 'Also write a self-contained HTML report (ROC curves, histograms) here' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing --html file' })
      .option('batch-size', { type: 'number', default: 64, describe: 'Samples per onnxruntime run' })
      .option('json', { type: 'boolean', describe: 'Print the report as JSON' })
      .example(
        '$0 evaluate enabled.onnx --id data/calibration.npy --ood data/ood_heldout.npy --ood data/ood_noise.npy --html report.html',
        'AUROC, FPR@95%TPR and AUPR per OOD set, and an HTML report',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { evaluateModel, renderEvaluationText, renderEvaluationHtml, EXIT_CODES } = await import('../../index.js');
      const { writeFileAtomic, assertWritableTarget } = await import('../../io/atomic-file.js');
      const { printJson } = await import('../output.js');
      if (argv.html) await assertWritableTarget(argv.html, argv.force === true);
      const report = await evaluateModel({ model: argv.model, id: argv.id, ood: argv.ood, original: argv.original, batchSize: argv['batch-size'] });
      if (argv.html) await writeFileAtomic(argv.html, renderEvaluationHtml(report));
      if (argv.json) printJson(report);
      else process.stdout.write(`${renderEvaluationText(report)}\n${argv.html ? `report written to ${argv.html}\n` : ''}`);
      return report.outputs.status === 'different' ? EXIT_CODES.check : EXIT_CODES.ok;
    }),
};
