// Memory of the serving engine: RSS (/proc/<pid>/status VmRSS summed over the server and its instance processes,
// or the one process with its instance threads under --isolation thread) of `ood serve` on ResNet-18 with 1, 2
// and 4 instances, once ready and after 20 requests, against 1 instance, for each isolation.
// With --acceptors N, also N acceptor processes (`ood serve --acceptors N`, one instance each), against 1 instance.
// Usage: npm run build && node bench/serve-memory.mjs [--instances 1,2,4] [--isolation process,thread] [--acceptors N]
//        → bench/out/serve-memory.json
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';
import { startServe, treeRss } from './serve-process.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const counts = opt('instances', '1,2,4').split(',').map(Number);
const isolations = opt('isolation', 'process,thread').split(',');
const model = join(root, '.cache', 'bench-enable', 'resnet18.onnx');
if (!existsSync(model))
  throw new Error(`${model} is missing: run bench/serve.mjs --models resnet18 once (it exports it)`);
const work = await mkdtemp(join(tmpdir(), 'ood-bench-mem-'));
const dir = join(work, 'resnet18');
await buildArtifact({ model, dir, name: 'resnet18', introspect: false });
const header = Buffer.from(
  JSON.stringify({
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [1, 3, 224, 224], parameters: { binary_data_size: 4 * 3 * 224 * 224 } },
    ],
  }),
);
const tensor = Buffer.alloc(4 * 3 * 224 * 224);
const acceptors = Number(opt('acceptors', 0));
const runs = isolations.flatMap((isolation) => counts.map((n) => ({ isolation, n, acceptors: 1 })));
if (acceptors > 1) runs.push({ isolation: 'process', n: 1, acceptors });
const rows = [];
for (const { isolation, n, acceptors: a } of runs) {
  const { child, base: url } = await startServe(dir, [
    '--instances',
    String(n),
    '--threads',
    '1',
    '--isolation',
    isolation,
    '--acceptors',
    String(a),
  ]);
  const ready = await treeRss(child.pid);
  for (let k = 0; k < 20; k++) {
    const res = await fetch(`${url}/v2/models/resnet18/infer`, {
      method: 'POST',
      body: Buffer.concat([header, tensor]),
      headers: { 'inference-header-content-length': String(header.length) },
    });
    await res.arrayBuffer();
  }
  rows.push({ isolation, acceptors: a, instances: n, rss_ready_mb: ready, rss_after_20_mb: await treeRss(child.pid) });
  child.kill('SIGTERM');
  await child;
}
await rm(work, { recursive: true, force: true });
for (const r of rows) {
  const one = rows.find((o) => o.isolation === r.isolation && o.instances === 1 && o.acceptors === 1) ?? rows[0];
  r.vs_one_instance = r.rss_after_20_mb / one.rss_after_20_mb;
}
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'serve-memory.json'),
  `${JSON.stringify({ benchmark: 'serve-memory', rows }, null, 2)}\n`,
);
console.table(
  rows.map((r) => ({
    isolation: r.isolation,
    acceptors: r.acceptors,
    'instances each': r.instances,
    'RSS ready MB': r.rss_ready_mb.toFixed(0),
    'RSS after 20 MB': r.rss_after_20_mb.toFixed(0),
    'vs 1 instance': r.vs_one_instance.toFixed(2),
  })),
);
