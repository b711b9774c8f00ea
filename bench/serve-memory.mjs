// Memory of the serving engine: RSS (/proc/<pid>/status VmRSS, the whole process with its instance threads) of
// `ood serve` on ResNet-18 with 1, 2 and 4 instances, once ready and after 20 requests, against 1 instance.
// Usage: npm run build && node bench/serve-memory.mjs [--instances 1,2,4]   → bench/out/serve-memory.json
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--instances');
const counts = (i > 0 ? process.argv[i + 1] : '1,2,4').split(',').map(Number);
const model = join(root, '.cache', 'bench-enable', 'resnet18.onnx');
if (!existsSync(model))
  throw new Error(`${model} is missing: run bench/serve.mjs --models resnet18 once (it exports it)`);
const work = await mkdtemp(join(tmpdir(), 'ood-bench-mem-'));
const dir = join(work, 'resnet18');
await buildArtifact({ model, dir, name: 'resnet18', introspect: false });
const body = Buffer.concat([
  Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'input',
          datatype: 'FP32',
          shape: [1, 3, 224, 224],
          parameters: { binary_data_size: 4 * 3 * 224 * 224 },
        },
      ],
    }),
  ),
]);
const header = body;
const tensor = Buffer.alloc(4 * 3 * 224 * 224);
const rss = async (pid) => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const rows = [];
for (const n of counts) {
  const child = execa(
    process.execPath,
    [
      join(root, 'dist/src/cli/main.js'),
      'serve',
      dir,
      '--port',
      '0',
      '--json',
      '--instances',
      String(n),
      '--threads',
      '1',
    ],
    { reject: false, stderr: 'ignore' },
  );
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const events = text.split('\n').flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      });
      if (events.some((e) => e.event === 'load_failed')) reject(new Error(text));
      const listening = events.find((e) => e.event === 'listening');
      if (listening && events.some((e) => e.event === 'ready')) resolve(listening.url);
    });
  });
  const ready = await rss(child.pid);
  for (let k = 0; k < 20; k++) {
    const res = await fetch(`${url}/v2/models/resnet18/infer`, {
      method: 'POST',
      body: Buffer.concat([header, tensor]),
      headers: { 'inference-header-content-length': String(header.length) },
    });
    await res.arrayBuffer();
  }
  rows.push({ instances: n, rss_ready_mb: ready, rss_after_20_mb: await rss(child.pid) });
  child.kill('SIGTERM');
  await child;
}
await rm(work, { recursive: true, force: true });
const one = rows.find((r) => r.instances === 1) ?? rows[0];
for (const r of rows) r.vs_one_instance = r.rss_after_20_mb / one.rss_after_20_mb;
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'serve-memory.json'),
  `${JSON.stringify({ benchmark: 'serve-memory', rows }, null, 2)}\n`,
);
console.table(
  rows.map((r) => ({
    instances: r.instances,
    'RSS ready MB': r.rss_ready_mb.toFixed(0),
    'RSS after 20 MB': r.rss_after_20_mb.toFixed(0),
    'vs 1 instance': r.vs_one_instance.toFixed(2),
  })),
);
