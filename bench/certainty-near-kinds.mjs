// Trial near-OOD kinds for images, and the validation sets made with them, for bench/certainty-near-trial.mjs:
// measured against the benchmarks' held-out classes before any is added to auto's validation (docs/evaluate.md,
// "Other synthetic near-OOD signals"). Not used by `ood enable`.
import * as ort from 'onnxruntime-node';
import { geometry } from '../dist/src/certainty/auto/image-rows.js';
import { partnerRows } from '../dist/src/certainty/auto/synthetic-near-ood.js';
import { makeSynthetic } from '../dist/src/certainty/auto/synthetic-ood.js';
import { openFeedData } from '../dist/src/certainty/data/feed-data.js';
import { OutputCollector } from '../dist/src/certainty/features/collect-features.js';

/** Resample every row: output pixel (y, x) takes input pixel map(y, x) (nearest), or pixel (0, 0) off the image. */
function warpRows(rows, map) {
  const { channels, height, width, channelsFirst } = geometry(rows.shape);
  const perRow = channels * height * width;
  const at = (y, x, c) => (channelsFirst ? c * height * width + y * width + x : (y * width + x) * channels + c);
  const out = new Float32Array(rows.data.length);
  for (let r = 0; r < rows.shape[0]; r++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [fy, fx] = map(y, x, height, width);
        const sy = Math.round(fy);
        const sx = Math.round(fx);
        const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        for (let c = 0; c < channels; c++)
          out[r * perRow + at(y, x, c)] = rows.data[r * perRow + (inside ? at(sy, sx, c) : at(0, 0, c))];
      }
  return out;
}

const scaled = (name, sy, sx) => ({
  name,
  reach: 'near',
  make: (rows) =>
    warpRows(rows, (y, x, h, w) => [(y - (h - 1) / 2) / sy + (h - 1) / 2, (x - (w - 1) / 2) / sx + (w - 1) / 2]),
});

/** Row and a partner of another predicted class, combined pixel by pixel. */
const paired = (name, combine) => ({
  name,
  reach: 'near',
  make(rows, random) {
    const width = rows.data.length / rows.shape[0];
    const partners = partnerRows(rows, random);
    const out = new Float32Array(rows.data.length);
    for (let r = 0; r < rows.shape[0]; r++)
      for (let j = 0; j < width; j++)
        out[r * width + j] = combine(rows.data[r * width + j], rows.data[partners[r] * width + j]);
    return out;
  },
});

export const TRIAL_KINDS = [
  paired('trial:mixup-0.5', (a, b) => 0.5 * a + 0.5 * b),
  paired('trial:mixup-0.7', (a, b) => 0.7 * a + 0.3 * b),
  paired('trial:overlay-max', (a, b) => Math.max(a, b)), // both silhouettes at once, neither faded
  scaled('trial:stretch-vertical', 1.5, 1),
  scaled('trial:squeeze-horizontal', 1, 0.6),
  scaled('trial:zoom', 1.6, 1.6),
  scaled('trial:shrink', 0.6, 0.6),
  {
    name: 'trial:wave', // a sinusoidal warp, both axes, one period per side, amplitude a sixth of it
    reach: 'near',
    make: (rows) =>
      warpRows(rows, (y, x, h, w) => [
        y + (h / 6) * Math.sin((2 * Math.PI * x) / w),
        x + (w / 6) * Math.sin((2 * Math.PI * y) / h),
      ]),
  },
];

/** The first 512 of rows `wanted` (ascending) of a one-input image data set, with the model's predictions as labels. */
export async function gatherImages(model, path, wanted, predictions) {
  const keep = new Set(Array.from(wanted.subarray(0, 512)));
  const data = await openFeedData(path, model.info.graph.inputs, 32, undefined);
  const rows = [];
  let name;
  let trailing;
  let base = 0;
  try {
    for await (const batch of data.batches()) {
      const [[n, t]] = Object.entries(batch.feeds);
      name = n;
      trailing = t.dims.slice(1).map(Number);
      const width = trailing.reduce((a, b) => a * b, 1);
      for (let i = 0; i < batch.rows; i++) if (keep.has(base + i)) rows.push(t.data.slice(i * width, (i + 1) * width));
      base += batch.rows;
    }
  } finally {
    data.close();
  }
  const width = trailing.reduce((a, b) => a * b, 1);
  const all = new Float32Array(rows.length * width);
  rows.forEach((row, i) => all.set(row, i * width));
  const labels = Int32Array.from(Array.from(wanted.subarray(0, rows.length)), (r) => predictions[r]);
  return { name, rows: { data: all, shape: [rows.length, ...trailing], labels } };
}

/** One validation set per kind, made from `images` and run through the model (features, previous layer, logits). */
export async function collectKinds(model, images, kinds, r) {
  const sets = [];
  const count = images.rows.shape[0];
  const trailing = images.rows.shape.slice(1);
  const width = trailing.reduce((a, b) => a * b, 1);
  for (const kind of kinds) {
    const made = makeSynthetic(kind, images.rows, r.seed);
    const collector = await OutputCollector.open(model, r.features, r.logits, r.workDir, r.previous);
    try {
      for (let start = 0; start < count; start += 32) {
        const n = Math.min(32, count - start);
        const feeds = {
          [images.name]: new ort.Tensor('float32', made.slice(start * width, (start + n) * width), [n, ...trailing]),
        };
        await collector.add(feeds, n, `${kind.name}[${start}]`);
      }
      sets.push({ name: kind.name, reach: kind.reach, outputs: collector.result() });
    } finally {
      await collector.dispose();
    }
  }
  return sets;
}
