// Benchmark: `ood prepare` on a >= 100 MB model against the floor of what it must do, `cp` + `sha256sum` of
// the same file. Run with `npm run build && node bench/prepare.mjs [--size-mb 128] [--repeats 5]`.
// The model is made in this run (.cache/bench/, gitignored). Prints medians and ratios; writes bench/out/prepare.json.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigModel } from './big-model.mjs';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const sizeMb = arg('--size-mb', 128);
const repeats = arg('--repeats', 5);
const work = join(root, '.cache', 'bench');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

function timed(cmd, args, env = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await mkdir(work, { recursive: true });
const model = join(work, 'big.onnx');
const made = process.hrtime.bigint();
await writeBigModel(model, sizeMb);
const modelBytes = (await stat(model)).size;
console.log(
  `model: ${model} (${(modelBytes / 2 ** 20).toFixed(1)} MiB, made in ${(Number(process.hrtime.bigint() - made) / 1e9).toFixed(2)} s)`,
);

const copyTarget = join(work, 'copy.onnx');
const zipOut = join(work, 'big.zip');
const dirOut = join(work, 'big-artifact');
const env = { SOURCE_DATE_EPOCH: '1700000000' };
const samples = { baseline: [], zip: [], dir: [], zip_library: [], dir_library: [] };
/** The same build in this process through the library: no CLI start-up in the timing. */
async function timedLibrary(options) {
  const start = process.hrtime.bigint();
  await buildArtifact({ model, force: true, introspect: false, env, ...options });
  return Number(process.hrtime.bigint() - start) / 1e9;
}
await timedLibrary({ output: zipOut }); // load modules once
timed('sha256sum', [model]); // warm the page cache so that every contender reads from memory
for (let i = 0; i < repeats; i++) {
  // Interleaved, so that drift on a noisy machine hits every contender alike.
  await rm(copyTarget, { force: true });
  samples.baseline.push(timed('sh', ['-c', `cp "${model}" "${copyTarget}" && sha256sum "${model}" >/dev/null`]));
  samples.zip.push(timed('node', [cli, 'prepare', model, '-o', zipOut, '--force', '--no-introspect'], env));
  samples.dir.push(timed('node', [cli, 'prepare', model, '--dir', dirOut, '--force', '--no-introspect'], env));
  samples.zip_library.push(await timedLibrary({ output: zipOut }));
  samples.dir_library.push(await timedLibrary({ dir: dirOut }));
}
/** Peak resident memory (MiB) of one prepare, from GNU time: proves the model is streamed, not loaded. */
function peakRssMib(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'node', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) return null;
  const kb = Number(r.stderr.trim().split('\n').pop());
  return Number.isFinite(kb) ? kb / 1024 : null;
}
const peakRss = {
  prepare_zip: peakRssMib(['prepare', model, '-o', zipOut, '--force', '--no-introspect']),
  prepare_dir: peakRssMib(['prepare', model, '--dir', dirOut, '--force', '--no-introspect']),
};
const nodeStartup = median(Array.from({ length: repeats }, () => timed('node', [cli, '--version'])));

const result = {
  benchmark: 'prepare',
  model_bytes: modelBytes,
  repeats,
  cpus: cpus().length,
  median_seconds: {
    cp_plus_sha256sum: median(samples.baseline),
    prepare_zip: median(samples.zip),
    prepare_dir: median(samples.dir),
    build_artifact_zip_in_process: median(samples.zip_library),
    build_artifact_dir_in_process: median(samples.dir_library),
    ood_cli_startup: nodeStartup,
  },
  ratio_vs_cp_plus_sha256sum: {
    prepare_zip: median(samples.zip) / median(samples.baseline),
    prepare_dir: median(samples.dir) / median(samples.baseline),
    build_artifact_zip_in_process: median(samples.zip_library) / median(samples.baseline),
    build_artifact_dir_in_process: median(samples.dir_library) / median(samples.baseline),
  },
  throughput_mib_s: {
    cp_plus_sha256sum: modelBytes / 2 ** 20 / median(samples.baseline),
    prepare_zip: modelBytes / 2 ** 20 / median(samples.zip),
    prepare_dir: modelBytes / 2 ** 20 / median(samples.dir),
  },
  peak_rss_mib: peakRss,
  samples,
};
console.log(`cp + sha256sum     median ${result.median_seconds.cp_plus_sha256sum.toFixed(3)} s`);
console.log(
  `prepare -o zip     median ${result.median_seconds.prepare_zip.toFixed(3)} s   ratio ${result.ratio_vs_cp_plus_sha256sum.prepare_zip.toFixed(2)}x`,
);
console.log(
  `prepare --dir      median ${result.median_seconds.prepare_dir.toFixed(3)} s   ratio ${result.ratio_vs_cp_plus_sha256sum.prepare_dir.toFixed(2)}x`,
);
console.log(
  `buildArtifact zip   median ${result.median_seconds.build_artifact_zip_in_process.toFixed(3)} s   ratio ${result.ratio_vs_cp_plus_sha256sum.build_artifact_zip_in_process.toFixed(2)}x  (library, no CLI start-up)`,
);
console.log(
  `buildArtifact dir   median ${result.median_seconds.build_artifact_dir_in_process.toFixed(3)} s   ratio ${result.ratio_vs_cp_plus_sha256sum.build_artifact_dir_in_process.toFixed(2)}x  (library, no CLI start-up)`,
);
console.log(
  `peak RSS: zip ${peakRss.prepare_zip?.toFixed(0) ?? '?'} MiB, dir ${peakRss.prepare_dir?.toFixed(0) ?? '?'} MiB for a ${(modelBytes / 2 ** 20).toFixed(0)} MiB model`,
);
console.log(`(ood CLI startup alone: ${nodeStartup.toFixed(3)} s, included in both prepare timings)`);
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(join(root, 'bench', 'out', 'prepare.json'), `${JSON.stringify(result, null, 2)}\n`);
await rm(copyTarget, { force: true });
await rm(zipOut, { force: true });
await rm(dirOut, { recursive: true, force: true });
