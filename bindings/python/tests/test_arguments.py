"""Arguments the C library cannot be given as they are.

- An integer that does not fit its C type raises OverflowError (ctypes would
  keep its low bits: 2**64 + 2 became 2), a negative size or count ValueError.
- A path holding a NUL byte raises ValueError, as open() does (the C string
  would end at the NUL and name another file).
- A count error tells the expected and the actual count.
"""

import os
import pathlib
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Network, Status  # noqa: E402

WRAP64 = 2 ** 64          # size_t and unsigned long keep the low 64 bits: 0
WRAP32 = 2 ** 32          # int keeps the low 32 bits: 0
X = [0.05, 0.10]
T = [0.01, 0.99]


def setUpModule():
    backprop.load_library()


def has(fname):
    try:
        return backprop.load_library().has(fname)
    except OSError:  # reported once by setUpModule
        return False


def small_net():
    net = Network([2, 3, 2], "sigmoid", use_numpy=False)
    net.init_random(1)
    return net


class IntegerRangeTest(unittest.TestCase):
    def setUp(self):
        self.net = small_net()
        self.params = self.net.params()

    def tearDown(self):
        self.assertEqual(self.net.params(), self.params)  # nothing reached the network
        self.net.close()

    def test_layer_sizes(self):
        with self.assertRaises(OverflowError):
            Network([WRAP64 + 2, 1], "linear")
        with self.assertRaises(OverflowError):
            Network([2, WRAP64 + 1], "linear")
        with self.assertRaises(ValueError):
            Network([2, -1], "linear")

    def test_activation_codes(self):
        # 2**32 + 1 would reach nn_create as 1, the sigmoid.
        with self.assertRaises(OverflowError):
            Network([2, 1], WRAP32 + backprop.ACT_SIGMOID)
        with self.assertRaises(OverflowError):
            Network([2, 2, 1], ["tanh", -WRAP32 + backprop.ACT_RELU])
        with self.assertRaises(OverflowError):
            self.net.set_activation(1, WRAP32 + backprop.ACT_TANH)
        self.assertEqual(self.net.get_activation_name(1), "sigmoid")

    def test_other_codes(self):
        net = self.net
        with self.assertRaises(OverflowError):
            net.set_loss(WRAP32 + backprop.LOSS_MSE)
        self.assertEqual(net.get_loss(), backprop.LOSS_HALF_SSE)
        with self.assertRaises(OverflowError):
            net.set_bias_mode(1, WRAP32 + backprop.BIAS_SHARED)
        self.assertEqual(net.get_bias_mode(1), backprop.BIAS_PER_NEURON)
        with self.assertRaises(OverflowError):
            net.init_random(1, WRAP32 + backprop.INIT_XAVIER)

    def test_layer_indices(self):
        net = self.net
        layer = WRAP64 + 1  # would be layer 1
        calls = [
            lambda: net.set_weights(layer, [0.0] * 6),
            lambda: net.set_biases(layer, [0.0] * 3),
            lambda: net.get_weights(layer),
            lambda: net.get_biases(layer),
            lambda: net.weight_grads(layer),
            lambda: net.bias_grads(layer),
            lambda: net.layer_size(layer),
            lambda: net.weight_count(layer),
            lambda: net.bias_count(layer),
            lambda: net.set_activation(layer, "relu"),
            lambda: net.get_activation(layer),
            lambda: net.get_activation_name(layer),
            lambda: net.set_bias_mode(layer, "shared"),
            lambda: net.get_bias_mode(layer),
            lambda: net.set_frozen(layer, True, True),
            lambda: net.get_frozen(layer),
            lambda: net.net_inputs(layer),
            lambda: net.outputs(layer),
            lambda: net.deltas(layer),
            lambda: net.set_custom_activation(layer, abs, abs, "py_abs"),
        ]
        net.forward(X)
        net.backward(T)
        for i, call in enumerate(calls):
            with self.subTest(call=i), self.assertRaises(OverflowError):
                call()
        self.assertEqual(net.get_activation_name(1), "sigmoid")
        self.assertEqual(net.get_frozen(1), (False, False))
        self.assertEqual(net.get_bias_mode(1), backprop.BIAS_PER_NEURON)

    def test_negative_layer_is_out_of_range(self):
        for call in (self.net.set_weights, self.net.set_biases):
            with self.assertRaises(BackpropError) as ctx:
                call(-1, [0.0])
            self.assertEqual(ctx.exception.status, Status.ERR_LAYER_RANGE)
        with self.assertRaises(BackpropError) as ctx:
            self.net.outputs(-1)
        self.assertEqual(ctx.exception.status, Status.ERR_LAYER_RANGE)

    def test_status_codes(self):
        # 2**32 + 1 would be the text of status 1.
        with self.assertRaises(OverflowError):
            backprop.strerror(WRAP32 + Status.ERR_NULL_ARG)
        self.assertEqual(backprop.strerror(-5), backprop.strerror(10 ** 6))  # unknown either way

    def test_seeds(self):
        # The low 32 bits of a seed are used; beyond an unsigned long it wrapped.
        with self.assertRaises(OverflowError):
            self.net.init_random(WRAP64 + 1)
        with self.assertRaises(OverflowError):
            backprop.Rng(WRAP64)
        with self.assertRaises(ValueError):
            backprop.Rng(-1)
        with backprop.Rng(WRAP32 + 5) as a, backprop.Rng(5) as b:
            self.assertEqual(a.next_u32(), b.next_u32())

    @unittest.skipUnless(has("nn_set_threads") and has("nn_reserve_batch"),
                         "library without batches")
    def test_threads_and_batch_rows(self):
        net = self.net
        with self.assertRaises(OverflowError):
            net.threads = WRAP64 + 1
        with self.assertRaises(ValueError):
            net.threads = -1
        self.assertEqual(net.threads, 1)
        with self.assertRaises(OverflowError):
            net.reserve_batch(WRAP64 + 4)
        with self.assertRaises(ValueError):
            net.reserve_batch(-1)
        self.assertEqual(net.batch_capacity, 0)

    @unittest.skipUnless(has("nn_explain") and has("nn_export_dot"), "library without explain")
    def test_explain_options(self):
        net = self.net
        with self.assertRaises(OverflowError):
            net.explain(X, T, 0.5, digits=WRAP32 + 6)
        with self.assertRaises(OverflowError):
            net.explain(X, T, 0.5, format=WRAP32 + backprop.EXPLAIN_JSON)
        with self.assertRaises(OverflowError):
            net.explain(X, T, 0.5, rule=WRAP32 + backprop.RULE_SEQUENTIAL)
        with self.assertRaises(OverflowError):
            net.explain(X, T, 0.5, unit_names={(WRAP64, 0): "x0"})
        with self.assertRaises(OverflowError):
            net.export_dot(unit_names={(0, WRAP64 + 1): "x1"})
        with self.assertRaises(OverflowError):
            net.export_dot(param_names={WRAP64: "w0"})
        with self.assertRaises(ValueError):
            net.export_dot(param_names={-1: "w0"})


