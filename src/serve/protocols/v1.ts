// KServe V1, which "is based on the TensorFlow Serving REST API" (KServe docs, "V1 Protocol"), as TF-Serving's REST
// API defines it (tensorflow_serving/g3doc/api_rest.md): model status, metadata and predict, each with an
// optional /versions/{v}, plus KServe's GET /v1/models. Predict takes the row form {"instances": ...} or the
// columnar form {"inputs": ...} ("A request can have either of them but NOT both"), answered {"predictions": ...}
// or {"outputs": ...}; JSON may carry NaN/Infinity tokens both ways and {"b64": ...} strings (v1-json.ts).
import { jsonResponse, type ServeRequest, type ServeResponse } from '../http.js';
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';
import {
  columnOutputs,
  columnsToV2,
  instancesToV2,
  isInstancesBody,
  rowPredictions,
  toPredictions,
} from '../instances.js';
import { OodError } from '../../errors.js';
import { decodeJsonBody, decodeV2Request } from '../v2-request.js';
import type { ModelDescription } from '../served-model.js';
import { writeV1Json } from '../v1-json.js';
import { showValue } from '../../tensor/json-codec.js';
import { DEFAULT_SIGNATURE, tfModelMetadata, v1ModelStatus } from '../v1-metadata.js';
import { assertModel } from './v2.js';

const MODEL = String.raw`^/v1/models/(?<name>[^/:]+)(?:/versions/(?<version>[^/:]+))?`;

/**
 * Validate and run a DRUM JSON body of rows ({"instances": ...}, already parsed as `body`); answer as DRUM's /predict
 * does today. Used by drum.ts.
 */
export async function predictInstances(service: ServeService, body: { instances: unknown }, req: ServeRequest) {
  const { description } = service.model;
  const decode = (json: unknown) =>
    decodeV2Request(instancesToV2((json as typeof body).instances, description.inputs), Buffer.alloc(0), description);
  const decoded = decodeJsonBody(req.body, decode, body);
  return jsonResponse(200, toPredictions(await service.infer(decoded.inputs, undefined, req), service.scoreOutput));
}

function badBody(message: string): OodError {
  return new OodError('BAD_REQUEST', `not a valid V1 predict request: ${message}`, {
    hint: 'Send {"instances": [row, ...]} (row form) or {"inputs": {"<input>": tensor, ...}} (columnar form).',
  });
}

/** A V2 request's `inputs` ([{name, datatype, shape, ...}]) sent to V1 by mistake. */
function looksLikeV2(inputs: unknown): boolean {
  return (
    Array.isArray(inputs) &&
    inputs.length > 0 &&
    inputs.every((t) => typeof t === 'object' && t !== null && 'datatype' in t && 'shape' in t)
  );
}

/** Check a parsed V1 predict body and decode it against the signature; `rows`: it is the row form. */
function decodeV1Request(body: unknown, description: ModelDescription) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badBody('the body must be a JSON object');
  const rows = 'instances' in body;
  const columns = 'inputs' in body;
  if (rows && columns) throw badBody('it has both "instances" and "inputs"; a request can have either, not both');
  if (!rows && !columns) throw badBody('it has neither "instances" nor "inputs"');
  const signature = (body as { signature_name?: unknown }).signature_name;
  if (signature !== undefined && signature !== DEFAULT_SIGNATURE && signature !== '')
    throw badBody(`signature_name ${showValue(signature)} is not served; the one signature is "${DEFAULT_SIGNATURE}"`);
  if (looksLikeV2((body as { inputs?: unknown }).inputs))
    throw badBody(`"inputs" holds V2 tensors; POST a V2 request to /v2/models/${description.name}/infer`);
  const v2 = isInstancesBody(body)
    ? instancesToV2(body.instances, description.inputs)
    : columnsToV2((body as { inputs: unknown }).inputs, description.inputs);
  return { rows, decoded: decodeV2Request(v2, Buffer.alloc(0), description) };
}

/** POST …:predict, TF-Serving's Predict API. */
async function predict(service: ServeService, req: ServeRequest): Promise<ServeResponse> {
  service.assertReady();
  const decodeStart = performance.now();
  const { description } = service.model;
  const { rows, decoded } = decodeJsonBody(req.body, (body) => decodeV1Request(body, description));
  req.timings.decodeMs = performance.now() - decodeStart;
  const outputs = await service.infer(decoded.inputs, undefined, req);
  const encodeStart = performance.now();
  const text = writeV1Json(rows ? { predictions: rowPredictions(outputs) } : { outputs: columnOutputs(outputs) });
  req.timings.encodeMs = performance.now() - encodeStart;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: text };
}

/** The V1 route table. */
export function v1Routes(service: ServeService): Route[] {
  return [
    {
      // KServe V1 "List Models": {"models": [<model_name>]}.
      method: 'GET',
      pattern: /^\/v1\/models$/,
      handle: () => jsonResponse(200, { models: [service.model.description.name] }),
    },
    {
      // Model status (TF-Serving) and model ready (KServe): 200 when ready, 503 with the same body otherwise.
      method: 'GET',
      pattern: new RegExp(`${MODEL}$`),
      handle: (_req, params) => {
        assertModel(service, params);
        const { state, loadError, description } = service.model;
        return jsonResponse(state === 'ready' ? 200 : 503, v1ModelStatus(description, state, loadError?.message));
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${MODEL}/metadata$`),
      handle: (_req, params) => {
        assertModel(service, params);
        return jsonResponse(200, tfModelMetadata(service.model.description));
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`${MODEL}:predict$`),
      inference: true,
      handle: (req, params) => {
        assertModel(service, params);
        return predict(service, req);
      },
    },
  ];
}
