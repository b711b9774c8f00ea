// onnxruntime-node's bundled telemetry library (Microsoft's 1DS "MAT" SDK) creates an empty
// `$TMPDIR/mat-debug-<pid>.log` in every process that makes a session, and never removes it; onnxruntime-node
// offers no option to turn it off or move it (its session and env options have no telemetry switch). So ood
// unlinks its own log as soon as its first session exists (the library keeps writing to the open, unlinked
// file, which is then freed at exit, kill -9 included), and sweeps the empty logs of dead processes once.
import { lstat, readdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STALE_MS, processAlive } from './temp-names.js';

const LOG = /^mat-debug-(\d+)\.log$/;
let done = false;

/** Remove this process's telemetry log and dead processes' empty ones. Never throws; runs once per process. */
export async function dropTelemetryLogs(dir = tmpdir(), now = Date.now()): Promise<void> {
  if (done) return;
  done = true;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(LOG.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid)) continue;
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile() || info.size !== 0) continue;
    const mine = pid === process.pid;
    if (!mine && (processAlive(pid) || now - info.mtimeMs < STALE_MS)) continue;
    await unlink(path).catch(() => undefined);
  }
}
