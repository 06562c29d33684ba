"""PyTorch peer of bench/bench.c.

Usage: peer_torch.py DATA_DIR QUICK

Reads the initial weights and data that bench wrote to DATA_DIR, runs the same
workloads in float64 (plain SGD, and Adam for W5), and prints one line per result:
"<result index> <seconds> <checksum>" (the indices are bench.c's R_* values).
"""
import ctypes
import sys
import time

import numpy as np
import torch

R_W1_TORCH, R_W2_TORCH, R_W3_TORCH_1, R_W3_TORCH_2 = 4, 8, 11, 12
R_W4_TORCH_1, R_W4_TORCH_64 = 17, 18
R_W5_TORCH = 23

W1_UPDATES = 10000
W1_RATE, W2_RATE, W3_RATE = 0.5, 0.05, 0.001
W3_BATCH, W3_BATCHES = 64, 200
W4_SINGLE, W4_BATCHES = 2000, 200
W5_BATCH, W5_BATCHES, W5_RATE = 32, 200, 0.001


def blas_thread_setter():
    """Debian's PyTorch does its matrix products in OpenBLAS, which runs its own
    threads (one per core unless told otherwise) whatever torch.set_num_threads()
    says. Returns OpenBLAS's setter when that library is loaded, else None."""
    for name in ("libopenblas.so.0", "libopenblas.so"):
        try:
            return ctypes.CDLL(name).openblas_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


BLAS_SET_THREADS = blas_thread_setter()


def set_threads(n):
    """n threads for the matrix products. PyTorch's own loops get one: on two
    cores its two intra-op threads on top of two BLAS threads oversubscribe
    the machine and run W3 2 to 4 times slower than this setting, the fastest
    of the four."""
    torch.set_num_threads(1)
    if BLAS_SET_THREADS is not None:
        BLAS_SET_THREADS(n)


def load(directory, name, shape=None):
    data = np.fromfile(f"{directory}/{name}", dtype=np.float64)
    return data if shape is None else data.reshape(shape)


def build(sizes, acts, flat):
    """Linear layers holding the flat parameters (per layer: W row-major, then b)."""
    layers, offset = [], 0
    for k in range(1, len(sizes)):
        n_in, n_out = sizes[k - 1], sizes[k]
        lin = torch.nn.Linear(n_in, n_out).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(flat[offset:offset + n_in * n_out].reshape(n_out, n_in)))
            offset += n_in * n_out
            lin.bias.copy_(torch.from_numpy(flat[offset:offset + n_out]))
            offset += n_out
        layers.append(lin)
        if acts[k - 1] == "sigmoid":
            layers.append(torch.nn.Sigmoid())
        elif acts[k - 1] == "relu":
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def checksum(model):
    flat = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            flat.append(module.weight.detach().numpy().ravel())
            flat.append(module.bias.detach().numpy().ravel())
    p = np.concatenate(flat)
    weights = 1.0 + (np.arange(p.size) % 13) / 13.0
    return float(np.sum(p * weights))


def train(model, xs, ts, rate):
    """One SGD step per (x, t) pair; the loss is half the summed squared error."""
    params = list(model.parameters())
    for x, t in zip(xs, ts):
        out = model(x)
        loss = 0.5 * torch.sum((out - t) ** 2)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= rate * p.grad


def main():
    directory, quick = sys.argv[1], sys.argv[2] == "1"
    set_threads(1)

    # W1: XOR, online
    model = build([2, 2, 1], ["sigmoid", "sigmoid"], load(directory, "w1_init.bin"))
    pats = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64)
    targ = torch.tensor([[0], [1], [1], [0]], dtype=torch.float64)
    xs = [pats[u % 4:u % 4 + 1] for u in range(W1_UPDATES)]
    ts = [targ[u % 4:u % 4 + 1] for u in range(W1_UPDATES)]
    t0 = time.perf_counter()
    train(model, xs, ts, W1_RATE)
    print(R_W1_TORCH, time.perf_counter() - t0, checksum(model), flush=True)

    # W2: 784-128-10 online
    n2 = 2000 if quick else 20000
    model = build([784, 128, 10], ["sigmoid", "sigmoid"], load(directory, "w2_init.bin"))
    x2 = torch.from_numpy(load(directory, "w2_x.bin", (n2, 784)))
    t2 = torch.from_numpy(load(directory, "w2_t.bin", (n2, 10)))
    xs = [x2[s:s + 1] for s in range(n2)]
    ts = [t2[s:s + 1] for s in range(n2)]
    t0 = time.perf_counter()
    train(model, xs, ts, W2_RATE)
    print(R_W2_TORCH, time.perf_counter() - t0, checksum(model), flush=True)

    # W3: minibatch 64, 1 and 2 threads
    init3 = load(directory, "w3_init.bin")
    n3 = W3_BATCH * W3_BATCHES
    x3 = torch.from_numpy(load(directory, "w3_x.bin", (n3, 784)))
    t3 = torch.from_numpy(load(directory, "w3_t.bin", (n3, 10)))
    acts3 = ["sigmoid", "sigmoid", "linear"]
    for threads, index in ((1, R_W3_TORCH_1), (2, R_W3_TORCH_2)):
        set_threads(threads)
        model = build([784, 256, 256, 10], acts3, init3)
        xs = [x3[b * W3_BATCH:(b + 1) * W3_BATCH] for b in range(W3_BATCHES)]
        ts = [t3[b * W3_BATCH:(b + 1) * W3_BATCH] for b in range(W3_BATCHES)]
        t0 = time.perf_counter()
        train(model, xs, ts, W3_RATE)
        print(index, time.perf_counter() - t0, checksum(model), flush=True)
    set_threads(1)

    # W4: inference with the W3 network
    model = build([784, 256, 256, 10], acts3, init3)
    for batch, reps, index in ((1, W4_SINGLE, R_W4_TORCH_1), (64, W4_BATCHES, R_W4_TORCH_64)):
        xs = [x3[(r * batch) % n3:(r * batch) % n3 + batch] for r in range(reps)]
        total = 0.0
        with torch.no_grad():
            t0 = time.perf_counter()
            for x in xs:
                y = model(x)
                total += float(y[0, 0])
            dt = time.perf_counter() - t0
        print(index, dt, total, flush=True)

    # W5: 784-128-10 classifier, Adam on the mean over batches of 32. The
    # library's network ends in softmax with the cross-entropy -sum t log o;
    # PyTorch's cross_entropy takes the logits and forms the same loss, so the
    # model stops at the last linear layer. The one-hot targets become labels.
    model = build([784, 128, 10], ["relu", "linear"], load(directory, "w5_init.bin"))
    n5 = W5_BATCH * W5_BATCHES
    x5 = torch.from_numpy(load(directory, "w5_x.bin", (n5, 784)))
    labels5 = torch.from_numpy(load(directory, "w5_t.bin", (n5, 10))).argmax(dim=1)
    xs = [x5[b * W5_BATCH:(b + 1) * W5_BATCH] for b in range(W5_BATCHES)]
    ls = [labels5[b * W5_BATCH:(b + 1) * W5_BATCH] for b in range(W5_BATCHES)]
    opt = torch.optim.Adam(model.parameters(), lr=W5_RATE, foreach=False)
    t0 = time.perf_counter()
    for x, label in zip(xs, ls):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), label)
        loss.backward()
        opt.step()
    print(R_W5_TORCH, time.perf_counter() - t0, checksum(model), flush=True)


if __name__ == "__main__":
    main()
