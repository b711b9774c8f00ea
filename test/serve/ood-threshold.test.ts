// The default --ood-threshold: the 5%-rejection threshold `ood enable` records, in whichever form it is stored.
import { describe, expect, it } from 'vitest';
import { recordedOodThreshold, thresholdScore } from '../../src/serve/ood-threshold.js';
import type { ModelDescription } from '../../src/serve/served-model.js';

const described = (certainty: Record<string, unknown> | undefined): ModelDescription =>
  ({
    name: 'm',
    version: '1',
    inputs: [],
    outputs: [],
    evaluation: null,
    runtime: certainty ? { CERTAINTY: certainty } : null,
  }) as ModelDescription;

describe('the recorded OOD threshold', () => {
  it('reads the metadata record (JSON with a score), runtime.yaml THRESHOLD.SCORE, or a bare number', () => {
    expect(thresholdScore('{"idRejection":0.05,"score":0.27,"rows":300}')).toBe(0.27);
    expect(thresholdScore({ ID_REJECTION: 0.05, SCORE: 0.31 })).toBe(0.31);
    expect(thresholdScore(0.4)).toBe(0.4);
    expect(thresholdScore('not json')).toBeUndefined();
    expect(thresholdScore({ score: 'high' })).toBeUndefined();
  });

  it('prefers runtime.yaml, and has none for a model that is not certainty-enabled', async () => {
    const dir = '/nonexistent';
    expect(await recordedOodThreshold(dir, described({ ENABLED: true, THRESHOLD: { SCORE: 0.2 } }))).toBe(0.2);
    expect(await recordedOodThreshold(dir, described({ ENABLED: false, THRESHOLD: { SCORE: 0.2 } }))).toBeUndefined();
    expect(await recordedOodThreshold(dir, described({ ENABLED: true }))).toBeUndefined(); // no readable model
  });
});
