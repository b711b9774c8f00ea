// `ood evaluate`: how well does a certainty-enabled model's score separate in- from out-of-distribution data?
import type { CommandModule } from 'yargs';
import { resolveArtifactArgument } from '../artifact-argument.js';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readImageSize, readNumberList, readNumbers } from '../option-checks.js';
import { withReferenceOptions, type ConnectionArgs } from './registry-options.js';

interface EvaluateArgs extends GlobalOptions, ConnectionArgs {
  model: string;
  id: string;
  ood: string[];
  original?: string;
  html?: string;
  'batch-size'?: string | number;
  force?: boolean;
  'image-size'?: string;
  mean?: string;
  std?: string;
  layout?: string;
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: 'evaluate <model>',
  describe: 'Measure how well the certainty score separates in-distribution from out-of-distribution data',
  builder: (y) =>
    withReferenceOptions(y)
      .positional('model', {
        type: 'string',
        demandOption: true,
        describe: 'Enabled .onnx model, an artifact (.zip or directory), or a reference (NAME:TAG, HOST/NAME@sha256:…)',
      })
      .option('id', {
        type: 'string',
        demandOption: true,
        describe: 'In-distribution data: V2 request .json, .npy, or a folder of them or of PNG/JPEG images',
      })
      .option('ood', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Out-of-distribution data set (same forms as --id); repeat for several',
      })
      .option('image-size', {
        type: 'string',
        describe: "Images: H,W or one size for both (default: the input's fixed dims)",
      })
      .option('mean', { type: 'string', describe: 'Images: per-channel mean of [0,1] pixels' })
      .option('std', { type: 'string', describe: 'Images: per-channel std' })
      .option('layout', { type: 'string', choices: ['nchw', 'nhwc'], describe: 'Images: tensor layout' })
      .option('original', {
        type: 'string',
        describe: 'The model before `ood enable`, to compare its outputs bit for bit',
      })
      .option('html', {
        type: 'string',
        describe: 'Also write a self-contained HTML report (ROC curves, histograms) here',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing --html file' })
      .option('batch-size', { type: 'string', default: 64, describe: 'Samples per onnxruntime run' })
      .option('json', { type: 'boolean', describe: 'Print the report as JSON' })
      .example(
        '$0 evaluate enabled.onnx --id data/calibration.npy --ood data/ood_heldout.npy --ood data/ood_noise.npy --html report.html',
        'AUROC, FPR@95%TPR and AUPR per OOD set, and an HTML report',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      // Only what evaluate needs: importing the whole library would load the server and registry too.
      const { evaluateModel } = await import('../../evaluate/evaluate-model.js');
      const { renderEvaluationText } = await import('../render-evaluation-text.js');
      const { renderEvaluationHtml } = await import('../render-evaluation-html.js');
      const { EXIT_CODES } = await import('../../errors.js');
      const n = readNumbers(argv, { 'batch-size': RULES.positiveCount });
      const image = {
        size: readImageSize(argv['image-size']),
        mean: readNumberList('mean', argv.mean),
        std: readNumberList('std', argv.std),
        layout: argv.layout as 'nchw' | 'nhwc' | undefined,
      };
      const { writeFileAtomic, assertWritableTarget } = await import('../../io/atomic-file.js');
      const { printJson } = await import('../output.js');
      if (argv.html) await assertWritableTarget(argv.html, argv.force === true);
      const { createProgressBar } = await import('../progress-bar.js');
      const bar = createProgressBar('evaluating', { quiet: argv.quiet || argv.json });
      const model = await resolveArtifactArgument(argv.model, argv, 'model or artifact');
      const report = await evaluateModel({
        model,
        id: argv.id,
        ood: argv.ood,
        original: argv.original,
        batchSize: n['batch-size'],
        image,
        onProgress: (done, total) => bar.update(done, total),
      }).finally(() => bar.finish());
      // A reference is reported as the user named it, not as its place in the cache.
      if (model !== argv.model) report.model.path = argv.model;
      if (argv.html) await writeFileAtomic(argv.html, renderEvaluationHtml(report));
      const { aurocWarnings } = await import('../../evaluate/auroc-warnings.js');
      for (const w of aurocWarnings(report)) process.stderr.write(`Warning: ${w}\n`);
      if (argv.json) printJson(report);
      else
        process.stdout.write(`${renderEvaluationText(report)}\n${argv.html ? `report written to ${argv.html}\n` : ''}`);
      return report.outputs.status === 'different' ? EXIT_CODES.check : EXIT_CODES.ok;
    }),
};
