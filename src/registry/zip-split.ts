// Split an artifact zip at entry boundaries (PKWARE APPNOTE 6.3.10 §4.3: local header, file data, data
// descriptor, …, central directory). Model payloads (model.onnx and its external data) become their own byte
// ranges; everything between them becomes "zip parts". The ranges tile the file, so concatenating them in
// order gives back the original bytes exactly — and an unchanged model is an unchanged range, whatever the
// rest of the zip (timestamps, runtime.yaml, central directory offsets) does.
import { OodError, isOodError } from '../errors.js';
import { openArtifact } from '../artifact/open.js';
import { ARTIFACT_FILES, type RuntimeYaml } from '../artifact/spec.js';
import { LAYER_MEDIA_TYPES } from './media-types.js';

/** A byte range [start, end) of the zip that becomes one layer. */
export interface ZipPart {
  start: number;
  end: number;
  mediaType: string;
  /** Entry name for model payloads; undefined for zip parts. */
  title: string | undefined;
}

/** The plan for one artifact zip: its size, its validated runtime.yaml, and the ranges in file order. */
export interface ZipSplit {
  size: number;
  runtime: RuntimeYaml;
  parts: ZipPart[];
}

function notArtifact(path: string, why: string, cause?: unknown): OodError {
  return new OodError('NOT_AN_ARTIFACT', `${path} is not an ood artifact zip: ${why}`, {
    cause,
    hint: 'Push the zip written by `ood prepare`.',
  });
}

/** Plan the layers of an artifact zip, read through the one artifact reader (runtime.yaml validated). */
export async function splitArtifactZip(path: string): Promise<ZipSplit> {
  const reader = await openArtifact(path).catch((err: unknown) => {
    if (isOodError(err) && err.code.startsWith('ARCHIVE_')) throw notArtifact(path, err.message, err);
    throw err;
  });
  try {
    const archive = reader.view.archive;
    if (!archive) throw notArtifact(path, 'it is a directory; push the zip written by `ood prepare -o`');
    if (!reader.has(ARTIFACT_FILES.runtime)) throw notArtifact(path, `it has no ${ARTIFACT_FILES.runtime}`);
    if (!reader.has(ARTIFACT_FILES.model)) throw notArtifact(path, `it has no ${ARTIFACT_FILES.model}`);
    const found = await reader.runtime();
    if (!found.ok) throw notArtifact(path, `${ARTIFACT_FILES.runtime} is invalid: ${found.problems.join('; ')}`);
    const runtime = found.value;
    const payloadNames = new Set([ARTIFACT_FILES.model, ...runtime.MODEL_DETAILS.EXTERNAL_DATA]);
    const payloads: ZipPart[] = [];
    for (const entry of archive.inspection.entries) {
      if (entry.kind !== 'file' || !payloadNames.has(entry.name) || entry.compressedSize === 0) continue;
      const start = await archive.dataOffset(entry.name);
      const mediaType =
        entry.compressionMethod !== 0
          ? LAYER_MEDIA_TYPES.deflated
          : entry.name === ARTIFACT_FILES.model
            ? LAYER_MEDIA_TYPES.model
            : LAYER_MEDIA_TYPES.externalData;
      payloads.push({ start, end: start + entry.compressedSize, mediaType, title: entry.name });
    }
    if (!payloads.some((p) => p.title === ARTIFACT_FILES.model))
      throw notArtifact(path, `its ${ARTIFACT_FILES.model} is empty`);
    const size = archive.size;
    return { size, runtime, parts: tileParts(payloads, size) };
  } finally {
    await reader.close();
  }
}

/** Fill the gaps between payload ranges with zip parts, so that the ranges cover [0, size) in order. */
export function tileParts(payloads: ZipPart[], size: number): ZipPart[] {
  const sorted = [...payloads].sort((a, b) => a.start - b.start);
  const parts: ZipPart[] = [];
  let cursor = 0;
  for (const p of sorted) {
    if (p.start > cursor)
      parts.push({ start: cursor, end: p.start, mediaType: LAYER_MEDIA_TYPES.zipPart, title: undefined });
    parts.push(p);
    cursor = p.end;
  }
  if (cursor < size) parts.push({ start: cursor, end: size, mediaType: LAYER_MEDIA_TYPES.zipPart, title: undefined });
  return parts;
}
