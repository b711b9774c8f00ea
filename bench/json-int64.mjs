// What exact 64-bit integers cost a JSON request (src/serve/exact-json.ts, v2-request.ts decodeJsonBody). Three
// bodies, each timed as JSON.parse alone (the baseline), JSON.parse + decodeV2Request (the server's path before) and
// the server's path now (decodeJsonBody), interleaved in one process, medians, ratios against the baseline:
//   - token ids: INT64 [32, 512] of small ids (BERT-like): nothing is beyond 2^53, so nothing is parsed twice;
//   - hashed ids: INT64 [1024, 16] of 19-digit ids: JSON.parse, then the exact parse (lossless-json) once the codec
//     meets the first one (before, the server answered them rounded);
//   - an image: FP32 [1, 3, 224, 224]: no 64-bit integers, the same path as before.
// Usage: npm run build && nice node bench/json-int64.mjs [--repeats 21]   → bench/out/json-int64.json
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJsonBody, decodeV2Request } from '../dist/src/serve/v2-request.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--repeats');
const repeats = i > 0 ? Number(process.argv[i + 1]) : 21;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let seed = 11;
const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);

function body(datatype, shape, literal) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, literal).join(',');
  const text = `{"inputs":[{"name":"x","datatype":"${datatype}","shape":[${shape}],"data":[${data}]}]}`;
  const spec = { name: 'x', datatype, shape: shape.map((d, k) => (k === 0 ? 'batch' : d)), order: 0, description: '' };
  return { bytes: Buffer.from(text), signature: { inputs: [spec], outputs: [] } };
}

const cases = {
  'token ids INT64 [32,512]': body('INT64', [32, 512], () => String(next() % 30522)),
  'hashed ids INT64 [1024,16]': body('INT64', [1024, 16], () => `${(BigInt(next()) << 31n) ^ BigInt(next())}`),
  'image FP32 [1,3,224,224]': body('FP32', [1, 3, 224, 224], () => String(Math.fround((next() / 2 ** 32) * 4 - 2))),
};
const results = {};
for (const [label, { bytes, signature }] of Object.entries(cases)) {
  const paths = {
    'JSON.parse alone (baseline)': () => JSON.parse(bytes.toString('utf8')),
    'JSON.parse + decodeV2Request': () => {
      try {
        decodeV2Request(JSON.parse(bytes.toString('utf8')), Buffer.alloc(0), signature);
      } catch {
        // the hashed ids: a double beyond 2^53 is refused here; the server path below reads the body again exactly
      }
    },
    'server: decodeJsonBody': () => decodeJsonBody(bytes, (json) => decodeV2Request(json, Buffer.alloc(0), signature)),
  };
  const times = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  const order = Object.keys(paths);
  for (let r = -3; r < repeats; r++) {
    // three warm-up rounds, then every path once a round, in a rotating order
    for (let k = 0; k < order.length; k++) {
      const name = order[(k + Math.max(r, 0)) % order.length];
      const t = performance.now();
      paths[name]();
      if (r >= 0) times[name].push(performance.now() - t);
    }
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  results[label] = { body_bytes: bytes.length, median_ms: m };
  const base = m['JSON.parse alone (baseline)'];
  console.log(`${label} (${(bytes.length / 2 ** 10).toFixed(0)} KiB):`);
  for (const [k, ms] of Object.entries(m))
    console.log(`  ${k.padEnd(30)} ${ms.toFixed(2)} ms  x${(ms / base).toFixed(2)}`);
}
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'json-int64.json'),
  `${JSON.stringify({ benchmark: 'json-int64', repeats, results }, null, 2)}\n`,
);
