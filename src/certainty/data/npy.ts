// A reader for NumPy .npy files (format versions 1.0, 2.0 and 3.0, numpy/lib/format.py): parses the header and
// reads rows on demand, so a large array is never held whole. C order only; big-endian data is byte-swapped.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { OodError, fileError } from '../../errors.js';
import { dataTypeFromNumpy, dataTypeFromV2, type DataType } from '../../tensor/datatypes.js';
import { elementCount, type Tensor } from '../../tensor/tensor.js';

/** What a .npy header says. */
export interface NpyHeader {
  descr: string;
  /** NumPy's name of the element type (also onnxruntime-node's): float32, int64, bool, ... */
  type: string;
  /** KServe V2 datatype of the elements: FP32, INT64, BOOL, ... */
  datatype: string;
  bigEndian: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

function bad(path: string, why: string, hint = 'Save the array with numpy.save(path, array).'): OodError {
  return new OodError('NPY_INVALID', `${path} is not a usable .npy file: ${why}`, { hint });
}

/** Parse the header at the start of a .npy file (the first bytes are enough). */
export function parseNpyHeader(head: Uint8Array, path: string): NpyHeader {
  const text = Buffer.from(head);
  if (text.subarray(0, 6).toString('latin1') !== '\x93NUMPY')
    throw bad(path, 'it does not start with the .npy magic string');
  const major = text[6]!;
  if (major < 1 || major > 3) throw bad(path, `format version ${major} is unknown`);
  const lenBytes = major === 1 ? 2 : 4;
  const start = 8 + lenBytes;
  if (text.length < start) throw bad(path, 'the header is truncated');
  const headerLen = major === 1 ? text.readUInt16LE(8) : text.readUInt32LE(8);
  if (text.length < start + headerLen) throw bad(path, 'the header is truncated');
  const dict = text.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(dict)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw bad(path, `cannot read the header ${dict.trim()}`);
  if (fortran === 'True') {
    throw bad(
      path,
      'the array is stored in Fortran (column-major) order',
      'Save a C-ordered copy: numpy.save(path, numpy.ascontiguousarray(array)).',
    );
  }
  const m = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const dtype = m ? dataTypeFromNumpy(`${m[2]}${m[3]}`) : undefined;
  if (!m || !dtype) {
    throw bad(
      path,
      `dtype ${descr} is not supported`,
      'Use a numeric dtype such as float32 (<f4), float64, int64, uint8 or bool.',
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw bad(path, `shape (${shapeText}) is invalid`);
  return {
    descr,
    type: dtype.ort!,
    datatype: dtype.v2!,
    bigEndian: m[1] === '>',
    shape,
    dataOffset: start + headerLen,
  };
}

/** An open .npy file whose rows (slices along axis 0) are read on demand. */
export class NpyFile {
  readonly header: NpyHeader;
  private readonly fd: number;
  private readonly dtype: DataType;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw fileError(err, path, '.npy file');
    }
    try {
      const head = Buffer.alloc(Math.min(fstatSync(this.fd).size, 65_536 + 12));
      readSync(this.fd, head, 0, head.length, 0);
      this.header = parseNpyHeader(head, path);
      this.dtype = dataTypeFromV2(this.header.datatype)!;
      if (this.header.shape.length === 0) throw bad(path, 'it holds a scalar; calibration needs [samples, ...]');
      const needed = this.header.dataOffset + elementCount(this.header.shape) * this.dtype.bytes;
      if (fstatSync(this.fd).size < needed) throw bad(path, `the data is truncated (${needed} bytes expected)`);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** Number of rows (samples). */
  get rows(): number {
    return this.header.shape[0]!;
  }

  /** Bytes of one row (one sample). */
  get rowBytes(): number {
    return elementCount(this.header.shape.slice(1)) * this.dtype.bytes;
  }

  /** Rows [start, end) as a tensor. */
  readRows(start: number, end: number): Tensor {
    const { datatype, shape, dataOffset, bigEndian } = this.header;
    const size = this.dtype.bytes;
    const rowElems = elementCount(shape.slice(1));
    // Not zero-filled first: every byte is read from the file below, or the read throws.
    const bytes = Buffer.allocUnsafeSlow((end - start) * rowElems * size);
    const data = new this.dtype.array!(bytes.buffer, 0, (end - start) * rowElems);
    for (let done = 0; done < bytes.length;) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, dataOffset + start * rowElems * size + done);
      if (n === 0) throw bad(this.path, 'the data ends early');
      done += n;
    }
    if (bigEndian && size > 1) swapBytes(bytes, size);
    return { datatype, shape: [end - start, ...shape.slice(1)], data };
  }

  close(): void {
    closeSync(this.fd);
  }
}

function swapBytes(buf: Buffer, size: number): void {
  if (size === 2) buf.swap16();
  else if (size === 4) buf.swap32();
  else if (size === 8) buf.swap64();
}
