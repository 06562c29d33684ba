"""The Python peers of the digits benchmark (bench/digits.sh): PyTorch float64
and scikit-learn's MLPClassifier, on the split, scaling, initial weights and
batch order that bench_digits (bench/digits.c) wrote.

Usage: digits_peers.py DIGITS_CSV OUT_DIR EPOCHS RATE

Prints one line per run, "<name> <seconds> <epochs> <test accuracy>", and
before them the check that PyTorch does the same work as libbackprop:
"same-work <largest relative difference of the parameters after one epoch>"
(it exits with status 3 when that exceeds 1e-9).

PyTorch: 64-64-10, ReLU, then the logits into cross_entropy (softmax and the
cross-entropy in one, the mean over the batch), the library's initial weights
and input scaling, the library's batch order (one line per epoch of the order
file: the rows each epoch visits, in order, taken 32 at a time), Adam with
PyTorch's defaults at RATE. One thread (OpenBLAS's too).

scikit-learn: MLPClassifier(hidden_layer_sizes=(64,), solver='adam',
batch_size=32, alpha=0, max_iter=EPOCHS, n_iter_no_change=EPOCHS,
learning_rate_init=RATE, random_state=1): exactly EPOCHS epochs, its own
initial weights and shuffling, on the same standardised rows (its output layer
is the same softmax with the cross-entropy).
"""
import ctypes
import sys
import time
import warnings

import numpy as np

BATCH = 32
SAME_WORK_TOLERANCE = 1e-9


def one_blas_thread():
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            ctypes.CDLL(name).openblas_set_num_threads(1)
            return
        except (OSError, AttributeError):
            continue


def read_rows_file(path):
    """{label: [row, ...]} from a rows file ("label i0 i1 ..." a line)."""
    rows = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields:
                rows[fields[0]] = [int(v) for v in fields[1:]]
    return rows


def read_order(path):
    """The batch order: the "epochE" records of the order file, each the rows
    (source indices into the digits file) that epoch visits, in order."""
    with open(path) as f:
        return [[int(v) for v in line.split()[1:]] for line in f if line.startswith("epoch")]


def load_split(csv_path, out_dir):
    data = np.loadtxt(csv_path, delimiter=",", skiprows=1)
    x, y = data[:, :64], data[:, 64].astype(np.int64)
    split = read_rows_file(f"{out_dir}/split.txt")
    scaling = np.fromfile(f"{out_dir}/scaling.bin", dtype=np.float64)
    offset, scale = scaling[:64], scaling[64:]
    train, test = np.array(split["train"]), np.array(split["test"])
    xs = (x - offset) / scale
    return xs, y, train, test


def torch_model(torch, flat):
    layers, offset = [], 0
    for n_in, n_out in ((64, 64), (64, 10)):
        lin = torch.nn.Linear(n_in, n_out).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(flat[offset:offset + n_in * n_out].reshape(n_out, n_in)))
            offset += n_in * n_out
            lin.bias.copy_(torch.from_numpy(flat[offset:offset + n_out]))
            offset += n_out
        layers.append(lin)
    return torch.nn.Sequential(layers[0], torch.nn.ReLU(), layers[1])


def torch_flat(model):
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


def torch_train(torch, model, x, y, order, rate):
    opt = torch.optim.Adam(model.parameters(), lr=rate, foreach=False)
    for epoch in order:
        index = torch.tensor(epoch, dtype=torch.int64)
        for first in range(0, len(epoch), BATCH):
            batch = index[first:first + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            opt.step()


def run_torch(out_dir, xs, y_all, test, rate):
    import torch
    torch.set_num_threads(1)
    init = np.fromfile(f"{out_dir}/init.bin", dtype=np.float64)
    # The order file names rows of the whole file: index the whole arrays.
    x, y = torch.from_numpy(xs), torch.from_numpy(y_all)

    model = torch_model(torch, init)
    torch_train(torch, model, x, y, read_order(f"{out_dir}/order1.txt"), rate)
    ours = np.fromfile(f"{out_dir}/after1.bin", dtype=np.float64)
    theirs = torch_flat(model)
    rel = np.max(np.abs(theirs - ours) / np.maximum(np.abs(ours), 1e-300))
    print(f"same-work {rel:.3e}", flush=True)

    order = read_order(f"{out_dir}/order.txt")
    model = torch_model(torch, init)
    t0 = time.perf_counter()
    torch_train(torch, model, x, y, order, rate)
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        predicted = model(torch.from_numpy(xs[test])).argmax(dim=1).numpy()
    print(f"pytorch {seconds:.6f} {len(order)} {np.mean(predicted == y_all[test]):.6f}",
          flush=True)
    return rel


def run_sklearn(xtr, ytr, xte, yte, epochs, rate):
    from sklearn.neural_network import MLPClassifier
    model = MLPClassifier(hidden_layer_sizes=(64,), solver="adam", batch_size=BATCH, alpha=0,
                          max_iter=epochs, n_iter_no_change=epochs, learning_rate_init=rate,
                          random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "maximum iterations reached": wanted here
        t0 = time.perf_counter()
        model.fit(xtr, ytr)
        seconds = time.perf_counter() - t0
    print(f"scikit-learn {seconds:.6f} {model.n_iter_} {model.score(xte, yte):.6f}", flush=True)


def main():
    csv_path, out_dir, epochs, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    one_blas_thread()
    xs, y, train, test = load_split(csv_path, out_dir)
    rel = run_torch(out_dir, xs, y, test, rate)
    run_sklearn(xs[train], y[train], xs[test], y[test], epochs, rate)
    if not rel <= SAME_WORK_TOLERANCE:
        print(f"digits_peers: PyTorch's parameters after one epoch differ by {rel:.3e} "
              f"(relative) from libbackprop's", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
