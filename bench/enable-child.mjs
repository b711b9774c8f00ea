// One measured operation in a fresh process, so that peak RSS belongs to it alone:
//   node bench/enable-child.mjs <noop|read|stream|copy|enable> MODEL [OUT]
// Prints {"ms": wall time of the operation, "maxRssMb": peak resident set of the process}. Peak RSS is VmHWM
// from /proc/self/status: getrusage's ru_maxrss survives execve and would report the parent's peak.
import { readFileSync, createReadStream, rmSync, copyFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';

const [mode, model, out] = process.argv.slice(2);
const { enableModel } = mode === 'enable' ? await import('../dist/src/certainty/enable.js') : {};
const start = performance.now();
if (mode === 'read') {
  const buf = readFileSync(model);
  if (buf.length === 0) throw new Error('empty');
} else if (mode === 'stream') {
  await pipeline(createReadStream(model), createHash('sha256'));
} else if (mode === 'copy') {
  rmSync(out, { force: true });
  copyFileSync(model, out);
} else if (mode === 'enable') {
  rmSync(out, { force: true });
  await enableModel({ model, output: out });
}
const ms = performance.now() - start;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
process.stdout.write(
  JSON.stringify({ ms, maxRssMb: hwm ? Number(hwm[1]) / 1024 : process.resourceUsage().maxRSS / 1024 }),
);
