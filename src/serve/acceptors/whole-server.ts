// What an acceptor of `--acceptors` asks of the whole server (its primary process, acceptors/primary.ts): the
// /metrics of every acceptor aggregated, the statistics extension summed, and whether every acceptor is ready.
// `gatedModel` makes an acceptor's model "ready" only once the whole server is, so /health, /v2/health/ready
// and the predict routes say the same on every acceptor.
import type { OodError } from '../../errors.js';
import type { ModelState, ServedModel } from '../served-model.js';
import type { ModelStat } from '../model-statistics.js';

export interface WholeServer {
  /** This acceptor's index (0 … acceptors - 1), on each of its log lines. */
  index: number;
  /** The Prometheus text of every acceptor's registry (and the primary's), aggregated by prom-client. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** $model_stat of the statistics extension, summed over every acceptor. */
  modelStat(): Promise<ModelStat>;
  /** `loading` until every acceptor has loaded, `failed` (with the error) once one failed to. */
  state(): { state: ModelState; error?: OodError };
}

/** `engine` as the protocols should see it on one acceptor: ready when it and the whole server are. */
export function gatedModel(engine: ServedModel, whole: WholeServer): ServedModel {
  return {
    get state() {
      return engine.state === 'ready' ? whole.state().state : engine.state;
    },
    get loadError() {
      return engine.loadError ?? whole.state().error;
    },
    get description() {
      return engine.description;
    },
    get warnings() {
      return engine.warnings;
    },
    predict: (request, context) => engine.predict(request, context),
  };
}
