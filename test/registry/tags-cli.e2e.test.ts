// Tags as users manage them in the local store, through the built CLI: a push never moves an existing tag to
// another artifact without --force, `ood ls` lists repositories and full digests, `ood rm` deletes a tag (on a
// registry: test/cli/remote-rm.e2e.test.ts), and a miss in the local store is bad input (exit 3), not a remote
// failure (exit 5).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestArtifact } from '../helpers/artifact-zip.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
let dir: string;
let first: string;
let second: string;
const ood = (...args: string[]) =>
  execa('node', [CLI, ...args], { env: { OOD_HOME: join(dir, 'home') }, reject: false });
const DIGEST = /^sha256:[0-9a-f]{64}$/;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-tags-'));
  first = join(dir, 'first.zip');
  second = join(dir, 'second.zip');
  await writeTestArtifact(first);
  await writeTestArtifact(second, { createdAt: '2026-02-03T04:05:06Z' });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tags in the local store', () => {
  let firstDigest: string;

  it('re-pushes the same artifact under its tag, and refuses to move the tag to another one without --force', async () => {
    const push = await ood('push', first, 'digits:1.0');
    expect(push.exitCode, push.stderr).toBe(0);
    firstDigest = push.stdout.trim();
    expect(firstDigest).toMatch(DIGEST);
    expect((await ood('push', first, 'digits:1.0')).exitCode).toBe(0);
    const moved = await ood('push', second, 'digits:1.0');
    expect(moved.exitCode).toBe(2);
    expect(moved.stderr).toContain(`Error: digits:1.0 already names another artifact (${firstDigest})`);
    expect(moved.stderr).toContain('--force');
    const ls = await ood('ls', 'digits', '--json');
    expect(JSON.parse(ls.stdout).tags).toMatchObject([{ tag: '1.0', digest: firstDigest }]);
  });

  it('moves the tag with --force', async () => {
    const forced = await ood('push', second, 'digits:1.0', '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout.trim()).not.toBe(firstDigest);
    expect((await ood('push', first, 'digits:1.0', '--force')).exitCode).toBe(0);
  });

  it('ls prints full, pullable digests by default and 12 digits with --short', async () => {
    const full = await ood('ls', 'digits');
    expect(full.stdout).toContain(firstDigest);
    const short = await ood('ls', 'digits', '--short');
    expect(short.stdout).toContain(firstDigest.slice(7, 19));
    expect(short.stdout).not.toContain(firstDigest);
    const pulled = await ood('pull', `digits@${firstDigest}`, '-o', join(dir, 'by-digest.zip'));
    expect(pulled.exitCode, pulled.stderr).toBe(0);
  });

  it('ls without a repository lists every local repository with its tags', async () => {
    expect((await ood('push', first, 'team/other:2')).exitCode).toBe(0);
    const text = await ood('ls');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^digits\s+1\s+1\.0$/m);
    expect(text.stdout).toMatch(/^team\/other\s+1\s+2$/m);
    const json = JSON.parse((await ood('ls', '--json')).stdout);
    expect(json.repositories).toEqual([
      { repository: 'digits', tags: ['1.0'] },
      { repository: 'team/other', tags: ['2'] },
    ]);
  });

  it('ls of a repository the store does not hold exits 3 and says how to list them', async () => {
    const r = await ood('ls', 'nosuch');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('Error: no repository nosuch in the local store');
    expect(r.stderr).toContain('Hint: Run `ood ls`');
  });

  it('a missing tag in the local store is bad input (exit 3), not a remote failure', async () => {
    const r = await ood('pull', 'digits:9.9', '-o', join(dir, 'none.zip'));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('tag digits:9.9 not found in the local store');
  });

  it('rm deletes a tag; its artifact stays pullable by digest; a second rm exits 3', async () => {
    const removed = await ood('rm', 'team/other:2');
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(removed.stdout).toContain(`deleted team/other:2 (was ${firstDigest})`);
    expect((await ood('ls', '--json')).stdout).not.toContain('team/other');
    expect((await ood('pull', `team/other@${firstDigest}`, '-o', join(dir, 'kept.zip'))).exitCode).toBe(0);
    const again = await ood('rm', 'team/other:2');
    expect(again.exitCode).toBe(3);
  });

  it('rm refuses a reference without a tag, and a local digest reference, as usage errors', async () => {
    const bare = await ood('rm', 'digits');
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain('Error: ood rm needs NAME:TAG or NAME@sha256:…, got digits');
    const byDigest = await ood('rm', `digits@sha256:${'0'.repeat(64)}`);
    expect(byDigest.exitCode).toBe(2);
    expect(byDigest.stderr).toContain('deletes tags in the local store');
  });
});
