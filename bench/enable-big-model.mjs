// Writes a large ONNX classifier for bench/enable.mjs, streamed to disk so the writer never holds it:
// x FP32 [batch, W] -> (MatMul W x W, Relu) x L -> MatMul W x 10 -> logits FP32 [batch, 10], opset 17.
// Weights are small pseudo-random floats (high entropy, so nothing compresses or dedupes them).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { encodeTag, encodeVarint, lenField, stringField, varintField } from '../dist/src/onnx/wire.js';
import { encodeNode, encodeOpsetImport, encodeTensorValueInfo } from '../dist/src/onnx/encode.js';

function initializerHeader(name, dims) {
  const n = dims.reduce((a, b) => a * b, 1);
  const head = Buffer.concat([...dims.map((d) => varintField(1, d)), varintField(2, 1), stringField(8, name)]);
  const rawLen = n * 4;
  const tensorLen = head.length + encodeTag(9, 2).length + encodeVarint(rawLen).length + rawLen;
  return {
    header: Buffer.concat([encodeTag(5, 2), encodeVarint(tensorLen), head, encodeTag(9, 2), encodeVarint(rawLen)]),
    rawLen,
  };
}

/** Write the model; returns its size in bytes. */
export async function writeBigClassifier(path, { layers = 5, width = 4096, classes = 10 } = {}) {
  const inits = [];
  const nodes = [];
  let x = 'x';
  for (let i = 0; i < layers; i++) {
    inits.push({ name: `w${i}`, dims: [width, width] });
    nodes.push(encodeNode({ opType: 'MatMul', inputs: [x, `w${i}`], outputs: [`h${i}`], name: `matmul${i}` }));
    nodes.push(encodeNode({ opType: 'Relu', inputs: [`h${i}`], outputs: [`r${i}`], name: `relu${i}` }));
    x = `r${i}`;
  }
  inits.push({ name: 'head', dims: [width, classes] });
  nodes.push(encodeNode({ opType: 'MatMul', inputs: [x, 'head'], outputs: ['logits'], name: 'head' }));
  const tail = Buffer.concat([
    stringField(2, 'big-classifier'),
    lenField(11, encodeTensorValueInfo('x', 1, ['batch', width])),
    lenField(12, encodeTensorValueInfo('logits', 1, ['batch', classes])),
  ]);
  const headers = inits.map((t) => initializerHeader(t.name, t.dims));
  const graphLen =
    nodes.reduce((n, b) => n + b.length, 0) + headers.reduce((n, h) => n + h.header.length + h.rawLen, 0) + tail.length;
  const out = createWriteStream(path);
  const write = async (b) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(
    Buffer.concat([
      varintField(1, 8),
      stringField(2, 'ood-bench'),
      encodeOpsetImport('', 17),
      encodeTag(7, 2),
      encodeVarint(graphLen),
    ]),
  );
  for (const n of nodes) await write(n);
  let seed = 12345;
  for (const h of headers) {
    await write(h.header);
    for (let done = 0; done < h.rawLen;) {
      const floats = Math.min(1 << 20, (h.rawLen - done) / 4);
      const chunk = new Float32Array(floats);
      for (let i = 0; i < floats; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        chunk[i] = ((seed >>> 8) / 16777216 - 0.5) * 0.03;
      }
      await write(Buffer.from(chunk.buffer));
      done += floats * 4;
    }
  }
  await write(tail);
  out.end();
  await once(out, 'finish');
  return graphLen;
}
