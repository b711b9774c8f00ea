#!/usr/bin/python3
"""Write the Fashion-MNIST benchmark's data sets into bench/out/fashion/, and check the committed model on them.

The benchmark's model is committed, bench/fashion/model.onnx: torch does not train the same weights on every
machine (test accuracy 0.903 on one, 0.9040 on another, with different OOD figures), so the figures in
docs/evaluate.md are measured on that file. By default this script only writes the data sets, which come from
numpy's seeded generator and are the same everywhere, loads the committed model's weights into the network below
and prints its test accuracy. `--retrain` trains a new network and overwrites bench/fashion/model.onnx.

A small CNN trained on Fashion-MNIST classes 0-7 (T-shirt, trouser, pullover, dress, coat, sandal, shirt,
sneaker) from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, no download). OOD sets:
  ood_heldout      test images of the held-out classes 8 and 9 (bag, ankle boot): near-OOD
  ood_digits       another image domain: scikit-learn's 8x8 handwritten digits, upscaled to 28x28
  ood_noise        uniform noise in [0, 1]
  ood_rotated      in-distribution test images rotated by 90 degrees (transformed ID)
Training is seeded, as examples/digits/train.py is (fixed seeds, deterministic algorithms, one CPU thread), but
it reproduces only on the same machine and torch build.

    /usr/bin/python3 bench/fashion/train.py            # data sets only; the committed model's accuracy
    /usr/bin/python3 bench/fashion/train.py --retrain  # train and overwrite bench/fashion/model.onnx
"""
import gzip
import os
import random
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

SEED = 20261201
IN_CLASSES = 8  # classes 0..7 are in-distribution; 8 (bag) and 9 (ankle boot) are held out
EPOCHS = 10
BATCH = 128
FIT_SAMPLES = 6000  # training images handed to `ood enable --data`
EVAL_SAMPLES = 2000  # per evaluation set
SOURCE = '/usr/share/datasets/fashion-mnist'
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'out', 'fashion')
MODEL = os.path.join(HERE, 'model.onnx')


class FashionCNN(nn.Module):
    """Two conv blocks and a two-layer head; the final Linear exports as Gemm, its input is 64 features wide."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 16 x 14 x 14
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 7 x 7
            nn.Flatten(),
            nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
        )
        self.classifier = nn.Linear(64, IN_CLASSES)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(image))


def read_idx(name: str) -> np.ndarray:
    with gzip.open(os.path.join(SOURCE, name)) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.float32) / 255.0)[:, None, :, :]


def pick(rng: np.random.Generator, x: np.ndarray, n: int) -> np.ndarray:
    return x[np.sort(rng.permutation(len(x))[:n])]


def train(xs: torch.Tensor, ys: torch.Tensor) -> FashionCNN:
    model = FashionCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(xs), generator=gen)
        for start in range(0, len(xs), BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad()
            loss_fn(model(xs[idx]), ys[idx]).backward()
            opt.step()
        print(f'epoch {epoch + 1}/{EPOCHS} done', flush=True)
    model.eval()
    torch.onnx.export(
        model, torch.zeros(1, 1, 28, 28), MODEL,
        opset_version=13, input_names=['image'], output_names=['logits'],
        dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True,
    )
    return model


def load_committed() -> FashionCNN:
    """The committed model's initializers, loaded into FashionCNN (their names are the module's parameter names)."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(MODEL).graph
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    model = FashionCNN()
    model.load_state_dict(weights, strict=True)
    model.eval()
    return model


def main() -> int:
    retrain = '--retrain' in sys.argv[1:]
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)
    x_tr, y_tr = images(read_idx('train-images-idx3-ubyte.gz')), read_idx('train-labels-idx1-ubyte.gz').astype(np.int64)
    x_te, y_te = images(read_idx('t10k-images-idx3-ubyte.gz')), read_idx('t10k-labels-idx1-ubyte.gz').astype(np.int64)
    inside_tr, inside_te = y_tr < IN_CLASSES, y_te < IN_CLASSES
    xs, ys = torch.from_numpy(x_tr[inside_tr]), torch.from_numpy(y_tr[inside_tr])

    model = train(xs, ys) if retrain else load_committed()
    with torch.no_grad():
        test_acc = float((model(torch.from_numpy(x_te[inside_te])).argmax(1).numpy() == y_te[inside_te]).mean())

    os.makedirs(OUT, exist_ok=True)
    id_test = pick(rng, x_te[inside_te], EVAL_SAMPLES)
    digits = torch.from_numpy((load_digits().images / 16.0).astype(np.float32)[:, None])
    digits = torch.nn.functional.interpolate(digits, size=(28, 28), mode='bilinear', align_corners=False).numpy()
    sets = {
        'id_train': pick(rng, x_tr[inside_tr], FIT_SAMPLES),
        'id_test': id_test,
        'ood_heldout': pick(rng, x_te[~inside_te], EVAL_SAMPLES),
        'ood_digits': np.clip(digits, 0, 1).astype(np.float32),
        'ood_noise': rng.random((EVAL_SAMPLES // 2, 1, 28, 28), dtype=np.float32),
        'ood_rotated': np.ascontiguousarray(np.rot90(id_test, k=1, axes=(2, 3))),
    }
    for name, x in sets.items():
        np.save(os.path.join(OUT, f'{name}.npy'), x.astype(np.float32))
        print(f'{name:12s} {list(x.shape)}')
    which = 'trained now, written to' if retrain else 'committed'
    print(f'model: {which} {os.path.relpath(MODEL)}')
    print(f'test accuracy (classes 0-7) {test_acc:.4f}')
    return 0 if test_acc > 0.85 else 1


if __name__ == '__main__':
    sys.exit(main())
