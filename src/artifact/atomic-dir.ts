// Atomic output of an unpacked artifact (`--dir`): build in a temporary sibling directory, then rename it into
// place. With --force the new directory is exchanged with the old one in one step (exchange-paths.ts), so the
// target is never missing, and the old one is removed afterwards. Where the platform cannot exchange, the old
// one is moved aside and the new one renamed in (a gap of one rename); a run killed in that gap leaves the old
// directory under a recognisable aside name, which the next run puts back.
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertWritableTarget } from '../io/atomic-file.js';
import { exchangePaths } from '../io/exchange-paths.js';
import { sweepStale, temporaryOwner, temporarySibling, processAlive } from '../io/temp-names.js';
import { OodError } from '../errors.js';

/** fsync every file and directory under `dir`, so that after the rename the content is on disk, not just named. */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await syncTree(path);
    else if (entry.isFile()) await syncPath(path);
  }
  await syncPath(dir);
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Fill a fresh temporary directory with `produce`, then rename it to `path`; on failure nothing is left. */
export async function writeDirectoryAtomically<T>(
  path: string,
  force: boolean,
  produce: (tmpDir: string) => Promise<T>,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  await restoreInterruptedSwap(path);
  await assertWritableTarget(path, force);
  await sweepStale(dirname(path), 'sibling');
  const tmp = temporarySibling(path);
  await mkdir(tmp);
  let result: T;
  try {
    result = await produce(tmp);
    await syncTree(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const existing = await stat(path).catch(() => null);
  if (existing && !existing.isDirectory()) {
    await rm(tmp, { recursive: true, force: true });
    throw new OodError('OUTPUT_NOT_A_DIRECTORY', `--dir ${path} exists and is not a directory`, {
      hint: 'Pick a directory path, or remove the file first.',
    });
  }
  if (existing && (await exchangePaths(tmp, path))) {
    // tmp now holds the old directory.
    await rm(tmp, { recursive: true, force: true });
    return result;
  }
  const aside = existing ? temporarySibling(path, '.old') : null;
  try {
    if (aside) await rename(path, aside);
    await rename(tmp, path);
  } catch (err) {
    if (aside) await rename(aside, path).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (aside) await rm(aside, { recursive: true, force: true });
  return result;
}

/** When `path` is missing but a dead run's aside copy of it exists, put that copy back. */
async function restoreInterruptedSwap(path: string): Promise<void> {
  if (await stat(path).catch(() => null)) return;
  const prefix = `.${basename(path)}.ood-`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || !name.endsWith('.old.tmp')) continue;
    const pid = temporaryOwner(name, 'sibling');
    if (pid === undefined || processAlive(pid)) continue;
    await rename(join(dirname(path), name), path).catch(() => undefined);
    return;
  }
}
