// Lossless model rewriting. An edit names fields to drop and bytes to append; everything else, including
// fields newer than our proto definitions and every initializer payload, is copied from the source unchanged.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { encodeTag, encodeVarint, WIRE_LEN, type FieldRange } from './wire.js';
import type { OnnxModel } from './model.js';
import type { ByteSource } from './byte-source.js';
import { writeAtomically } from '../io/atomic-file.js';

export interface ModelEdit {
  /** Drop top-level ModelProto fields (e.g. stale metadata_props). The graph field is never dropped. */
  dropTop?: (field: FieldRange) => boolean;
  /** Serialized ModelProto fields appended after the existing ones (metadata_props, opset_import). */
  appendTop?: Uint8Array[];
  /** Drop GraphProto fields (e.g. nodes of an earlier enablement). */
  dropGraph?: (field: FieldRange) => boolean;
  /** Serialized GraphProto fields appended after the existing ones (node, initializer, output). */
  appendGraph?: Uint8Array[];
}

/** A piece of output: a byte range of the source, or new bytes. */
type Piece = { from: number; to: number } | Uint8Array;

function pieceLength(p: Piece): number {
  return p instanceof Uint8Array ? p.length : p.to - p.from;
}

/** Merge adjacent source ranges so that unchanged stretches are copied in one go. */
function pushRange(pieces: Piece[], from: number, to: number): void {
  const last = pieces[pieces.length - 1];
  if (last && !(last instanceof Uint8Array) && last.to === from) last.to = to;
  else if (to > from) pieces.push({ from, to });
}

/** The output of an edit as an ordered list of pieces. */
export function planEdit(model: OnnxModel, edit: ModelEdit): Piece[] {
  const { topFields, graphField, graphFields } = model.layout;
  const graphPieces: Piece[] = [];
  for (const f of graphFields) if (!edit.dropGraph?.(f)) pushRange(graphPieces, f.start, f.end);
  graphPieces.push(...(edit.appendGraph ?? []));
  const graphLength = graphPieces.reduce((n, p) => n + pieceLength(p), 0);

  const pieces: Piece[] = [];
  for (const f of topFields) {
    if (f === graphField) {
      pieces.push(Buffer.concat([encodeTag(f.field, WIRE_LEN), encodeVarint(graphLength)]), ...graphPieces);
    } else if (f.field === graphField.field) {
      // A duplicate graph field would be merged by protobuf; ONNX writers never emit one, so keep it as is.
      pushRange(pieces, f.start, f.end);
    } else if (!edit.dropTop?.(f)) {
      pushRange(pieces, f.start, f.end);
    }
  }
  pieces.push(...(edit.appendTop ?? []));
  return pieces;
}

const COPY_CHUNK = 4 * 1024 * 1024;

async function writePieces(source: ByteSource, pieces: Piece[], path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (chunk: Uint8Array) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    for (const p of pieces) {
      if (p instanceof Uint8Array) {
        await write(p);
        continue;
      }
      for (let pos = p.from; pos < p.to; pos += COPY_CHUNK) {
        await write(source.readOwned(pos, Math.min(COPY_CHUNK, p.to - pos)));
      }
    }
    out.end();
    await once(out, 'finish');
  } catch (err) {
    out.destroy();
    throw err;
  }
}

/** Apply an edit and write the result atomically to `path`. Peak memory is one copy chunk, not the model. */
export async function writeEditedModel(model: OnnxModel, edit: ModelEdit, path: string): Promise<void> {
  const pieces = planEdit(model, edit);
  await writeAtomically(path, (tmp) => writePieces(model.source, pieces, tmp));
}

/** Apply an edit in memory (small models, tests, and feeding onnxruntime without a temp file). */
export function editModelToBuffer(model: OnnxModel, edit: ModelEdit): Buffer {
  const pieces = planEdit(model, edit);
  return Buffer.concat(
    pieces.map((p) => (p instanceof Uint8Array ? p : model.source.readOwned(p.from, p.to - p.from))),
  );
}
