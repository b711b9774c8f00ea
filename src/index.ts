// The public library API of ood. The CLI commands import their own modules directly, so that each command loads
// only what it runs (start-up time); every one of those entry points is also exported here.
export { OodError, EXIT_CODES, isOodError, toOodError, type ErrorKind } from './errors.js';
export { OOD_VERSION } from './version.js';
export { OnnxModel, type ModelInfo, type GraphInfo, type OpsetImport } from './onnx/model.js';
export { writeEditedModel, editModelToBuffer, type ModelEdit } from './onnx/model-writer.js';
export {
  DATA_TYPES,
  dataTypeFromOnnx,
  dataTypeFromV2,
  dataTypeFromOrt,
  type DataType,
  type TypedArray,
} from './tensor/datatypes.js';
export type { Tensor, NamedTensor, TensorData } from './tensor/tensor.js';
export { sliceRows, concatRows, padRows } from './tensor/rows.js';
export { decodeJsonTensor, encodeJsonData } from './tensor/json-codec.js';
export { decodeBinaryTensor, encodeBinaryTensor, splitBinaryBody } from './tensor/binary-codec.js';
export { batches, type Batch, type RowChunk, type BatchOptions } from './tensor/batches.js';
export { requestJsonSchema } from './artifact/request-schema.js';
export { checkRequestExtras, createRequestValidator, type RequestValidator } from './artifact/request-check.js';
export { buildArtifact, type BuildOptions, type BuildResult } from './artifact/build-artifact.js';
export {
  ZipArchive,
  inspectArchive,
  DEFAULT_ARCHIVE_LIMITS,
  type ArchiveInspection,
  type ArchiveEntry,
  type ArchiveFinding,
  type ArchiveLimits,
} from './artifact/archive.js';
export { extractArchive, assertArchiveSafe } from './artifact/archive-extract.js';
export { openArtifact, ArtifactReader, type OpenOptions, type SampleDocument } from './artifact/open.js';
export { validate, problemLines, type Problem, type Findings, type SchemaName } from './artifact/validate.js';
export { FORMAT_MIGRATIONS, type FormatShim, type MigrationRegistry } from './artifact/format-migrations.js';
export { evaluateModel, type EvaluateOptions } from './evaluate/evaluate-model.js';
export {
  separationMetrics,
  auroc,
  fprAtTpr,
  averagePrecision,
  rocCurve,
  type SeparationMetrics,
} from './evaluate/metrics.js';
export { type EvaluationReport } from './evaluate/report.js';
export { renderEvaluationText } from './cli/render-evaluation-text.js';
export { renderEvaluationHtml } from './cli/render-evaluation-html.js';
export {
  readEvaluationFile,
  summarizeEvaluation,
  evaluationProblems,
  EVALUATION_FILE,
  type EvaluationSummary,
} from './artifact/evaluation.js';
export { findFeatures, type FeatureChoice } from './certainty/features/find-features.js';
export { readFeatureParameters, FEATURE_METADATA_KEYS } from './certainty/features/fit-feature-score.js';
export { pushArtifact, type PushResult, type PushedLayer } from './registry/push.js';
export { pullArtifact, type PullResult } from './registry/pull.js';
export { listTags, type TagInfo } from './registry/list-tags.js';
export { parseReference, formatReference, type ArtifactRef } from './registry/reference.js';
export { defaultLayoutRoot } from './registry/local-layout.js';
export { splitArtifactZip } from './registry/zip-split.js';
export {
  planManifest,
  encodeManifest,
  manifestDigest,
  type ImageManifest,
  type Descriptor,
} from './registry/manifest.js';
export { enableModel, MAX_TESTED_OPSET, type EnableOptions, type EnableResult } from './certainty/enable.js';
export { readThreshold, MEASURED_METADATA_KEYS } from './certainty/measured-metadata.js';
export { ID_REJECTION_RATE, type ThresholdRecord } from './certainty/threshold.js';
export { METHODS, getMethod, type ScoreMethod } from './certainty/methods/index.js';
export { chooseLogits, type LogitsChoice } from './certainty/logits.js';
export { openCalibrationData, type CalibrationData, type SampleChunk } from './certainty/data/open-data.js';
export { NpyFile, parseNpyHeader, type NpyHeader } from './certainty/data/npy.js';
export { runChecks, type RunChecksOptions } from './checks/run-checks.js';
export { CATALOGUE } from './checks/catalogue.js';
export { renderReport } from './cli/render-introspect.js';
export type { IntrospectReport, CheckOutcome, CheckResult, CheckDefinition } from './checks/types.js';
export { startServer, type ServeOptions, type RunningServer } from './serve/server.js';
export type { ServedModel, ModelDescription, ModelState, PredictContext } from './serve/served-model.js';
export { verifyArtifact, type VerifyOptions } from './verify/verify.js';
export type { VerifyReport, VerifyCheck } from './verify/report.js';
export { renderVerifyText } from './cli/render-verify.js';
export { exportTriton } from './deploy/triton/export.js';
export { planTritonRepository, writeTritonRepository, type TritonExportOptions } from './deploy/triton/repository.js';
export { buildTritonConfig, formatTritonConfig, type TritonModelConfig } from './deploy/triton/model-config.js';
export { pushModelcar, type ModelcarOptions, type ModelcarResult } from './deploy/modelcar.js';
export { deployKserve, type KserveDeployOptions } from './deploy/kserve/deploy.js';
export { buildInferenceService } from './deploy/kserve/inference-service.js';
export { createTarStream, type TarEntry } from './registry/image/tar-writer.js';
export { writeLayerFile, type LayerFile } from './registry/image/layer-file.js';
export { resolveBaseImage, parsePlatform, type BaseImage } from './registry/image/base-image.js';
export { pushImage, type ImageBuild, type ImagePushResult } from './registry/image/push-image.js';
export { pushOodImage, type OodImageOptions, type OodImageResult } from './deploy/ood-image/ood-image.js';
export { buildServingRuntime } from './deploy/kserve/serving-runtime.js';
