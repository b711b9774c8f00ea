// The public library API of ood. The CLI imports only from here.
export { OodError, EXIT_CODES, isOodError, toOodError, type ErrorKind } from './errors.js';
export { OOD_VERSION } from './version.js';
export { OnnxModel, type ModelInfo, type GraphInfo, type OpsetImport } from './onnx/model.js';
export { writeEditedModel, editModelToBuffer, type ModelEdit } from './onnx/model-writer.js';
export { requestJsonSchema } from './artifact/request-schema.js';
export { checkRequestExtras, createRequestValidator, type RequestValidator } from './artifact/request-check.js';
export { ZipArchive, inspectArchive, DEFAULT_ARCHIVE_LIMITS, type ArchiveInspection, type ArchiveEntry, type ArchiveFinding, type ArchiveLimits } from './artifact/archive.js';
export { extractArchive, openArtifact, assertArchiveSafe, type OpenedArtifact } from './artifact/archive-extract.js';
