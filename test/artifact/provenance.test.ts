import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { MAX_DIRTY_PATHS, readProvenance, redactRemote } from '../../src/artifact/provenance.js';
import { OodError } from '../../src/errors.js';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { fixtures } from '../helpers/fixtures.js';
import { readZipFiles } from './zip-reader.js';
import { tempDir } from './artifact-helpers.js';

const gitEnv = {
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: '/nonexistent',
};
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: gitEnv });

/** A temp repository holding the digits model and a training script, with one commit on branch `train`. */
async function repoWithModel(): Promise<{ dir: string; model: string; commit: string }> {
  const dir = await tempDir('ood-repo-');
  await git(dir, 'init', '-q', '-b', 'train');
  await mkdir(join(dir, 'models'));
  const model = join(dir, 'models', 'digits.onnx');
  await copyFile(fixtures.digits.model, model);
  await writeFile(join(dir, 'train.py'), 'print("train")\n');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'model');
  const commit = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
  return { dir, model, commit };
}

describe('provenance from git', () => {
  it('records remote (without credentials), commit, branch, clean state and the training script relative to the repo', async () => {
    const { dir, model, commit } = await repoWithModel();
    await git(dir, 'remote', 'add', 'origin', 'https://alice:s3cret@git.example.invalid/team/digits.git');
    const p = await readProvenance(model, { trainingScript: join(dir, 'train.py') });
    expect(p).toEqual({
      GIT_REMOTE: 'https://git.example.invalid/team/digits.git',
      GIT_COMMIT: commit,
      GIT_BRANCH: 'train',
      GIT_DIRTY: false,
      TRAINING_SCRIPT: 'train.py',
      MODEL_TRACKED: true,
    });
  });

  it('marks a repository with uncommitted changes as dirty and names the changed paths', async () => {
    const { dir, model } = await repoWithModel();
    await writeFile(join(dir, 'train.py'), 'print("changed")\n');
    await writeFile(join(dir, 'notes.txt'), 'new\n');
    const p = await readProvenance(model);
    expect(p.GIT_DIRTY).toBe(true);
    expect(p.DIRTY_PATHS).toEqual(['notes.txt', 'train.py']);
    expect(p.DIRTY_COUNT).toBe(2);
  });

  it(`caps the recorded changed paths at ${MAX_DIRTY_PATHS} but counts them all`, async () => {
    const { dir, model } = await repoWithModel();
    const names = Array.from({ length: MAX_DIRTY_PATHS + 5 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    for (const name of names) await writeFile(join(dir, name), name);
    const p = await readProvenance(model);
    expect(p.DIRTY_PATHS).toEqual(names.slice(0, MAX_DIRTY_PATHS));
    expect(p.DIRTY_COUNT).toBe(MAX_DIRTY_PATHS + 5);
  });

  it('says so when the model file is not in the recorded commit (gitignored), instead of calling it clean', async () => {
    const { dir } = await repoWithModel();
    await writeFile(join(dir, '.gitignore'), 'out/\n');
    await git(dir, 'add', '.gitignore');
    await git(dir, 'commit', '-q', '-m', 'ignore out');
    await mkdir(join(dir, 'out'));
    const model = join(dir, 'out', 'enabled.onnx');
    await copyFile(fixtures.digits.model, model);
    const p = await readProvenance(model);
    expect(p.GIT_DIRTY).toBe(false);
    expect(p.MODEL_TRACKED).toBe(false);
    expect(p.NOTE).toContain('the model file is not tracked at this commit');
  });

  it('refuses a --training-script that does not exist, with a usage-level message naming it', async () => {
    const { dir, model } = await repoWithModel();
    const err = await readProvenance(model, { trainingScript: join(dir, 'nosuch.py') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OodError);
    expect((err as OodError).code).toBe('TRAINING_SCRIPT_NOT_FOUND');
    expect((err as OodError).message).toContain('nosuch.py');
    expect((err as OodError).exitCode).toBe(3);
  });

  it('gives a record with a note, not a crash, for a directory that is not a repository', async () => {
    const dir = await tempDir('ood-norepo-');
    const model = join(dir, 'm.onnx');
    await copyFile(fixtures.digits.model, model);
    expect(await readProvenance(model)).toEqual({
      GIT_REMOTE: null,
      GIT_COMMIT: null,
      GIT_BRANCH: null,
      GIT_DIRTY: null,
      TRAINING_SCRIPT: null,
      NOTE: 'not a git repository',
    });
  });

  it('gives the commit and a "detached HEAD" note for a detached checkout', async () => {
    const { dir, model, commit } = await repoWithModel();
    await git(dir, 'checkout', '-q', '--detach');
    const p = await readProvenance(model);
    expect(p.GIT_COMMIT).toBe(commit);
    expect(p.GIT_BRANCH).toBeNull();
    expect(p.NOTE).toContain('detached HEAD');
  });

  it('gives the branch and a "no commits" note for a repository without commits', async () => {
    const dir = await tempDir('ood-empty-repo-');
    await git(dir, 'init', '-q', '-b', 'main');
    const model = join(dir, 'm.onnx');
    await copyFile(fixtures.digits.model, model);
    const p = await readProvenance(model);
    expect(p.GIT_COMMIT).toBeNull();
    expect(p.GIT_BRANCH).toBe('main');
    expect(p.GIT_DIRTY).toBe(true);
    expect(p.NOTE).toContain('no commits');
  });

  it('uses --repo instead of the repository holding the model', async () => {
    const { dir, commit } = await repoWithModel();
    const elsewhere = await tempDir('ood-elsewhere-');
    const model = join(elsewhere, 'm.onnx');
    await copyFile(fixtures.digits.model, model);
    expect((await readProvenance(model, { repoDir: dir })).GIT_COMMIT).toBe(commit);
  });

  it('writes the record into runtime.yaml, where it passes the schema', async () => {
    const { dir, model, commit } = await repoWithModel();
    const out = join(await tempDir(), 'a.zip');
    await buildArtifact({ model, output: out, trainingScript: join(dir, 'train.py') });
    const runtime = parse((await readZipFiles(out)).get('runtime.yaml')!.toString());
    expect(runtime.MODEL_PROVENANCE.TRAINING_CODE).toMatchObject({
      GIT_COMMIT: commit,
      GIT_BRANCH: 'train',
      TRAINING_SCRIPT: 'train.py',
    });
  });

  it('strips user and token from remote URLs but keeps ssh remotes as they are', () => {
    expect(redactRemote('https://user:tok@host/x.git')).toBe('https://host/x.git');
    expect(redactRemote('git@github.com:org/x.git')).toBe('git@github.com:org/x.git');
  });
});
