// DataRobot DRUM's prediction server routes (datarobot-user-models, custom_model_runner/drum_server_api.yaml
// 1.12, and the server code it describes): GET / and /ping/ (alive), /health/ (ready), /info/, /stats/,
// /capabilities/, POST /predict/ with its aliases /predictions/ and /invocations, every one under the URL_PREFIX
// environment variable. When the model failed to load DRUM's error server answers 513 {"message": "ERROR: ..."}
// on /, /ping/, /health/ and every predict route (runtime.py `run_error_server`); unprocessable payloads are 422
// {"message": ...}. Trailing slashes are optional (the adapter strips them), where DRUM answers the slashless
// form of /predict/ with a 308 redirect. Besides DRUM's CSV and Matrix Market, /predict/ takes the JSON bodies of
// KServe V2 and V1 (drum/payload.ts says how a body's format is told).
import { OodError, toOodError } from '../../errors.js';
import { OOD_VERSION } from '../../version.js';
import { ARTIFACT_VERSION } from '../../artifact/spec.js';
import { errorResponse, jsonResponse, type ServeRequest, type ServeResponse } from '../http.js';
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';
import { decodeCsv, decodeTable } from '../csv.js';
import { isInstancesBody } from '../instances.js';
import { parseJsonBody } from '../v2-request.js';
import { readDrumPayload } from '../drum/payload.js';
import { matrixMarketTable } from '../drum/matrix-market.js';
import { drumPredictionsText, drumTarget } from '../drum/predictions.js';
import { PredictorTimes, drumCapabilities, drumInfo, drumStats } from '../drum/info.js';
import { predictInstances } from './v1.js';
import { V2_EXTENSIONS, inferV2 } from './v2.js';

/** DRUM's status for "the model failed to load" (server.py HTTP_513_DRUM_PIPELINE_ERROR). */
export const LOAD_FAILED_STATUS = 513;

export interface DrumOptions {
  /** URL_PREFIX: the path every DRUM route is mounted under ("" for none). */
  urlPrefix?: string;
  /** The artifact's directory on disk, /info's codeDir. */
  codeDir?: string;
}

