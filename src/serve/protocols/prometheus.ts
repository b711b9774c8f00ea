// GET /metrics: the Prometheus text exposition format (version 0.0.4, "text/plain; version=0.0.4"), scraped
// by Prometheus or any agent that reads it. It answers while every model instance is busy: nothing here waits
// for the model.
import type { Route } from '../router.js';
import type { ServeService } from '../service.js';

/** The /metrics route, when the server keeps metrics. */
export function prometheusRoutes(service: ServeService): Route[] {
  if (!service.metrics) return [];
  return [
    {
      method: 'GET',
      pattern: /^\/metrics$/,
      handle: async () => {
        const { contentType, text } = (await service.renderMetrics())!;
        return { status: 200, headers: { 'content-type': contentType }, body: text };
      },
    },
  ];
}
