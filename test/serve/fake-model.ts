// A ServedModel without an artifact or onnxruntime: the protocol handlers need nothing more than this.
import type { ModelState, ServedModel } from '../../src/serve/served-model.js';
import type { ScoreRequest, TensorSpec } from '../../src/artifact/spec.js';

const spec = (name: string, shape: (number | string)[]): TensorSpec => ({
  name,
  datatype: 'FP32',
  shape,
  order: 0,
  description: '',
});

/** "double": y = 2x over FP32 [batch, 3]; records the requests it ran. */
export function fakeModel(state: ModelState = 'ready') {
  const seen: ScoreRequest[] = [];
  const model: ServedModel & { state: ModelState; seen: ScoreRequest[] } = {
    state,
    loadError: undefined,
    warnings: [],
    seen,
    description: {
      name: 'double',
      version: '3',
      inputs: [spec('x', ['batch', 3])],
      outputs: [spec('y', ['batch', 3])],
      runtime: null,
      evaluation: null,
      labels: null,
    },
    async predict(request) {
      seen.push(request);
      const x = request.inputs[0]!;
      return {
        outputs: [
          {
            name: 'y',
            datatype: 'FP32',
            shape: x.shape,
            data: Float32Array.from(x.data as Float32Array, (v) => 2 * v),
          },
        ],
      };
    },
  };
  return model;
}
