// Warnings that tell the truth: each degenerate calibration the issue lists is triggered for real, through
// enableModel on a model or data made to have the defect (and on the pure check for what a model cannot easily
// produce), printed in the result and recorded in ood.warnings; a sound calibration gets none, and a score the
// defect does not harm gets no warning about it.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { enableModel } from '../../src/certainty/enable.js';
import { OnnxModel } from '../../src/onnx/model.js';
import { writeEditedModel } from '../../src/onnx/model-writer.js';
import { encodeFloatInitializer, encodeGraphOutput, encodeNode } from '../../src/onnx/encode.js';
import * as F from '../../src/onnx/proto-fields.js';
import { calibrationWarnings } from '../../src/certainty/warnings.js';
import { fixtures } from '../helpers/fixtures.js';
import { readNpy } from '../helpers/npy.js';
import { randomFloats, tempDir, writeNoisePngFolder, writeNpyF32 } from './harness.js';

const tmp = tempDir('ood-warnings-');
const digits = fixtures.digits;

/** The digits model with some initializers replaced (same names and shapes). */
async function digitsWith(
  name: string,
  replace: Record<string, { dims: number[]; values: number[] }>,
  extra: Buffer[] = [],
) {
  const model = OnnxModel.open(digits.model);
  const out = join(tmp.dir, name);
  const starts = new Set<number>();
  const fields = model.layout.graphFields.filter((f) => f.field === F.Graph.initializer);
  model.info.graph.initializers.forEach((t, i) => {
    if (replace[t.name]) starts.add(fields[i]!.start);
  });
  await writeEditedModel(
    model,
    {
      dropGraph: (f) => starts.has(f.start),
      appendGraph: [...Object.entries(replace).map(([n, t]) => encodeFloatInitializer(n, t.dims, t.values)), ...extra],
    },
    out,
  );
  model.close();
  return out;
}

/** The digits model with `opType` (axis 1) applied to its logits as one more graph output, `output`. */
const digitsWithOpOnLogits = (name: string, opType: string, output: string) =>
  digitsWith(name, {}, [
    encodeNode({
      opType,
      inputs: ['logits'],
      outputs: [output],
      name: `${output}_node`,
      attributes: { axis: { int: 1 } },
    }),
    encodeGraphOutput(output, 1, ['batch', 8]),
  ]);

async function warningsOf(
  options: Parameters<typeof enableModel>[0],
): Promise<{ printed: string[]; recorded: string[] }> {
  const result = await enableModel(options);
  const model = OnnxModel.open(options.output);
  const recorded = JSON.parse(model.metadataMap.get('ood.warnings') ?? 'null') as string[];
  model.close();
  return { printed: result.warnings, recorded };
}

