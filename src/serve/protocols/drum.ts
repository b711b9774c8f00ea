// DRUM-style routes (DataRobot custom model environments: /, /ping, /health with 513 on load failure, /predict,
// /info, /stats, /capabilities). /predict takes a V2 JSON request, {"instances": [...]} or CSV.
import { OOD_VERSION } from '../../version.js';
import { ARTIFACT_VERSION } from '../../artifact/spec.js';
import { jsonResponse, type ServeRequest, type ServeResponse } from '../http.js';
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';
import { decodeCsv } from '../csv.js';
import { isInstancesBody, toPredictions } from '../instances.js';
import { parseJsonBody } from '../v2-request.js';
import { predictInstances } from './v1.js';
import { inferV2 } from './v2.js';

/** DRUM's status for "the model failed to load". */
export const LOAD_FAILED_STATUS = 513;

function health(service: ServeService): ServeResponse {
  const { state, loadError } = service.model;
  if (state === 'ready') return jsonResponse(200, { status: 'ready', model: service.model.description.name });
  if (state === 'loading') return jsonResponse(503, { error: 'the model is still loading', status: 'loading' });
  return jsonResponse(LOAD_FAILED_STATUS, {
    error: loadError?.message ?? 'the model failed to load',
    code: loadError?.code,
    status: 'failed',
  });
}

/** /predict: content negotiation between CSV, instances and V2. */
async function predict(service: ServeService, req: ServeRequest): Promise<ServeResponse> {
  service.assertReady();
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const { inputs } = service.model.description;
  if (type.startsWith('text/csv') || type.startsWith('text/plain')) {
    const tensor = decodeCsv(req.body.toString('utf8'), inputs);
    return jsonResponse(200, toPredictions(await service.infer([tensor], undefined, req), service.scoreOutput));
  }
  if (req.headers['inference-header-content-length'] !== undefined) return inferV2(service, req);
  const body = parseJsonBody(req.body);
  if (isInstancesBody(body)) {
    return predictInstances(service, body.instances, req);
  }
  return inferV2(service, req, body);
}

function info(service: ServeService) {
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
    model: d.runtime?.MODEL_DETAILS ?? null,
    runtime: d.runtime?.MODEL_DEPLOYMENT?.INFERENCE_RUNTIME ?? null,
    evaluation: d.evaluation,
  };
}

/** The DRUM route table. */
export function drumRoutes(service: ServeService): Route[] {
  const ok = () => jsonResponse(200, { message: 'OK' });
  return [
    { method: 'GET', pattern: /^\/$/, handle: ok },
    { method: 'GET', pattern: /^\/ping$/, handle: ok },
    { method: 'GET', pattern: /^\/health$/, handle: () => health(service) },
    { method: 'POST', pattern: /^\/predict$/, inference: true, handle: (req) => predict(service, req) },
    { method: 'GET', pattern: /^\/info$/, handle: () => jsonResponse(200, info(service)) },
    {
      method: 'GET',
      pattern: /^\/stats$/,
      handle: () => {
        const s = service.statistics;
        return jsonResponse(200, {
          ...service.stats.snapshot(),
          batching: service.batching ? { merged_runs: s.mergedRuns, merged_requests: s.mergedRequests } : null,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/capabilities$/,
      handle: () =>
        jsonResponse(200, {
          protocols: ['drum', 'kserve-v2', 'kserve-v1'],
          predict_formats: [
            'application/json (V2 request)',
            'application/json ({"instances": [...]})',
            ...(service.model.description.inputs.length === 1 && service.model.description.inputs[0]!.shape.length === 2
              ? ['text/csv']
              : []),
          ],
          v2_extensions: ['binary_tensor_data', 'statistics'],
          max_body_bytes: service.options.maxBody,
          dynamic_batching: service.batching,
          certainty_output: service.scoreOutput ?? null,
        }),
    },
  ];
}
