// A minimal reader for the .npy files the fixtures use (NumPy format 1.0-3.0, little-endian, C order), so
// tests can feed the committed data sets to onnxruntime-node without Python.
import { readFileSync } from 'node:fs';

export interface NpyArray {
  dtype: '<f4' | '<i8';
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** Read a float32 or int64 .npy file; throws on anything else (Fortran order, other dtypes). */
export function readNpy(path: string): NpyArray {
  const buf = readFileSync(path);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (fortran) throw new Error(`${path}: Fortran order is not supported`);
  const body = buf.subarray(start);
  const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
  if (descr === '<f4') return { dtype: descr, shape, data: new Float32Array(copy) };
  if (descr === '<i8') return { dtype: descr, shape, data: new BigInt64Array(copy) };
  throw new Error(`${path}: dtype ${descr} is not supported`);
}
