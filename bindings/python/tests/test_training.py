"""Tests of Dataset, fit_scaling, train and evaluate: the digits task of
examples/digits.c from Python (arrays in, history out), with its threshold.

Run from bindings/python with BACKPROP_LIBRARY pointing at libbackprop.so:
    python3 -m unittest discover -s tests
"""

import csv
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Dataset, Network  # noqa: E402

HAVE_NUMPY = backprop.numpy_available()
if HAVE_NUMPY:
    import numpy

DIGITS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                      "examples", "data", "digits.csv")
EPOCHS, RATE, MIN_ACCURACY = 40, 0.003, 0.97


def read_digits():
    """The pixels (rows of 64 floats) and one-hot targets of examples/data/digits.csv."""
    with open(DIGITS, newline="") as f:
        rows = list(csv.reader(f))[1:]
    pixels = [[float(v) for v in row[:64]] for row in rows]
    one_hot = [[1.0 if int(row[64]) == k else 0.0 for k in range(10)] for row in rows]
    if HAVE_NUMPY:
        return numpy.array(pixels), numpy.array(one_hot)
    return pixels, one_hot


def digits_network():
    net = Network([64, 64, 10], ["relu", "softmax"])
    net.set_loss("cross_entropy")
    net.init_random(seed=1, scheme="he")
    return net


class DigitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pixels, cls.one_hot = read_digits()
        cls.names = [str(k) for k in range(10)]

    def dataset(self, **kwargs):
        return Dataset(self.pixels, self.one_hot, class_names=self.names, **kwargs)

    def test_arrays_in_history_out_accuracy(self):
        """The digits task: stratified 80/20 split, min-max input scaling,
        Adam, 40 epochs; at least 97% of the test rows right."""
        with self.dataset() as data:
            self.assertEqual((data.rows, data.input_count, data.target_count), (1797, 64, 10))
            self.assertEqual(data.class_names, self.names)
            train_set, test_set = data.split(0.2, seed=1, stratify=True)
        self.assertEqual(train_set.rows + test_set.rows, 1797)
        self.assertEqual(sorted(train_set.source_rows() + test_set.source_rows()),
                         list(range(1797)))
        net = digits_network()
        backprop.fit_scaling(net, train_set, inputs="minmax")
        seen = []
        history = backprop.train(net, train_set, epochs=EPOCHS, batch_size=32, seed=1,
                                 optimizer="adam", learning_rate=RATE,
                                 callback=lambda epoch, row: seen.append((epoch, row)))
        self.assertEqual(len(history), EPOCHS)
        self.assertEqual(len(seen), EPOCHS)
        first, last = history[0], history[-1]
        if HAVE_NUMPY:
            self.assertEqual(history.shape, (EPOCHS, len(backprop.HISTORY_COLUMNS)))
            first = dict(zip(backprop.HISTORY_COLUMNS, first))
            last = dict(zip(backprop.HISTORY_COLUMNS, last))
        self.assertEqual(first["epoch"], 1)
        self.assertEqual(last["epoch"], EPOCHS)
        self.assertLess(last["train_loss"], first["train_loss"] / 5)
        self.assertTrue(math.isnan(last["validation_loss"]))
        self.assertEqual(seen[-1][1]["train_loss"], last["train_loss"])

        metrics = backprop.evaluate(net, test_set)
        self.assertGreaterEqual(metrics["accuracy"], MIN_ACCURACY)
        confusion = [list(r) for r in metrics["confusion"]]
        self.assertEqual(len(confusion), 10)
        self.assertEqual(sum(map(sum, confusion)), test_set.rows)
        right = sum(confusion[k][k] for k in range(10))
        self.assertAlmostEqual(right / test_set.rows, metrics["accuracy"], places=12)
        self.assertEqual([c["support"] for c in metrics["classes"]],
                         [sum(r) for r in confusion])

    def test_early_stopping_on_a_validation_fraction(self):
        with self.dataset() as data:
            net = digits_network()
            history = backprop.train(net, data, epochs=200, batch_size=32, seed=1,
                                     optimizer="adam", learning_rate=0.01,
                                     validation_fraction=0.1, stratify=True, patience=3)
        self.assertLess(len(history), 200)
        losses = [row[2] if HAVE_NUMPY else row["validation_loss"] for row in history]
        self.assertTrue(all(not math.isnan(v) for v in losses))

    def test_callback_stops_and_its_exception_is_raised(self):
        with self.dataset() as data:
            net = digits_network()
            history = backprop.train(net, data, epochs=10, optimizer="adam",
                                     callback=lambda epoch, row: epoch == 2)
            self.assertEqual(len(history), 2)

            def fail(epoch, row):
                raise KeyError("from the callback")
            with self.assertRaises(KeyError):
                backprop.train(net, data, epochs=10, callback=fail)

    def test_bad_input_raises(self):
        with self.dataset() as data:
            with self.assertRaises(BackpropError):
                backprop.train(Network([3, 10], "softmax"), data, epochs=1)
            with self.assertRaises(BackpropError):
                data.split(1.5, seed=1)
        with self.assertRaises(BackpropError):
            Dataset(self.pixels, self.one_hot, class_names=["a", "b"])

    def test_chunks(self):
        """chunks=1 is the whole batch's pass (the same bits); 5 chunks add
        the same gradients in another order (within rounding), the same way
        every time; more than the library's limit is refused."""
        def run(**kwargs):
            with Dataset(self.pixels[:200], self.one_hot[:200]) as data:
                net = digits_network()
                backprop.train(net, data, epochs=2, optimizer="adam", seed=3, **kwargs)
                return [float(v) for v in net.params()]
        plain, one, five, again = run(), run(chunks=1), run(chunks=5), run(chunks=5)
        self.assertEqual(plain, one)
        self.assertEqual(five, again)
        self.assertNotEqual(plain, five)
        for a, b in zip(plain, five):
            self.assertLessEqual(abs(a - b), 1e-9 * max(1.0, abs(b)))
        with self.assertRaises(BackpropError):
            run(chunks=5000)

    @unittest.skipUnless(HAVE_NUMPY, "borrowing needs numpy arrays")
    def test_borrowed_arrays_give_the_same_training(self):
        pixels = numpy.ascontiguousarray(self.pixels[:200])
        one_hot = numpy.ascontiguousarray(self.one_hot[:200])
        results = []
        for copy in (True, False):
            with Dataset(pixels, one_hot, copy=copy) as data:
                self.assertTrue(numpy.array_equal(data.inputs, pixels))
                net = digits_network()
                history = backprop.train(net, data, epochs=3, optimizer="adam", seed=2)
                results.append((history[:, 1].tolist(), net.params().tolist()))
        self.assertEqual(results[0], results[1])
        with self.assertRaises(ValueError):
            Dataset(pixels.astype(numpy.float32), one_hot, copy=False)
        with self.assertRaises(ValueError):
            Dataset(numpy.asfortranarray(pixels), one_hot, copy=False)

    def test_csv_loader_with_a_class_column(self):
        with Dataset.from_csv(DIGITS, class_column="digit") as data:
            self.assertEqual((data.rows, data.input_count, data.target_count), (1797, 64, 10))
            self.assertEqual(sorted(data.class_names), self.names)
        with self.assertRaises(BackpropError) as caught:
            Dataset.from_csv(DIGITS, class_column="no such column")
        self.assertTrue(str(caught.exception))


if __name__ == "__main__":
    unittest.main()
