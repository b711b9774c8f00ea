// MODEL_PROVENANCE.TRAINING_CODE of runtime.yaml: where the model came from, read with simple-git from the
// repository that holds the model (or --repo). Provenance is information, as in Oracle ADS and MLflow: a missing
// repository, a detached HEAD or a repository without commits each gives a record with a NOTE, never an
// exception. Only a --training-script that does not exist is refused, since recording it would be false.
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { simpleGit } from 'simple-git';
import { OodError } from '../errors.js';
import type { RuntimeYaml } from './spec.js';

/** runtime.yaml's TRAINING_CODE block. */
export type TrainingCode = RuntimeYaml['MODEL_PROVENANCE']['TRAINING_CODE'];

/** At most this many changed paths are recorded in DIRTY_PATHS; DIRTY_COUNT always says how many there were. */
export const MAX_DIRTY_PATHS = 20;

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
  if (script) await assertScriptExists(options.trainingScript!, script);
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
  if (status && !status.isClean()) {
    const changed = [...new Set(status.files.map((f) => f.path))].sort();
    record.DIRTY_PATHS = changed.slice(0, MAX_DIRTY_PATHS);
    record.DIRTY_COUNT = changed.length;
  }
  if (record.GIT_COMMIT) {
    record.MODEL_TRACKED = await trackedAtCommit(repo, root, modelPath, record.GIT_COMMIT);
    if (!record.MODEL_TRACKED) notes.push('the model file is not tracked at this commit');
  }
  if (notes.length > 0) record.NOTE = notes.join('; ');
  return record;
}

async function assertScriptExists(given: string, script: string): Promise<void> {
  const isFile = await stat(script).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile) {
    throw new OodError('TRAINING_SCRIPT_NOT_FOUND', `--training-script is not a file: ${given}`, {
      hint: 'Pass the path of the script that trained the model, or leave --training-script out.',
    });
  }
}

/** Whether the model file is in the tree of `commit` (a gitignored or new file is not, nor one outside the repo). */
async function trackedAtCommit(
  repo: ReturnType<typeof simpleGit>,
  root: string,
  modelPath: string,
  commit: string,
): Promise<boolean> {
  const rel = relative(root, resolve(modelPath));
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') return false;
  const listed = await repo.raw(['ls-tree', '--name-only', commit, '--', rel.split(sep).join('/')]).catch(() => '');
  return listed.trim() !== '';
}
