#!/usr/bin/python3
"""Reference values for tests/test_evaluate.c from scikit-learn's metrics.

Three networks of one layer with fixed weights, whose outputs are computed
here with numpy in float64: a softmax classifier (4 classes, cross-entropy),
a linear regression (3 outputs, half the sum of squares) and a one-output
sigmoid classifier (binary cross-entropy). For each, the inputs, targets and
weights, and the numbers sklearn.metrics gives for the network's
predictions: accuracy, per-class precision, recall, F1 and support, their
macro averages, the confusion matrix (row = true class), mean squared and
absolute error, R^2 (uniform average over the outputs), and the mean loss
per row written out from its definition.

Run: /usr/bin/python3 tests/ref/metrics_ref.py > tests/ref/metrics_ref.h
The test suite reads only the header; it needs neither scikit-learn nor numpy.

With --cli DIR it also writes the softmax classifier for tests/test_cli.sh:
DIR/metrics_model.txt (the network as a model file), DIR/metrics_data.csv
(its rows: inputs, then one-hot targets) and DIR/metrics_expected.txt (one
"name value" line per number `backprop eval` reports).
"""
import os
import sys

import numpy as np
from sklearn import metrics

rng = np.random.RandomState(13)


def c_array(name, values, ctype="double"):
    flat = np.asarray(values).ravel()
    if ctype == "double":
        body = ", ".join(repr(float(v)) for v in flat)
    else:
        body = ", ".join(str(int(v)) for v in flat)
    return f"static const {ctype} {name}[{len(flat)}] = {{{body}}};"


def put(prefix, name, values, ctype="double"):
    print(c_array(f"{prefix}_{name}", values, ctype))


def put_scalar(prefix, name, value):
    print(f"static const double {prefix}_{name} = {float(value)!r};")


def network(n_in, n_out, n_rows):
    w = rng.uniform(-2.0, 2.0, size=(n_out, n_in))
    b = rng.uniform(-0.5, 0.5, size=n_out)
    x = rng.uniform(-1.0, 1.0, size=(n_rows, n_in))
    return w, b, x, x @ w.T + b


def put_network(prefix, w, b, x):
    put(prefix, "params", np.concatenate([w.ravel(), b]))
    put(prefix, "inputs", x)


def put_classes(prefix, y_true, y_pred, k):
    labels = list(range(k))
    p, r, f, s = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    put_scalar(prefix, "accuracy", metrics.accuracy_score(y_true, y_pred))
    put(prefix, "precision", p)
    put(prefix, "recall", r)
    put(prefix, "f1", f)
    put(prefix, "support", s, "size_t")
    for avg in ("precision", "recall", "f1"):
        fn = {"precision": metrics.precision_score, "recall": metrics.recall_score,
              "f1": metrics.f1_score}[avg]
        put_scalar(prefix, "macro_" + avg,
                   fn(y_true, y_pred, labels=labels, average="macro", zero_division=0))
    put(prefix, "confusion", metrics.confusion_matrix(y_true, y_pred, labels=labels), "size_t")


def put_errors(prefix, t, o):
    put_scalar(prefix, "mse", metrics.mean_squared_error(t, o))
    put_scalar(prefix, "mae", metrics.mean_absolute_error(t, o))
    put_scalar(prefix, "r2", metrics.r2_score(t, o, multioutput="uniform_average"))


CLI = {}


def write_cli(directory, w, b, x, t, expected):
    """The softmax case as the command's files (see the module's text)."""
    n_out, n_in = w.shape
    lines = ["backprop-model 1", f"layers 2", f"sizes {n_in} {n_out}", "loss cross_entropy", "",
             "layer 1", "activation softmax", "bias per_neuron", "frozen none",
             f"weights {n_out} {n_in}"]
    lines += [" ".join(float(v).hex() for v in row) for row in w]
    lines += [f"biases {n_out}", " ".join(float(v).hex() for v in b), "end"]
    with open(os.path.join(directory, "metrics_model.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(directory, "metrics_data.csv"), "w") as f:
        f.write(",".join([f"x{i}" for i in range(n_in)] + [f"t{j}" for j in range(n_out)]) + "\n")
        for xi, ti in zip(x, t):
            f.write(",".join(repr(float(v)) for v in list(xi) + list(ti)) + "\n")
    with open(os.path.join(directory, "metrics_expected.txt"), "w") as f:
        for name, value in expected:
            f.write(f"{name} {value if isinstance(value, str) else repr(value)}\n")


def softmax_case():
    prefix, rows, k = "softmax", 12, 4
    w, b, x, z = network(3, k, rows)
    o = np.exp(z - z.max(axis=1, keepdims=True))
    o /= o.sum(axis=1, keepdims=True)
    y_pred = o.argmax(axis=1)
    # the first 7 rows labelled as predicted, the others at random: some right, some wrong
    y_true = np.concatenate([y_pred[:7], rng.randint(0, k, size=rows - 7)])
    t = np.eye(k)[y_true]
    put_network(prefix, w, b, x)
    put(prefix, "targets", t)
    put_scalar(prefix, "loss", np.mean(-(t * np.log(o)).sum(axis=1)))
    put_classes(prefix, y_true, y_pred, k)
    put_errors(prefix, t, o)
    p, r, f, _ = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0)
    CLI["softmax"] = (w, b, x, t, [
        ("loss", float(np.mean(-(t * np.log(o)).sum(axis=1)))),
        ("accuracy", metrics.accuracy_score(y_true, y_pred)),
        ("mse", metrics.mean_squared_error(t, o)),
        ("mae", metrics.mean_absolute_error(t, o)),
        ("r2", metrics.r2_score(t, o)),
        ("bit_fail", float((np.abs(t - o) >= 0.35).sum())),
        ("macro_f1", float(np.mean(f))),
        ("macro_precision", float(np.mean(p))),
        ("macro_recall", float(np.mean(r))),
        ("class_f1", " ".join(repr(float(v)) for v in f)),
        ("confusion", " ".join(str(int(v)) for v in metrics.confusion_matrix(
            y_true, y_pred, labels=list(range(k))).ravel())),
        ("classes", " ".join(str(int(v)) for v in y_pred)),
    ])


def regression_case():
    prefix, rows = "linear", 10
    w, b, x, o = network(3, 3, rows)
    t = o + rng.normal(0.0, 0.6, size=o.shape)
    put_network(prefix, w, b, x)
    put(prefix, "targets", t)
    put_scalar(prefix, "loss", np.mean(0.5 * ((t - o) ** 2).sum(axis=1)))
    put_errors(prefix, t, o)


def binary_case():
    prefix, rows = "binary", 10
    w, b, x, z = network(2, 1, rows)
    o = 1.0 / (1.0 + np.exp(-z))
    y_pred = (o[:, 0] >= 0.5).astype(int)
    y_true = np.concatenate([y_pred[:6], rng.randint(0, 2, size=rows - 6)])
    t = y_true.reshape(-1, 1).astype(float)
    put_network(prefix, w, b, x)
    put(prefix, "targets", t)
    put(prefix, "outputs", o)
    put_scalar(prefix, "loss", np.mean(-(t * np.log(o) + (1 - t) * np.log(1 - o)).sum(axis=1)))
    put_classes(prefix, y_true, y_pred, 2)
    put_errors(prefix, t, o)


print("/* Generated by tests/ref/metrics_ref.py (scikit-learn and numpy, float64); do not edit. */")
print("#include <stddef.h>")
softmax_case()
regression_case()
binary_case()
if len(sys.argv) == 3 and sys.argv[1] == "--cli":
    write_cli(sys.argv[2], *CLI["softmax"])
