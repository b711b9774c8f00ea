#!/usr/bin/python3
"""Export a torchvision classifier with random weights to ONNX (used by test/helpers/torchvision.ts).

    /usr/bin/python3 export_torchvision.py ARCH OUT.onnx OPSET IMAGE_SIZE SEED

Debian's python3-torchvision 0.14: `weights=None` gives random initial weights, seeded for reproducibility.
Input `input` FP32 [batch, 3, S, S], output `logits` FP32 [batch, 1000]; `batch` is a symbolic dimension.
"""
import sys

import torch
import torchvision

ARCHS = {'resnet18': torchvision.models.resnet18, 'mobilenet_v2': torchvision.models.mobilenet_v2}


def main() -> int:
    arch, out, opset, size, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if arch not in ARCHS:
        sys.stderr.write(f'unknown arch {arch}; expected one of {sorted(ARCHS)}\n')
        return 2
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = ARCHS[arch](weights=None).eval()
    with torch.no_grad():
        torch.onnx.export(
            model, torch.zeros(1, 3, size, size), out,
            opset_version=opset, input_names=['input'], output_names=['logits'],
            dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True,
        )
    return 0


if __name__ == '__main__':
    sys.exit(main())
