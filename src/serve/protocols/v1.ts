// KServe V1 (TensorFlow Serving style) REST: GET /v1/models/{name} and POST /v1/models/{name}:predict with
// {"instances": [...]} answered by {"predictions": [...]} (plus the certainty score list when enabled).
import { jsonResponse, type ServeRequest } from '../http.js';
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';
import { instancesToV2, isInstancesBody, toPredictions } from '../instances.js';
import { OodError } from '../../errors.js';
import { decodeV2Request, parseJsonBody } from '../v2-request.js';
import { assertModel } from './v2.js';

/** Validate and run rows given as `instances`; answer with V1 predictions. Shared with DRUM /predict. */
export async function predictInstances(service: ServeService, instances: unknown, req?: ServeRequest) {
  const { description } = service.model;
  const decoded = decodeV2Request(instancesToV2(instances, description.inputs), Buffer.alloc(0), description);
  return jsonResponse(200, toPredictions(await service.infer(decoded.inputs, undefined, req), service.scoreOutput));
}

/** The V1 route table. */
export function v1Routes(service: ServeService): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v1\/models\/(?<name>[^/:]+)$/,
      handle: (_req, params) => {
        assertModel(service, params);
        return jsonResponse(200, { name: service.model.description.name, ready: service.model.state === 'ready' });
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/models\/(?<name>[^/:]+):predict$/,
      inference: true,
      handle: async (req, params) => {
        assertModel(service, params);
        service.assertReady();
        const body = parseJsonBody(req.body);
        if (!isInstancesBody(body))
          throw new OodError('BAD_REQUEST', 'a V1 predict body is {"instances": [...]}', {
            hint: 'Wrap the rows in {"instances": [...]}.',
          });
        return predictInstances(service, body.instances, req);
      },
    },
  ];
}
