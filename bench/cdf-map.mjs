// What the CDF map's tails cost: the map alone, clamped (as before the tails) against tailed, on 101 knots.
// Same process, rounds interleaved and alternated; prints medians and the ratio. Usage: npm run build && node bench/cdf-map.mjs
import * as ort from 'onnxruntime-node';
import { OpBuilder } from '../dist/src/onnx/op-builder.js';
import { buildCdfMap, cdfKnots } from '../dist/src/certainty/normalize-cdf.js';
import { encodeGraphOutput, encodeOpsetImport, encodeTensorValueInfo } from '../dist/src/onnx/encode.js';
import { lenField, stringField, varintField } from '../dist/src/onnx/wire.js';
import * as F from '../dist/src/onnx/proto-fields.js';
import { sortScores } from '../dist/src/certainty/statistics.js';

function oldMap(b, raw, knots, out) {
  const segments = knots.x.length - 1;
  const starts = Float32Array.from(knots.x.slice(0, segments));
  const widths = new Float32Array(segments),
    slopes = new Float32Array(segments);
  for (let i = 0; i < segments; i++) {
    widths[i] = Math.fround(knots.x[i + 1]) - starts[i];
    slopes[i] = (knots.y[i + 1] - knots.y[i]) / widths[i];
  }
  const shifted = b.binary('Sub', raw, b.floats('k', [1, segments], starts));
  const within = b.binary(
    'Min',
    b.binary('Max', shifted, b.floats('z', [], [0])),
    b.floats('w', [1, segments], widths),
  );
  b.clip(
    b.binary('Add', b.binary('MatMul', within, b.floats('s', [segments, 1], slopes)), b.floats('y0', [], [knots.y[0]])),
    0,
    1,
    out,
  );
}
function model(build) {
  const b = new OpBuilder({ opset: 13, used: new Set(['x', 'y']), prefix: 'ood/' });
  build(b);
  const graph = Buffer.concat([
    ...b.nodes,
    ...b.initializers,
    stringField(F.Graph.name, 'map'),
    lenField(F.Graph.input, encodeTensorValueInfo('x', 1, ['N', 1])),
    encodeGraphOutput('y', 1, ['N', 1]),
  ]);
  return Buffer.concat([varintField(F.Model.irVersion, 8), encodeOpsetImport('', 13), lenField(F.Model.graph, graph)]);
}
const knots = cdfKnots(sortScores(Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3)));
const sessions = {
  old: await ort.InferenceSession.create(model((b) => oldMap(b, 'x', knots, 'y'))),
  tails: await ort.InferenceSession.create(model((b) => buildCdfMap(b, 'x', knots, 'y'))),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const batch of [1, 64]) {
  const x = new ort.Tensor(
    'float32',
    Float32Array.from({ length: batch }, (_, i) => Math.sin(i * 7) * 5),
    [batch, 1],
  );
  const t = { old: [], tails: [] };
  for (let r = 0; r < 21; r++)
    for (const k of r % 2 ? ['old', 'tails'] : ['tails', 'old']) {
      const n = 2000;
      const s0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await sessions[k].run({ x });
      t[k].push(Number(process.hrtime.bigint() - s0) / 1e3 / n);
    }
  const o = median(t.old),
    n = median(t.tails);
  console.log(
    `batch ${batch}: old ${o.toFixed(2)} µs/run, tails ${n.toFixed(2)} µs/run, ratio ${(n / o).toFixed(2)}, extra ${((n - o) / batch).toFixed(3)} µs/sample`,
  );
}
