// One ONNX node test through bare onnxruntime-node and through ood (prepare → serve → KServe V2, JSON and binary).
// Bare: a default session on the suite's model, fed the suite's inputs; it passes when every data set's outputs
// match the suite's expected outputs. Served: `ood prepare`'s own build and introspection, then the ood server on
// a loopback port; each data set is sent once as V2 JSON and once as V2 binary tensors (Triton's binary data
// extension, docs/protocol/extension_binary_data.md: Inference-Header-Content-Length, binary_data_size,
// binary_data_output), and the answers must equal what bare onnxruntime-node computed.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as ort from 'onnxruntime-node';
import { parseExact } from './exact-json.mjs';

const failure = (reason) => ({ ok: false, reason: String(reason).split('\n')[0].slice(0, 300) });
const PASS = { ok: true };

/** The suite's data sets of a case as tensors typed by the model's own declarations, or a reason they are not. */
function typedDatasets(lib, tools, record, graph) {
  const datasets = [];
  for (const set of record.datasets) {
    const inputs = [];
    for (const [i, r] of set.inputs.entries()) {
      const declared = graph.inputs.find((v) => v.name === r.name) ?? graph.inputs[i];
      if (r.kind || declared?.type.kind !== 'tensor')
        return { reason: `input ${r.name} is a ${r.kind ?? declared?.type.kind}` };
      const type = lib.dataTypeFromOnnx(declared.type.elemType);
      const data = tools.recordData(r, declared.type.elemType);
      if (!type?.ort || data === undefined)
        return { reason: `onnxruntime-node cannot carry ${type?.onnxName ?? 'its'} input` };
      inputs.push({ name: declared.name, type, dims: r.dims, data });
    }
    if (set.outputs.some((r) => r.kind)) return { reason: 'an expected output is not a tensor' };
    datasets.push({ inputs, expected: set.outputs });
  }
  return { datasets };
}

/** Bare onnxruntime-node: outputs per data set, or the first way it disagrees with the suite. */
async function runBare(tools, modelPath, datasets) {
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 });
    const results = [];
    for (const set of datasets) {
      const feeds = Object.fromEntries(set.inputs.map((t) => [t.name, new ort.Tensor(t.type.ort, t.data, t.dims)]));
      const out = await session.run(feeds);
      const outputs = session.outputNames.map((name) => {
        const t = out[name];
        return { name, type: tools.dataTypeFromOrt(t.type), dims: [...t.dims].map(Number), data: t.data };
      });
      for (const [i, expected] of set.expected.entries()) {
        const got = outputs.find((o) => o.name === expected.name) ?? outputs[i];
        const why = got ? tools.expectedMismatch(got, expected) : `no output ${expected.name}`;
        if (why) return { ...failure(why) };
      }
      results.push(outputs);
    }
    return { ok: true, results };
  } catch (err) {
    return failure(err?.message ?? err);
  } finally {
    await session?.release();
  }
}

/** Compare a served output list against bare outputs. */
function servedMismatch(tools, served, bare, decode, bitwise) {
  for (const want of bare) {
    const got = served.find((o) => o.name === want.name);
    if (!got) return `output ${want.name} missing`;
    if (got.datatype !== want.type.v2) return `${want.name}: datatype ${got.datatype}, bare ${want.type.v2}`;
    const shape = (got.shape ?? []).map((d) => Number(d.text ?? d));
    if (shape.join() !== want.dims.join()) return `${want.name}: shape [${shape}], bare [${want.dims}]`;
    const why = tools.elementMismatch(decode(want.type, got), want.data, bitwise);
    if (why) return `${want.name}: ${why}`;
  }
  return undefined;
}

