#!/usr/bin/python3
"""Reference errors of the worked examples for the browser tests, from
PyTorch in float64 (autograd for the gradients), independently of the
library: the total error before the first update, after one and after ten.

    /usr/bin/python3 web/test/reference.py > web/test/reference-torch.json

The tests themselves read the JSON only; they need no PyTorch.
"""
import json

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def example(sizes, acts, shared, frozen, rate, params, inputs, targets, sequential=False):
    """The network as a list of layers [W, b, act] from the flat parameters
    (per layer: weights row by row, then the biases)."""
    layers, at = [], 0
    for l in range(1, len(sizes)):
        rows, cols = sizes[l], sizes[l - 1]
        w = torch.tensor(params[at:at + rows * cols], dtype=torch.float64).reshape(rows, cols)
        at += rows * cols
        nb = 1 if shared else rows
        b = torch.tensor(params[at:at + nb], dtype=torch.float64)
        at += nb
        layers.append([w, b, acts[l - 1]])
    return dict(layers=layers, frozen=frozen, rate=rate, inputs=torch.tensor(inputs, dtype=torch.float64),
                targets=torch.tensor(targets, dtype=torch.float64), sequential=sequential)


def act(name, z):
    return torch.sigmoid(z) if name == "sigmoid" else z


def error(ex):
    total = torch.tensor(0.0)
    for x, t in zip(ex["inputs"], ex["targets"]):
        a = x
        for w, b, f in ex["layers"]:
            a = act(f, w @ a + b)
        total = total + 0.5 * ((a - t) ** 2).sum()
    return total


def standard_update(ex):
    for layer in ex["layers"]:
        layer[0] = layer[0].detach().requires_grad_(True)
        layer[1] = layer[1].detach().requires_grad_(True)
    error(ex).backward()
    with torch.no_grad():
        for layer in ex["layers"]:
            layer[0] = layer[0] - ex["rate"] * layer[0].grad
            if not ex["frozen"]:
                layer[1] = layer[1] - ex["rate"] * layer[1].grad
    for layer in ex["layers"]:
        layer[0] = layer[0].detach()
        layer[1] = layer[1].detach()


def sequential_update(ex):
    """Two layers, one sample: the output layer is updated first and the
    hidden error goes through its new weights (worked example C's first
    program)."""
    (w1, b1, f1), (w2, b2, f2) = ex["layers"]
    x, t = ex["inputs"][0], ex["targets"][0]
    h = act(f1, w1 @ x + b1)
    o = act(f2, w2 @ h + b2)
    d2 = (o - t) * o * (1 - o)
    w2 = w2 - ex["rate"] * torch.outer(d2, h)
    if not ex["frozen"]:
        b2 = b2 - ex["rate"] * d2.sum() if b2.numel() == 1 else b2 - ex["rate"] * d2
    d1 = (w2.T @ d2) * h * (1 - h)
    w1 = w1 - ex["rate"] * torch.outer(d1, x)
    if not ex["frozen"]:
        b1 = b1 - ex["rate"] * d1.sum() if b1.numel() == 1 else b1 - ex["rate"] * d1
    ex["layers"] = [[w1, b1, f1], [w2, b2, f2]]


def numpy_seed0():
    """np.random.seed(0); np.random.rand(9) in the order W1 ([input][hidden]),
    b1, W2, b2, put into the flat order."""
    rng = np.random.RandomState(0)
    d = rng.rand(9)
    return [d[0], d[2], d[1], d[3], d[4], d[5], d[6], d[7], d[8]]


C = dict(sizes=[2, 2, 2], acts=["sigmoid", "sigmoid"], shared=True, frozen=True, rate=0.5,
         params=[0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
         inputs=[[0.05, 0.1]], targets=[[0.01, 0.99]])
EXAMPLES = {
    "A": dict(sizes=[3, 2, 2], acts=["sigmoid", "sigmoid"], shared=True, frozen=False, rate=0.01,
              params=[0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.5, 0.7, 0.9, 0.8, 0.1, 0.5],
              inputs=[[1, 4, 5]], targets=[[0.1, 0.05]]),
    "B": dict(sizes=[2, 2, 1], acts=["sigmoid", "linear"], shared=False, frozen=False, rate=0.2,
              params=[0.2, 0.15, 0.5, 0.6, 0.1, 0.25, 0.3, 0.2, 0.4],
              inputs=[[-0.32, -0.66]], targets=[[-0.54]]),
    "C": C,
    "C-sequential": dict(C, sequential=True),
    "D": dict(sizes=[2, 2, 1], acts=["sigmoid", "sigmoid"], shared=False, frozen=False, rate=0.1,
              params=numpy_seed0(), inputs=[[0, 0], [0, 1], [1, 0], [1, 1]],
              targets=[[0], [1], [1], [0]]),
}

out = {}
for name, spec in EXAMPLES.items():
    ex = example(**spec)
    errors = [error(ex).item()]
    for k in range(10):
        (sequential_update if ex["sequential"] else standard_update)(ex)
        if k in (0, 9):
            errors.append(error(ex).item())
    out[name] = {"error": [repr(e) for e in errors], "updates": [0, 1, 10]}
print(json.dumps(out, indent=2))
