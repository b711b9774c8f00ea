// A read-only view of an ONNX model, built by scanning its bytes. It decodes the signature, nodes, opsets and
// metadata, and remembers where every field lies so that model-writer.ts can copy what an edit leaves alone.
import { readFileSync } from 'node:fs';
import { OodError, fileError } from '../errors.js';
import { BufferSource, FileSource, scanSourceFields, type ByteSource } from './byte-source.js';
import { WIRE_LEN, WIRE_VARINT, type FieldRange } from './wire.js';
import * as F from './proto-fields.js';
import {
  decodeNode,
  decodeOpset,
  decodeStringEntry,
  decodeTensorHeader,
  decodeValueInfo,
  type NodeInfo,
  type TensorHeader,
  type ValueInfo,
} from './decode.js';

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface GraphInfo {
  name: string;
  /** Graph inputs that are fed at run time (initializers listed as inputs, IR < 4, are excluded). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  nodes: NodeInfo[];
  initializers: TensorHeader[];
}

export interface ModelInfo {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  /** metadata_props in file order; later duplicates win in `metadataMap`. */
  metadata: { key: string; value: string }[];
  graph: GraphInfo;
}

/** Byte ranges of the model's fields, kept for lossless rewriting. */
export interface ModelLayout {
  topFields: FieldRange[];
  graphField: FieldRange;
  graphFields: FieldRange[];
}

const LFS_PREFIX = 'version https://git-lfs.github.com/spec/v1';
const utf8 = new TextDecoder();

/** A scanned model: facts in `info`, bytes in `source`. Close it when done. */
export class OnnxModel {
  private constructor(
    readonly source: ByteSource,
    readonly info: ModelInfo,
    readonly layout: ModelLayout,
    readonly path: string | undefined,
  ) {}

  /** Open a model file without reading its weights. */
  static open(path: string): OnnxModel {
    let source: FileSource;
    try {
      source = new FileSource(path);
    } catch (err) {
      const error = fileError(err, path, 'model file');
      if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
      throw new OodError(error.code, error.message, {
        cause: err,
        hint: `Pass the .onnx file itself, not the directory that holds it (e.g. ${path}/model.onnx).`,
      });
    }
    try {
      return OnnxModel.fromSource(source, path);
    } catch (err) {
      source.close();
      throw err;
    }
  }

  /**
   * Scan the model that occupies bytes [start, start + length) of a file (a model stored uncompressed in a zip),
   * reading only its field headers. `label` names it in errors. External data cannot be resolved from it.
   */
  static openRange(path: string, start: number, length: number, label: string): OnnxModel {
    const source = new FileSource(path, { start, length });
    try {
      return OnnxModel.fromSource(source, undefined, label);
    } catch (err) {
      source.close();
      throw err;
    }
  }

  /** Scan a model held in memory. */
  static fromBuffer(buf: Uint8Array, label = '<buffer>'): OnnxModel {
    return OnnxModel.fromSource(new BufferSource(buf), undefined, label);
  }

  private static fromSource(source: ByteSource, path: string | undefined, label = path ?? ''): OnnxModel {
    rejectNonModel(source, label);
    const topFields = scanTop(source, label);
    const graphField = topFields.filter((f) => f.field === F.Model.graph).pop();
    if (!graphField || !topFields.some((f) => f.field === F.Model.irVersion)) {
      throw notOnnx(label, graphField ? 'it has no ir_version' : 'it has no graph');
    }
    const graphFields = scanSourceFields(source, graphField.valueStart, graphField.end);
    const info = decodeInfo(source, topFields, graphFields);
    return new OnnxModel(source, info, { topFields, graphField, graphFields }, path);
  }

  /** The ai.onnx opset version the graph is written against. */
  get defaultOpset(): number {
    return this.info.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
  }

  /** metadata_props as a map (later entries win, as onnxruntime does). */
  get metadataMap(): Map<string, string> {
    return new Map(this.info.metadata.map((e) => [e.key, e.value]));
  }

  /** Every tensor name the graph defines or uses, so edits can pick fresh ones. */
  usedNames(): Set<string> {
    const g = this.info.graph;
    const names = new Set<string>();
    for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo]) names.add(v.name);
    for (const t of g.initializers) names.add(t.name);
    for (const n of g.nodes) {
      if (n.name) names.add(n.name);
      for (const x of [...n.inputs, ...n.outputs]) names.add(x);
    }
    return names;
  }

  /** Files the model references through ONNX external data, relative to the model's directory. */
  externalDataFiles(): string[] {
    const files = new Set<string>();
    for (const t of this.info.graph.initializers) if (t.external) files.add(t.external.location);
    return [...files].sort();
  }

  close(): void {
    this.source.close();
  }
}

