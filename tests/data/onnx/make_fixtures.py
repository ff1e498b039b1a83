#!/usr/bin/python3
"""Regenerates the ONNX import fixtures and their PyTorch reference outputs.

Run by hand only (never at test time): /usr/bin/python3 tests/data/onnx/make_fixtures.py
Writes <name>.onnx and, for models that import, <name>.expected.json with a few inputs (ONNX
layout, row-major) and the PyTorch outputs for them.
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
SAMPLES = 4


def randomize_batchnorm(model, generator):
    """Non-trivial running statistics and affine parameters, so folding is really exercised."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            channels = module.num_features
            with torch.no_grad():
                module.running_mean.copy_(torch.randn(channels, generator=generator) * 0.5)
                module.running_var.copy_(torch.rand(channels, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(channels, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(channels, generator=generator) * 0.2)


class Mlp(nn.Module):
    """Gemm + Relu, an explicit MatMul + Add + Tanh, Gemm + Sigmoid, Gemm + Softmax."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.w2 = nn.Parameter(torch.randn(16, 12) * 0.3)
        self.b2 = nn.Parameter(torch.randn(12) * 0.1)
        self.fc3 = nn.Linear(12, 10)
        self.fc4 = nn.Linear(10, 3)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.tanh(torch.matmul(x, self.w2) + self.b2)
        x = torch.sigmoid(self.fc3(x))
        return torch.softmax(self.fc4(x), dim=-1)


class Cnn1dBn(nn.Module):
    """Conv1d + BatchNorm + Relu, MaxPool, a second conv (stride 2, SAME-like pads) + BN + Relu,
    Flatten of a [C, W] map (columns must be permuted), Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 8, 5, padding=2)
        self.bn1 = nn.BatchNorm1d(8)
        self.pool = nn.MaxPool1d(2)
        self.conv2 = nn.Conv1d(8, 6, 3, stride=2, padding=1)
        self.bn2 = nn.BatchNorm1d(6)
        self.fc = nn.Linear(6 * 8, 4)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


class Cnn2dDepthwise(nn.Module):
    """Conv + BN + Clip(0, 6), depthwise conv + BN + Clip(0, 6), MaxPool, two 1x1/3x3 branches
    concatenated on channels, a residual Add, a Mul gate, AveragePool, GlobalAveragePool branch,
    Flatten + Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.branch_a = nn.Conv2d(8, 4, 1)
        self.branch_b = nn.Conv2d(8, 4, 3, padding=1)
        self.gate = nn.Conv2d(8, 8, 1)
        self.avg = nn.AvgPool2d(2)
        self.fc = nn.Linear(8 * 4 * 4, 5)

    def forward(self, x):
        x = nn.functional.relu6(self.bn1(self.conv1(x)))
        x = nn.functional.relu6(self.bn2(self.dw(x)))
        x = self.pool(x)
        y = torch.relu(torch.cat([self.branch_a(x), self.branch_b(x)], dim=1))
        x = x + y
        x = x * torch.sigmoid(self.gate(x))
        x = self.avg(x)
        return self.fc(torch.flatten(x, 1))


class NhwcTranspose(nn.Module):
    """A Keras-style model: NHWC input transposed to NCHW, strided conv, transposed back to NHWC
    before Flatten (the transposes fold away), Gemm."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = torch.relu(self.conv(x.permute(0, 3, 1, 2)))
        return self.fc(torch.flatten(x.permute(0, 2, 3, 1), 1))


class GapCnn1d(nn.Module):
    """1-D conv with group == channels (depthwise 1-D), Tanh, GlobalAveragePool, Gemm."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv1d(4, 8, 3, padding=1, groups=4)
        self.gap = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        x = torch.tanh(self.dw(x))
        return self.fc(torch.flatten(self.gap(x), 1))


class Unsupported(nn.Module):
    """Two ops we do not import (LeakyRelu, Exp) between supported ones."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        x = nn.functional.leaky_relu(self.fc1(x), 0.1)
        return self.fc2(torch.exp(x))


class CeilPool(nn.Module):
    """MaxPool with ceil_mode=1: an attribute we refuse."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.pool = nn.MaxPool2d(2, ceil_mode=True)

    def forward(self, x):
        return self.pool(self.conv(x))


def export(name, model, input_shape, dynamic_axes=None, expected=True, seed=0):
    generator = torch.Generator().manual_seed(seed)
    randomize_batchnorm(model, generator)
    model.eval()
    example = torch.randn(*input_shape, generator=generator)
    path = os.path.join(HERE, name + ".onnx")
    torch.onnx.export(model, example, path, input_names=["input"], output_names=["output"],
                      opset_version=OPSET, dynamic_axes=dynamic_axes, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.PRESERVE)
    if not expected:
        return
    inputs = torch.randn(SAMPLES, *input_shape[1:], generator=generator)
    with torch.no_grad():
        outputs = model(inputs)
    reference = {
        "model": name + ".onnx",
        "input_shape": list(input_shape),
        "output_shape": [1] + list(outputs.shape[1:]),
        "inputs": [row.flatten().tolist() for row in inputs],
        "outputs": [row.flatten().tolist() for row in outputs],
    }
    with open(os.path.join(HERE, name + ".expected.json"), "w") as out:
        json.dump(reference, out)


def main():
    torch.manual_seed(1)
    export("mlp", Mlp(), (1, 8), dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    export("cnn1d_bn", Cnn1dBn(), (1, 3, 32))
    export("cnn2d_depthwise", Cnn2dDepthwise(), (1, 3, 16, 16))
    export("nhwc_transpose", NhwcTranspose(), (1, 8, 8, 2))
    export("gap_cnn1d", GapCnn1d(), (1, 4, 16))
    export("unsupported_ops", Unsupported(), (1, 4), expected=False)
    export("dynamic_dim", Mlp(), (1, 8), expected=False,
           dynamic_axes={"input": {0: "batch", 1: "features"}})
    export("ceil_mode_pool", CeilPool(), (1, 1, 9, 9), expected=False)
    with open(os.path.join(HERE, "mlp.onnx"), "rb") as source:
        data = source.read()
    with open(os.path.join(HERE, "truncated.onnx"), "wb") as out:
        out.write(data[: len(data) // 2])


if __name__ == "__main__":
    main()
