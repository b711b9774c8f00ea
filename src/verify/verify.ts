// `ood verify`: start the server on an artifact (in process, through the library), replay its sample through /predict and the V2 route,
// check the answers against output_schema.json and a direct in-process onnxruntime run, probe bad requests, and
// stop the server. Returns a report; only the CLI turns it into an exit code.
import { requireDocument } from '../artifact/open.js';
import { openAdmitted } from '../checks/admission.js';
import type { IntrospectReport } from '../checks/types.js';
import { ARTIFACT_FILES, type IoSchema } from '../artifact/spec.js';
import type { NamedTensor } from '../tensor/tensor.js';
import { OodError } from '../errors.js';
import { decodeJsonTensor } from '../tensor/json-codec.js';
import { instancesToV2, isInstancesBody } from '../serve/instances.js';
import { readJsonFile } from '../io/json-file.js';
import { parseDataJson, stringifyExactly } from '../io/exact-json.js';
import { runDirect, runtimeCertainty } from './direct-run.js';
import { checkOutputAgainstSchema, compareOutput, type JsonOutput } from './compare.js';
import { call, waitFor } from './http-client.js';
import { probeBadRequests } from './probes.js';
import type { VerifyCheck, VerifyReport } from './report.js';
import { startServerUnderTest } from './server-under-test.js';
import type { V2InferenceRequest } from '../serve/v2-types.js';

export interface VerifyOptions {
  /** A V2 request (or {"instances": [...]}) to send instead of the artifact's sample.json. */
  data?: string;
  port: number;
  host?: string;
  /** Budget for the server to start and load, and for each request. */
  timeoutMs?: number;
}

const REQUEST_HINT = 'Pass a KServe V2 inference request ({"inputs": [...]}) or {"instances": [...]} as JSON.';

/** --data FILE: a V2 request or {"instances": [...]}. */
async function readRequest(path: string, inputs: IoSchema): Promise<V2InferenceRequest> {
  const { value } = await readJsonFile(path, {
    what: 'request file',
    parse: parseDataJson,
    notJson: (p, err) =>
      new OodError('VERIFY_DATA_INVALID', `cannot read the request in ${p}: ${err.message}`, { hint: REQUEST_HINT }),
  }).catch((err: unknown) => {
    if ((err as OodError).code === 'VERIFY_DATA_INVALID') throw err;
    throw new OodError('VERIFY_DATA_INVALID', `cannot read the request in ${path}: ${(err as Error).message}`, {
      hint: REQUEST_HINT,
      cause: err,
    });
  });
  return isInstancesBody(value) ? instancesToV2(value.instances, inputs.tensors) : (value as V2InferenceRequest);
}

/** A synthetic request when the artifact has no sample: two rows of zeros. */
function zerosRequest(inputs: IoSchema): V2InferenceRequest {
  return {
    inputs: inputs.tensors.map((t) => {
      const shape = t.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : i === 0 ? 2 : 1));
      const n = shape.reduce((a, b) => a * b, 1);
      return {
        name: t.name,
        datatype: t.datatype,
        shape,
        data: new Array(n).fill(t.datatype === 'BYTES' ? '' : t.datatype === 'BOOL' ? false : 0),
      };
    }),
  };
}

function parseOutputs(text: string): JsonOutput[] | string {
  try {
    const body = parseDataJson(text) as { outputs?: JsonOutput[] };
    return Array.isArray(body.outputs) ? body.outputs : 'the response has no "outputs"';
  } catch {
    return `the response is not JSON: ${text.slice(0, 200)}`;
  }
}

