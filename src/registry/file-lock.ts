// A lock file for read-modify-write of index.json across processes: created with O_EXCL, holding the owner's
// pid; a lock whose owner is dead, or that is older than the stale limit, is broken.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { OodError } from '../errors.js';

const STALE_MS = 30_000;

function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function breakIfStale(lockPath: string): Promise<void> {
  const [text, info] = await Promise.all([
    readFile(lockPath, 'utf8').catch(() => ''),
    stat(lockPath).catch(() => undefined),
  ]);
  if (!info) return;
  const pid = Number.parseInt(text, 10);
  const dead = Number.isInteger(pid) && pid > 0 && !ownerAlive(pid);
  if (dead || Date.now() - info.mtimeMs > STALE_MS) await rm(lockPath, { force: true });
}

/** Run `body` while holding `lockPath`. Waits (with jitter) up to `timeoutMs` for another holder. */
export async function withFileLock<T>(lockPath: string, body: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline) {
        throw new OodError('LOCK_TIMEOUT', `timed out waiting for the lock ${lockPath}`, {
          hint: `Another ood process holds it. If none is running, delete ${lockPath}.`,
        });
      }
      if (attempt % 20 === 19) await breakIfStale(lockPath);
      await sleep(5 + Math.random() * 20);
    }
  }
  try {
    return await body();
  } finally {
    await rm(lockPath, { force: true });
  }
}
