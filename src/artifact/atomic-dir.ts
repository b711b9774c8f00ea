// Atomic output of an unpacked artifact (`--dir`): build in a temporary sibling directory, then rename it into
// place. With --force an existing directory is moved aside first and removed only after the new one is in.
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { assertWritableTarget, temporarySibling } from '../io/atomic-file.js';
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
  await assertWritableTarget(path, force);
  await mkdir(dirname(path), { recursive: true });
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
      kind: 'usage',
      hint: 'Pick a directory path, or remove the file first.',
    });
  }
  const aside = existing ? temporarySibling(path) : null;
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
