// The ONNX backend node test suite (Debian's libonnx-testdata) through bare onnxruntime-node and through ood:
// prepare → serve → KServe V2 over JSON and over binary tensors, each answer compared with what bare
// onnxruntime-node computed on this machine. Prints the counts and every served failure with its reason; exits 1
// when a case bare onnxruntime passes is not served identically. Run it built: `npm run node-suite`
// (= npm run build, then this script, niced). Options:
//   --cases a,b,c   only these cases (default: every case in the suite)
//   --jobs N        cases in parallel (default 2: the machine has 2 cores, shared)
//   --json FILE     also write every case's result as JSON
//   --suite DIR     the node test folder (default /usr/share/libonnx-testdata/data/node)
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { OnnxModel } from '../dist/src/onnx/model.js';
import { buildArtifact } from '../dist/src/artifact/build-artifact.js';
import { runPostBuildChecks } from '../dist/src/checks/post-build-report.js';
import { startServer } from '../dist/src/serve/server.js';
import { dataTypeFromOnnx, dataTypeFromOrt } from '../dist/src/tensor/datatypes.js';
import { fromHalfBits, toHalfBits } from '../dist/src/onnx/float16.js';
import { tensorTools } from './node-suite/tensors.mjs';
import { runCase } from './node-suite/run-case.mjs';

const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    json: { type: 'string' },
    suite: { type: 'string', default: '/usr/share/libonnx-testdata/data/node' },
  },
});
const suite = values.suite;
const names = values.cases ? values.cases.split(',').filter(Boolean) : readdirSync(suite).sort();
const lib = { OnnxModel, buildArtifact, runPostBuildChecks, startServer, dataTypeFromOnnx };
const tools = tensorTools({ dataTypeFromOnnx, dataTypeFromOrt, fromHalfBits, toHalfBits });

// The suite's tensors, read by python3-onnx (Debian's interpreter, which has the onnx module).
const reader = fileURLToPath(new URL('./node-suite/read-cases.py', import.meta.url));
const { stdout } = await promisify(execFile)('/usr/bin/python3', [reader, suite, ...names], { maxBuffer: 2 ** 30 });
const records = stdout
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const started = Date.now();
const results = [];
let next = 0;
async function worker() {
  while (next < records.length) {
    const record = records[next++];
    const r = await runCase(lib, tools, suite, record).catch((err) => ({
      case: record.case,
      bare: { ok: true },
      json: { ok: false, reason: `the run crashed: ${err?.stack ?? err}` },
      binary: { ok: false, reason: 'the run crashed' },
    }));
    results.push(r);
    if (results.length % 50 === 0) process.stderr.write(`node-suite: ${results.length}/${records.length} cases\n`);
  }
}
await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs)) }, worker));
// Code-unit order, as the test (and Python) sort names; localeCompare puts "FLOAT_" before "FLOAT16".
results.sort((a, b) => (a.case < b.case ? -1 : a.case > b.case ? 1 : 0));

const bare = results.filter((r) => r.bare.ok);
const json = bare.filter((r) => r.json.ok);
const binary = bare.filter((r) => r.binary.ok);
const pct = (n) => (bare.length ? ((100 * n) / bare.length).toFixed(1) : '0.0');
console.log(`ONNX node tests (${suite}), onnxruntime-node bare vs. ood prepare → serve, KServe V2`);
console.log(`total:                ${results.length}`);
console.log(`bare-passes:          ${bare.length}`);
console.log(`served-JSON-passes:   ${json.length} (${pct(json.length)}% of bare)`);
console.log(`served-binary-passes: ${binary.length} (${pct(binary.length)}% of bare)`);
for (const r of bare) {
  if (!r.json.ok) console.log(`  FAILED JSON   ${r.case}: ${r.json.reason}`);
  if (!r.binary.ok) console.log(`  FAILED binary ${r.case}: ${r.binary.reason}`);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s, ${values.jobs} jobs)`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
process.exitCode = json.length === bare.length && binary.length === bare.length ? 0 : 1;
