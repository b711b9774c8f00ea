// Extra files for the artifact (`--include PATH`, repeatable), filtered by `.model-ignore` files with gitignore
// semantics (npm `ignore`). Patterns are matched against artifact-relative paths, never absolute ones, so
// `env/` drops the directory env/ and keeps environment.yaml (ADS matches absolute paths unanchored).
//   - <model's directory>/.model-ignore applies to every included file, relative to the artifact root;
//   - <included directory>/.model-ignore applies to that directory's files, relative to it (a nested .gitignore).
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { OodError, fileError } from '../errors.js';

/** The ignore file's name, as ADS spells it. */
export const IGNORE_FILE = '.model-ignore';

/** One extra file: where it lands in the artifact and where it comes from. */
export interface IncludedFile {
  /** Artifact-relative path, forward slashes. */
  path: string;
  /** Absolute path of the source file. */
  source: string;
}

/** What --include collected, and what .model-ignore dropped (reported to the user). */
export interface IncludeResult {
  files: IncludedFile[];
  /** Artifact-relative paths that a .model-ignore dropped, sorted. */
  ignored: string[];
}

async function readIgnore(dir: string): Promise<Ignore | null> {
  const text = await readFile(join(dir, IGNORE_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw fileError(err, join(dir, IGNORE_FILE), 'ignore file');
  });
  return text === null ? null : ignore().add(text);
}

/** Every regular file under `dir` (symlinked files followed, symlinked directories not), relative, sorted. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(dir, prefix), { withFileTypes: true }).catch((err) => {
    throw fileError(err, join(dir, prefix), 'directory');
  });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (entry.isFile()) out.push(rel);
    else if (
      entry.isSymbolicLink() &&
      (await stat(join(dir, rel)).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      out.push(rel);
  }
  return out;
}

/** Collect the files named by `--include`, applying .model-ignore from the model's directory and each included one. */
export async function collectIncludes(includes: readonly string[], modelDir: string): Promise<IncludeResult> {
  const rootRules = await readIgnore(modelDir);
  const files: IncludedFile[] = [];
  const ignored: string[] = [];
  for (const include of includes) {
    const source = resolve(include);
    const info = await stat(source).catch((err) => {
      throw fileError(err, include, 'included path');
    });
    const name = basename(source);
    if (info.isFile()) {
      if (rootRules?.ignores(name)) ignored.push(name);
      else files.push({ path: name, source });
      continue;
    }
    if (!info.isDirectory()) {
      throw new OodError('INCLUDE_NOT_A_FILE', `--include ${include} is neither a file nor a directory`, {
        hint: 'Include regular files or directories.',
      });
    }
    const dirRules = await readIgnore(source);
    for (const rel of await walk(source)) {
      const path = `${name}/${rel}`;
      if (rel === IGNORE_FILE) continue;
      if (rootRules?.ignores(path) || dirRules?.ignores(rel)) ignored.push(path);
      else files.push({ path, source: join(source, rel) });
    }
  }
  return { files, ignored: ignored.sort() };
}
