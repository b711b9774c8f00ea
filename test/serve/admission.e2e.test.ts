// Issue 18 items 3, 4 and 15: `ood serve` (and verify, export) run introspect's archive, files, integrity and runtime
// checks before anything is extracted or imported. An unlisted entry is never extracted; a score.mjs that links
// outside the artifact never runs; a FIFO or a link to /dev/zero in a directory artifact is refused at once
// instead of hanging start-up or filling memory. Each refusal is exit 4 with introspect's check key.
import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { sealArtifact } from '../helpers/seal-artifact.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const BROKEN = join(repoRoot, 'test', 'fixtures', 'broken');

describe('serve and verify refuse what introspect fails', () => {
  let dir: string;
  let good: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ood-admit-serve-'));
    good = join(dir, 'good');
    await execa('node', [CLI, 'prepare', fixtures.digits.model, '--dir', good, '--no-introspect']);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const ood = (args: string[], env: Record<string, string> = {}) =>
    execa('node', [CLI, ...args], { reject: false, timeout: 60_000, env: { ...process.env, ...env } });

  async function variant(name: string, change: (root: string) => Promise<void>): Promise<string> {
    const root = join(dir, name);
    await cp(good, root, { recursive: true });
    await change(root);
    return root;
  }

  it('never extracts a zip entry the manifest does not list (exit 4, integrity.unlisted, nothing in $TMPDIR)', async () => {
    const tmp = join(dir, 'tmp-unlisted');
    await mkdir(tmp);
    const r = await ood(['serve', join(BROKEN, 'unlisted-file.zip'), '--port', '0'], { TMPDIR: tmp });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/integrity\.unlisted: /);
    expect((await readdir(tmp)).filter((n) => n.startsWith('ood-'))).toEqual([]);
  });

  it('makes export refuse the same zip, writing no model repository', async () => {
    const repo = join(dir, 'triton-unlisted');
    const r = await ood(['export', 'triton', join(BROKEN, 'unlisted-file.zip'), '-o', repo]);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/export refuses .*\n {2}integrity\.unlisted: /);
    expect(existsSync(repo)).toBe(false);
  });

  it('never runs a score.mjs that links to a file outside the artifact', async () => {
    const marker = join(dir, 'evil-ran');
    const evil = join(dir, 'evil.mjs');
    await writeFile(
      evil,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n` +
        'export async function load() { return {}; }\nexport async function predict() { return { outputs: [] }; }\n',
    );
    const root = await variant('linked-score', async (r) => {
      await rm(join(r, 'score.mjs'));
      await symlink(evil, join(r, 'score.mjs'));
    });
    for (const command of ['serve', 'verify']) {
      const r = await ood([command, root, '--port', '0']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/archive\.links: /);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('never runs an ENTRYPOINT that runtime.yaml points outside the artifact', async () => {
    const marker = join(dir, 'entry-ran');
    const evil = join(dir, 'evil-entry.mjs');
    await writeFile(
      evil,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n` +
        'export async function load() { return {}; }\nexport async function predict() { return { outputs: [] }; }\n',
    );
    const root = await variant('outside-entrypoint', async (r) => {
      const runtime = parse(await readFile(join(r, 'runtime.yaml'), 'utf8'));
      runtime.MODEL_DEPLOYMENT.INFERENCE_RUNTIME.ENTRYPOINT = relative(r, evil);
      await writeFile(join(r, 'runtime.yaml'), stringify(runtime));
      await sealArtifact(r); // the manifest is right: only the entrypoint is wrong
    });
    for (const command of ['serve', 'verify']) {
      const r = await ood([command, root, '--port', '0']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/runtime\.(schema|consistency): /);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('serves and verifies the untouched artifact (the gate admits what prepare writes)', async () => {
    const r = await ood(['verify', good]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('refuses a FIFO and a link to /dev/zero in a directory artifact at once, without reading them', async () => {
    const fifo = await variant('fifo', async (r) => {
      await rm(join(r, 'input_schema.json'));
      await execa('mkfifo', [join(r, 'input_schema.json')]);
    });
    const zero = await variant('dev-zero', async (r) => symlink('/dev/zero', join(r, 'evaluation.json')));
    for (const root of [fifo, zero]) {
      const r = await ood(['serve', root, '--port', '0']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/archive\.links: /);
    }
  });
});
