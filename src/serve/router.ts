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
  const answer = async (route: Route, m: RegExpExecArray, req: ServeRequest): Promise<Routed> => {
    const label = labels.get(route)!;
    const inference = route.inference === true;
    try {
      return { response: await route.handle(req, { ...m.groups }), inference, route: label };
    } catch (err) {
      return { response: errorResponse(err), inference, route: label };
    }
  };
  return async (req) => {
    // The first route of the request's method whose pattern matches answers it: the same route the full scan
    // below would pick, found without running every pattern of the table on every request.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(req.path);
      if (m) return answer(r, m, req);
    }
    // No route of that method: 404, or 405 naming the methods the path has.
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
    const allow = [...new Set(matching.map((x) => x.r.method))].join(', ');
    const response = errorResponse(
      new OodError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allow}`),
    );
    response.headers = { ...response.headers, allow };
    return { response, inference: false, route: labels.get(matching[0]!.r)! };
  };
}
