// The certainty record read back from metadata_props: the CDF tails' spread and the percentile map's numbers
// are validated, so a tampered or truncated record is refused with every problem listed.
import { describe, expect, it } from 'vitest';
import { deriveNormalization } from '../../src/certainty/enable-calibration.js';
import { certaintyToMetadata, readCertaintyRecord, type CertaintyRecord } from '../../src/certainty/metadata.js';

function recordFor(normalize: 'cdf' | 'percentile'): CertaintyRecord {
  const raw = Float64Array.from({ length: 50 }, (_, i) => -3 + i * 0.1);
  const { record } = deriveNormalization(raw, normalize, 20);
  return {
    enabled: true,
    oodVersion: '0.1.0',
    method: 'energy',
    temperature: 1,
    logits: 'logits',
    output: 'ood_scores',
    outputType: 'FP32',
    outputShape: ['batch', 1],
    normalization: normalize,
    calibration: record,
  };
}

const metadataOf = (r: CertaintyRecord) => new Map(certaintyToMetadata(r));

describe('the calibration record of a CDF-normalized model', () => {
  it('records the spread of the tails and reads it back unchanged', () => {
    const record = recordFor('cdf');
    // IQR of -3, -2.9, ..., 1.9 (type 7) is 0.675 - (-1.775) = 2.45, so s = 2.45 / 1.349.
    expect(record.calibration!.spread).toBeCloseTo(2.45 / 1.349, 6);
    expect(record.calibration!.levels[0]).toBeCloseTo(1 / 51, 8);
    expect(readCertaintyRecord(metadataOf(record))).toEqual(record);
  });

  it('refuses a spread that is not a positive number, and a percentile record without its anchor and zero', () => {
    const cdf = recordFor('cdf');
    for (const spread of [0, -1, 'wide']) {
      const bad = { ...cdf, calibration: { ...cdf.calibration!, spread: spread as number } };
      expect(() => readCertaintyRecord(metadataOf(bad))).toThrow(/ood\.calibration\.spread must be a positive number/);
    }
    const pct = recordFor('percentile');
    const { anchor: _a, zero: _z, ...rest } = pct.calibration!;
    let error: unknown;
    try {
      readCertaintyRecord(metadataOf({ ...pct, calibration: rest }));
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'CERTAINTY_METADATA_INVALID' });
    expect((error as Error).message).toMatch(/anchor must be a finite number[\s\S]*zero must be a finite number/);
  });

  it('still reads a record from before the tails existed, which has no spread', () => {
    const record = recordFor('cdf');
    delete record.calibration!.spread;
    expect(readCertaintyRecord(metadataOf(record))?.calibration?.spread).toBeUndefined();
  });
});
