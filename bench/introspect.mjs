// Benchmark: `ood introspect` on a >= 300 MB artifact against the floor of what it must do, `sha256sum` of the
// same file. Run with `npm run build && node bench/introspect.mjs [--size-mb 320] [--repeats 5]`.
// The model and its artifact are made in this run (.cache/bench-introspect/, gitignored). Prints medians and
// ratios; writes bench/out/introspect.json. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigModel } from './big-model.mjs';
import { runChecks } from '../dist/src/checks/run-checks.js';
import { CATALOGUE } from '../dist/src/checks/catalogue.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizeMb = arg('--size-mb', 320);
const repeats = arg('--repeats', 5);
const work = join(root, '.cache', 'bench-introspect');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/** Seconds a command takes; exit codes in `ok` are accepted (introspect exits 0 or 4). */
function timed(cmd, args, ok = [0]) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!ok.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return seconds;
}

async function timedLibrary(path, only) {
  const start = process.hrtime.bigint();
  const report = await runChecks(path, { only });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (report.summary.failed > 0)
    throw new Error(`introspect failed: ${JSON.stringify(report.checks.filter((c) => c.result === 'FAILED'))}`);
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await mkdir(work, { recursive: true });
const model = join(work, 'big.onnx');
const zip = join(work, 'big.zip');
const dir = join(work, 'big-artifact');
await writeBigModel(model, sizeMb);
timed('node', [cli, 'prepare', model, '-o', zip, '--force', '--no-introspect']);
timed('node', [cli, 'prepare', model, '--dir', dir, '--force', '--no-introspect']);
const zipBytes = (await stat(zip)).size;
console.log(`artifact: ${zip} (${(zipBytes / 2 ** 20).toFixed(1)} MiB)`);

const withoutLoad = CATALOGUE.map((c) => c.key).filter((k) => k !== 'model.load');
const samples = {
  sha256sum: [],
  cp_plus_sha256sum: [],
  cli_zip: [],
  cli_dir: [],
  library_zip: [],
  library_zip_without_model_load: [],
};
timed('sha256sum', [zip]); // warm the page cache so that every contender reads from memory
for (let i = 0; i < repeats; i++) {
  // Interleaved, so that drift on a noisy machine hits every contender alike.
  samples.sha256sum.push(timed('sha256sum', [zip]));
  await rm(join(work, 'copy.zip'), { force: true });
  samples.cp_plus_sha256sum.push(
    timed('sh', ['-c', `cp "${zip}" "${join(work, 'copy.zip')}" && sha256sum "${zip}" >/dev/null`]),
  );
  samples.cli_zip.push(timed('node', [cli, 'introspect', zip, '--json'], [0, 4]));
  samples.cli_dir.push(timed('node', [cli, 'introspect', dir, '--json'], [0, 4]));
  samples.library_zip.push(await timedLibrary(zip));
  samples.library_zip_without_model_load.push(await timedLibrary(zip, withoutLoad));
}
const startup = median(Array.from({ length: repeats }, () => timed('node', [cli, '--version'])));

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const result = {
  benchmark: 'introspect',
  artifact_bytes: zipBytes,
  repeats,
  cpus: cpus().length,
  median_seconds: { ...m, ood_cli_startup: startup },
  ratio_vs_cp_plus_sha256sum: Object.fromEntries(
    Object.entries(m)
      .filter(([k]) => !k.includes('sha256sum'))
      .map(([k, v]) => [k, v / m.cp_plus_sha256sum]),
  ),
  ratio_vs_sha256sum: Object.fromEntries(
    Object.entries(m)
      .filter(([k]) => k !== 'sha256sum')
      .map(([k, v]) => [k, v / m.sha256sum]),
  ),
  samples,
};
for (const [k, v] of Object.entries(m)) {
  const ratio = k === 'sha256sum' ? '' : `   ratio ${(v / m.sha256sum).toFixed(2)}x`;
  console.log(`${k.padEnd(32)} median ${v.toFixed(3)} s${ratio}`);
}
console.log(`(ood CLI startup alone: ${startup.toFixed(3)} s, included in the cli_* timings)`);
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(join(root, 'bench', 'out', 'introspect.json'), `${JSON.stringify(result, null, 2)}\n`);
await rm(model, { force: true });
await rm(join(work, 'copy.zip'), { force: true });
