// Decoding a large V2 JSON tensor (ResNet-18's input, 3x224x224 FP32, flat and nested) into its typed array:
// the server's path (parseJsonBody, which reads the data arrays straight from the bytes, src/serve/
// v2-number-arrays.ts, then decodeV2Request) and the previous one (JSON.parse, then the one-pass decoder) against
// the baseline of the issue, JSON.parse followed by Float32Array.from. The values are float32s written as their
// shortest doubles (17 digits, as Python's json.dumps of a float32 array's tolist()). Same process, interleaved,
// medians.
// Usage: npm run build && node bench/json-decode.mjs [--repeats 15]   → bench/out/json-decode.json
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeV2Request, parseJsonBody } from '../dist/src/serve/v2-request.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--repeats');
const repeats = i > 0 ? Number(process.argv[i + 1]) : 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const shape = [1, 3, 224, 224];
const n = 3 * 224 * 224;
let seed = 7;
const values = Array.from({ length: n }, () =>
  Math.fround(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2),
);
const nest = (flat) =>
  Array.from({ length: 3 }, (_, c) =>
    Array.from({ length: 224 }, (_, y) => flat.slice((c * 224 + y) * 224, (c * 224 + y + 1) * 224)),
  );
const spec = { name: 'input', datatype: 'FP32', shape: ['batch', 3, 224, 224], order: 0, description: '' };
const signature = { inputs: [spec], outputs: [] };
const results = {};
for (const [layout, data] of [
  ['flat', values],
  ['nested', [nest(values)]],
]) {
  const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape, data }] }));
  const times = {
    'JSON.parse + Float32Array.from': [],
    'parseJsonBody + decodeV2Request (server)': [],
    'JSON.parse + decodeV2Request (before)': [],
    'JSON.parse alone': [],
  };
  for (let r = 0; r < repeats; r++) {
    let t = performance.now();
    const a = JSON.parse(body.toString('utf8'));
    Float32Array.from(layout === 'flat' ? a.inputs[0].data : a.inputs[0].data.flat(Infinity));
    times['JSON.parse + Float32Array.from'].push(performance.now() - t);
    t = performance.now();
    decodeV2Request(parseJsonBody(body), Buffer.alloc(0), signature);
    times['parseJsonBody + decodeV2Request (server)'].push(performance.now() - t);
    t = performance.now();
    decodeV2Request(JSON.parse(body.toString('utf8')), Buffer.alloc(0), signature);
    times['JSON.parse + decodeV2Request (before)'].push(performance.now() - t);
    t = performance.now();
    JSON.parse(body.toString('utf8'));
    times['JSON.parse alone'].push(performance.now() - t);
  }
  results[layout] = {
    body_bytes: body.length,
    median_ms: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])),
  };
}
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'json-decode.json'),
  `${JSON.stringify({ benchmark: 'json-decode', repeats, results }, null, 2)}\n`,
);
for (const [layout, r] of Object.entries(results)) {
  const base = r.median_ms['JSON.parse + Float32Array.from'];
  console.log(`${layout} (${(r.body_bytes / 2 ** 20).toFixed(2)} MiB):`);
  for (const [k, ms] of Object.entries(r.median_ms))
    console.log(`  ${k.padEnd(40)} ${ms.toFixed(1)} ms  speed-up vs baseline ${(base / ms).toFixed(2)}x`);
}