/** Verify an artifact end to end through a real server on a loopback socket. */
export async function verifyArtifact(artifact: string, options: VerifyOptions): Promise<VerifyReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  // The admission gate (issue 18): nothing introspect fails in archive, files, integrity or runtime is extracted.
  // Every other check of introspect runs on the same reader, and each FAILED one is a failed check of verify's:
  // an artifact that answers well but is not fit to deploy (labels that do not count the classes) is not verified.
  const { reader: opened, admission } = await openAdmitted(artifact, { command: 'verify', everyCheck: true });
  const checks: VerifyCheck[] = introspectChecks(admission.report);
  const add = (name: string, problems: string[] | string | null, ok = 'ok') =>
    checks.push(
      typeof problems === 'string'
        ? { name, passed: false, detail: problems }
        : {
            name,
            passed: !problems || problems.length === 0,
            detail: !problems || problems.length === 0 ? ok : problems.join('; '),
          },
    );
  try {
    const inputSchema = requireDocument(await opened.inputSchema(), ARTIFACT_FILES.inputSchema);
    const outputSchema = requireDocument(await opened.outputSchema(), ARTIFACT_FILES.outputSchema);
    const stored = options.data === undefined ? requireDocument(await opened.sample(), ARTIFACT_FILES.sample) : null;
    const hasSample = options.data !== undefined || stored !== null;
    const request =
      options.data !== undefined
        ? await readRequest(options.data, inputSchema)
        : ((stored as V2InferenceRequest | null) ?? zerosRequest(inputSchema));
    const inputs: NamedTensor[] = request.inputs.map((t) => decodeJsonTensor(t.name, t.datatype, t.shape, t.data));
    const runtime = opened.has(ARTIFACT_FILES.runtime)
      ? requireDocument(await opened.runtime(), ARTIFACT_FILES.runtime)
      : null;
    const certainty = runtimeCertainty(runtime);
    const server = await startServerUnderTest(await opened.directory(), {
      port: options.port,
      host: options.host ?? '127.0.0.1',
      timeoutMs,
    });
    let model = '?';
    try {
      const health = await waitFor(`${server.url}/health`, timeoutMs);
      add(
        'server starts and /health is 200',
        health.status === 200 ? null : `GET /health: ${health.status || health.error} ${health.text}`,
        `${server.url} ready`,
      );
      if (health.status === 200) {
        model = (JSON.parse(health.text) as { model?: string }).model ?? '?';
        const direct = await runDirect(await opened.modelPath(), inputs);
        const body = stringifyExactly(request);
        const json = { 'content-type': 'application/json' };
        const routes: [string, string][] = [
          ['/predict', `${server.url}/predict`],
          [`/v2/models/${model}/infer`, `${server.url}/v2/models/${encodeURIComponent(model)}/infer`],
        ];
        for (const [label, url] of routes) {
          const res = await call(url, { method: 'POST', body, headers: json }, timeoutMs);
          const outputs =
            res.status === 200
              ? parseOutputs(res.text)
              : `POST ${label}: ${res.status || res.error} ${res.text.slice(0, 300)}`;
          add(
            `${label} answers the ${hasSample ? 'sample' : 'zeros request'}`,
            typeof outputs === 'string' ? outputs : null,
            `200, ${typeof outputs === 'string' ? 0 : outputs.length} outputs`,
          );
          if (typeof outputs === 'string') continue;
          add(
            `${label} matches output_schema.json`,
            checkOutputAgainstSchema(outputs, outputSchema.tensors),
            `${outputs.map((o) => `${o.name} ${o.datatype} [${o.shape.join(', ')}]`).join('; ')}`,
          );
          const problems = outputs.flatMap((o) => {
            const d = direct.find((t) => t.name === o.name);
            return d ? compareOutput(o, d) : [`"${o.name}" is not an output of the direct run`];
          });
          add(
            `${label} outputs identical to direct onnxruntime`,
            problems,
            `${outputs.map((o) => o.name).join(', ')} identical`,
          );
          if (label === '/predict')
            add(
              'ood_scores lie in [0, 1] when normalized',
              scoreProblems(outputs, certainty),
              scoreSummary(outputs, certainty),
            );
        }
        const probes = await probeBadRequests(server.url, model, inputSchema, request, timeoutMs);
        checks.push(...probes);
        const after = await call(`${server.url}/health`, {}, timeoutMs);
        add(
          '/health is still 200 after the bad requests',
          after.status === 200 ? null : `GET /health: ${after.status || after.error}`,
        );
      }
    } finally {
      const stopped = await server.stop();
      add('server stops cleanly', stopped.problem, 'drained and released the artifact');
    }
    return { artifact, model, url: server.url, passed: checks.every((c) => c.passed), checks };
  } finally {
    await opened.close();
  }
}

/** introspect's verdict as verify checks: one per FAILED check, or one that says all passed. */
function introspectChecks(report: IntrospectReport): VerifyCheck[] {
  const failed = report.checks.filter((c) => c.result === 'FAILED');
  if (failed.length > 0) return failed.map((c) => ({ name: `introspect: ${c.key}`, passed: false, detail: c.message }));
  const { passed, warning, skipped } = report.summary;
  return [
    {
      name: 'introspect fails no check',
      passed: true,
      detail: `passed ${passed}, warning ${warning}, skipped ${skipped}`,
    },
  ];
}

function scoreProblems(
  outputs: readonly JsonOutput[],
  certainty: { enabled: boolean; output: string; normalization: string },
): string[] | null {
  if (!certainty.enabled) return null;
  const scores = outputs.find((o) => o.name === certainty.output);
  if (!scores) return [`the certainty output "${certainty.output}" is missing`];
  if (certainty.normalization === 'none') return null;
  const bad = (scores.data ?? []).filter((v) => typeof v !== 'number' || !(v >= 0 && v <= 1));
  return bad.length === 0
    ? null
    : [`${bad.length} of ${scores.data?.length ?? 0} scores outside [0, 1] (e.g. ${JSON.stringify(bad[0])})`];
}

function scoreSummary(
  outputs: readonly JsonOutput[],
  certainty: { enabled: boolean; output: string; normalization: string },
): string {
  if (!certainty.enabled) return 'not certainty-enabled: nothing to check';
  const data = (outputs.find((o) => o.name === certainty.output)?.data ?? []) as number[];
  if (certainty.normalization === 'none') return `raw scores (normalization none), ${data.length} values`;
  return `${data.length} scores in [${Math.min(...data).toFixed(3)}, ${Math.max(...data).toFixed(3)}] (${certainty.normalization})`;
}
