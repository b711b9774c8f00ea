// The digits example's calibration images as requests, and the check that a server's answers to them are
// bitwise-equal to a direct onnxruntime run of the same rows (the engine tests' shared oracle).
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DIGITS } from './artifact.js';
import { readNpy } from '../../helpers/npy.js';
import { fixtures } from '../../helpers/fixtures.js';

/** The calibration images, 64 floats a row. */
export const digitsImages = readNpy(fixtures.digits.calibration).data as Float32Array;

/** Pixels of row `i`. */
export const digitsPixels = (i: number): Float32Array => digitsImages.slice(i * 64, (i + 1) * 64);

/** Each answer is 200, and its logits equal onnxruntime's for the calibration row it was asked about. */
export async function expectDirectRunOutputs(answers: { row: number; status: number; json?: any }[]): Promise<void> {
  const session = await ort.InferenceSession.create(DIGITS);
  try {
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const feed = new ort.Tensor('float32', digitsPixels(answer.row), [1, 1, 8, 8]);
      const direct = (await session.run({ image: feed })).logits!.data as Float32Array;
      expect(Float32Array.from(answer.json.outputs[0].data)).toEqual(direct);
    }
  } finally {
    await session.release();
  }
}
