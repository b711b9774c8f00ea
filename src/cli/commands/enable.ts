// `ood enable`: add a certainty score output to an ONNX classifier (docs/enable.md).
import type { CommandModule } from 'yargs';
import { runCommand, type GlobalOptions } from '../context.js';
import { RULES, readImageSize, readNumberList, readNumbers } from '../option-checks.js';
import { renderAutoTable } from '../render-auto-table.js';

/** Kept in step with src/certainty/methods/index.ts by test/certainty/new-methods.test.ts (not imported here for start-up time). */
export const METHOD_CHOICES = [
  'auto',
  'energy',
  'msp',
  'maxlogit',
  'gen',
  'mahalanobis',
  'rmds',
  'knn',
  'vim',
  'react-energy',
  'scale',
  'ash',
  'fdbd',
  // The combinations --method auto measures (auto/candidates.ts), so that a user can ask for the one it picked.
  'knn+mahalanobis',
  'knn+rmds',
  'knn+vim',
  'knn+fdbd',
];

interface EnableArgs extends GlobalOptions {
  model: string;
  output: string;
  data?: string;
  method: string;
  temperature?: string;
  'gen-gamma'?: string;
  logits?: string;
  'output-name'?: string;
  normalize?: string;
  percentile?: string;
  'image-size'?: string;
  mean?: string;
  std?: string;
  layout?: string;
  'batch-size'?: string | number;
  force?: boolean;
  features?: string;
  'knn-k'?: string;
  'knn-max-stored'?: string;
  'knn-layer'?: string;
  'react-percentile'?: string;
  'vim-dim'?: string;
  'shape-percentile'?: string;
  'ood-val'?: string[];
  'split-seed'?: number;
  resize?: string;
  'resize-shorter'?: number;
}

/** What enable's numeric options accept. */
const ENABLE_NUMBERS = {
  temperature: RULES.positive,
  'gen-gamma': RULES.positive,
  percentile: RULES.percentile,
  'batch-size': RULES.positiveCount,
  'knn-k': RULES.positiveCount,
  'knn-max-stored': RULES.positiveCount,
  'react-percentile': RULES.percentile,
  'vim-dim': RULES.positiveCount,
  'shape-percentile': RULES.percentile,
} as const;

