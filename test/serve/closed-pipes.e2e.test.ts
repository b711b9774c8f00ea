// Issue 18 item 2: `ood serve | head -n 1` and a log pipe that closes while serving. A reader that goes away must
// not stop the server: it keeps answering every request, stops cleanly on SIGTERM (exit 0) and removes the
// artifact it extracted. Before, the first write to the closed stdout crashed it with an unhandled EPIPE.
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { fixtures } from '../helpers/fixtures.js';
import { ROOT } from './helpers/artifact.js';
import { servedUrl } from './helpers/server.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');

describe('ood serve whose stdout and stderr readers go away', () => {
  let work: string;
  let zip: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ood-serve-pipes-'));
    zip = join(work, 'digits.zip');
    await buildArtifact({ model: fixtures.digits.model, output: zip, name: 'digits', sample: fixtures.digits.sample });
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('keeps serving, exits 0 on SIGTERM and leaves no extracted artifact behind', async () => {
    const tmp = join(work, 'tmp');
    await mkdir(tmp);
    const child = execa(process.execPath, [CLI, 'serve', zip, '--port', '0', '--log-level', 'info'], {
      reject: false,
      timeout: 60_000,
      env: { TMPDIR: tmp },
    });
    // Read the first line, as `head -n 1` does, then close both pipes.
    const url = await servedUrl(child);
    child.stdout!.destroy();
    child.stderr!.destroy();
    const sample = await readFile(fixtures.digits.sample, 'utf8');
    let health = 0;
    for (let i = 0; i < 100 && health !== 200; i++) {
      health = (await fetch(`${url}/health`)).status; // the "ready" line goes to the closed stdout meanwhile
      if (health !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health).toBe(200);
    // Every request writes an access-log line to the closed stderr.
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${url}/v2/models/digits/infer`, { method: 'POST', body: sample }).then((r) => r.status),
      ),
    );
    expect(answers.every((s) => s === 200)).toBe(true);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect((await readdir(tmp)).filter((n) => n.startsWith('ood-serve-'))).toEqual([]);
  });
});
