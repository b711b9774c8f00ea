// Swap two directory entries in one step: Linux renameat2(2) with RENAME_EXCHANGE (since 3.15), so that a path
// that must always exist (`prepare --dir --force`'s target) goes from the old directory to the new one without a
// moment in between. Node has no binding for it; Python's ctypes calls glibc's renameat2 (glibc 2.28+). Where that
// is not available (another OS, no python3, a filesystem without the flag), the answer is false and the caller
// falls back to two renames.
import { execa } from 'execa';

// AT_FDCWD is -100 and RENAME_EXCHANGE is 2 (linux/fcntl.h, linux/fs.h).
const SWAP = [
  'import ctypes, os, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'f = getattr(libc, "renameat2", None)',
  'sys.exit(3) if f is None else None',
  'r = f(-100, os.fsencode(sys.argv[1]), -100, os.fsencode(sys.argv[2]), 2)',
  'sys.exit(0 if r == 0 else 4)',
].join('\n');

/** Atomically exchange `a` and `b` (both must exist); false when the platform cannot. */
export async function exchangePaths(a: string, b: string): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const result = await execa('python3', ['-c', SWAP, a, b], { reject: false, timeout: 30_000 });
  return result.exitCode === 0;
}