@unittest.skipUnless(has("nn_save") and has("nn_load_ex"), "library without io")
class NulInPathTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.net = small_net()

    def tearDown(self):
        self.net.close()
        self.tmp.cleanup()

    def paths(self, name):
        text = os.path.join(self.dir, name)
        return [text, os.fsencode(text), pathlib.Path(text)]

    def test_save(self):
        for path in self.paths("a\0.evil"):
            with self.subTest(path=path), self.assertRaises(ValueError):
                self.net.save(path)
        self.assertEqual(os.listdir(self.dir), [])

    def test_load(self):
        self.net.save(os.path.join(self.dir, "a"))
        for path in self.paths("a\0.evil"):
            with self.subTest(path=path), self.assertRaises(ValueError):
                Network.load(path)

    def test_valid_paths_of_every_kind(self):
        for path in self.paths("model"):
            self.net.save(path)
            with Network.load(path, use_numpy=False) as twin:
                self.assertEqual(twin.params(), self.net.params())
        self.assertEqual(os.listdir(self.dir), ["model"])

    def test_library_path(self):
        for path in ("libbackprop\0.so", b"libbackprop\0.so"):
            with self.subTest(path=path), self.assertRaises(ValueError):
                backprop.load_library(path)


class CountMessageTest(unittest.TestCase):
    def setUp(self):
        self.net = small_net()

    def tearDown(self):
        self.net.close()

    def detail(self, func, *args, **kwargs):
        with self.assertRaises(BackpropError) as ctx:
            func(*args, **kwargs)
        self.assertEqual(ctx.exception.status, Status.ERR_COUNT)
        self.assertIn(ctx.exception.detail, str(ctx.exception))
        return ctx.exception.detail

    def test_parameters(self):
        net = self.net
        self.assertEqual(self.detail(net.set_weights, 1, [0.0] * 5),
                         "expected 6 weights for layer 1 (3x2), got 5")
        self.assertEqual(self.detail(net.set_weights, 2, [[0.0] * 3] * 3),
                         "expected 6 weights for layer 2 (2x3), got 9")
        self.assertEqual(self.detail(net.set_biases, 1, [0.0] * 2),
                         "expected 3 biases for layer 1, got 2")
        net.set_bias_mode(2, "shared")
        self.assertEqual(self.detail(net.set_biases, 2, [0.0] * 2),
                         "expected 1 bias for layer 2 (shared), got 2")
        self.assertEqual(self.detail(net.set_params, [0.0] * 4),
                         "expected 16 parameters, got 4")
        self.assertEqual(self.detail(net.set_grads, [0.0] * 18),
                         "expected 16 gradients, got 18")

    def test_samples(self):
        net = self.net
        self.assertEqual(self.detail(net.forward, [0.0] * 3), "expected 2 inputs, got 3")
        net.forward(X)
        self.assertEqual(self.detail(net.loss, [0.0]), "expected 2 targets, got 1")
        self.assertEqual(self.detail(net.backward, []), "expected 2 targets, got 0")
        self.assertEqual(self.detail(net.train_sample, [0.0], T, 0.1),
                         "expected 2 inputs, got 1")
        self.assertEqual(self.detail(net.train_sequential, X, [0.0] * 3, 0.1),
                         "expected 2 targets, got 3")

    def test_create(self):
        self.assertEqual(self.detail(Network, [2, 2, 1], ["sigmoid"]),
                         "expected 2 activations (one per layer after the inputs), got 1")

    @unittest.skipUnless(has("nn_forward_batch") and has("nn_predict"), "library without batches")
    def test_batches(self):
        net = self.net
        self.assertEqual(self.detail(net.forward_batch, [0.0] * 5),
                         "expected whole rows of 2 inputs, got 5 values")
        self.assertEqual(self.detail(net.predict, [0.0] * 3),
                         "expected whole rows of 2 inputs, got 3 values")
        net.forward_batch([X, X])
        self.assertEqual(self.detail(net.backward_batch, [0.0] * 3),
                         "expected whole rows of 2 targets, got 3 values")

    @unittest.skipUnless(has("nn_explain") and has("nn_export_dot"), "library without explain")
    def test_explain(self):
        self.assertEqual(self.detail(self.net.explain, X, [0.0], 0.5),
                         "expected rows of 2 inputs and as many rows of 2 targets, "
                         "got 2 inputs and 1 targets")
        self.assertEqual(self.detail(self.net.export_dot, [0.0] * 3),
                         "expected 2 inputs and 0 or 2 targets, got 3 inputs and 0 targets")


if __name__ == "__main__":
    unittest.main()
