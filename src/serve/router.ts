// Route table dispatch: a path that no route knows gets 404, a known path with the wrong method gets 405 with an
// Allow header, both as JSON. Every thrown error becomes its JSON error response here.
import { OodError } from '../errors.js';
import { errorResponse, type ServeRequest, type ServeResponse } from './http.js';

/** One route: a method, a path pattern with named groups, and a plain handler. */
export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** True for routes that run the model (counted as inferences in /stats). */
  inference?: boolean;
  handle(req: ServeRequest, params: Record<string, string>): Promise<ServeResponse> | ServeResponse;
}

/** Build a handler from a route table. */
export function createRouter(
  routes: readonly Route[],
): (req: ServeRequest) => Promise<{ response: ServeResponse; inference: boolean }> {
  return async (req) => {
    const matching = routes.map((r) => ({ r, m: r.pattern.exec(req.path) })).filter((x) => x.m !== null);
    if (matching.length === 0) {
      return {
        response: errorResponse(
          new OodError('NOT_FOUND', `no route ${req.path}`, {
            httpStatus: 404,
            hint: 'See GET /capabilities and docs/serve.md for the routes.',
          }),
        ),
        inference: false,
      };
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const hit = matching.find((x) => x.r.method === method);
    if (!hit) {
      const allow = [...new Set(matching.map((x) => x.r.method))].join(', ');
      const response = errorResponse(
        new OodError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allow}`, {
          httpStatus: 405,
        }),
      );
      response.headers = { ...response.headers, allow };
      return { response, inference: false };
    }
    try {
      return { response: await hit.r.handle(req, { ...hit.m!.groups }), inference: hit.r.inference === true };
    } catch (err) {
      return { response: errorResponse(err), inference: hit.r.inference === true };
    }
  };
}
