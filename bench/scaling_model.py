#!/usr/bin/env python3
"""The scaling model of data-parallel training (docs/distributed.md).

Reads the figures measured on one machine (bench/scaling_figures.txt: the
output of runs of bench_steps and of bench_allreduce, "key value" lines;
a figure given by several runs counts with its least value), fits the ring
model's alpha and beta to the measured all-reduce times, and prints,
per training step of a global batch of B rows on p machines:

    T_step(p) = T_c(B) / p + T_ar(p)
    T_ar(p)   = 2 (p - 1) / p * S / beta + 2 (p - 1) * alpha   (ring all-reduce)
    speed-up  = T_c(B) / T_step(p)

with T_c(B) the measured compute time of a step of B rows on one machine
(one thread), S the bytes of the gradient exchange (parameters + 2 doubles),
and alpha, beta the latency and bandwidth of shared memory (measured) and of
two interconnects (assumed). Compute and communication do not overlap: the
all-reduce starts after the whole backward pass and the step waits for it.

Usage: scaling_model.py [FIGURES]   (default: scaling_figures.txt beside it)
Standard library only.
"""

import os
import sys

MACHINES = (2, 8, 64)

# (key, name, alpha seconds, beta bytes per second, what the figures rest on);
# alpha and beta None: measured, from the figures file.
INTERCONNECTS = (
    ("shm", "shared memory, this machine", None, None,
     "measured: MPI_Allreduce between 2 ranks (bench_allreduce), ring model fitted here"),
    ("eth10", "10 Gb/s Ethernet", 50e-6, 1.1e9,
     "assumed: TCP through the kernel, 50 us per message, 1.1 GB/s of the 1.25 GB/s line rate"),
    ("ib100", "100 Gb/s InfiniBand", 2e-6, 11e9,
     "assumed: RDMA, 2 us per message, 11 GB/s of the 12.5 GB/s line rate"),
)

NETWORKS = ("W2", "W3")
NETWORK_SHAPES = {"W2": "784-128-10", "W3": "784-256-256-10"}

# network sizes of the second table, in parameters
SIZES = (10**5, 10**6, 10**7, 10**8)


def ring_allreduce(p, size_bytes, alpha, beta):
    """Seconds of a ring all-reduce of size_bytes over p machines."""
    return 2.0 * (p - 1) / p * size_bytes / beta + 2.0 * (p - 1) * alpha


def ring_allgather(p, slots, slot_bytes, alpha, beta):
    """Seconds of a ring all-gather of `slots` slots over p machines: each
    machine receives the (p - 1)/p of them that others computed."""
    return (p - 1) / p * slots * slot_bytes / beta + (p - 1) * alpha


def reproducible_chunks(p):
    """The chunks of the reproducible mode: the default 16, at least p."""
    return max(16, p)


def fit_ring(sweep, p):
    """alpha and beta of the ring model fitted to measured (bytes, seconds):
    T = a + b S by least squares on the relative error (weights 1/T^2), so
    that small and large messages count alike; a = 2(p-1) alpha,
    b = 2(p-1)/p / beta."""
    if len(sweep) < 2:
        raise ValueError("fewer than two all-reduce sizes (allreduce_min.BYTES)")
    sw = sws = wss = swt = swst = 0.0
    for size, t in sweep:
        w = 1.0 / (t * t)
        sw += w
        sws += w * size
        wss += w * size * size
        swt += w * t
        swst += w * size * t
    det = sw * wss - sws * sws
    a = (swt * wss - sws * swst) / det
    b = (sw * swst - sws * swt) / det
    if a <= 0.0 or b <= 0.0:
        raise ValueError("the all-reduce times do not fit the ring model (alpha or beta <= 0)")
    return a / (2.0 * (p - 1)), 2.0 * (p - 1) / p / b


def speedup(t_compute, t_shard, t_allreduce):
    """One machine's step time over the step time of p machines, whose
    shards take t_shard each before the all-reduce."""
    return t_compute / (t_shard + t_allreduce)


