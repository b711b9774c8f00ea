// MODEL_PROVENANCE.TRAINING_CODE of runtime.yaml: where the model came from, read with simple-git from the
// repository that holds the model (or --repo). A missing repository, a detached HEAD or a repository without
// commits each gives a record with a NOTE, never an exception.
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { simpleGit } from 'simple-git';
import type { RuntimeYaml } from './spec.js';

/** runtime.yaml's TRAINING_CODE block. */
export type TrainingCode = RuntimeYaml['MODEL_PROVENANCE']['TRAINING_CODE'];

const EMPTY: TrainingCode = {
  GIT_REMOTE: null,
  GIT_COMMIT: null,
  GIT_BRANCH: null,
  GIT_DIRTY: null,
  TRAINING_SCRIPT: null,
};

/** Credentials must never reach an artifact: strip `user:token@` from an https remote. */
export function redactRemote(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]+@/i, '$1');
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Provenance for the model at `modelPath`. `repoDir` overrides the repository; `trainingScript` is recorded
 * relative to the repository root when it lies inside it.
 */
export async function readProvenance(
  modelPath: string,
  options: { repoDir?: string; trainingScript?: string } = {},
): Promise<TrainingCode> {
  const start = resolve(options.repoDir ?? dirname(modelPath));
  const script = options.trainingScript ? resolve(options.trainingScript) : null;
  if (!(await isDirectory(start))) return { ...EMPTY, TRAINING_SCRIPT: script, NOTE: `not a directory: ${start}` };
  const git = simpleGit({ baseDir: start });
  let root: string;
  try {
    if (!(await git.checkIsRepo())) return { ...EMPTY, TRAINING_SCRIPT: script, NOTE: 'not a git repository' };
    root = (await git.revparse(['--show-toplevel'])).trim();
  } catch (err) {
    return { ...EMPTY, TRAINING_SCRIPT: script, NOTE: `git failed: ${(err as Error).message.split('\n')[0]}` };
  }
  const scriptPath =
    script && !relative(root, script).startsWith(`..${sep}`) && relative(root, script) !== '..'
      ? relative(root, script).split(sep).join('/')
      : script;
  const record: TrainingCode = { ...EMPTY, TRAINING_SCRIPT: scriptPath };
  const notes: string[] = [];
  const repo = simpleGit({ baseDir: root });
  const remotes = await repo.getRemotes(true).catch(() => []);
  const remote = remotes.find((r) => r.name === 'origin') ?? remotes[0];
  record.GIT_REMOTE = remote?.refs.fetch ? redactRemote(remote.refs.fetch) : null;
  if (!remote) notes.push('no remote');
  const commit = await repo.revparse(['--verify', '--quiet', 'HEAD^{commit}']).catch(() => '');
  if (commit.trim()) record.GIT_COMMIT = commit.trim();
  else notes.push('no commits');
  const branch = await repo.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  if (branch.trim()) record.GIT_BRANCH = branch.trim();
  else notes.push('detached HEAD');
  const status = await repo.status().catch(() => null);
  record.GIT_DIRTY = status ? !status.isClean() : null;
  if (notes.length > 0) record.NOTE = notes.join('; ');
  return record;
}
