// Temporary names ood can recognise later, and the sweep that removes what a killed run left. Every temporary
// path carries the `ood` prefix and the pid of its writer: `.<name>.ood-<pid>-<hex>.tmp` beside an output, and
// `ood-<purpose>-<pid>-XXXXXX` under the temp directory. A leftover is stale when its writer is gone and it has
// not been touched for STALE_MS; the next ood run that writes into the same directory removes it. A live
// process's files (its own included) are never touched, whatever their age.
import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** How old an orphan must be before it is swept: longer than any rename takes, short enough to matter. */
export const STALE_MS = 5 * 60_000;

const SIBLING = /\.ood-(\d+)-[0-9a-f]{8}(?:\.old)?\.tmp$/;
const TEMP_DIR = /^ood-(?:introspect|artifact|extract)-(\d+)-[A-Za-z0-9]{6}$/;

/** A temporary path beside `path`, on the same filesystem so that rename is atomic. */
export function temporarySibling(path: string, suffix = ''): string {
  return join(dirname(path), `.${basename(path)}.ood-${process.pid}-${randomBytes(4).toString('hex')}${suffix}.tmp`);
}

/** The mkdtemp prefix for a temporary directory of `purpose` (introspect, artifact, extract). */
export function tempDirPrefix(root: string, purpose: 'introspect' | 'artifact' | 'extract'): string {
  return join(root, `ood-${purpose}-${process.pid}-`);
}

/** Whether process `pid` exists (EPERM: it exists but is someone else's). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The writer's pid when `name` is one of ood's temporary names, else undefined. */
export function temporaryOwner(name: string, kind: 'sibling' | 'tempdir'): number | undefined {
  const m = (kind === 'sibling' ? SIBLING : TEMP_DIR).exec(name);
  return m ? Number(m[1]) : undefined;
}

const swept = new Set<string>();

/**
 * Remove stale temporary entries of `kind` in `dir` (once per directory per process). Returns what it removed.
 * Failures are ignored: sweeping is housekeeping and must never fail the command that triggered it.
 */
export async function sweepStale(dir: string, kind: 'sibling' | 'tempdir', now = Date.now()): Promise<string[]> {
  const key = `${kind}:${dir}`;
  if (swept.has(key)) return [];
  swept.add(key);
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = temporaryOwner(name, kind);
    if (pid === undefined || pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < STALE_MS) continue;
    await rm(path, { recursive: true, force: true }).then(
      () => removed.push(path),
      () => undefined,
    );
  }
  return removed;
}

/** Forget which directories were swept (tests). */
export function resetSweepMemory(): void {
  swept.clear();
}
