// The synthetic near-OOD sets `--method auto` validates on, on small hand-made images: cut-paste takes one half
// from a row of another predicted class, tile-shuffle moves whole tiles (every pixel value kept), mixup (for
// non-image inputs only) averages a row with such a row, each seeded; and auto weighs near and far sets as
// validationScore says.
import { describe, expect, it } from 'vitest';
import { makeSynthetic, syntheticKinds, type FloatRows } from '../../src/certainty/auto/synthetic-ood.js';
import { partnerRows } from '../../src/certainty/auto/synthetic-near-ood.js';
import { NEAR_WEIGHT, validationScore } from '../../src/certainty/auto/choose-method.js';
import { seededRandom } from '../../src/certainty/split.js';

/** Six 1×8×8 images; row r has value 100·r + pixel index, so every pixel says where it came from. */
function images(): FloatRows {
  const data = new Float32Array(6 * 64);
  for (let r = 0; r < 6; r++) for (let p = 0; p < 64; p++) data[r * 64 + p] = 100 * r + p;
  return { data, shape: [6, 1, 8, 8], labels: Int32Array.from([0, 0, 0, 1, 1, 2]) };
}

const kind = (name: string) =>
  [...syntheticKinds([6, 1, 8, 8]), ...syntheticKinds([6, 64])].find((k) => k.name === `synthetic:${name}`)!;

describe('synthetic near-OOD sets', () => {
  it('pairs every row with a row of another predicted class', () => {
    const rows = images();
    const partners = partnerRows(rows, seededRandom(7));
    partners.forEach((j, i) => expect(rows.labels![j], `row ${i}`).not.toBe(rows.labels![i]));
  });

  it('mixup is the pixel-wise mean of a row and its partner', () => {
    const rows = images();
    const out = makeSynthetic(kind('mixup'), rows, 1);
    for (let r = 0; r < 6; r++) {
      const partner = (2 * out[r * 64]!) / 100 - r; // pixel 0 of row r is (100 r + 100 j) / 2
      expect(Number.isInteger(partner) && partner !== r && rows.labels![partner] !== rows.labels![r]).toBe(true);
      for (let p = 0; p < 64; p++) expect(out[r * 64 + p]).toBe((100 * r + 100 * partner + 2 * p) / 2);
    }
  });

  it('cut-paste replaces exactly one half (left, right, top or bottom) with the same half of a partner', () => {
    const out = makeSynthetic(kind('cut-paste'), images(), 1);
    const halves = [(p: number) => p % 8 < 4, (p: number) => p % 8 >= 4, (p: number) => p < 32, (p: number) => p >= 32];
    for (let r = 0; r < 6; r++) {
      const foreign = Array.from({ length: 64 }, (_, p) => Math.floor(out[r * 64 + p]! / 100) !== r);
      expect(
        halves.some((inHalf) => foreign.every((f, p) => f === inHalf(p))),
        `row ${r}`,
      ).toBe(true);
      for (let p = 0; p < 64; p++) expect(out[r * 64 + p]! % 100).toBe(p); // same position in the partner
    }
  });

  it('tile-shuffle moves whole 2×2 tiles of an 8×8 image and keeps every pixel value of the row', () => {
    const out = makeSynthetic(kind('tile-shuffle'), images(), 1);
    let moved = 0;
    for (let r = 0; r < 6; r++) {
      const row = Array.from(out.subarray(r * 64, (r + 1) * 64));
      expect([...row].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, p) => 100 * r + p));
      for (let ty = 0; ty < 4; ty++)
        for (let tx = 0; tx < 4; tx++) {
          const at = (dy: number, dx: number) => row[(2 * ty + dy) * 8 + 2 * tx + dx]! - 100 * r;
          expect([at(0, 1) - at(0, 0), at(1, 0) - at(0, 0), at(1, 1) - at(0, 0)]).toEqual([1, 8, 9]);
          if (at(0, 0) !== 2 * ty * 8 + 2 * tx) moved++;
        }
    }
    expect(moved).toBeGreaterThan(48);
  });

  it('makes the same sets from the same seed and other sets from another', () => {
    for (const name of ['mixup', 'cut-paste', 'tile-shuffle']) {
      expect(makeSynthetic(kind(name), images(), 3)).toEqual(makeSynthetic(kind(name), images(), 3));
      expect(makeSynthetic(kind(name), images(), 3)).not.toEqual(makeSynthetic(kind(name), images(), 4));
    }
  });

  it('labels the noise and transform kinds far and the new ones near; mixup only for non-image inputs', () => {
    const reach = Object.fromEntries(syntheticKinds([6, 1, 8, 8]).map((k) => [k.name, k.reach]));
    expect(reach).toMatchObject({
      'synthetic:uniform-noise': 'far',
      'synthetic:inverted': 'far',
      'synthetic:upside-down': 'far',
      'synthetic:cut-paste': 'near',
      'synthetic:tile-shuffle': 'near',
    });
    // A blend of two rows is told from ID by the lack of one close neighbour, which ranks knn by its k alone
    // (synthetic-near-ood.ts): images, which have other near kinds, get none.
    expect(Object.keys(reach)).not.toContain('synthetic:mixup');
    const features = Object.fromEntries(syntheticKinds([6, 10]).map((k) => [k.name, k.reach]));
    expect(features['synthetic:mixup']).toBe('near');
  });

  it('weighs near-OOD sets NEAR_WEIGHT against far ones, and counts sets without a reach one each', () => {
    const near = [0.6, 0.8];
    const far = [1, 0.9, 0.95];
    const sets = [
      ...near.map((auroc) => ({ reach: 'near' as const, auroc })),
      ...far.map((auroc) => ({ reach: 'far' as const, auroc })),
    ];
    expect(validationScore(sets)).toBeCloseTo(NEAR_WEIGHT * 0.7 + (1 - NEAR_WEIGHT) * 0.95, 12);
    expect(validationScore([{ auroc: 0.5 }, { auroc: 0.9 }])).toBeCloseTo(0.7, 12);
    expect(validationScore([...sets, { auroc: 0.4 }])).toBeCloseTo(
      (NEAR_WEIGHT * 0.7 + (1 - NEAR_WEIGHT) * 0.95 + 0.4) / 2,
      12,
    );
  });
});