def read_figures(path):
    """The "key value" lines of the file, and its '#' comment lines."""
    values, comments = {}, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                comments.append(line.lstrip("#").strip())
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValueError(f"{path}:{number}: expected 'key value', got {line!r}")
            try:
                value = float(parts[1])
            except ValueError:
                raise ValueError(f"{path}:{number}: {parts[1]!r} is not a number") from None
            # several runs in one file: a time's least value is the one least
            # disturbed by other work on the machine
            values[parts[0]] = min(value, values.get(parts[0], value))
    return values, comments


class Figures:
    """The measured figures, with a clear error for a missing one."""

    def __init__(self, path):
        self.path = path
        self.values, self.comments = read_figures(path)

    def get(self, key):
        if key not in self.values:
            raise KeyError(f"{self.path}: no figure '{key}'")
        return self.values[key]

    def batches(self, net):
        """The batch sizes measured for a network, ascending."""
        prefix = f"compute_min.{net}."
        return sorted(int(k[len(prefix):]) for k in self.values if k.startswith(prefix))

    def compute(self, net, batch):
        return self.get(f"compute_min.{net}.{batch}")

    def shard_compute(self, net, batch, p):
        """The measured step time of this machine's shard of the batch: the
        largest measured batch not above ceil(B / p) rows, at least 1."""
        rows = max(1, -(-batch // p))
        measured = [b for b in self.batches(net) if b <= rows]
        return self.compute(net, measured[-1] if measured else self.batches(net)[0])

    def gradient_bytes(self, net):
        """The fast mode's exchange: the gradient sums, the loss, the rows."""
        return (self.get(f"params.{net}") + 2) * 8

    def sweep(self):
        """(bytes, seconds) of the measured all-reduce sizes, ascending."""
        prefix = "allreduce_min."
        return sorted((int(k[len(prefix):]), v) for k, v in self.values.items()
                      if k.startswith(prefix))

    def link(self, key, alpha, beta):
        if alpha is None:
            return fit_ring(self.sweep(), int(self.get("ranks")))
        return alpha, beta


def format_seconds(t):
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} us"


def speedup_table(fig):
    """Table 1: the measured networks at the measured batch sizes."""
    lines = ["Table 1: speed-up of a step on p machines, the W2 and W3 networks",
             "(each cell: A / B, A with T_c(B)/p, B with the measured step of a shard of B/p rows;",
             " shared memory only for p = 2, this machine's core count)", ""]
    header = "| interconnect | network | S (MB) | B | T_c(B) |"
    rule = "|---|---|---:|---:|---:|"
    for p in MACHINES:
        header += f" p = {p} |"
        rule += "---:|"
    lines += [header, rule]
    for key, name, alpha, beta, _ in INTERCONNECTS:
        a, b = fig.link(key, alpha, beta)
        for net in NETWORKS:
            size = fig.gradient_bytes(net)
            for batch in fig.batches(net):
                if batch < 16:
                    continue
                t_c = fig.compute(net, batch)
                row = (f"| {name} | {net} {NETWORK_SHAPES[net]} | {size / 1e6:.2f} | {batch} "
                       f"| {format_seconds(t_c)} |")
                for p in MACHINES:
                    if key == "shm" and p > 2:
                        row += " |"
                        continue
                    t_ar = ring_allreduce(p, size, a, b)
                    ideal = speedup(t_c, t_c / p, t_ar)
                    shard = speedup(t_c, fig.shard_compute(net, batch, p), t_ar)
                    row += f" {ideal:.2f} / {shard:.2f} |"
                lines.append(row)
    return lines


def allreduce_table(fig):
    """The all-reduce times of the gradients, per interconnect and p."""
    lines = ["All-reduce time T_ar(p) of one step's exchange", ""]
    header = "| interconnect | alpha | beta | network |"
    rule = "|---|---:|---:|---|"
    for p in MACHINES:
        header += f" p = {p} |"
        rule += "---:|"
    lines += [header, rule]
    for key, name, alpha, beta, _ in INTERCONNECTS:
        a, b = fig.link(key, alpha, beta)
        for net in NETWORKS:
            row = f"| {name} | {a * 1e6:.3g} us | {b / 1e9:.3g} GB/s | {net} |"
            for p in MACHINES:
                if key == "shm" and p > 2:
                    row += " |"
                    continue
                row += f" {format_seconds(ring_allreduce(p, fig.gradient_bytes(net), a, b))} |"
            lines.append(row)
    return lines


def reproducible_table(fig):
    """Table 3: the reproducible mode, whose exchange is a gather of C slots."""
    lines = ["Table 3: the reproducible mode: T_step = T_c(B)/p + T_gather(p),",
             "T_gather(p) = (p-1)/p C S'/beta + (p-1) alpha, C = max(16, p) slots of",
             "S' = (parameters + 1) doubles; the chunks' extra compute is left out", ""]
    header = "| interconnect | network | B |"
    rule = "|---|---|---:|"
    for p in MACHINES:
        header += f" p = {p} (C = {reproducible_chunks(p)}) |"
        rule += "---:|"
    lines += [header, rule]
    for key, name, alpha, beta, _ in INTERCONNECTS:
        a, b = fig.link(key, alpha, beta)
        for net in NETWORKS:
            slot = (fig.get(f"params.{net}") + 1) * 8
            for batch in (64, 256, 1024):
                t_c = fig.compute(net, batch)
                row = f"| {name} | {net} | {batch} |"
                for p in MACHINES:
                    if key == "shm" and p > 2:
                        row += " |"
                        continue
                    t_g = ring_allgather(p, reproducible_chunks(p), slot, a, b)
                    row += f" {speedup(t_c, t_c / p, t_g):.2f} |"
                lines.append(row)
    return lines


def per_row_cost(fig, batch):
    """W3's measured compute seconds per row and parameter at a batch size
    (the largest measured batch for larger ones)."""
    batches = fig.batches("W3")
    measured = max([b for b in batches if b <= batch] or [batches[0]])
    return fig.compute("W3", measured) / (measured * fig.get("params.W3"))


def smallest_batch(fig, n_params, p, alpha, beta, target):
    """The smallest power-of-two global batch at which p machines reach the
    target speed-up on a network of n_params parameters, or None up to
    2^20 rows; with W3's compute time per row and parameter at its largest
    measured batch (the least: smaller batches cost more per row, mostly
    work per step that splitting the batch does not divide)."""
    size = (n_params + 2) * 8
    t_ar = ring_allreduce(p, size, alpha, beta)
    c = per_row_cost(fig, max(fig.batches("W3")))
    batch = 1
    while batch <= 2**20:
        t_c = c * batch * n_params
        if speedup(t_c, t_c / p, t_ar) >= target:
            return batch, speedup(t_c, t_c / p, t_ar)
        batch *= 2
    return None, None


def bandwidth_limits(fig):
    """For large networks alpha no longer matters, and the condition
    T_ar(p) < T_c(B) (1 - 1/p) becomes 16 N / beta < c B N: p machines help
    when B exceeds B* = 16 / (beta c), whatever p and N, and no number of
    machines makes a step more than B / B* times faster."""
    batch = max(fig.batches("W3"))
    c = per_row_cost(fig, batch)
    lines = ["Large networks (bandwidth-bound): p machines speed a step up when the",
             "global batch B exceeds B* = 16 / (beta c) rows, for any p and network size,",
             "and never by more than B / B*; c = W3's compute per row and parameter",
             f"at {batch} rows = {c:.3g} s", ""]
    for key, name, alpha, beta, _ in INTERCONNECTS:
        _, b = fig.link(key, alpha, beta)
        b_star = 16.0 / (b * c)
        lines.append(f"  {name}: B* = {b_star:.0f} rows; B = 1024 at most "
                     f"{1024 / b_star:.1f} times faster")
    return lines


def efficient(p):
    """The speed-up of 75% efficiency on p machines."""
    return 0.75 * p


def size_table(fig):
    """Table 2: the global batch that p machines need, by network size."""
    lines = ["Table 2: the smallest global batch (a power of 2) at which p machines",
             "speed a step up at all (> 1), and by at least 3p/4; a network of N parameters",
             "computing as W3 does per row and parameter at 1024 rows, the speed-up in",
             "brackets", ""]
    header = "| interconnect | N | bytes |"
    rule = "|---|---:|---:|"
    for p in MACHINES:
        header += f" p = {p}: > 1 | p = {p}: >= {efficient(p):g} |"
        rule += "---:|---:|"
    lines += [header, rule]
    for key, name, alpha, beta, _ in INTERCONNECTS:
        a, b = fig.link(key, alpha, beta)
        for n in SIZES:
            row = f"| {name} | {n:.0e} | {(n + 2) * 8 / 1e6:.3g} MB |"
            for p in MACHINES:
                for target in (1.0 + 1e-9, efficient(p)):
                    if key == "shm" and p > 2:
                        row += " |"
                        continue
                    batch, s = smallest_batch(fig, n, p, a, b, target)
                    row += f" {batch} ({s:.2f}) |" if batch else " none |"
            lines.append(row)
    return lines


def measured_row(fig):
    """The benchmark's row: W3 on 2 ranks here."""
    keys = ("w3_allreduce_min", "w3_compute64_min", "w3_allgatherv16_min",
            "w3_dp_step_fast_min", "w3_dp_step_reproducible_min")
    if not all(k in fig.values for k in keys):
        return []
    ar, cp, ag = (fig.get(k) for k in keys[:3])
    fast, rep = fig.get(keys[3]), fig.get(keys[4])
    ranks = int(fig.get("ranks"))
    return [f"Measured here, W3 (2.15 MB of gradients), global batch 64, {ranks} ranks:",
            f"  all-reduce {format_seconds(ar)} against the step's compute "
            f"{format_seconds(cp)} on one rank: {ar / cp:.2f} of it",
            f"  reproducible mode's gather of 16 slots {format_seconds(ag)}: {ag / cp:.2f} of it",
            f"  whole step on {ranks} ranks: fast {format_seconds(fast)} "
            f"(speed-up {cp / fast:.2f}), reproducible {format_seconds(rep)} "
            f"(speed-up {cp / rep:.2f})", ""]


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    path = argv[1] if len(argv) > 1 else os.path.join(here, "scaling_figures.txt")
    try:
        fig = Figures(path)
        out = ["Scaling model of data-parallel training (docs/distributed.md)",
               f"figures: {path}"]
        out += [f"  {c}" for c in fig.comments
                if c.startswith(("date", "machine", "cpu", "load", "run"))]
        out.append("  (each figure: its least value over the runs in the file)")
        out += ["",
                "T_step(p) = T_c(B)/p + T_ar(p); T_ar(p) = 2(p-1)/p S/beta + 2(p-1) alpha;",
                "speed-up = T_c(B) / T_step(p). T_c(B): one step of B rows on one machine,",
                "1 thread (bench_steps). S: the exchange, (parameters + 2) doubles.",
                "No overlap: the all-reduce follows the whole backward pass.", ""]
        for key, name, alpha, beta, basis in INTERCONNECTS:
            a, b = fig.link(key, alpha, beta)
            out.append(f"  {name}: alpha = {a * 1e6:.3g} us, beta = {b / 1e9:.3g} GB/s ({basis})")
        out.append("")
        out += measured_row(fig)
        out += allreduce_table(fig) + [""]
        out += speedup_table(fig) + [""]
        out += bandwidth_limits(fig) + [""]
        out += size_table(fig) + [""]
        out += reproducible_table(fig)
    except (OSError, ValueError, KeyError) as e:
        print(f"scaling_model.py: {e.args[0] if e.args else e}", file=sys.stderr)
        return 1
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
