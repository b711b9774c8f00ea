#!/usr/bin/python3
"""Train the bundled example classifier and write its ONNX model, sample request and data sets.

A small CNN on scikit-learn's bundled 8x8 digits (no download), trained on digits 0-7 only; digits 8 and 9 are
held out as a real out-of-distribution set. Run with Debian's python3-torch 1.13 / python3-sklearn 1.2:

    /usr/bin/python3 examples/digits/train.py

Everything is deterministic: fixed seeds, deterministic algorithms, one CPU thread, full-batch order from a
seeded generator. Rerunning on the same library versions rewrites byte-identical files.
"""
import json
import os
import random
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 20261125
IN_CLASSES = 8  # digits 0..7 are in-distribution; 8 and 9 are held out
CLASS_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven']
EPOCHS = 60
BATCH = 64
HERE = os.path.dirname(os.path.abspath(__file__))


class DigitsCNN(nn.Module):
    """Two 3x3 convolutions, one pooling step, and a two-layer head (the final Linear exports as Gemm)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # 16 x 4 x 4
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 32), nn.ReLU(),
        )
        self.classifier = nn.Linear(32, IN_CLASSES)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(image))


def seed_everything() -> None:
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def load_splits():
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # [N, 1, 8, 8] in [0, 1]
    labels = digits.target.astype(np.int64)
    inside = labels < IN_CLASSES
    x_tr, x_te, y_tr, y_te = train_test_split(
        images[inside], labels[inside], test_size=0.2, random_state=SEED % (2**32), stratify=labels[inside])
    return x_tr, y_tr, x_te, y_te, images[~inside], labels[~inside]


def train(model: nn.Module, x: np.ndarray, y: np.ndarray) -> None:
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        order = torch.randperm(len(xs), generator=gen)
        for start in range(0, len(xs), BATCH):
            idx = order[start:start + BATCH]
            opt.zero_grad()
            loss_fn(model(xs[idx]), ys[idx]).backward()
            opt.step()
    model.eval()


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(dim=1).numpy()
    return float((pred == y).mean())


def export(model: nn.Module, path: str) -> None:
    torch.onnx.export(
        model, torch.zeros(1, 1, 8, 8), path,
        opset_version=13, input_names=['image'], output_names=['logits'],
        dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}},
        do_constant_folding=True,
    )


def write_sample(path: str, x: np.ndarray) -> None:
    request = {'inputs': [{
        'name': 'image', 'datatype': 'FP32', 'shape': list(x.shape),
        'data': [float(v) for v in x.reshape(-1)],
    }]}
    with open(path, 'w') as f:
        json.dump(request, f)
        f.write('\n')


def main() -> int:
    seed_everything()
    x_tr, y_tr, x_te, y_te, x_ood, y_ood = load_splits()
    model = DigitsCNN()
    train(model, x_tr, y_tr)
    train_acc, test_acc = accuracy(model, x_tr, y_tr), accuracy(model, x_te, y_te)

    data_dir = os.path.join(HERE, 'data')
    os.makedirs(data_dir, exist_ok=True)
    export(model, os.path.join(HERE, 'model.onnx'))
    write_sample(os.path.join(HERE, 'sample.json'), x_te[:4])
    with open(os.path.join(HERE, 'labels.txt'), 'w') as f:  # class names for `ood prepare --labels`
        f.write(''.join(f'{name}\n' for name in CLASS_NAMES))
    np.save(os.path.join(data_dir, 'calibration.npy'), x_te)
    np.save(os.path.join(data_dir, 'calibration_labels.npy'), y_te)
    np.save(os.path.join(data_dir, 'ood_heldout.npy'), x_ood)
    np.save(os.path.join(data_dir, 'ood_heldout_labels.npy'), y_ood)

    print(f'train samples {len(x_tr)} (digits 0-7), test/calibration samples {len(x_te)}, '
          f'held-out OOD samples {len(x_ood)} (digits 8-9)')
    print(f'train accuracy {train_acc:.4f}')
    print(f'test accuracy {test_acc:.4f}')
    print(f'sample.json labels {y_te[:4].tolist()}')
    return 0 if test_acc > 0.95 else 1


if __name__ == '__main__':
    sys.exit(main())
