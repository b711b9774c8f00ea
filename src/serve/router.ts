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

/** What the router tells the transport about a request it answered. */
export interface Routed {
  response: ServeResponse;
  inference: boolean;
  /** The route's path template (e.g. "/v2/models/{name}/infer"), a low-cardinality label for metrics and logs. */
  route: string;
}

/** A route's pattern as a path template: named groups become {name}, optional parts lose their brackets. */
export function routeLabel(pattern: RegExp): string {
  return pattern.source
    .replace(/\(\?<(\w+)>[^)]*\)/g, '{$1}')
    .replace(/\(\?:([^)]*)\)\?/g, '[$1]')
    .replace(/[\^$]/g, '')
    .replace(/\\\//g, '/')
    .replace(/\\/g, '');
}

/** Build a handler from a route table. */
export function createRouter(routes: readonly Route[]): (req: ServeRequest) => Promise<Routed> {
  const labels = new Map(routes.map((r) => [r, routeLabel(r.pattern)]));
  return async (req) => {
    const matching = routes.map((r) => ({ r, m: r.pattern.exec(req.path) })).filter((x) => x.m !== null);
    if (matching.length === 0) {
      return {
        response: errorResponse(
          new OodError('NOT_FOUND', `no route ${req.path}`, {
            hint: 'See GET /capabilities and docs/serve.md for the routes.',
          }),
        ),
        inference: false,
        route: 'unmatched',
      };
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const hit = matching.find((x) => x.r.method === method);
    if (!hit) {
      const allow = [...new Set(matching.map((x) => x.r.method))].join(', ');
      const response = errorResponse(
        new OodError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allow}`),
      );
      response.headers = { ...response.headers, allow };
      return { response, inference: false, route: labels.get(matching[0]!.r)! };
    }
    const route = labels.get(hit.r)!;
    const inference = hit.r.inference === true;
    try {
      return { response: await hit.r.handle(req, { ...hit.m!.groups }), inference, route };
    } catch (err) {
      return { response: errorResponse(err), inference, route };
    }
  };
}