function notOnnx(label: string, why: string): OodError {
  return new OodError('NOT_ONNX', `${label} is not an ONNX model: ${why}`, {
    hint: 'Pass a model exported to ONNX (for example with torch.onnx.export); check the file is not another format.',
  });
}

function rejectNonModel(source: ByteSource, label: string): void {
  if (source.size === 0) throw notOnnx(label, 'the file is empty');
  const head = utf8.decode(source.read(0, Math.min(source.size, LFS_PREFIX.length)));
  if (head === LFS_PREFIX) {
    throw new OodError('MODEL_IS_LFS_POINTER', `${label} is a Git LFS pointer, not the model itself`, {
      hint: 'Run `git lfs pull` to fetch the real file, then try again.',
    });
  }
}

// Protobuf writers emit fields in number order, so every ModelProto starts with ir_version (field 1, varint).
const IR_VERSION_TAG = 0x08;

function scanTop(source: ByteSource, label: string): FieldRange[] {
  let fields: FieldRange[];
  try {
    fields = scanSourceFields(source, 0, source.size);
  } catch (err) {
    if (err instanceof OodError && err.code === 'ONNX_TRUNCATED') {
      // A file that runs past its end but never began like a model (a PNG, a zip) is not ONNX at all.
      const first = source.read(0, 1)[0]!;
      if (first !== IR_VERSION_TAG) {
        throw notOnnx(
          label,
          `it does not begin with an ir_version field (first byte 0x${first.toString(16).padStart(2, '0')})`,
        );
      }
      throw new OodError(
        'ONNX_TRUNCATED',
        `${label} is truncated or corrupt (${String(err.details?.where ?? err.message)})`,
        {
          hint: 'Re-export or re-download the model; the file ends before the model does.',
          cause: err,
        },
      );
    }
    throw err instanceof OodError ? notOnnx(label, err.message) : err;
  }
  for (const f of fields) {
    const expected = F.MODEL_WIRE_TYPES.get(f.field);
    if (expected !== undefined && expected !== f.wireType) {
      throw notOnnx(label, `field ${f.field} has wire type ${f.wireType}, ONNX uses ${expected}`);
    }
  }
  return fields;
}

function decodeInfo(source: ByteSource, top: FieldRange[], graphFields: FieldRange[]): ModelInfo {
  const bytes = (f: FieldRange) => source.read(f.valueStart, f.end - f.valueStart);
  const str = (f: FieldRange) => utf8.decode(bytes(f));
  const info: ModelInfo = {
    irVersion: 0,
    opsetImports: [],
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    metadata: [],
    graph: { name: '', inputs: [], outputs: [], valueInfo: [], nodes: [], initializers: [] },
  };
  for (const f of top) {
    if (f.field === F.Model.irVersion && f.wireType === WIRE_VARINT) info.irVersion = Number(f.varint!);
    else if (f.field === F.Model.modelVersion && f.wireType === WIRE_VARINT) info.modelVersion = Number(f.varint!);
    else if (f.wireType !== WIRE_LEN) continue;
    else if (f.field === F.Model.producerName) info.producerName = str(f);
    else if (f.field === F.Model.producerVersion) info.producerVersion = str(f);
    else if (f.field === F.Model.domain) info.domain = str(f);
    else if (f.field === F.Model.docString) info.docString = str(f);
    else if (f.field === F.Model.opsetImport) info.opsetImports.push(decodeOpset(bytes(f)));
    else if (f.field === F.Model.metadataProps) info.metadata.push(decodeStringEntry(bytes(f)));
  }
  const g = info.graph;
  const declaredInputs: ValueInfo[] = [];
  for (const f of graphFields) {
    if (f.wireType !== WIRE_LEN) continue;
    switch (f.field) {
      case F.Graph.name:
        g.name = str(f);
        break;
      case F.Graph.node:
        g.nodes.push(decodeNode(bytes(f)));
        break;
      case F.Graph.input:
        declaredInputs.push(decodeValueInfo(bytes(f)));
        break;
      case F.Graph.output:
        g.outputs.push(decodeValueInfo(bytes(f)));
        break;
      case F.Graph.valueInfo:
        g.valueInfo.push(decodeValueInfo(bytes(f)));
        break;
      case F.Graph.initializer: {
        const tensorFields = scanSourceFields(source, f.valueStart, f.end);
        g.initializers.push(decodeTensorHeader(tensorFields, bytes));
        break;
      }
    }
  }
  const initNames = new Set(g.initializers.map((t) => t.name));
  g.inputs = declaredInputs.filter((v) => !initNames.has(v.name));
  return info;
}

/** Read a whole small model into memory and scan it (tests and tiny fixtures). */
export function readModelFile(path: string): OnnxModel {
  try {
    return OnnxModel.fromBuffer(readFileSync(path), path);
  } catch (err) {
    if (err instanceof OodError) throw err;
    throw fileError(err, path, 'model file');
  }
}
