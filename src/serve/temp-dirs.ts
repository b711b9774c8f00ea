// The private temporary directory a served zip is extracted into, named after the server's process id, removed
// on every exit path the process lives through (close, signals handled by the CLI, an uncaught exception via
// the 'exit' hook). A process that dies without running any code (SIGKILL, a native crash) leaves its directory
// behind; the next server start sweeps every such directory whose process is gone.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from '../io/at-exit.js';

const PREFIX = 'ood-serve-';
const NAME = /^ood-serve-(\d+)-/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove serve temp dirs whose process no longer runs; returns the paths removed. */
export function sweepStaleServeDirs(root = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const path = join(root, name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // another server is sweeping it, or it is not ours to remove
    }
  }
  return removed;
}

/** A fresh directory for this server, removed by `release()` or, failing that, when the process exits. */
export function claimServeDir(root = tmpdir()): { path: string; release(): void } {
  const path = mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
  const remove = () => rmSync(path, { recursive: true, force: true });
  const forget = atExit(remove);
  return {
    path,
    release() {
      forget();
      remove();
    },
  };
}
