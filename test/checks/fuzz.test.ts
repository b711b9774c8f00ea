import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '../../src/checks/run-checks.js';
import { ZipArchive } from '../../src/artifact/archive.js';
import { OodError } from '../../src/errors.js';
import { seededRandom } from '../../src/certainty/split.js';
import { repoRoot } from '../helpers/fixtures.js';

// Damaged zips, made reproducibly from the good artifact with a seeded PRNG: random byte flips, truncations,
// and both. Introspection must end in a report or a clean OodError: never an unhandled exception, a hang, a
// write outside its private temporary directory, or a report that calls damaged content fine.
const SEED = 0x00d5eed;
const ROUNDS = 150;
const PER_RUN_TIMEOUT_MS = 15_000;

let box: string;
let good: Buffer;
let goodDigests: Map<string, string>;
beforeAll(async () => {
  box = await mkdtemp(join(tmpdir(), 'ood-fuzz-'));
  good = await readFile(join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip'));
  const archive = await ZipArchive.open(join(repoRoot, 'test', 'fixtures', 'broken', 'good.zip'));
  goodDigests = new Map();
  for (const name of archive.fileNames()) goodDigests.set(name, (await archive.digestEntry(name)).sha256);
  archive.close();
});
afterAll(async () => {
  await rm(box, { recursive: true, force: true });
});

function mutate(random: () => number, round: number): { bytes: Buffer; what: string } {
  const bytes = Buffer.from(good);
  const mode = round % 3;
  const parts: string[] = [];
  if (mode !== 1) {
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(random() * bytes.length);
      bytes[at] = bytes[at]! ^ (1 + Math.floor(random() * 255));
      parts.push(`flip@${at}`);
    }
  }
  if (mode !== 0) {
    const cut = Math.floor(random() * bytes.length);
    parts.push(`cut@${cut}`);
    return { bytes: bytes.subarray(0, cut), what: parts.join(' ') };
  }
  return { bytes, what: parts.join(' ') };
}

/** True when every file of the damaged zip still holds exactly the good artifact's bytes. */
async function contentIntact(path: string): Promise<boolean> {
  let archive: ZipArchive | undefined;
  try {
    archive = await ZipArchive.open(path);
    const names = archive.fileNames();
    if (names.length !== goodDigests.size) return false;
    for (const name of names) if ((await archive.digestEntry(name)).sha256 !== goodDigests.get(name)) return false;
    return true;
  } catch {
    return false;
  } finally {
    archive?.close();
  }
}

describe('introspecting damaged zips (seeded fuzzing)', () => {
  it(`ends every one of ${ROUNDS} damaged copies in a report or a clean OodError, writing only inside its temp dir`, async () => {
    const random = seededRandom(SEED);
    const outcomes = { failedReport: 0, intactReport: 0, oodError: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const { bytes, what } = mutate(random, round);
      const dir = join(box, `r${round}`);
      const tempRoot = join(dir, 'tmp');
      await mkdir(tempRoot, { recursive: true });
      const zip = join(dir, 'artifact.zip');
      await writeFile(zip, bytes);
      const label = `round ${round} (${what})`;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label}: introspection hung`)), PER_RUN_TIMEOUT_MS);
      });
      try {
        const report = await Promise.race([runChecks(zip, { tempRoot }), timeout]);
        if (report.ok) {
          // Nothing FAILED, so the damage must have missed every file's content (e.g. a timestamp byte).
          expect(await contentIntact(zip), `${label}: damaged content passed introspection`).toBe(true);
          outcomes.intactReport++;
        } else {
          outcomes.failedReport++;
        }
      } catch (err) {
        expect(err, `${label}: ${String(err)}`).toBeInstanceOf(OodError);
        expect((err as OodError).kind, `${label}: ${(err as Error).message}`).not.toBe('internal');
        outcomes.oodError++;
      } finally {
        clearTimeout(timer);
      }
      expect((await readdir(dir)).sort(), label).toEqual(['artifact.zip', 'tmp']);
      expect(await readdir(tempRoot), `${label}: temporary files left behind`).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`fuzz outcomes over ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
    // The corpus of damage must exercise both paths, or the test proves little.
    expect(outcomes.failedReport).toBeGreaterThan(ROUNDS / 10);
    expect(outcomes.oodError).toBeGreaterThan(ROUNDS / 10);
  });
});
