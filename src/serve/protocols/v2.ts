// KServe Open Inference Protocol (V2) over REST (kserve/open-inference-protocol, specification/protocol/
// inference_rest.md): server and model health, metadata and inference, with Triton's extensions: binary tensor data
// in both directions (raw binary requests too), classification, and statistics.
import { OodError } from '../../errors.js';
import { OOD_VERSION } from '../../version.js';
import type { TensorSpec } from '../../artifact/spec.js';
import { errorResponse, jsonResponse, type ServeRequest } from '../http.js';
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';
import { decodeJsonBody, decodeV2Request } from '../v2-request.js';
import { splitBinaryBody } from '../../tensor/binary-codec.js';
import { decodeRawBinaryRequest } from '../v2-raw-binary.js';
import { encodeV2Response } from '../v2-response.js';
import { applyClassification } from '../v2-classification.js';
import type { ModelDescription } from '../served-model.js';

/** The extensions this server implements, as GET /v2 lists them (Triton's names, docs/protocol/). */
export const V2_EXTENSIONS = ['binary_tensor_data', 'classification', 'statistics'] as const;

/**
 * The class labels of one output: the artifact's labels (labels.txt) name the last axis of runtime.yaml's
 * CLASSIFICATION.OUTPUT; without that record, any output with one value per label per row. An artifact without
 * labels gets index-only classifications.
 */
function labelsFor(description: ModelDescription): (output: string) => readonly string[] | null {
  const { labels, runtime } = description;
  const owner = runtime?.CLASSIFICATION?.OUTPUT;
  return (output) => (labels && (owner === undefined || owner === output) ? labels : null);
}

const MODEL = String.raw`^/v2/models/(?<name>[^/]+)(?:/versions/(?<version>[^/]+))?`;

/** V2 metadata shape: dynamic dims are -1. */
function metadataTensor(t: TensorSpec) {
  return { name: t.name, datatype: t.datatype, shape: t.shape.map((d) => (typeof d === 'number' ? d : -1)) };
}

/** 404 unless the path names the served model (and, when given, its version). */
export function assertModel(service: ServeService, params: Record<string, string>): void {
  const { name, version } = service.model.description;
  if (params.name !== name) {
    throw new OodError('MODEL_NOT_FOUND', `model "${params.name}" is not served here; this server serves "${name}"`);
  }
  if (params.version !== undefined && params.version !== version) {
    throw new OodError(
      'MODEL_VERSION_NOT_FOUND',
      `model "${name}" has no version "${params.version}"; the served version is "${version}"`,
    );
  }
}

/** Run a V2 inference request body against the served model. Shared by /v2/…/infer and DRUM /predict. */
export async function inferV2(service: ServeService, req: ServeRequest, request?: unknown) {
  service.assertReady();
  const decodeStart = performance.now();
  const raw = req.headers['inference-header-content-length'];
  const header = Array.isArray(raw) ? raw[0] : raw;
  const { description } = service.model;
  let decoded;
  if (request === undefined && header !== undefined && header.trim() === '0') {
    decoded = decodeRawBinaryRequest(req.body, description);
  } else if (request === undefined) {
    const { json, binary } = splitBinaryBody(req.body, header);
    decoded = decodeJsonBody(json, (body) => decodeV2Request(body, binary, description));
  } else {
    // A body the caller (DRUM) parsed already; it is the whole of req.body.
    decoded = decodeJsonBody(req.body, (body) => decodeV2Request(body, Buffer.alloc(0), description), request);
  }
  req.timings.decodeMs = performance.now() - decodeStart;
  const results = await service.infer(decoded.inputs, decoded.outputs, req, decoded.timeoutMs);
  const encodeStart = performance.now();
  const outputs = applyClassification(results, decoded.classification, description.outputs, labelsFor(description));
  const response = encodeV2Response(
    { modelName: description.name, modelVersion: description.version, id: decoded.id },
    outputs,
    decoded.binaryOutputs,
  );
  req.timings.encodeMs = performance.now() - encodeStart;
  return response;
}

/** The V2 route table. */
export function v2Routes(service: ServeService): Route[] {
  const ready = () => {
    service.assertReady();
    return jsonResponse(200, { ready: true });
  };
  // inference_rest.md, Model Ready: "$ready_model_response = { "name" : $string, "ready": $bool }". A model that
  // is not ready answers 503 (what a Kubernetes probe reads) with the same object, plus the error.
  const modelReady = () => {
    const { name } = service.model.description;
    try {
      service.assertReady();
    } catch (err) {
      const response = errorResponse(err);
      const body = JSON.parse(String(response.body)) as Record<string, unknown>;
      return jsonResponse(response.status, { name, ready: false, ...body });
    }
    return jsonResponse(200, { name, ready: true });
  };
  return [
    {
      method: 'GET',
      pattern: /^\/v2$/,
      handle: () => jsonResponse(200, { name: 'ood', version: OOD_VERSION, extensions: [...V2_EXTENSIONS] }),
    },
    {
      // Statistics extension: GET v2/models[/${MODEL_NAME}[/versions/${MODEL_VERSION}]]/stats
      method: 'GET',
      pattern: /^\/v2\/models\/stats$/,
      handle: async () => jsonResponse(200, { model_stats: [await service.modelStat()] }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`${MODEL}/stats$`),
      handle: async (_req, params) => {
        assertModel(service, params);
        return jsonResponse(200, { model_stats: [await service.modelStat()] });
      },
    },
    { method: 'GET', pattern: /^\/v2\/health\/live$/, handle: () => jsonResponse(200, { live: true }) },
    { method: 'GET', pattern: /^\/v2\/health\/ready$/, handle: ready },
    {
      method: 'GET',
      pattern: new RegExp(`${MODEL}$`),
      handle: (_req, params) => {
        assertModel(service, params);
        const d = service.model.description;
        return jsonResponse(200, {
          name: d.name,
          versions: [d.version],
          // inference_rest.md, Platforms: "onnx_onnxv1 : A ONNX model encoded for ONNX Runtime."
          platform: 'onnx_onnxv1',
          inputs: d.inputs.map(metadataTensor),
          outputs: d.outputs.map(metadataTensor),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`${MODEL}/ready$`),
      handle: (_req, params) => {
        assertModel(service, params);
        return modelReady();
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`${MODEL}/infer$`),
      inference: true,
      handle: (req, params) => {
        assertModel(service, params);
        return inferV2(service, req);
      },
    },
  ];
}
