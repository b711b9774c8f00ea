import { describe, expect, it } from 'vitest';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { fixtures, repoRoot } from '../helpers/fixtures.js';
import { tempDir } from './artifact-helpers.js';

// y = x + W with a large W, written in chunks (bench/big-model.mjs, shared with bench/prepare.mjs).
const { writeBigModel } = (await import(join(repoRoot, 'bench', 'big-model.mjs'))) as {
  writeBigModel: (p: string, mb: number) => Promise<void>;
};

/** Peak RSS (MiB) of a fresh Node process that runs buildArtifact once. */
async function peakRssOfBuild(model: string, options: string): Promise<number> {
  const script = `
    const { buildArtifact } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'artifact', 'build-artifact.js'))});
    await buildArtifact({ model: ${JSON.stringify(model)}, ${options} });
    process.stdout.write(String(process.resourceUsage().maxRSS / 1024));`;
  const r = await execa('node', ['--input-type=module', '-e', script]);
  return Number(r.stdout);
}

describe('streaming', () => {
  it('builds a 128 MiB model into a zip and a directory without its memory growing with the model', async () => {
    const root = await tempDir('ood-stream-');
    const big = join(root, 'big.onnx');
    await writeBigModel(big, 128);
    try {
      expect((await stat(big)).size).toBeGreaterThan(128 * 2 ** 20);
      const small = await peakRssOfBuild(fixtures.multiIo, `output: ${JSON.stringify(join(root, 'small.zip'))}`);
      const zip = await peakRssOfBuild(big, `output: ${JSON.stringify(join(root, 'big.zip'))}`);
      const dir = await peakRssOfBuild(big, `dir: ${JSON.stringify(join(root, 'big-dir'))}`);
      // Holding the model once would add 128 MiB; streaming adds only buffers.
      expect(zip - small).toBeLessThan(96);
      expect(dir - small).toBeLessThan(96);
      expect((await stat(join(root, 'big.zip'))).size).toBeGreaterThan(128 * 2 ** 20);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
