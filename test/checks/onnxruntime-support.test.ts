// model.opset asks the installed onnxruntime-node, so its verdict is the one a real session gives: models below
// opset 7 that onnxruntime runs (ONNX node tests at opset 6) pass, and the first opset or IR version onnxruntime
// refuses is reported with the highest one it accepts, found by the same probe.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../src/onnx/model.js';
import { irVersionRefusal, opsetProblems, opsetRefusal } from '../../src/checks/onnxruntime-support.js';

const SUITE = '/usr/share/libonnx-testdata/data/node';
const unavailable = !existsSync(SUITE) && process.env.CI !== 'true';

/** The first version at or above `from` that `refused` answers with a reason. */
async function firstRefused(refused: (v: number) => Promise<string | null>, from: number): Promise<number> {
  let v = from;
  while ((await refused(v)) === null) v++;
  return v;
}

describe('model.opset asks onnxruntime-node', () => {
  it('accepts every ai.onnx opset from 1 up to the first one onnxruntime refuses, and names that limit', async () => {
    const limit = await firstRefused((v) => opsetRefusal('', v, 8), 1);
    expect(limit).toBeGreaterThan(20);
    for (let v = 1; v < limit; v++) expect(await opsetProblems(8, [{ domain: '', version: v }])).toEqual([]);
    const problems = await opsetProblems(8, [{ domain: '', version: limit }]);
    expect(problems).toEqual([expect.stringContaining(`ai.onnx opset ${limit} is newer than onnxruntime-node`)]);
    expect(problems[0]).toContain(`(up to opset ${limit - 1})`);
  });

  it("reports an IR version onnxruntime refuses in onnxruntime's words, and each refused opset too", async () => {
    const irLimit = await firstRefused(irVersionRefusal, 3);
    const problems = await opsetProblems(irLimit, [
      { domain: 'ai.onnx.ml', version: 99 },
      { domain: '', version: 13 },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^IR version ${irLimit} is refused by onnxruntime-node .*IR version`));
    expect(problems[0]).not.toMatch(/onnxruntime_src|::/);
    expect(problems[1]).toMatch(
      /^ai\.onnx\.ml opset 99 is newer than onnxruntime-node \S+ supports \(up to opset \d+\)$/,
    );
  });

  it.skipIf(unavailable)('passes node-suite models below opset 7 that a real session runs', async () => {
    for (const name of ['test_globalaveragepool', 'test_selu_example', 'test_softsign']) {
      const path = join(SUITE, name, 'model.onnx');
      const model = OnnxModel.open(path);
      const { irVersion, opsetImports } = model.info;
      model.close();
      expect(opsetImports.find((o) => o.domain === '')!.version).toBeLessThan(7);
      expect(await opsetProblems(irVersion, opsetImports)).toEqual([]);
      const session = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
      await session.release();
    }
  });
});
