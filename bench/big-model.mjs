// A large ONNX model for benchmarks and the streaming test: y = x + W, with W a float32 initializer of the
// requested size, written to disk in 4 MiB chunks (never built whole in memory). Needs `npm run build` (dist/).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { encodeTag, encodeVarint, lenField, stringField, varintField } from '../dist/src/onnx/wire.js';
import { encodeNode, encodeOpsetImport, encodeTensorValueInfo } from '../dist/src/onnx/encode.js';

/** y = x + W with W a float32 initializer of `sizeMb` MiB, streamed to disk (never built whole in memory). */
export async function writeBigModel(path, sizeMb) {
  const n = (sizeMb * 1024 * 1024) / 4;
  const chunkFloats = 1 << 20;
  const tensorHead = Buffer.concat([varintField(1, n), varintField(2, 1), stringField(8, 'W')]);
  const rawLen = n * 4;
  const tensorLen = tensorHead.length + encodeTag(9, 2).length + encodeVarint(rawLen).length + rawLen;
  const initHeader = Buffer.concat([
    encodeTag(5, 2),
    encodeVarint(tensorLen),
    tensorHead,
    encodeTag(9, 2),
    encodeVarint(rawLen),
  ]);
  const rest = Buffer.concat([
    encodeNode({ opType: 'Add', inputs: ['x', 'W'], outputs: ['y'], name: 'add' }),
    stringField(2, 'bench'),
    lenField(11, encodeTensorValueInfo('x', 1, [n])),
    lenField(12, encodeTensorValueInfo('y', 1, [n])),
  ]);
  const graphLen = initHeader.length + rawLen + rest.length;
  const head = Buffer.concat([
    varintField(1, 8),
    stringField(2, 'ood-bench'),
    encodeOpsetImport('', 17),
    encodeTag(7, 2),
    encodeVarint(graphLen),
    initHeader,
  ]);
  const out = createWriteStream(path);
  out.write(head);
  for (let written = 0, seed = 1; written < n; written += chunkFloats) {
    const count = Math.min(chunkFloats, n - written);
    const chunk = new Float32Array(count); // fresh per write: the stream keeps a reference until flushed
    for (let i = 0; i < count; i++) chunk[i] = (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5; // high-entropy weights
    if (!out.write(Buffer.from(chunk.buffer))) await once(out, 'drain');
  }
  out.end(rest);
  await once(out, 'close');
}
