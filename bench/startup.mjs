// CLI start-up cost: wall time of `ood --version`, `ood --help`, `ood introspect --help` and a registry command
// that fails at once (`ood ls` against a closed port: loads its handler's modules) against a bare
// `node -e 0`, each in a fresh process, interleaved, medians. Writes bench/out/startup.json.
// Usage: npm run build && node bench/startup.mjs [--repeats 9]
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--repeats');
const repeats = i > 0 ? Number(process.argv[i + 1]) : 9;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const contenders = {
  'node -e 0': ['-e', '0'],
  'ood --version': [cli, '--version'],
  'ood --help': [cli, '--help'],
  'ood introspect --help': [cli, 'introspect', '--help'],
  'ood push --help': [cli, 'push', '--help'],
  // A registry command that runs its handler and fails at once (nothing listens on port 1): exit 5.
  'ood ls (refused)': [cli, 'ls', '127.0.0.1:1/x'],
};
const okExit = { 'ood ls (refused)': 5 };
const samples = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (let r = 0; r < repeats; r++) {
  for (const [k, args] of Object.entries(contenders)) {
    const t0 = process.hrtime.bigint();
    const res = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (res.status !== (okExit[k] ?? 0)) throw new Error(`${k} exited ${res.status}`);
    samples[k].push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
}
const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
for (const [k, v] of Object.entries(medians))
  console.log(
    `${k.padEnd(24)} ${(v * 1000).toFixed(0).padStart(6)} ms   ${(v / medians['node -e 0']).toFixed(2)}x node`,
  );
await mkdir(join(root, 'bench', 'out'), { recursive: true });
await writeFile(
  join(root, 'bench', 'out', 'startup.json'),
  `${JSON.stringify({ benchmark: 'startup', repeats, median_seconds: medians, samples }, null, 2)}\n`,
);