export const enableCommand: CommandModule<object, EnableArgs> = {
  command: 'enable <model>',
  describe: 'Add a certainty score output (ood_scores) to an ONNX classifier, optionally calibrated to [0, 1]',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'The classifier (.onnx)' })
      .option('output', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: 'Where to write the enabled model',
      })
      .option('data', {
        type: 'string',
        describe: 'In-distribution data: V2 request .json, .npy, or a folder of them or of PNG/JPEG images',
      })
      .option('method', {
        type: 'string',
        choices: METHOD_CHOICES,
        default: 'energy',
        describe:
          'Scoring method; auto measures them all on --data and picks one; energy, msp, maxlogit and gen read the logits, the others the penultimate features (they need --data); knn+X sums the log CDF levels of knn and X',
      })
      .option('ood-val', {
        type: 'string',
        array: true,
        describe: 'auto: out-of-distribution validation data (repeatable); default: synthetic OOD from --data',
      })
      .option('split-seed', {
        type: 'number',
        describe: 'Seed of the fit/calibration/validation split of --data (default 20261201)',
      })
      .option('features', {
        type: 'string',
        describe: 'mahalanobis/knn: feature tensor (default: the input of the final Gemm/MatMul)',
      })
      .option('knn-k', { type: 'string', describe: 'knn: score by the k-th nearest stored feature (default 10)' })
      .option('knn-max-stored', {
        type: 'string',
        describe: 'knn: most calibration features stored in the graph (default 1024)',
      })
      .option('knn-layer', {
        type: 'string',
        choices: ['penultimate', 'previous'],
        describe:
          'knn: the features it reads: penultimate (default) or previous, the input of the linear layer before them',
      })
      .option('react-percentile', {
        type: 'string',
        describe: 'react-energy: clip activations at this ID percentile (default 90)',
      })
      .option('vim-dim', {
        type: 'string',
        describe: 'vim: dimension of the principal subspace (default: half the features, 1000 from 1536)',
      })
      .option('shape-percentile', {
        type: 'string',
        describe: 'scale/ash: per-row activation percentile that counts as the top (default 85 / 90)',
      })
      .option('temperature', { type: 'string', describe: 'Temperature T for energy and msp (default 1)' })
      .option('gen-gamma', { type: 'string', describe: 'gen: the exponent γ of its generalized entropy (default 0.1)' })
      .option('logits', {
        type: 'string',
        describe: 'Output to score (default: the single float [batch, classes] output)',
      })
      .option('output-name', { type: 'string', describe: 'Name of the score output (default ood_scores)' })
      .option('normalize', {
        type: 'string',
        choices: ['cdf', 'percentile', 'none'],
        describe: 'Map to [0, 1]: cdf (default with --data), percentile, none',
      })
      .option('percentile', {
        type: 'string',
        describe: 'For --normalize percentile: scores at or above this ID percentile map to 1 (default 20)',
      })
      .option('image-size', {
        type: 'string',
        describe: "Images: H,W or one size for both (default: the input's fixed dims)",
      })
      .option('mean', { type: 'string', describe: 'Images: per-channel mean of [0,1] pixels, e.g. 0.485,0.456,0.406' })
      .option('std', { type: 'string', describe: 'Images: per-channel std, e.g. 0.229,0.224,0.225' })
      .option('resize', {
        type: 'string',
        choices: ['stretch', 'center-crop'],
        describe: "Images: stretch to --image-size (default), or torchvision's Resize(shorter side) + CenterCrop",
      })
      .option('resize-shorter', {
        type: 'number',
        describe: 'Images, center-crop: the shorter side before cropping (default size / 0.875, 256 for 224)',
      })
      .option('layout', {
        type: 'string',
        choices: ['nchw', 'nhwc'],
        describe: 'Images: tensor layout (default: guessed from the input shape)',
      })
      .option('batch-size', { type: 'string', default: 32, describe: 'Calibration batch size' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Replace an existing output; re-enable an enabled model',
      })
      .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
      .example('$0 enable model.onnx -o enabled.onnx', 'Add an unnormalized energy score')
      .example(
        '$0 enable model.onnx -o enabled.onnx --data data/calibration.npy',
        'Calibrate: ood_scores is the in-distribution CDF, in [0, 1]',
      )
      .example(
        '$0 enable model.onnx -o enabled.onnx --method mahalanobis --data data/id_train.npy',
        'Mahalanobis distance on the penultimate features, fitted on training data',
      )
      .example(
        '$0 enable resnet.onnx -o out.onnx --data images/ --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225',
        'Calibrate on a folder of images',
      ),
  handler: (argv) =>
    runCommand(argv, async () => {
      const { enableModel } = await import('../../certainty/enable.js');
      const { createProgressBar } = await import('../progress-bar.js');
      const { printJson } = await import('../output.js');
      const n = readNumbers(argv, ENABLE_NUMBERS);
      const size = readImageSize(argv['image-size']);
      const mean = readNumberList('mean', argv.mean);
      const std = readNumberList('std', argv.std);
      const bar = createProgressBar('calibrating', { quiet: argv.quiet });
      try {
        const result = await enableModel({
          model: argv.model,
          output: argv.output,
          force: argv.force,
          method: argv.method,
          temperature: n.temperature,
          genGamma: n['gen-gamma'],
          logits: argv.logits,
          outputName: argv['output-name'],
          data: argv.data,
          normalize: argv.normalize as 'cdf' | 'percentile' | 'none' | undefined,
          percentile: n.percentile,
          batchSize: n['batch-size'],
          image: {
            size,
            mean,
            std,
            layout: argv.layout as 'nchw' | 'nhwc' | undefined,
            resize: argv.resize as 'stretch' | 'center-crop' | undefined,
            resizeShorterTo: argv['resize-shorter'],
          },
          oodValidation: argv['ood-val'],
          splitSeed: argv['split-seed'],
          onProgress: (done, total) => bar.update(done, total),
          features: argv.features,
          featureFit:
            n['knn-k'] !== undefined ||
            n['knn-max-stored'] !== undefined ||
            argv['knn-layer'] !== undefined ||
            n['react-percentile'] !== undefined ||
            n['vim-dim'] !== undefined ||
            n['shape-percentile'] !== undefined
              ? {
                  k: n['knn-k'],
                  maxStored: n['knn-max-stored'],
                  layer: argv['knn-layer'] as 'penultimate' | 'previous' | undefined,
                  clipPercentile: n['react-percentile'],
                  principalDim: n['vim-dim'],
                  shapePercentile: n['shape-percentile'],
                }
              : undefined,
        });
        bar.finish();
        if (argv.json) {
          printJson(result);
          return;
        }
        const r = result.record;
        const lines = [
          `enabled ${argv.model} -> ${result.output}`,
          `  score output  ${r.output} FP32 [${r.outputShape.join(', ')}] from ${r.logits} (${r.method}, T=${r.temperature}), opset ${result.opset}`,
          `  normalization ${r.normalization}${r.calibration ? ` on ${r.calibration.samples} samples (raw min ${fmt(r.calibration.min)}, mean ${fmt(r.calibration.mean)}, max ${fmt(r.calibration.max)})` : ''}`,
          `  added         ${result.added.nodes} nodes, ${result.added.initializers} initializers`,
          ...(result.methodParameters
            ? [
                `  fitted        ${Object.entries(result.methodParameters)
                  .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : String(v)}`)
                  .join(', ')}`,
              ]
            : []),
          ...(result.removed.nodes + result.removed.metadata > 0
            ? [
                `  replaced      an earlier enablement (${result.removed.nodes} nodes, ${result.removed.metadata} metadata entries)`,
              ]
            : []),
          ...(result.externalDataCopied.length > 0
            ? [`  copied        external data ${result.externalDataCopied.join(', ')}`]
            : []),
          ...(result.split
            ? [
                `  split         ${result.split.rows.fit} fit, ${result.split.rows.calibration} calibration, ${result.split.rows.validation} validation rows (seed ${result.split.seed}, stratified by predicted class)`,
              ]
            : []),
          ...(result.threshold
            ? [
                `  threshold     ood_scores < ${fmt(result.threshold.score)} rejects ${result.threshold.idRejection * 100}% of ${result.threshold.measuredOn} rows (ood.threshold)`,
              ]
            : []),
          ...(result.auto ? renderAutoTable(result.auto) : []),
          ...result.warnings.map((w) => `  warning       ${w}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        bar.finish();
      }
    }),
};

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}
