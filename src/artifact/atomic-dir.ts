// Atomic output of an unpacked artifact (`--dir`): build in a temporary sibling directory, then rename it into
// place. With --force an existing directory is moved aside first and removed only after the new one is in.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertWritableTarget, temporarySibling } from '../io/atomic-file.js';
import { OodError } from '../errors.js';

/** Fill a fresh temporary directory with `produce`, then rename it to `path`; on failure nothing is left. */
export async function writeDirectoryAtomically<T>(path: string, force: boolean, produce: (tmpDir: string) => Promise<T>): Promise<T> {
  await assertWritableTarget(path, force);
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporarySibling(path);
  await mkdir(tmp);
  let result: T;
  try {
    result = await produce(tmp);
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
