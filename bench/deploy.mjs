// Deploy routes: what `ood export triton` and the modelcar layer cost against the plain tools doing the same
// bytes — `cp` of the model, and GNU `tar -czf` of the exported repository. Prints medians and ratios measured
// in this run. Usage: node bench/deploy.mjs [--model PATH] [--repeats N]   (after npm run build)
// Default model: the largest torchvision export in .cache/models (run the tests once to make it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const cache = join(root, '.cache', 'models');
const model =
  arg('model') ??
  readdirSync(cache)
    .filter((n) => n.endsWith('.onnx'))
    .map((n) => join(cache, n))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
const repeats = Number(arg('repeats', '5'));
const { exportTriton } = await import(join(root, 'dist/src/deploy/triton/export.js'));
const { writeLayerFile } = await import(join(root, 'dist/src/registry/image/layer-file.js'));

const work = mkdtempSync(join(tmpdir(), 'ood-bench-deploy-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

try {
  const size = statSync(model).size;
  const cp = await time((i) => execFileSync('cp', [model, join(work, `cp-${i}.onnx`)]));
  const exp = await time((i) => exportTriton(model, join(work, `repo-${i}`), { name: 'm' }));
  const repo = join(work, 'repo-0');
  const entries = [];
  const walk = (dir, rel) => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      if (statSync(abs).isDirectory()) walk(abs, path);
      else
        entries.push({
          type: 'file',
          path: `models/${path}`,
          size: statSync(abs).size,
          open: () => createReadStream(abs),
        });
    }
  };
  walk(repo, '');
  let layer;
  const ood = await time(async (i) => {
    layer = await writeLayerFile(entries, join(work, `layer-${i}.tar.gz`), { mtime: 0 });
  });
  const gnu = await time((i) => execFileSync('tar', ['-czf', join(work, `gnu-${i}.tar.gz`), '-C', repo, '.']));
  const gnuSize = statSync(join(work, 'gnu-0.tar.gz')).size;
  const rows = [
    ['model', `${model.split('/').pop()} (${(size / 2 ** 20).toFixed(1)} MiB)`],
    ['export triton / cp model', `${exp.toFixed(0)} ms / ${cp.toFixed(0)} ms = ${(exp / cp).toFixed(2)}x`],
    ['modelcar layer / tar -czf', `${ood.toFixed(0)} ms / ${gnu.toFixed(0)} ms = ${(ood / gnu).toFixed(2)}x`],
    ['layer bytes / model bytes', `${layer.size} / ${size} = ${(layer.size / size).toFixed(3)}`],
    ['layer bytes / tar -czf bytes', `${layer.size} / ${gnuSize} = ${(layer.size / gnuSize).toFixed(3)}`],
  ];
  console.log(`deploy bench: medians of ${repeats} runs (shared 2-core machine; compare ratios, not times)`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(30)} ${v}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
