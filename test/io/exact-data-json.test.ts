// Data files users give (an artifact's sample.json, `ood verify --data`, enable/evaluate's V2 request files) read
// INT64 / UINT64 beyond 2^53 digit for digit, with the parser the server's request bodies use (io/exact-json.ts):
// JSON.parse rounded 9007199254740993 to ...992, and then the codec refused the value as possibly rounded.
// verify replays such a sample through a real server and compares with a direct onnxruntime run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifact } from '../../src/artifact/build-artifact.js';
import { readV2Request } from '../../src/certainty/data/v2-json.js';
import { parseDataJson, parseJsonExactly, stringifyExactly } from '../../src/io/exact-json.js';
import { repoRoot } from '../helpers/fixtures.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const passthrough = (dtype: string) => join(repoRoot, 'test/fixtures/models/passthrough', `${dtype}.onnx`);
const INT64 = ['-9223372036854775808', '-9007199254740993', '0', '1', '9007199254740993', '9223372036854775807'];
const UINT64 = ['0', '1', '9007199254740992', '9007199254740993', '12345678901234567890', '18446744073709551615'];
const request = (datatype: string, values: string[]) =>
  `{"inputs":[{"name":"x","datatype":"${datatype}","shape":[2,3],"data":[${values.join(',')}]}]}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ood-exact-data-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('data files with 64-bit integers beyond 2^53', () => {
  it('parse exactly, and ordinary files as JSON.parse does', () => {
    const exact = parseDataJson('{"a":[9007199254740993,-9223372036854775808,1.5,2],"b":"12345678901234567"}');
    expect(exact).toEqual({ a: [9007199254740993n, -9223372036854775808n, 1.5, 2], b: '12345678901234567' });
    const plain = '{"a":[1,2.5,-3e4],"b":{"c":[true,null,"x"]},"a2":900719925474099}';
    expect(parseDataJson(plain)).toEqual(JSON.parse(plain));
    expect(parseJsonExactly('{"k":1,"k":2}')).toEqual({ k: 2 });
    expect(stringifyExactly({ a: [9007199254740993n, NaN, 0.1] })).toBe('{"a":[9007199254740993,null,0.1]}');
  });

  it('a V2 request file for enable / evaluate decodes INT64 and UINT64 exactly', async () => {
    for (const [datatype, values, Array64] of [
      ['INT64', INT64, BigInt64Array],
      ['UINT64', UINT64, BigUint64Array],
    ] as const) {
      const file = join(dir, `${datatype}.json`);
      await writeFile(file, request(datatype, values));
      const sample = await readV2Request(file);
      expect(sample.rows).toBe(2);
      expect(sample.tensors.x!.data).toEqual(new Array64(values.map((v) => BigInt(v)) as never));
    }
  });

  it.each([
    ['INT64', INT64],
    ['UINT64', UINT64],
  ])('ood verify replays a %s sample.json and a --data file digit for digit', async (datatype, values) => {
    const sample = join(dir, `sample-${datatype}.json`);
    await writeFile(sample, request(datatype, values));
    const artifact = join(dir, `${datatype}.zip`);
    await buildArtifact({ model: passthrough(datatype), output: artifact, sample, name: datatype.toLowerCase() });
    for (const extra of [[], ['--data', sample]]) {
      const r = await execa('node', [CLI, 'verify', artifact, '--json', ...extra], { reject: false });
      const report = JSON.parse(r.stdout) as { checks: { name: string; passed: boolean; detail: string }[] };
      expect(
        report.checks.filter((c) => !c.passed),
        r.stderr,
      ).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(report.checks.map((c) => c.name)).toContain('/predict outputs identical to direct onnxruntime');
    }
  });
});
