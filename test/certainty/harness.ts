// Shared checks for enabled models: run them in onnxruntime-node, compare the original outputs bit for bit,
// and check structure (onnx.checker for opset <= 17; our own graph checks everywhere, since Debian's onnx 1.12
// cannot check opsets newer than 17).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { expect } from 'vitest';
import { OnnxModel } from '../../src/onnx/model.js';
import { readCertaintyRecord, type CertaintyRecord } from '../../src/certainty/metadata.js';
import { checkOnnxModel, SKIPPED } from '../helpers/python.js';

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'ood-enable-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run a model file; returns every output. */
export async function runModel(path: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(path);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** Bytes of a tensor's data, for bit-identity comparisons. */
export function tensorBytes(t: ort.Tensor): Buffer {
  const d = t.data as ArrayBufferView;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** The original model's outputs, and the enabled model's same-named outputs, are bit-identical. */
export async function expectOriginalOutputsIdentical(
  original: string,
  enabled: string,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const before = await runModel(original, feeds);
  const after = await runModel(enabled, feeds);
  for (const [name, t] of Object.entries(before)) {
    expect(after[name], `output ${name} is still there`).toBeDefined();
    expect(after[name]!.type).toBe(t.type);
    expect(after[name]!.dims).toEqual(t.dims);
    if (t.type === 'string') expect(after[name]!.data).toEqual(t.data);
    else expect(tensorBytes(after[name]!).equals(tensorBytes(t)), `output ${name} is bit-identical`).toBe(true);
  }
  return after;
}

/**
 * Structural checks that hold at any opset: declared outputs keep name/type/shape, every node input is defined
 * (graph input, initializer or an earlier node's output), names are unique, and the record reads back.
 */
export function expectWellFormedEnabled(original: string, enabled: string): CertaintyRecord {
  const a = OnnxModel.open(original);
  const b = OnnxModel.open(enabled);
  try {
    const ga = a.info.graph;
    const gb = b.info.graph;
    expect(gb.outputs.slice(0, ga.outputs.length)).toEqual(ga.outputs);
    expect(gb.nodes.slice(0, ga.nodes.length)).toEqual(ga.nodes);
    expect(b.info.opsetImports).toEqual(a.info.opsetImports);
    const defined = new Set<string>([...gb.inputs.map((i) => i.name), ...gb.initializers.map((t) => t.name), '']);
    const produced = new Set<string>();
    for (const n of gb.nodes) {
      for (const i of n.inputs) expect(defined.has(i), `input ${i} of ${n.name} is defined before use`).toBe(true);
      for (const o of n.outputs) {
        expect(produced.has(o), `${o} is produced once`).toBe(false);
        produced.add(o);
        defined.add(o);
      }
    }
    const initNames = gb.initializers.map((t) => t.name);
    expect(new Set(initNames).size).toBe(initNames.length);
    const record = readCertaintyRecord(b.metadataMap)!;
    expect(record).not.toBeNull();
    const score = gb.outputs.find((o) => o.name === record.output)!;
    expect(score.type).toMatchObject({ kind: 'tensor', elemType: 1 });
    expect((score.type as { shape: unknown[] }).shape).toHaveLength(2);
    expect((score.type as { shape: unknown[] }).shape[1]).toBe(1);
    return record;
  } finally {
    a.close();
    b.close();
  }
}

/** onnx.checker full_check for opset <= 17; for newer opsets the caller relies on onnxruntime + structure. */
export async function expectCheckerPasses(path: string, opset: number): Promise<void> {
  if (opset > 17) return; // Debian's onnx 1.12 knows opsets up to 17 only.
  const result = await checkOnnxModel(path);
  if (result === SKIPPED) return;
  expect(result).toBe('checked');
}

/** Median of numbers. */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean of numbers. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Write a float32 C-order .npy file (format 1.0). */
export function writeNpyF32(path: string, shape: number[], data: Float32Array, descr = '<f4'): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]),
  );
}

/** Deterministic pseudo-random floats in [-1, 1) (mulberry32). */
export function randomFloats(n: number, seed = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Write an RGB noise PNG (seeded, opaque); returns its RGBA bytes. */
export function writeNoisePng(path: string, width: number, height: number, seed: number): Uint8Array {
  const png = new PNG({ width, height });
  const noise = randomFloats(width * height * 3, seed);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) png.data[p * 4 + c] = Math.floor((noise[p * 3 + c]! + 1) * 127.5);
    png.data[p * 4 + 3] = 255;
  }
  writeFileSync(path, PNG.sync.write(png));
  return png.data;
}

/** A folder `dir` of `count` noise PNGs of one size (seeds 1 to count). */
export function writeNoisePngFolder(dir: string, count: number, width: number, height: number): string {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++)
    writeNoisePng(join(dir, `img${String(i).padStart(2, '0')}.png`), width, height, i + 1);
  return dir;
}
