// What the certainty branch costs at inference, per sample, against the original model. Subtracting two noisy
// full-model timings on a shared 2-core machine drowns a small branch in noise, so the branch is also cut out
// of each enabled model (every ood/ node and initializer, fed with random logits/features of the right shape)
// and timed alone. Same process, rounds interleaved and rotated; prints medians and ratios to the original.
// Usage: npm run build && node bench/score-latency.mjs [rounds]
// Models: the digits example, and torchvision ResNet-18 if the test run cached it under .cache/models/.
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { enableModel } from '../dist/src/certainty/enable.js';
import { OnnxModel } from '../dist/src/onnx/model.js';
import { encodeTensorValueInfo } from '../dist/src/onnx/encode.js';
import { lenField, varintField } from '../dist/src/onnx/wire.js';
import * as F from '../dist/src/onnx/proto-fields.js';

const ROUNDS = Number(process.argv[2] ?? 15);
const METHODS = ['energy', 'mahalanobis', 'knn', 'react-energy'];
const work = await mkdtemp(join(tmpdir(), 'ood-bench-latency-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function randomInput(shape, seed) {
  let s = seed >>> 0;
  return Float32Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1,
  );
}

async function writeNpy(path, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((11 + header.length) % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  await writeFile(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

/** The certainty branch of an enabled model as a model of its own: inputs are the tensors it reads from the original graph. */
async function cutBranch(enabledPath, widths, out) {
  const m = OnnxModel.open(enabledPath);
  const g = m.info.graph;
  const ours = (name) => name.startsWith('ood/');
  const produced = new Set(g.nodes.filter((n) => ours(n.name)).flatMap((n) => n.outputs));
  // The branch's own initializers, and the model's weights it shares (react-energy reuses the final layer's).
  const read = new Set(g.nodes.filter((n) => ours(n.name)).flatMap((n) => n.inputs));
  const inits = new Set(g.initializers.filter((t) => ours(t.name) || read.has(t.name)).map((t) => t.name));
  const feeds = [...read].filter((i) => i && !produced.has(i) && !inits.has(i));
  const score = m.metadataMap.get('ood.output');
  const parts = [];
  let node = 0;
  let init = 0;
  for (const f of m.layout.graphFields) {
    const bytes = () => Buffer.from(m.source.read(f.start, f.end - f.start));
    if (f.field === F.Graph.node && ours(g.nodes[node++].name)) parts.push(bytes());
    else if (f.field === F.Graph.initializer && inits.has(g.initializers[init++].name)) parts.push(bytes());
    else if (f.field === F.Graph.output)
      parts.push(
        ...(g.outputs.find(
          (o, i) => o.name === score && m.layout.graphFields.filter((x) => x.field === F.Graph.output)[i] === f,
        )
          ? [bytes()]
          : []),
      );
  }
  for (const name of feeds)
    parts.push(lenField(F.Graph.input, encodeTensorValueInfo(name, 1, ['batch', widths[name]])));
  const opsets = m.layout.topFields
    .filter((f) => f.field === F.Model.opsetImport)
    .map((f) => Buffer.from(m.source.read(f.start, f.end - f.start)));
  await writeFile(
    out,
    Buffer.concat([varintField(F.Model.irVersion, m.info.irVersion), ...opsets, lenField(F.Model.graph, ...parts)]),
  );
  m.close();
  return feeds;
}

async function timeSessions(sessions, feedsFor, batch, samplesPerRound) {
  const times = Object.fromEntries(Object.keys(sessions).map((k) => [k, []]));
  const order = Object.entries(sessions);
  const reps = Math.max(1, Math.round(samplesPerRound / batch));
  for (const [k, s] of order) await s.run(feedsFor(k)); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    order.push(order.shift());
    for (const [k, s] of order) {
      const feeds = feedsFor(k);
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await s.run(feeds);
      times[k].push(((performance.now() - t0) * 1000) / (reps * batch));
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

async function bench(label, model, inputName, sampleShape, fitData, batches, samplesPerRound, extra = {}) {
  const original = OnnxModel.open(model);
  const logits = original.info.graph.outputs[0];
  const classes = logits.type.shape[1];
  original.close();
  const sessions = { original: await ort.InferenceSession.create(model, { logSeverityLevel: 3 }) };
  const branchFeeds = {};
  for (const method of METHODS) {
    const path = join(work, `${label}-${method}.onnx`);
    const r = await enableModel({ model, output: path, method, data: fitData, force: true, ...(extra[method] ?? {}) });
    sessions[method] = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
    const widths = {
      [logits.name]: classes,
      ...(r.methodParameters ? { [r.methodParameters.features]: r.methodParameters.dim } : {}),
    };
    const branch = join(work, `${label}-${method}-branch.onnx`);
    branchFeeds[method] = (await cutBranch(path, widths, branch)).map((name) => [name, widths[name]]);
    sessions[`${method} branch`] = await ort.InferenceSession.create(branch, { logSeverityLevel: 3 });
  }
  for (const batch of batches) {
    const input = {
      [inputName]: new ort.Tensor('float32', randomInput([batch, ...sampleShape], 99), [batch, ...sampleShape]),
    };
    const feedsFor = (k) => {
      if (!k.endsWith(' branch')) return input;
      return Object.fromEntries(
        branchFeeds[k.slice(0, -7)].map(([name, w], i) => [
          name,
          new ort.Tensor('float32', randomInput([batch, w], 7 + i), [batch, w]),
        ]),
      );
    };
    const t = await timeSessions(sessions, feedsFor, batch, samplesPerRound);
    console.log(`${label}, batch ${batch}: original ${t.original.toFixed(1)} µs/sample (medians of ${ROUNDS} rounds)`);
    for (const method of METHODS) {
      const b = t[`${method} branch`];
      console.log(
        `  ${method.padEnd(12)} enabled ${t[method].toFixed(1).padStart(9)} µs/sample (ratio ${(t[method] / t.original).toFixed(3)}); branch alone ${b.toFixed(2).padStart(7)} µs/sample = ${((100 * b) / t.original).toFixed(2)}% of the original`,
      );
    }
  }
  for (const s of Object.values(sessions)) await s.release();
}

if (!process.env.BENCH_SKIP_DIGITS)
  await bench(
    'digits',
    'examples/digits/model.onnx',
    'image',
    [1, 8, 8],
    'examples/digits/data/id_train.npy',
    [1, 64],
    256,
  );

const cached = (await readdir('.cache/models').catch(() => [])).find(
  (f) => f.startsWith('resnet18-') && f.endsWith('.onnx'),
);
if (cached) {
  const fit = join(work, 'resnet-fit.npy');
  await writeNpy(fit, [32, 3, 224, 224], randomInput([32, 3, 224, 224], 5));
  await bench('resnet18', join('.cache/models', cached), 'input', [3, 224, 224], fit, [1, 8], 8, {
    mahalanobis: { featureFit: { ridge: 1e-2 } },
  });
} else {
  console.log('resnet18: not cached (run the torchvision tests first to build .cache/models); skipped');
}
