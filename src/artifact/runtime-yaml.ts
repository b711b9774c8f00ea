// runtime.yaml (artifact format 1.0), modelled on Oracle ADS's: deployment runtime, provenance, model facts
// and certainty settings. Validated against schemas/runtime.schema.json before anyone writes it.
import { stringify } from 'yaml';
import { readCertaintyRecord } from '../certainty/metadata.js';
import { readPreprocessing, readThreshold } from '../certainty/measured-metadata.js';
import { OodError } from '../errors.js';
import type { OnnxModel } from '../onnx/model.js';
import { OOD_VERSION } from '../version.js';
import { dependencyVersion, oodPackage } from '../io/package-files.js';
import { assertWritable } from './validate.js';
import { ARTIFACT_FILES, ARTIFACT_VERSION, type Classification, type RuntimeYaml } from './spec.js';
import type { TrainingCode } from './provenance.js';

/** The onnxruntime-node version installed next to ood: the one the artifact is prepared and checked with. */
export function onnxruntimeVersion(): string {
  return dependencyVersion('onnxruntime-node') ?? '0.0.0';
}

/** The Node range the entrypoint needs: ood's own `engines.node`. */
function nodeRange(): string {
  return oodPackage().engines?.node ?? '>=20';
}

/** CREATED_AT: SOURCE_DATE_EPOCH (seconds) when set, so that rebuilds are byte-identical; otherwise now. */
export function creationTime(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^\d+$/.test(epoch)) {
    throw new OodError('BAD_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH must be a whole number of seconds, got "${epoch}"`, {
      hint: 'Set it to a Unix time, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct).',
    });
  }
  return new Date(Number(epoch) * 1000);
}

/** What the build knows when it writes runtime.yaml. */
export interface RuntimeFacts {
  model: OnnxModel;
  name: string;
  version: string;
  sha256: string;
  size: number;
  createdAt: Date;
  trainingCode: TrainingCode;
  executionProvider?: string;
  /** runtime.yaml CLASSIFICATION (classification.ts), when the model is a classifier. */
  classification?: Classification;
}

/** Assemble runtime.yaml's content from facts gathered by the build. */
export function buildRuntime(facts: RuntimeFacts): RuntimeYaml {
  const { model } = facts;
  const opset: Record<string, number> = {};
  for (const o of [...model.info.opsetImports].sort((a, b) => a.domain.localeCompare(b.domain))) {
    opset[o.domain === '' ? 'ai.onnx' : o.domain] = o.version;
  }
  const certainty = readCertaintyRecord(model.metadataMap);
  return {
    MODEL_ARTIFACT_VERSION: ARTIFACT_VERSION,
    MODEL_DEPLOYMENT: {
      INFERENCE_RUNTIME: {
        NODE_VERSION: nodeRange(),
        ONNXRUNTIME_NODE_VERSION: onnxruntimeVersion(),
        ENTRYPOINT: ARTIFACT_FILES.score,
        EXECUTION_PROVIDER: facts.executionProvider ?? 'cpu',
      },
    },
    MODEL_PROVENANCE: {
      OOD_VERSION,
      CREATED_AT: facts.createdAt.toISOString(),
      TRAINING_CODE: facts.trainingCode,
    },
    MODEL_DETAILS: {
      NAME: facts.name,
      VERSION: facts.version,
      FILE: ARTIFACT_FILES.model,
      SHA256: facts.sha256,
      SIZE: facts.size,
      IR_VERSION: model.info.irVersion,
      OPSET: opset,
      PRODUCER_NAME: model.info.producerName,
      PRODUCER_VERSION: model.info.producerVersion,
      EXTERNAL_DATA: model.externalDataFiles(),
    },
    CERTAINTY: certainty
      ? {
          ENABLED: true,
          METHOD: certainty.method,
          TEMPERATURE: certainty.temperature,
          OUTPUT: certainty.output,
          NORMALIZATION: certainty.normalization,
          ...(certainty.calibration ? { CALIBRATION_SAMPLES: certainty.calibration.samples } : {}),
          ...certaintyMeasurements(model.metadataMap),
        }
      : { ENABLED: false },
    ...(facts.classification ? { CLASSIFICATION: facts.classification } : {}),
  };
}

/** What enable measured (certainty/enable-measure.ts): the preprocessing and the 5%-ID-rejection threshold. */
function certaintyMeasurements(metadata: ReadonlyMap<string, string>): Partial<RuntimeYaml['CERTAINTY']> {
  const threshold = readThreshold(metadata);
  const preprocessing = readPreprocessing(metadata);
  return {
    ...(preprocessing ? { PREPROCESSING: preprocessing } : {}),
    ...(threshold ? { THRESHOLD: { ID_REJECTION: threshold.idRejection, SCORE: threshold.score } } : {}),
  };
}

/** runtime.yaml text, after checking the content against schemas/runtime.schema.json. */
export function renderRuntimeYaml(runtime: RuntimeYaml): string {
  assertWritable('runtime', runtime, {
    code: 'RUNTIME_YAML_INVALID',
    file: ARTIFACT_FILES.runtime,
    hint: 'This is a bug in ood (or a bad --name/--version); rerun with --verbose and report it.',
  });
  const header = `# ood model artifact ${ARTIFACT_VERSION}; schema: schemas/runtime.schema.json\n`;
  return header + stringify(runtime, { lineWidth: 0, sortMapEntries: false });
}
