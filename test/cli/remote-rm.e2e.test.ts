// `ood rm` on a real registry (Debian's docker-registry, CNCF distribution 2.x), through the built CLI: a tag whose
// manifest no other tag names is deleted; a shared manifest is not deleted behind the other tags' backs unless
// --force; a digest reference deletes the manifest; a registry with deletion disabled says so (exit 5).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTestArtifact } from '../helpers/artifact-zip.js';
import { registryAvailable, startRegistry, type RunningRegistry } from '../helpers/registry-harness.js';

const CLI = new URL('../../dist/src/cli/main.js', import.meta.url).pathname;
const available = registryAvailable();
let dir: string;
let first: string;
let second: string;
let registry: RunningRegistry | undefined;
let locked: RunningRegistry | undefined;
const ood = (...args: string[]) =>
  execa('node', [CLI, ...args], {
    env: { OOD_HOME: join(dir, 'home'), DOCKER_CONFIG: join(dir, 'no-docker') },
    reject: false,
  });
const tagsOf = async (repo: string) => {
  const r = await ood('ls', repo, '--json');
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout).tags as { tag: string }[]).map((t) => t.tag);
};
const push = async (zip: string, ref: string) => {
  const r = await ood('push', zip, ref, '--quiet');
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-remote-rm-'));
  first = join(dir, 'first.zip');
  second = join(dir, 'second.zip');
  await writeTestArtifact(first);
  await writeTestArtifact(second, { createdAt: '2026-02-03T04:05:06Z' });
  if (available) [registry, locked] = await Promise.all([startRegistry(), startRegistry({ deletion: false })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([registry?.stop(), locked?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

// Each case runs several CLI processes; on a shared machine that takes a while.
describe.skipIf(!available)('ood rm on a registry', { timeout: 180_000 }, () => {
  it('deletes a tag whose manifest no other tag names, and the other tags stay', async () => {
    const repo = `${registry!.host}/team/alone`;
    const digest = await push(first, `${repo}:1.0`);
    await push(second, `${repo}:2.0`);
    const r = await ood('rm', `${repo}:1.0`, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reference: `${repo}:1.0`, digest, untagged: ['1.0'] });
    expect(await tagsOf(repo)).toEqual(['2.0']);
    const pull = await ood('pull', `${repo}@${digest}`, '-o', join(dir, 'gone.zip'));
    expect(pull.exitCode).toBe(5);
    expect(pull.stderr).toContain('answered 404 MANIFEST_UNKNOWN');
  });

  it('refuses to take other tags with a shared manifest unless --force, naming them', async () => {
    const repo = `${registry!.host}/team/shared`;
    const digest = await push(first, `${repo}:1.0`);
    await push(first, `${repo}:latest`);
    const refused = await ood('rm', `${repo}:1.0`);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`deleting its manifest ${digest} would also remove latest`);
    expect(refused.stderr).toMatch(/^Hint: Pass --force/m);
    expect(await tagsOf(repo)).toEqual(['1.0', 'latest']);
    const forced = await ood('rm', `${repo}:1.0`, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`deleted manifest ${digest} of ${repo}:1.0 and its tags 1.0, latest`);
    expect(await tagsOf(repo)).toEqual([]);
  });

  it('deletes a manifest named by digest, with every tag naming it', async () => {
    const repo = `${registry!.host}/team/by-digest`;
    const digest = await push(second, `${repo}:a`);
    await push(second, `${repo}:b`);
    const r = await ood('rm', `${repo}@${digest}`, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 'manifest', untagged: ['a', 'b'] });
    expect(await tagsOf(repo)).toEqual([]);
  });

  it('says that deletion is disabled on a registry configured so, and deletes nothing', async () => {
    const repo = `${locked!.host}/team/kept`;
    await push(first, `${repo}:1.0`);
    const r = await ood('rm', `${repo}:1.0`);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(
      /^Error: registry .* answered 405 UNSUPPORTED to deleting .*: deletion is disabled there/m,
    );
    expect(r.stderr).toContain('storage.delete.enabled');
    expect(await tagsOf(repo)).toEqual(['1.0']);
  });

  it('reports a tag the registry does not have with its 404', async () => {
    const r = await ood('rm', `${registry!.host}/team/alone:nosuch`);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain('answered 404 MANIFEST_UNKNOWN');
  });
});
