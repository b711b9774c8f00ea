// The artifact format, version 1.0: file names, and the types of runtime.yaml, the I/O schemas and the
// manifest. docs/artifact-format.md is the prose twin of this file; keep them in step.
import type { NamedTensor } from '../tensor/tensor.js';

export const ARTIFACT_VERSION = '1.0';

export const ARTIFACT_FILES = {
  model: 'model.onnx',
  runtime: 'runtime.yaml',
  score: 'score.mjs',
  inputSchema: 'input_schema.json',
  outputSchema: 'output_schema.json',
  manifest: 'manifest.json',
  /** Optional: a KServe V2 inference request that `ood verify` replays. */
  sample: 'sample.json',
  /** Optional: an `ood evaluate --json` report of this model (`ood prepare --evaluation`). */
  evaluation: 'evaluation.json',
  /** Optional: class names, one a line in class order (`ood prepare --labels`; Triton's label_filename form). */
  labels: 'labels.txt',
  /**
   * templates/start_server.sh, executable: what DRUM's custom environments run from the model's directory
   * (/opt/code). prepare writes it into every artifact; artifacts made before it lack it, and none needs it.
   */
  startServer: 'start_server.sh',
} as const;

/** Files every artifact must hold. */
export const MANDATORY_FILES: readonly string[] = [
  ARTIFACT_FILES.model,
  ARTIFACT_FILES.runtime,
  ARTIFACT_FILES.score,
  ARTIFACT_FILES.inputSchema,
  ARTIFACT_FILES.outputSchema,
  ARTIFACT_FILES.manifest,
];

/** Per-input statistics computed from `--sample`, as ADS does for features. */
export interface TensorStatistics {
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
}

/** One tensor of a model's signature. `shape` uses -1 (unknown) or the symbolic name for dynamic dims. */
export interface TensorSpec {
  name: string;
  /** KServe V2 datatype: BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BYTES, BF16. */
  datatype: string;
  shape: (number | string)[];
  /** Position in the graph's input (or output) list. */
  order: number;
  description: string;
  statistics?: TensorStatistics;
}

/** input_schema.json and output_schema.json. Meta-schema: schemas/io-schema.schema.json. */
export interface IoSchema {
  schema_version: string;
  kind: 'input' | 'output';
  tensors: TensorSpec[];
}

/** manifest.json: every other file of the artifact. Meta-schema: schemas/manifest.schema.json. */
export interface Manifest {
  artifact_version: string;
  /** Sorted by path; paths are artifact-relative with forward slashes. */
  files: { path: string; sha256: string; size: number }[];
}

/** What the graph applied last to the classifier output: softmax/sigmoid values already are probabilities. */
export type ClassActivation = 'none' | 'softmax' | 'sigmoid';

/** runtime.yaml CLASSIFICATION: the classifier output and the labels of its classes (src/artifact/classification.ts). */
export interface Classification {
  /** The output whose last axis holds one value per class. */
  OUTPUT: string;
  /** Size of that axis; null when the graph leaves it symbolic. */
  CLASSES: number | null;
  ACTIVATION: ClassActivation;
  /** The artifact's labels file (labels.txt), when the classes have names. */
  LABELS?: string;
}

/** runtime.yaml, modelled on Oracle ADS. Schema: schemas/runtime.schema.json. */
export interface RuntimeYaml {
  MODEL_ARTIFACT_VERSION: string;
  MODEL_DEPLOYMENT: {
    INFERENCE_RUNTIME: {
      /** semver range of Node.js the entrypoint runs on, e.g. ">=20.19". */
      NODE_VERSION: string;
      /** onnxruntime-node version the artifact was prepared and checked with. */
      ONNXRUNTIME_NODE_VERSION: string;
      ENTRYPOINT: string;
      EXECUTION_PROVIDER: string;
    };
  };
  MODEL_PROVENANCE: {
    OOD_VERSION: string;
    /** ISO 8601; from SOURCE_DATE_EPOCH when set. */
    CREATED_AT: string;
    TRAINING_CODE: {
      GIT_REMOTE: string | null;
      GIT_COMMIT: string | null;
      GIT_BRANCH: string | null;
      GIT_DIRTY: boolean | null;
      TRAINING_SCRIPT: string | null;
      /** The changed paths of a dirty tree, sorted, at most MAX_DIRTY_PATHS of them. */
      DIRTY_PATHS?: string[];
      /** How many paths were changed (DIRTY_PATHS may hold fewer). */
      DIRTY_COUNT?: number;
      /** Whether the model file is in the tree of GIT_COMMIT (absent when there is no commit). */
      MODEL_TRACKED?: boolean;
      /** Why a field is null or a fact is missing: "not a git repository", "detached HEAD", "no commits". */
      NOTE?: string;
    };
  };
  MODEL_DETAILS: {
    NAME: string;
    VERSION: string;
    FILE: string;
    SHA256: string;
    SIZE: number;
    IR_VERSION: number;
    /** domain → version; the default domain is written as "ai.onnx". */
    OPSET: Record<string, number>;
    PRODUCER_NAME: string;
    PRODUCER_VERSION: string;
    EXTERNAL_DATA: string[];
  };
  CERTAINTY: {
    ENABLED: boolean;
    METHOD?: string;
    TEMPERATURE?: number;
    OUTPUT?: string;
    NORMALIZATION?: string;
    CALIBRATION_SAMPLES?: number;
    /** How the calibration data was preprocessed (ood.preprocessing). */
    PREPROCESSING?: object;
    /** The ood_scores value that rejects ID_REJECTION of in-distribution inputs (ood.threshold). */
    THRESHOLD?: { ID_REJECTION: number; SCORE: number };
  };
  /** Present when the model is recognisably a classifier (certainty-enabled, or prepared with --labels). */
  CLASSIFICATION?: Classification;
}

/**
 * The score entrypoint contract (templates/score.mjs). The server imports the module and calls:
 *   load(artifactDir, context) → model          context = { ort, log, sessionOptions? } (ort: the server's onnxruntime-node)
 *   predict(model, request) → response           request/response: { inputs|outputs: NamedTensor[] } (src/tensor)
 * Optional: preprocess(request, model) and postprocess(response, model), applied around predict.
 */
export interface ScoreRequest {
  id?: string;
  inputs: NamedTensor[];
  /** Requested outputs; all when absent. */
  outputs?: string[];
}
export interface ScoreResponse {
  outputs: NamedTensor[];
}
