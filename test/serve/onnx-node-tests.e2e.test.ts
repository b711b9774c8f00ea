// ONNX backend node tests (Debian's libonnx-testdata) whose models need real values to run (a Slice whose steps
// is an input, Resize with a sizes input, integer Div and Mod, Split with a split input): a synthetic warm-up of
// zeros fails on them. The server must still serve them (the failed warm-up is a warning), and answer the suite's
// own inputs with the suite's own expected outputs, which python3-onnx reads from the TensorProto files.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeArtifact } from './helpers/artifact.js';
import { get, postJson, serve, type TestServer } from './helpers/server.js';
import { missingPython, runPythonCode } from '../helpers/python.js';

const SUITE = '/usr/share/libonnx-testdata/data/node';
const CASES = [
  'test_slice',
  'test_resize_downsample_sizes_cubic',
  'test_resize_downsample_sizes_nearest',
  'test_resize_upsample_sizes_cubic',
  'test_resize_upsample_sizes_nearest',
  'test_div_uint8',
  'test_mod_uint32',
  'test_split_variable_parts_2d',
];

// The case's first data set as a V2 request and its expected outputs, by the ONNX project's own reader.
const READ_CASE = `
import json, sys, glob, os
import onnx
from onnx import numpy_helper
V2 = {1: 'FP32', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 9: 'BOOL', 10: 'FP16', 11: 'FP64', 12: 'UINT32', 13: 'UINT64'}
def tensors(pattern):
    out = []
    for path in sorted(glob.glob(pattern), key=lambda p: int(p.rsplit('_', 1)[1].split('.')[0])):
        t = onnx.TensorProto()
        with open(path, 'rb') as f: t.ParseFromString(f.read())
        a = numpy_helper.to_array(t)
        out.append({'name': t.name, 'datatype': V2[t.data_type], 'shape': list(a.shape), 'data': a.flatten().tolist()})
    return out
d = os.path.join(sys.argv[1], 'test_data_set_0')
print(json.dumps({'inputs': tensors(os.path.join(d, 'input_*.pb')), 'outputs': tensors(os.path.join(d, 'output_*.pb'))}))
`;

const servers: TestServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

function close(got: number[], want: number[], datatype: string): boolean {
  if (got.length !== want.length) return false;
  if (!datatype.startsWith('FP')) return got.every((v, i) => v === want[i]);
  return got.every((v, i) => Math.abs(v - want[i]!) <= 1e-4 * Math.max(1, Math.abs(want[i]!)));
}

const unavailable = !existsSync(SUITE) && process.env.CI !== 'true';
describe.skipIf(unavailable || missingPython('onnx'))('ONNX node tests a zero warm-up cannot run', () => {
  it.each(CASES)('%s serves the suite inputs with the suite outputs', async (name) => {
    const dir = join(SUITE, name);
    const { inputs, outputs } = JSON.parse((await runPythonCode(READ_CASE, [dir])).stdout);
    const server = await serve(await makeArtifact(join(dir, 'model.onnx'), { name }));
    servers.push(server);
    expect(server.engine.state).toBe('ready');
    const info = await get(`${server.url}/info`);
    expect(info.json.warnings.join(' ')).toMatch(/synthetic warm-up .* failed/);
    expect(server.logs.some((l) => l.level === 'warn' && /synthetic warm-up/.test(l.msg))).toBe(true);
    const res = await postJson(`${server.url}/v2/models/${name}/infer`, { inputs });
    expect(res.status, res.text).toBe(200);
    for (const want of outputs) {
      const got = res.json.outputs.find((o: { name: string }) => o.name === want.name);
      expect(got.shape).toEqual(want.shape);
      expect(close(got.data, want.data, want.datatype), `${want.name}: ${got.data} vs ${want.data}`).toBe(true);
    }
  });
});
