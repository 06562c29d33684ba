"""Checks bench/scaling_model.py on the committed figures: it prints its
tables, and a speed-up it prints equals the ring model computed here from
the figures file with a parser of this test's own.

Usage: test_scaling_model.py SCRIPT FIGURES
"""

import os
import subprocess
import sys
import tempfile
import unittest

SCRIPT, FIGURES = sys.argv[1], sys.argv[2]


def run(figures):
    return subprocess.run([sys.executable, SCRIPT, figures], capture_output=True, text=True,
                          check=False)


def figures():
    """Every figure's least value over the runs in the file."""
    least = {}
    with open(FIGURES, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                value = float(parts[1])
                least[parts[0]] = min(value, least.get(parts[0], value))
    return least


def figure(key):
    return figures()[key]


def printed_link(output, name):
    """alpha (s) and beta (bytes/s) of an interconnect's line in the output."""
    for line in output.splitlines():
        if line.strip().startswith(name + ": alpha = "):
            words = line.replace(",", "").split()
            alpha = float(words[words.index("alpha") + 2]) * 1e-6  # us
            beta = float(words[words.index("beta") + 2]) * 1e9  # GB/s
            return alpha, beta
    raise AssertionError(f"no line for {name}")


def cells(output, prefix, batch):
    """The cells of the Table 1 row that starts with prefix, for a batch."""
    for line in output.splitlines():
        if line.startswith(prefix):
            fields = [f.strip() for f in line.split(" | ")]
            if fields[3] == str(batch):
                return fields
    raise AssertionError(f"no row {prefix!r} with batch {batch}")


class ScalingModel(unittest.TestCase):
    def setUp(self):
        self.result = run(FIGURES)

    def test_prints_every_table(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        out = self.result.stdout
        for title in ("All-reduce time", "Table 1", "Table 2", "Measured here"):
            self.assertIn(title, out)
        for link in ("shared memory, this machine", "10 Gb/s Ethernet", "100 Gb/s InfiniBand"):
            for net in ("W2 784-128-10", "W3 784-256-256-10"):
                for batch in (16, 64, 256, 1024):
                    cells(out, f"| {link} | {net} |", batch)

    def test_speedup_is_the_ring_model(self):
        # 10 Gb/s Ethernet (alpha 50 us, beta 1.1 GB/s), W3, B = 256, p = 8
        t_c = figure("compute_min.W3.256")
        size = (figure("params.W3") + 2) * 8
        t_ar = 2 * 7 / 8 * size / 1.1e9 + 2 * 7 * 50e-6
        expected = t_c / (t_c / 8 + t_ar)
        row = cells(self.result.stdout, "| 10 Gb/s Ethernet | W3 784-256-256-10 |", 256)
        printed = float(row[6].split("/")[0])  # columns: p = 2, 8, 64 from index 5
        self.assertAlmostEqual(printed, expected, delta=0.006)  # printed to 2 decimals
        self.assertGreater(printed, 0.0)

    def test_shared_memory_fit_is_least_squares(self):
        # the printed alpha and beta minimise the summed squared relative error
        # of T = 2 alpha + S / beta (p = 2) over the least all-reduce times
        alpha, beta = printed_link(self.result.stdout, "shared memory, this machine")
        sweep = [(int(k.split(".")[1]), v) for k, v in figures().items()
                 if k.startswith("allreduce_min.")]
        self.assertGreaterEqual(len(sweep), 10)

        def error(a, b):
            return sum(((2 * a + size / b) - t) ** 2 / t ** 2 for size, t in sweep)

        best = error(alpha, beta)
        for da, db in ((1.02, 1), (0.98, 1), (1, 1.02), (1, 0.98)):
            self.assertLess(best, error(alpha * da, beta * db))

    def test_shared_memory_allreduce_time(self):
        # p = 2: T_ar = S / beta + 2 alpha, printed in the all-reduce table
        alpha, beta = printed_link(self.result.stdout, "shared memory, this machine")
        size = (figure("params.W3") + 2) * 8
        t_ar = size / beta + 2 * alpha
        for line in self.result.stdout.splitlines():
            if line.startswith("| shared memory, this machine |") and "| W3 |" in line:
                cell = line.split(" | ")[4].strip()
                value, unit = cell.split()
                seconds = float(value) * (1e-3 if unit == "ms" else 1e-6)
                self.assertAlmostEqual(seconds / t_ar, 1.0, delta=0.01)  # 3 significant digits
                return
        self.fail("no shared-memory W3 row in the all-reduce table")

    def test_missing_figure_is_named(self):
        with open(FIGURES, encoding="utf-8") as f:
            kept = [line for line in f if not line.startswith("params.W3")]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "figures.txt")
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(kept)
            result = run(path)
        self.assertEqual(result.returncode, 1)
        self.assertIn("params.W3", result.stderr)
        self.assertEqual(result.stdout, "")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
