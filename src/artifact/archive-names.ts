// Entry-name and entry-type rules for zip archives (PKWARE APPNOTE 6.3.10, §4.4.17 file name, §4.4.15 external
// attributes). Pure functions: they judge a name or a mode and return findings, they never touch the disk.

/** Why an entry is unsafe to extract or to trust. Stable strings: they appear in reports. */
export type ArchiveFindingCode =
  | 'ABSOLUTE_PATH'
  | 'PATH_TRAVERSAL'
  | 'BACKSLASH_PATH'
  | 'BAD_NAME'
  | 'NAME_MISMATCH'
  | 'SYMLINK'
  | 'SPECIAL_FILE'
  | 'DUPLICATE_NAME'
  | 'ENCRYPTED'
  | 'UNSUPPORTED_COMPRESSION'
  | 'TOO_MANY_ENTRIES'
  | 'TOO_LARGE';

/** One safety problem, tied to the entry that caused it when there is one. */
export interface ArchiveFinding {
  code: ArchiveFindingCode;
  entry?: string;
  message: string;
}

/** What an entry is, from its name and its unix mode. */
export type EntryKind = 'file' | 'directory' | 'symlink' | 'special';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** "Version made by" host systems whose external attributes carry a unix mode in the high 16 bits. */
const UNIX_HOSTS = new Set([3 /* unix */, 19 /* OS X */]);

/** Classify an entry: a name ending in `/` is a directory; a unix mode may say symlink or device. */
export function entryKind(name: string, versionMadeBy: number, externalAttributes: number): EntryKind {
  const host = versionMadeBy >>> 8;
  const mode = (externalAttributes >>> 16) & S_IFMT;
  if (UNIX_HOSTS.has(host) && mode !== 0) {
    if (mode === S_IFLNK) return 'symlink';
    if (mode === S_IFDIR) return 'directory';
    if (mode !== S_IFREG) return 'special';
  }
  return name.endsWith('/') || name.endsWith('\\') ? 'directory' : 'file';
}

/** Findings for one entry name; an empty list means the name is a plain relative path. */
export function nameFindings(name: string): ArchiveFinding[] {
  const findings: ArchiveFinding[] = [];
  const add = (code: ArchiveFindingCode, message: string) => findings.push({ code, entry: name, message });
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (name.length === 0 || /[\u0000-\u001f]/.test(name)) {
    add('BAD_NAME', `entry ${JSON.stringify(name)} has an empty name or control characters`);
    return findings;
  }
  if (name.includes('\\'))
    add('BACKSLASH_PATH', `entry ${JSON.stringify(name)} uses backslashes, which some extractors treat as separators`);
  const normalized = name.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[a-zA-Z]:/.test(normalized)) {
    add('ABSOLUTE_PATH', `entry ${JSON.stringify(name)} has an absolute path`);
  }
  if (normalized.split('/').includes('..')) {
    add('PATH_TRAVERSAL', `entry ${JSON.stringify(name)} climbs out of the archive with ".."`);
  }
  return findings;
}

/** The key two names collide on when extracted on a case-insensitive filesystem (macOS, Windows). */
export function collisionKey(name: string): string {
  return name
    .replace(/\\/g, '/')
    .replace(/\/+$/, '')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/')
    .toLowerCase();
}
