#!/usr/bin/python3
"""Build the out-of-distribution sets (and the in-distribution fit set) that `ood evaluate` measures against.

Run after train.py, with Debian's python3-sklearn 1.2 / numpy:

    /usr/bin/python3 examples/digits/make_ood_sets.py

Writes to examples/digits/data/ (float32 [N, 1, 8, 8] in [0, 1], like calibration.npy):
  id_train.npy      the model's own training split (digits 0-7), rebuilt with train.py's seeded split. Feature
                    methods (mahalanobis, knn) fit on it, so evaluation on calibration.npy stays held out.
  ood_inverted.npy  the held-out test digits 0-7 with inverted intensity (1 - x): same shapes, wrong contrast.
  ood_noise.npy     uniform noise images, 300 of them, from a fixed seed.
ood_heldout.npy (digits 8 and 9, never seen in training) is written by train.py.

Deterministic: rerunning rewrites byte-identical files.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train import SEED, load_splits  # noqa: E402  (train.py's split, not a copy of it)

NOISE_SAMPLES = 300


def main() -> int:
    data_dir = os.path.join(HERE, 'data')
    x_tr, _y_tr, x_te, _y_te, _x_ood, _y_ood = load_splits()
    calibration = np.load(os.path.join(data_dir, 'calibration.npy'))
    if not np.array_equal(calibration, x_te):
        print('calibration.npy does not match the rebuilt test split; rerun train.py first', file=sys.stderr)
        return 1
    rng = np.random.default_rng(SEED)
    sets = {
        'id_train.npy': x_tr.astype(np.float32),
        'ood_inverted.npy': (1.0 - x_te).astype(np.float32),
        'ood_noise.npy': rng.random((NOISE_SAMPLES, 1, 8, 8), dtype=np.float32),
    }
    for name, array in sets.items():
        np.save(os.path.join(data_dir, name), np.ascontiguousarray(array))
        print(f'{name}: {array.shape[0]} samples')
    return 0


if __name__ == '__main__':
    sys.exit(main())