describe('calibration warnings', () => {
  it('none for the digits model calibrated on its training split', async () => {
    const w = await warningsOf({
      model: digits.model,
      output: join(tmp.dir, 'ok.onnx'),
      method: 'knn',
      data: digits.idTrain,
    });
    expect(w.printed).toEqual([]);
    expect(w.recorded).toEqual([]);
  });

  it('too few samples for the feature dimension (covariance rank) and a small knn bank', async () => {
    const train = readNpy(digits.idTrain);
    const small = join(tmp.dir, 'small.npy');
    writeNpyF32(small, [40, 1, 8, 8], (train.data as Float32Array).slice(0, 40 * 64));
    const maha = await warningsOf({
      model: digits.model,
      output: join(tmp.dir, 'm.onnx'),
      method: 'mahalanobis',
      data: small,
    });
    expect(maha.printed.join('\n')).toMatch(
      /fitted on 2\d samples for 32 feature dimensions: the covariance has rank at most/,
    );
    expect(maha.recorded).toEqual(maha.printed);
    const knn = await warningsOf({ model: digits.model, output: join(tmp.dir, 'k.onnx'), method: 'knn', data: small });
    expect(knn.printed.join('\n')).toMatch(/knn stores only 2\d features for k = 10/);
  });

  it('every raw score equal: a zero-initialised head', async () => {
    const zero = await digitsWith('zero-head.onnx', {
      'classifier.weight': { dims: [8, 32], values: Array<number>(256).fill(0) },
      'classifier.bias': { dims: [8], values: Array<number>(8).fill(0) },
    });
    const w = await warningsOf({ model: zero, output: join(tmp.dir, 'z.onnx'), data: digits.calibration });
    // energy of 8 zero logits is log 8 for every input.
    expect(w.printed.join('\n')).toMatch(/every calibration sample has the same raw score \(2\.079/);
    expect(w.printed.join('\n')).toMatch(/very low confidence \(median top softmax probability 0\.125/);
  });

  it('an output that is already a softmax, scored with energy', async () => {
    const softmax = await digitsWithOpOnLogits('softmax.onnx', 'Softmax', 'probs');
    const w = await warningsOf({
      model: softmax,
      output: join(tmp.dir, 's.onnx'),
      data: digits.calibration,
      logits: 'probs',
    });
    expect(w.printed.join('\n')).toMatch(/looks like probabilities .* energy assumes logits/);
  });

  it('a nearly constant raw score: a head whose weights are almost zero', async () => {
    // The trained bias stays, so energy is about logsumexp(bias) = 2.1135 for every input; weights of 1e-7 move
    // it by a few float32 steps (2.4e-7 each), far less than the 1e-5 relative range the check asks for.
    const weights = Array.from(randomFloats(256, 5), (v) => v * 1e-7);
    const flat = await digitsWith('near-zero-head.onnx', { 'classifier.weight': { dims: [8, 32], values: weights } });
    const w = await warningsOf({ model: flat, output: join(tmp.dir, 'n.onnx'), data: digits.calibration });
    const text = w.printed.join('\n');
    expect(text).toMatch(/the raw score is nearly constant on the calibration data \(from 2\.1135\d* to 2\.1135\d*\)/);
    expect(text).not.toMatch(/every calibration sample has the same raw score/);
    expect(w.recorded).toEqual(w.printed);
    // A score with two values only is as uninformative, however far apart they are; three spread values are not.
    expect(calibrationWarnings({ method: 'energy', rawScores: [0, 1, 1, 0, 1] })[0]).toMatch(
      /the raw score is nearly constant on the calibration data \(from 0 to 1\)/,
    );
    expect(calibrationWarnings({ method: 'energy', rawScores: [0, 0.5, 1] })).toEqual([]);
  });

  it('an output that is already a log-softmax: energy is warned, msp and gen (which it does not change) are not', async () => {
    const logSoftmax = await digitsWithOpOnLogits('log-softmax.onnx', 'LogSoftmax', 'log_probs');
    const enable = (method: string, logits: string) =>
      warningsOf({
        model: logSoftmax,
        output: join(tmp.dir, `ls-${method}-${logits}.onnx`),
        data: digits.calibration,
        method,
        logits,
      });
    const energy = await enable('energy', 'log_probs');
    expect(energy.printed.join('\n')).toMatch(/looks like log-probabilities \(every row's logsumexp is 0\), so energy/);
    expect(energy.recorded).toEqual(energy.printed);
    // softmax(log-softmax(z)) = softmax(z): msp and gen score the log-probabilities as they score the logits.
    for (const method of ['msp', 'gen']) {
      const fromLogProbs = await enable(method, 'log_probs');
      expect(fromLogProbs.printed, method).toEqual([]);
      expect(fromLogProbs.recorded, method).toEqual([]);
      const a = OnnxModel.open(join(tmp.dir, `ls-${method}-log_probs.onnx`));
      await enable(method, 'logits');
      const b = OnnxModel.open(join(tmp.dir, `ls-${method}-logits.onnx`));
      const [ca, cb] = [a, b].map((m) => JSON.parse(m.metadataMap.get('ood.calibration')!) as { quantiles: number[] });
      a.close();
      b.close();
      for (let i = 0; i < ca!.quantiles.length; i++)
        expect(ca!.quantiles[i]!, method).toBeCloseTo(cb!.quantiles[i]!, 5);
    }
  });

  it('a mean and std on the 0-255 scale for images read as [0, 1], recorded by enable', async () => {
    const images = writeNoisePngFolder(join(tmp.dir, 'images'), 16, 8, 8);
    const w = await warningsOf({
      model: digits.model,
      output: join(tmp.dir, 'i.onnx'),
      data: images,
      image: { mean: [123.7], std: [58.4] },
    });
    expect(w.printed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^--mean 123\.7 looks like the 0-255 scale, but ood reads pixels as \[0, 1\]/),
        expect.stringMatching(/^--std 58\.4 looks like the 0-255 scale/),
      ]),
    );
    expect(w.recorded).toEqual(w.printed);
    const fine = await warningsOf({
      model: digits.model,
      output: join(tmp.dir, 'j.onnx'),
      data: images,
      image: { mean: [0.5], std: [0.25] },
    });
    expect(fine.printed.join('\n')).not.toMatch(/0-255 scale/);
  });

  it('a mean and std on the 0-255 scale, three channels (the pure check)', () => {
    const w = calibrationWarnings({
      method: 'energy',
      image: { mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4] },
    });
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/--mean 123\.7,116\.3,103\.5 looks like the 0-255 scale/);
    expect(w[1]).toMatch(/--std 58\.4,57\.1,57\.4 looks like the 0-255 scale/);
    expect(
      calibrationWarnings({ method: 'energy', image: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } }),
    ).toEqual([]);
  });
});
