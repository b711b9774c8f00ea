// ONNX backend node tests (Debian's libonnx-testdata) whose models need real values to run (a Slice whose steps
// is an input, Resize with a sizes input, integer Div and Mod, Split with a split input): a synthetic warm-up of
// zeros fails on them. The server must still serve them (the failed warm-up is a warning), and answer the suite's
// own inputs with the suite's own expected outputs, which python3-onnx reads from the TensorProto files.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ROOT, makeArtifact } from './helpers/artifact.js';
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

// A representative part of `npm run node-suite` (bench/node-suite.mjs, the whole suite): every datatype the suite
// feeds, scalars, opset 6, control flow, strings, NaN and Infinity, -0, a model without inputs, and the cases whose
// request schema was once invalid. Each must pass bare and be served identically over V2 JSON and binary.
const REPRESENTATIVE = [
  'test_abs',
  'test_add_uint8',
  'test_and2d',
  'test_argmax_default_axis_example',
  'test_batchnorm_example',
  'test_bitshift_right_uint64',
  'test_cast_FLOAT16_to_DOUBLE',
  'test_cast_FLOAT_to_FLOAT16',
  'test_cast_STRING_to_FLOAT',
  'test_ceil',
  'test_clip_default_int8_min',
  'test_clip_outbounds',
  'test_constant',
  'test_conv_with_strides_padding',
  'test_convinteger_with_padding',
  'test_cumsum_2d_axis_1',
  'test_dequantizelinear',
  'test_einsum_inner_prod',
  'test_expand_dim_changed',
  'test_gather_0',
  'test_gemm_default_scalar_bias',
  'test_globalaveragepool',
  'test_hammingwindow_symmetric_expanded',
  'test_if',
  'test_isinf',
  'test_isnan',
  'test_loop11',
  'test_lstm_defaults',
  'test_maxpool_2d_default',
  'test_min_uint32',
  'test_mod_mixed_sign_int64',
  'test_nllloss_NCd1d2d3_none_no_weight_negative_ii',
  'test_nonzero_example',
  'test_onehot_with_axis',
  'test_pow_types_int64_float32',
  'test_quantizelinear',
  'test_range_int32_type_negative_delta',
  'test_reduce_sum_keepdims_example',
  'test_reshape_negative_dim',
  'test_resize_upsample_scales_linear',
  'test_scatter_elements_with_axis',
  'test_selu_example',
  'test_shape',
  'test_size',
  'test_slice_neg_steps',
  'test_softmax_axis_1',
  'test_softsign',
  'test_tile',
  'test_top_k',
  'test_unique_sorted_with_axis',
  'test_where_example',
  'test_xor_bcast4v4d',
];
// onnxruntime-node's JS API carries tensors only: a sequence input is not a bare pass, so it is not served.
const NOT_BARE = ['test_identity_sequence'];

describe.skipIf(unavailable || missingPython('onnx'))('the node-suite run on a representative part', () => {
  it('serves every case bare onnxruntime-node passes with the same answers over V2 JSON and binary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ood-node-suite-test-'));
    try {
      const out = join(dir, 'results.json');
      const cases = [...REPRESENTATIVE, ...NOT_BARE].join(',');
      const run = await execa('node', [join(ROOT, 'bench/node-suite.mjs'), '--cases', cases, '--json', out], {
        reject: false,
      });
      const results: { case: string; bare: any; json?: any; binary?: any }[] = JSON.parse(readFileSync(out, 'utf8'));
      expect(results.map((r) => r.case).sort()).toEqual([...REPRESENTATIVE, ...NOT_BARE].sort());
      const failures = results
        .filter((r) => !NOT_BARE.includes(r.case))
        .flatMap((r) =>
          (['bare', 'json', 'binary'] as const)
            .filter((k) => !r[k]?.ok)
            .map((k) => `${r.case} ${k}: ${r[k]?.reason ?? 'not run'}`),
        );
      expect(failures).toEqual([]);
      const sequence = results.find((r) => r.case === 'test_identity_sequence')!;
      expect(sequence.bare.reason).toMatch(/is a sequence/);
      expect(sequence.json).toBeUndefined();
      const n = REPRESENTATIVE.length;
      expect(run.stdout).toMatch(new RegExp(`bare-passes: +${n}\\n`));
      expect(run.stdout).toMatch(new RegExp(`served-JSON-passes: +${n} \\(100\\.0% of bare\\)`));
      expect(run.stdout).toMatch(new RegExp(`served-binary-passes: +${n} \\(100\\.0% of bare\\)`));
      expect(run.exitCode, run.stdout).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
