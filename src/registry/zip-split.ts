// Split an artifact zip at entry boundaries (PKWARE APPNOTE 6.3.10 §4.3: local header, file data, data
// descriptor, …, central directory). Model payloads (model.onnx and its external data) become their own byte
// ranges; everything between them becomes "zip parts". The ranges tile the file, so concatenating them in
// order gives back the original bytes exactly — and an unchanged model is an unchanged range, whatever the
// rest of the zip (timestamps, runtime.yaml, central directory offsets) does.
import { open } from 'node:fs/promises';
import yauzl from 'yauzl';
import { parse as parseYaml } from 'yaml';
import { OodError, fileError } from '../errors.js';
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

/** The plan for one artifact zip: its size, its parsed runtime.yaml, and the ranges in file order. */
export interface ZipSplit {
  size: number;
  runtime: RuntimeYaml;
  parts: ZipPart[];
}

interface EntryInfo {
  name: string;
  localHeaderOffset: number;
  compressedSize: number;
  method: number;
}

function notArtifact(path: string, why: string, cause?: unknown): OodError {
  return new OodError('NOT_AN_ARTIFACT', `${path} is not an ood artifact zip: ${why}`, {
    cause,
    hint: 'Push the zip written by `ood prepare`.',
  });
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

async function readEntryText(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** List the entries of a zip and read runtime.yaml from it. */
async function scanZip(path: string): Promise<{ entries: EntryInfo[]; runtimeText: string | undefined }> {
  const zip = await openZip(path).catch((err) => {
    if ((err as NodeJS.ErrnoException).code) throw fileError(err, path, 'artifact');
    throw notArtifact(path, (err as Error).message, err);
  });
  try {
    const entries: EntryInfo[] = [];
    let runtimeText: string | undefined;
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push({
          name: entry.fileName,
          localHeaderOffset: entry.relativeOffsetOfLocalHeader,
          compressedSize: entry.compressedSize,
          method: entry.compressionMethod,
        });
        if (entry.fileName !== ARTIFACT_FILES.runtime) return zip.readEntry();
        readEntryText(zip, entry).then((text) => {
          runtimeText = text;
          zip.readEntry();
        }, reject);
      });
      zip.readEntry();
    }).catch((err) => {
      throw notArtifact(path, (err as Error).message, err);
    });
    return { entries, runtimeText };
  } finally {
    zip.close();
  }
}

/** Where an entry's data starts: after its local header, whose name/extra lengths may differ from the CD's. */
async function dataStart(
  handle: import('node:fs/promises').FileHandle,
  entry: EntryInfo,
  path: string,
): Promise<number> {
  const header = Buffer.alloc(30);
  await handle.read(header, 0, 30, entry.localHeaderOffset);
  if (header.readUInt32LE(0) !== 0x04034b50) throw notArtifact(path, `bad local header for ${entry.name}`);
  return entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/** Plan the layers of an artifact zip. */
export async function splitArtifactZip(path: string): Promise<ZipSplit> {
  const { entries, runtimeText } = await scanZip(path);
  if (runtimeText === undefined) throw notArtifact(path, `it has no ${ARTIFACT_FILES.runtime}`);
  let runtime: RuntimeYaml;
  try {
    runtime = parseYaml(runtimeText) as RuntimeYaml;
  } catch (err) {
    throw notArtifact(path, `${ARTIFACT_FILES.runtime} is not valid YAML`, err);
  }
  if (!runtime?.MODEL_DETAILS?.NAME) throw notArtifact(path, `${ARTIFACT_FILES.runtime} has no MODEL_DETAILS.NAME`);
  const external = new Set(runtime.MODEL_DETAILS.EXTERNAL_DATA ?? []);
  const payloadNames = new Set([ARTIFACT_FILES.model, ...external]);
  const handle = await open(path, 'r').catch((err) => {
    throw fileError(err, path, 'artifact');
  });
  try {
    const { size } = await handle.stat();
    const payloads: ZipPart[] = [];
    for (const entry of entries) {
      if (!payloadNames.has(entry.name) || entry.compressedSize === 0) continue;
      const start = await dataStart(handle, entry, path);
      const mediaType =
        entry.method !== 0
          ? LAYER_MEDIA_TYPES.deflated
          : entry.name === ARTIFACT_FILES.model
            ? LAYER_MEDIA_TYPES.model
            : LAYER_MEDIA_TYPES.externalData;
      payloads.push({ start, end: start + entry.compressedSize, mediaType, title: entry.name });
    }
    if (!payloads.some((p) => p.title === ARTIFACT_FILES.model))
      throw notArtifact(path, `it has no ${ARTIFACT_FILES.model}`);
    return { size, runtime, parts: tileParts(payloads, size) };
  } finally {
    await handle.close();
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
