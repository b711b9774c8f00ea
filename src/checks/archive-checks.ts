// Archive safety checks: each reports the findings of archive.ts (or of the directory walk) in its own area.
import type { ArchiveFindingCode } from '../artifact/archive-names.js';
import type { CheckContext } from './context.js';
import { verdictOf, type Verdict } from './types.js';

/** Which finding codes each archive check owns. */
const OWNED: Record<string, readonly ArchiveFindingCode[]> = {
  'archive.paths': ['ABSOLUTE_PATH', 'PATH_TRAVERSAL', 'BACKSLASH_PATH', 'BAD_NAME', 'NAME_MISMATCH'],
  'archive.links': ['SYMLINK', 'SPECIAL_FILE'],
  'archive.duplicates': ['DUPLICATE_NAME'],
  'archive.encryption': ['ENCRYPTED', 'UNSUPPORTED_COMPRESSION'],
  'archive.limits': ['TOO_MANY_ENTRIES', 'TOO_LARGE'],
};

const OK: Record<string, string> = {
  'archive.paths': 'every path stays inside the artifact',
  'archive.links': 'only regular files and directories',
  'archive.duplicates': 'every name is unique',
  'archive.encryption': 'no encrypted or unreadable entries',
  'archive.limits': 'within the entry and size limits',
};

/** A check function for one archive key. */
export function archiveCheck(key: string): (ctx: CheckContext) => Promise<Verdict> {
  const codes = OWNED[key] ?? [];
  return async (ctx) => {
    const { inspection, source } = ctx.view;
    const problems = inspection.findings.filter((f) => codes.includes(f.code)).map((f) => f.message);
    if (problems.length === 0 && key === 'archive.limits') {
      const files = inspection.entries.filter((e) => e.kind === 'file').length;
      return verdictOf(
        [],
        `${files} files, ${inspection.uncompressedBytes} bytes${source === 'zip' ? ' uncompressed' : ''}`,
      );
    }
    return verdictOf(problems, OK[key] ?? 'no problems');
  };
}