async function post(url, body, headers) {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(120_000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

async function servedJson(tools, url, set, bare) {
  const body = `{"inputs":[${set.inputs.map(tools.jsonTensorText).join(',')}]}`;
  const res = await post(url, body, { 'content-type': 'application/json' });
  if (res.status !== 200) return failure(`HTTP ${res.status}: ${res.body.toString('utf8', 0, 300)}`);
  const parsed = parseExact(res.body.toString('utf8'));
  const why = servedMismatch(tools, parsed.outputs ?? [], bare, (type, o) => tools.fromJson(type, o.data), false);
  return why ? failure(why) : PASS;
}

async function servedBinary(tools, url, set, bare) {
  const parts = set.inputs.map(tools.binaryOf);
  const header = JSON.stringify({
    inputs: set.inputs.map((t, i) => ({
      name: t.name,
      datatype: t.type.v2,
      shape: t.dims,
      parameters: { binary_data_size: parts[i].length },
    })),
    parameters: { binary_data_output: true },
  });
  const res = await post(url, Buffer.concat([Buffer.from(header), ...parts]), {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(Buffer.byteLength(header)),
  });
  if (res.status !== 200) return failure(`HTTP ${res.status}: ${res.body.toString('utf8', 0, 300)}`);
  const headerLength = Number(res.headers.get('inference-header-content-length') ?? res.body.length);
  const parsed = parseExact(res.body.toString('utf8', 0, headerLength));
  let at = headerLength;
  const sections = new Map();
  for (const o of parsed.outputs ?? []) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    sections.set(o.name, res.body.subarray(at, at + Number(size.text)));
    at += Number(size.text);
  }
  const decode = (type, o) =>
    sections.has(o.name) ? tools.fromBinary(type, sections.get(o.name)) : tools.fromJson(type, o.data);
  const why = servedMismatch(tools, parsed.outputs ?? [], bare, decode, true);
  return why ? failure(why) : PASS;
}

/** prepare → serve → both encodings for every data set. */
async function runServed(lib, tools, modelPath, name, datasets, bare) {
  const dir = await mkdtemp(join(tmpdir(), 'ood-node-suite-'));
  let server;
  try {
    const artifact = join(dir, 'artifact');
    try {
      await lib.buildArtifact({ model: modelPath, dir: artifact, name, version: '1' });
    } catch (err) {
      const f = failure(`prepare refused it: ${err.message}`);
      return { json: f, binary: f };
    }
    const report = await lib.runPostBuildChecks(artifact);
    if (report.status === 'ran' && !report.ok) {
      const failed = report.report.checks.filter((c) => c.result === 'FAILED').map((c) => `${c.key}: ${c.message}`);
      const f = failure(`prepare's introspection failed: ${failed.join('; ')}`);
      return { json: f, binary: f };
    }
    server = await lib.startServer(artifact, {
      port: 0,
      host: '127.0.0.1',
      maxBody: 64 * 2 ** 20,
      instances: 1,
      log: () => {},
    });
    await server.ready;
    const url = `${server.url}/v2/models/${name}/infer`;
    const result = { json: PASS, binary: PASS };
    for (const [i, set] of datasets.entries()) {
      if (result.json.ok) result.json = await servedJson(tools, url, set, bare[i]).catch((e) => failure(e.message));
      if (result.binary.ok)
        result.binary = await servedBinary(tools, url, set, bare[i]).catch((e) => failure(e.message));
    }
    return result;
  } catch (err) {
    const f = failure(`serve: ${err?.message ?? err}`);
    return { json: f, binary: f };
  } finally {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One case: {case, bare: {ok, reason}, json?, binary?} (served results only for bare passes). */
export async function runCase(lib, tools, suite, record) {
  const modelPath = join(suite, record.case, 'model.onnx');
  if (record.error) return { case: record.case, bare: failure(`unreadable: ${record.error}`) };
  const model = lib.OnnxModel.open(modelPath);
  const graph = model.info.graph;
  model.close();
  const typed = typedDatasets(lib, tools, record, graph);
  if (!typed.datasets) return { case: record.case, bare: failure(typed.reason) };
  const bare = await runBare(tools, modelPath, typed.datasets);
  if (!bare.ok) return { case: record.case, bare: failure(bare.reason) };
  const served = await runServed(lib, tools, modelPath, record.case, typed.datasets, bare.results);
  return { case: record.case, bare: PASS, ...served };
}