/** URL_PREFIX as a path: "" or "/a/b" (a leading slash added, trailing ones dropped); a usage error otherwise. */
export function normalizeUrlPrefix(raw: string | undefined): string {
  const trimmed = (raw ?? '').trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  const prefix = trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
  if (!/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(prefix))
    throw new OodError('DRUM_URL_PREFIX_INVALID', `URL_PREFIX ${JSON.stringify(raw)} is not a URL path`, {
      hint: 'Set it to path segments such as URL_PREFIX=/deployments/digits, or unset it.',
    });
  return prefix;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** DRUM's error body: {"message": "ERROR: ..."}, plus ood's code and hint. 400s become 422, as in DRUM. */
function drumError(err: unknown): ServeResponse {
  const error = toOodError(err);
  const base = errorResponse(error);
  const status = base.status === 400 ? 422 : base.status;
  const body: Record<string, string> = { message: `ERROR: ${error.message}`, error: error.message, code: error.code };
  if (error.hint) body.hint = error.hint;
  return { ...jsonResponse(status, body), headers: { ...base.headers, 'content-type': 'application/json' } };
}

/** The 513 of a model that failed to load (with the load error's own code and hint), or undefined. */
function loadFailure(service: ServeService): ServeResponse | undefined {
  if (service.model.state !== 'failed') return undefined;
  const cause = service.model.loadError;
  const said = cause?.message ?? 'unknown error';
  const error = said.startsWith('the model failed to load') ? said : `the model failed to load: ${said}`;
  const body: Record<string, string> = { message: `ERROR: ${error}`, error, code: cause?.code ?? 'MODEL_LOAD_FAILED' };
  if (cause?.hint) body.hint = cause.hint;
  return jsonResponse(LOAD_FAILED_STATUS, body);
}

function health(service: ServeService): ServeResponse {
  const failed = loadFailure(service);
  if (failed) return { ...failed, body: JSON.stringify({ ...JSON.parse(String(failed.body)), status: 'failed' }) };
  if (service.model.state === 'loading')
    return jsonResponse(503, { message: 'ERROR: the model is still loading', status: 'loading' });
  return jsonResponse(200, { message: 'OK', status: 'ready', model: service.model.description.name });
}

/** /predict/: DRUM's CSV or Matrix Market, or a V2 / instances JSON body. */
async function predict(service: ServeService, req: ServeRequest, times: PredictorTimes): Promise<ServeResponse> {
  service.assertReady();
  const payload = await readDrumPayload(req);
  if (payload.format === 'v2-binary') return inferV2(service, req);
  if (payload.format === 'json') {
    const body = parseJsonBody(req.body);
    return isInstancesBody(body) ? predictInstances(service, body, req) : inferV2(service, req, body);
  }
  const decodeStart = performance.now();
  const { inputs } = service.model.description;
  const tensors =
    payload.format === 'csv'
      ? decodeCsv(payload.text, inputs)
      : decodeTable(matrixMarketTable(payload.text, payload.columns), inputs);
  req.timings.decodeMs = performance.now() - decodeStart;
  const started = performance.now();
  const outputs = await service.infer(tensors, undefined, req);
  times.record((performance.now() - started) / 1000);
  const text = drumPredictionsText(outputs, drumTarget(service.model.description, service.scoreOutput));
  return jsonResponse(200, undefined, text);
}

/** The DRUM route table, mounted under `options.urlPrefix`. */
export function drumRoutes(service: ServeService, options: DrumOptions = {}): Route[] {
  const prefix = normalizeUrlPrefix(options.urlPrefix);
  const at = (path: string) =>
    new RegExp(`^${escapeRegExp(prefix)}${path === '/' && prefix ? '' : escapeRegExp(path)}$`);
  const times = new PredictorTimes();
  const target = () => drumTarget(service.model.description, service.scoreOutput);
  // Errors of DRUM routes take DRUM's shape; a failed model answers 513 first on the routes DRUM's error server has.
  const guarded =
    (handle: (req: ServeRequest) => Promise<ServeResponse> | ServeResponse, errorServer: boolean) =>
    async (req: ServeRequest) => {
      const failed = errorServer ? loadFailure(service) : undefined;
      if (failed) return failed;
      try {
        return await handle(req);
      } catch (err) {
        return drumError(err);
      }
    };
  const alive = () => jsonResponse(200, { message: 'OK' });
  const predictRoute = (path: string): Route => ({
    method: 'POST',
    pattern: at(path),
    inference: true,
    handle: guarded((req) => predict(service, req, times), true),
  });
  return [
    { method: 'GET', pattern: at('/'), handle: guarded(alive, true) },
    { method: 'GET', pattern: at('/ping'), handle: guarded(alive, true) },
    { method: 'GET', pattern: at('/health'), handle: () => health(service) },
    predictRoute('/predict'),
    predictRoute('/predictions'),
    predictRoute('/invocations'),
    // DRUM answers its unstructured routes for a structured model with 422 (predict_mixin.py
    // do_predict_unstructured); its error server, 513. ood's models are structured.
    ...['/predictUnstructured', '/predictionsUnstructured'].map((path): Route => ({
      method: 'POST',
      pattern: at(path),
      handle: guarded(() => {
        throw new OodError(
          'DRUM_WRONG_TARGET',
          `This model has target type ${target().targetType}, use either /predict/ or /predictions/ endpoint.`,
          { hint: 'curl -F X=@data.csv http://HOST:8080/predict/' },
        );
      }, true),
    })),
    {
      method: 'GET',
      pattern: at('/info'),
      handle: guarded(
        () =>
          jsonResponse(200, {
            ...drumInfo(service.model.description, target(), options.codeDir ?? ''),
            ...oodInfo(service),
          }),
        false,
      ),
    },
    {
      method: 'GET',
      pattern: at('/stats'),
      handle: guarded(() => {
        const s = service.statistics;
        return jsonResponse(200, {
          ...drumStats(times),
          ...service.stats.snapshot(),
          batching: service.batching ? { merged_runs: s.mergedRuns, merged_requests: s.mergedRequests } : null,
        });
      }, false),
    },
    {
      method: 'GET',
      pattern: at('/capabilities'),
      handle: guarded(() => jsonResponse(200, { ...drumCapabilities(), ...oodCapabilities(service, prefix) }), false),
    },
  ];
}

/** What /info said before it had DRUM's shape: identity, signature, certainty, labels and evaluation. */
function oodInfo(service: ServeService): Record<string, unknown> {
  const d = service.model.description;
  return {
    name: d.name,
    version: d.version,
    ood_version: OOD_VERSION,
    artifact_version: d.runtime?.MODEL_ARTIFACT_VERSION ?? ARTIFACT_VERSION,
    state: service.model.state,
    warnings: service.model.warnings,
    signature: { inputs: d.inputs, outputs: d.outputs },
    certainty: d.runtime?.CERTAINTY ?? { ENABLED: service.scoreOutput !== undefined },
    labels: d.labels,
    model: d.runtime?.MODEL_DETAILS ?? null,
    runtime: d.runtime?.MODEL_DEPLOYMENT?.INFERENCE_RUNTIME ?? null,
    evaluation: d.evaluation,
  };
}

function oodCapabilities(service: ServeService, prefix: string): Record<string, unknown> {
  return {
    protocols: ['drum', 'kserve-v2', 'kserve-v1'],
    url_prefix: prefix,
    predict_formats: [
      'text/csv (any content type but text/mtx and JSON)',
      'text/mtx',
      'multipart/form-data (X)',
      'application/json (V2 request)',
      'application/json ({"instances": [...]})',
    ],
    v2_extensions: [...V2_EXTENSIONS],
    max_body_bytes: service.options.maxBody,
    dynamic_batching: service.batching,
    certainty_output: service.scoreOutput ?? null,
  };
}
