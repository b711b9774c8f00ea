// Where `ood evaluate` gets its samples: a data set file becomes a sample count and a way to cut feeds for
// onnxruntime. TEMPORARY: reads float32 .npy (NumPy format 1.0-3.0) only, until enable's loaders land in
// src/certainty/; then this file becomes a thin adapter over them.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OodError, fileError } from '../errors.js';
import type { ValueInfo } from '../onnx/decode.js';

/** A named data set that can produce onnxruntime feeds for any slice of its samples. */
export interface EvaluationData {
  name: string;
  path: string;
  count: number;
  /** Feeds for samples [start, end). */
  feeds(start: number, end: number): Record<string, ort.Tensor>;
}

/** Load a data set for a model with the given graph inputs. */
export function loadEvaluationData(path: string, inputs: readonly ValueInfo[]): EvaluationData {
  if (extname(path).toLowerCase() !== '.npy') {
    throw new OodError('EVALUATE_DATA_FORMAT', `unsupported data set ${path}: only .npy is read for now`, {
      kind: 'usage',
      hint: 'Pass a float32 .npy array shaped like the model input, e.g. [N, 1, 8, 8].',
    });
  }
  const input = inputs[0];
  if (inputs.length !== 1 || !input || input.type.kind !== 'tensor') {
    throw new OodError('EVALUATE_DATA_MISMATCH', `a .npy data set feeds exactly one tensor input; the model has ${inputs.length}`, {
      hint: 'Use a model with a single tensor input.',
    });
  }
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw fileError(err, path, 'data set');
  }
  const { shape, data } = parseNpyFloat32(buf, path);
  const expected = input.type.shape;
  if (expected && (expected.length !== shape.length || expected.some((d, i) => i > 0 && typeof d === 'number' && d !== shape[i]))) {
    throw new OodError('EVALUATE_DATA_MISMATCH', `${path} has shape [${shape.join(', ')}], the model input ${input.name} expects [${expected.map((d) => d ?? '?').join(', ')}]`, {
      hint: 'Pass samples shaped like the model input, batch dimension first.',
    });
  }
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  return {
    name: basename(path).replace(/\.npy$/i, ''),
    path,
    count: shape[0] ?? 0,
    feeds: (start, end) => ({ [input.name]: new ort.Tensor('float32', data.subarray(start * per, end * per), [end - start, ...shape.slice(1)]) }),
  };
}

function parseNpyFloat32(buf: Buffer, path: string): { shape: number[]; data: Float32Array } {
  const bad = (why: string) => new OodError('EVALUATE_DATA_FORMAT', `${path} is not a readable .npy file: ${why}`, { hint: 'Save it with numpy.save(path, array.astype(numpy.float32)).' });
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw bad('missing the NumPy magic string');
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== '<f4' || fortran || shapeText === undefined) throw bad(`need little-endian float32 in C order, found ${descr ?? 'no dtype'}${fortran ? ' (Fortran order)' : ''}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - start < count * 4) throw bad('the file is shorter than its shape says');
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(buf.subarray(start, start + count * 4));
  return { shape, data };
}
