// Absolute paths of the shared test fixtures, so tests never spell out repository paths themselves.
// The models are written by test/fixtures/make_models.py and examples/digits/train.py (see their READMEs).
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (no trailing slash). */
export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const models = join(repoRoot, 'test', 'fixtures', 'models');
const digitsDir = join(repoRoot, 'examples', 'digits');

/** KServe V2 datatypes that onnxruntime-node carries, one passthrough (Identity) model each. */
export const PASSTHROUGH_TYPES = [
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
] as const;
export type PassthroughType = (typeof PASSTHROUGH_TYPES)[number];

/** ai.onnx opsets with an `mlp_opset<N>.onnx` classifier; the last is the newest onnxruntime-node 1.30 runs. */
export const MLP_OPSETS = [11, 13, 17, 18, 21, 26] as const;
export type MlpOpset = (typeof MLP_OPSETS)[number];

/** Every fixture path, grouped by purpose. */
export const fixtures = {
  /** The bundled example classifier: digits 0-7, input `image` FP32 [batch,1,8,8], output `logits` [batch,8]. */
  digits: {
    dir: digitsDir,
    model: join(digitsDir, 'model.onnx'),
    /** KServe V2 request with 4 test images (labels 4, 6, 5, 6). */
    sample: join(digitsDir, 'sample.json'),
    sampleLabels: [4, 6, 5, 6] as const,
    /** Class names, one a line in class order ("zero" … "seven"), for `ood prepare --labels`. */
    labels: join(digitsDir, 'labels.txt'),
    /** In-distribution held-out test split, float32 [289,1,8,8], and its int64 labels. */
    calibration: join(digitsDir, 'data', 'calibration.npy'),
    calibrationLabels: join(digitsDir, 'data', 'calibration_labels.npy'),
    /** Digits 8 and 9, never trained on: float32 [354,1,8,8], and their labels. */
    oodHeldout: join(digitsDir, 'data', 'ood_heldout.npy'),
    oodHeldoutLabels: join(digitsDir, 'data', 'ood_heldout_labels.npy'),
    /** Written by make_ood_sets.py: the training split [1154,1,8,8], inverted test digits, uniform noise. */
    idTrain: join(digitsDir, 'data', 'id_train.npy'),
    oodInverted: join(digitsDir, 'data', 'ood_inverted.npy'),
    oodNoise: join(digitsDir, 'data', 'ood_noise.npy'),
    trainScript: join(digitsDir, 'train.py'),
  },
  /** a FP32 [batch,3] + b INT64 [batch,2] -> logits FP32 [batch,4] + label INT64 [batch]. */
  multiIo: join(models, 'multi_io.onnx'),
  /** x FP32 [batch,seq,4] -> features [batch,seq,3] + pooled [batch,3]. */
  dynamicDims: join(models, 'dynamic_dims.onnx'),
  /** MLP x [batch,6] -> logits [batch,5] with every initializer in weights.bin beside it. */
  externalData: {
    dir: join(models, 'external_data'),
    model: join(models, 'external_data', 'model.onnx'),
    weights: join(models, 'external_data', 'weights.bin'),
  },
  /** Identity x -> y, [batch,3], of one KServe V2 datatype. */
  passthrough: (datatype: PassthroughType): string => join(models, 'passthrough', `${datatype}.onnx`),
  /** Gemm/Relu/Gemm classifier x [batch,6] -> logits [batch,5] at the given ai.onnx opset. */
  mlp: (opset: MlpOpset): string => join(models, `mlp_opset${opset}.onnx`),
  /** Classifier with ai.onnx.ml Normalizer before and LabelEncoder (string `label`) after it. */
  mlpOnnxMl: join(models, 'mlp_onnx_ml.onnx'),
  /** Single rank-3 float output: no logits to score. */
  notAClassifier: join(models, 'not_a_classifier.onnx'),
  /** Two rank-2 float outputs, logits_a [batch,5] and logits_b [batch,3]: ambiguous logits. */
  twoLogits: join(models, 'two_logits.onnx'),
  /** Files that are not usable models, with the OodError code OnnxModel.open gives each. */
  broken: {
    notOnnx: join(models, 'not_onnx.onnx'),
    truncated: join(models, 'truncated.onnx'),
    lfsPointer: join(models, 'lfs_pointer.onnx'),
    empty: join(models, 'empty.onnx'),
  },
  /** Gitignored cache for large models built during the test run (torchvision exports). */
  cacheDir: join(repoRoot, '.cache'),
} as const;
