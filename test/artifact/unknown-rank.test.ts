// A graph input or output that declares no shape (unknown rank) is refused by prepare, naming it, instead of
// being written to the schema as a scalar that every answer of the model would then contradict.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '../../src/onnx/model.js';
import { buildIoSchemas } from '../../src/artifact/io-schema.js';
import { OodError } from '../../src/errors.js';
import { repoRoot } from '../helpers/fixtures.js';
import { missingPython, runPythonCode } from '../helpers/python.js';

const work = mkdtempSync(join(tmpdir(), 'ood-unknown-rank-'));

/** An Identity model; `noShape` names the side whose value info carries no shape. */
async function identityModel(noShape: 'input' | 'output'): Promise<string> {
  const path = join(work, `no-${noShape}-shape.onnx`);
  await runPythonCode(
    `import sys, onnx
from onnx import helper, TensorProto
shaped, bare = [2], None
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, bare if sys.argv[2] == 'input' else shaped)
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, bare if sys.argv[2] == 'output' else shaped)
g = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'g', [x], [y])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
onnx.save(m, sys.argv[1])`,
    [path, noShape],
  );
  return path;
}

describe.skipIf(missingPython('onnx'))('a graph value of unknown rank', () => {
  it.each(['input', 'output'] as const)('as an %s is refused by name, not recorded as a scalar', async (side) => {
    const model = OnnxModel.open(await identityModel(side));
    try {
      const name = side === 'input' ? 'x' : 'y';
      expect(() => buildIoSchemas(model)).toThrow(
        expect.objectContaining({
          code: 'UNSUPPORTED_VALUE_TYPE',
          message: `${side} "${name}" declares no shape (its rank is unknown)`,
        }) as OodError,
      );
    } finally {
      model.close();
    }
  });

  it('makes prepare exit 3 with the hint, writing nothing', async () => {
    const out = join(work, 'artifact.zip');
    const bin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const r = await execa('node', [bin, 'prepare', await identityModel('output'), '-o', out], { reject: false });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Error: output "y" declares no shape \(its rank is unknown\)/);
    expect(r.stderr).toMatch(/Hint: .*infer_shapes/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
