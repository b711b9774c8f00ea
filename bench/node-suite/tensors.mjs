// The node-suite run's tensors: the reader's base64 records to onnxruntime-node tensors, V2 request tensors (JSON
// and binary) and back, and the two comparisons: bare against the suite's expected outputs (the ONNX backend
// runner's own rule: same shape, assert_allclose with rtol 1e-3 and atol 1e-7, NaN equal to NaN, strings equal),
// and served against bare (the same datatype, shape and elements: bit for bit over binary, value for value over
// JSON, a float read back into its own precision).
import { JsonNumber, exactNumberText } from './exact-json.mjs';

/** Element type tools from ood's one datatype table, passed in so the script and its test share one path. */
export function tensorTools({ dataTypeFromOnnx, dataTypeFromOrt, fromHalfBits, toHalfBits }) {
  /** The typed array (or string list) of a reader record, read as ONNX element type `elem`. */
  function recordData(record, elem) {
    const type = dataTypeFromOnnx(elem);
    if (record.strings) return record.strings.map((s) => Buffer.from(s, 'base64').toString('utf8'));
    const bytes = Buffer.from(record.raw, 'base64');
    if (!type?.array || bytes.length % type.bytes !== 0) return undefined;
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return new type.array(copy.buffer, 0, bytes.length / type.bytes);
  }

  /** One V2 JSON element of a tensor, exact. */
  function jsonElement(type, v) {
    if (type.json === 'string') return JSON.stringify(v);
    if (type.json === 'boolean') return v ? 'true' : 'false';
    if (type.json === 'binary16') return exactNumberText(fromHalfBits(v));
    return exactNumberText(v);
  }

  /** A V2 request tensor as JSON text (`data` written exactly) from {name, type, dims, data}. */
  function jsonTensorText(t) {
    const data = Array.from(t.data, (v) => jsonElement(t.type, v)).join(',');
    return `{"name":${JSON.stringify(t.name)},"datatype":"${t.type.v2}","shape":[${t.dims.join(',')}],"data":[${data}]}`;
  }

  /** Raw bytes of a tensor for the binary extension (BYTES: 4-byte little-endian length, then the bytes). */
  function binaryOf(t) {
    if (!t.type.array) {
      return Buffer.concat(
        Array.from(t.data, (s) => {
          const b = Buffer.from(s, 'utf8');
          const len = Buffer.alloc(4);
          len.writeUInt32LE(b.length);
          return Buffer.concat([len, b]);
        }),
      );
    }
    return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }

  /** A served JSON output's elements as the datatype's values (floats rounded to their own precision). */
  function fromJson(type, data) {
    const flat = [];
    const walk = (node) => (Array.isArray(node) ? node.forEach(walk) : flat.push(node));
    walk(data ?? []);
    const float = type.json === 'float' || type.json === 'binary16' || type.json === 'bfloat16';
    return flat.map((v) => {
      // Non-finite floats may come as the strings "NaN", "Infinity", "-Infinity" (see docs/serve.md).
      if (float && typeof v === 'string' && /^(NaN|-?Infinity)$/.test(v)) v = new JsonNumber(v);
      if (!(v instanceof JsonNumber)) return type.json === 'boolean' ? (v === true ? 1 : v === false ? 0 : v) : v;
      if (type.json === 'integer' && type.bytes === 8) return /^-?\d+$/.test(v.text) ? BigInt(v.text) : NaN;
      const n = v.text === 'NaN' ? NaN : Number(v.text);
      if (type.json === 'binary16') return toHalfBits(n);
      return type.onnx === 1 ? Math.fround(n) : n;
    });
  }

  /** A served binary output's elements. */
  function fromBinary(type, bytes) {
    if (!type.array) {
      const out = [];
      for (let at = 0; at + 4 <= bytes.length;) {
        const len = bytes.readUInt32LE(at);
        out.push(bytes.toString('utf8', at + 4, at + 4 + len));
        at += 4 + len;
      }
      return out;
    }
    if (bytes.length % type.bytes !== 0) return [];
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return new type.array(copy.buffer, 0, bytes.length / type.bytes);
  }

  // NaN equals NaN (its payload is compared over binary only); -0 and 0 differ, as they do in onnxruntime's output.
  const sameValue = (a, b) => Object.is(a, b) || (typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b));

  /** Where served elements differ from bare ones, or undefined; `bitwise` compares the bytes (binary extension). */
  function elementMismatch(got, want, bitwise) {
    if (got.length !== want.length) return `${got.length} elements, bare has ${want.length}`;
    const say = (i) => `element ${i} is ${exactNumberText(got[i])}, bare has ${exactNumberText(want[i])}`;
    if (bitwise && ArrayBuffer.isView(got) && ArrayBuffer.isView(want)) {
      const view = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      const [a, b, size] = [view(got), view(want), want.BYTES_PER_ELEMENT];
      if (a.equals(b)) return undefined;
      for (let i = 0; i < want.length; i++)
        if (!a.subarray(i * size, (i + 1) * size).equals(b.subarray(i * size, (i + 1) * size)))
          return `${say(i)} (bits)`;
    }
    for (let i = 0; i < want.length; i++) if (!sameValue(got[i], want[i])) return say(i);
    return undefined;
  }

  /** Bare outputs against the suite's expected ones, by the ONNX backend runner's rule. */
  function expectedMismatch(got, expected) {
    const want = recordData(expected, got.type.onnx);
    if (want === undefined) return `cannot read the expected ${expected.name}`;
    if (got.dims.join() !== expected.dims.join()) return `shape [${got.dims}], expected [${expected.dims}]`;
    if (expected.elem !== got.type.onnx && !(expected.elem === 4 && got.type.onnx === 16))
      return `datatype ${got.type.onnxName}, expected ONNX type ${expected.elem}`;
    for (let i = 0; i < want.length; i++) {
      let [g, w] = [got.data[i], want[i]];
      if (got.type.json === 'binary16') [g, w] = [fromHalfBits(g), fromHalfBits(w)];
      if (typeof w === 'number' && got.type.json !== 'integer' && got.type.json !== 'boolean') {
        if (Number.isNaN(w) ? !Number.isNaN(g) : g === w ? false : !(Math.abs(g - w) <= 1e-7 + 1e-3 * Math.abs(w)))
          return `${expected.name}[${i}] is ${g}, expected ${w}`;
      } else if (g !== w) return `${expected.name}[${i}] is ${String(g)}, expected ${String(w)}`;
    }
    return undefined;
  }

  return {
    recordData,
    jsonTensorText,
    binaryOf,
    fromJson,
    fromBinary,
    elementMismatch,
    expectedMismatch,
    dataTypeFromOrt,
  };
}
