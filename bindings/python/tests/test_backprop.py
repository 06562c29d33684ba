"""Tests of the ctypes binding against the classic 2-2-2 worked example.

The reference values below are the exact double-precision figures of the
2-2-2 sigmoid network of Matt Mazur's "A Step by Step Backpropagation
Example" (inputs 0.05, 0.10; targets 0.01, 0.99; one shared, frozen bias per
layer; learning rate 0.5), computed independently of this library.

Run from bindings/python with BACKPROP_LIBRARY pointing at libbackprop.so:
    python3 -m unittest discover -s tests
"""

import array
import copy
import ctypes
import gc
import json
import math
import os
import pickle
import re
import tempfile
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Network, Status  # noqa: E402

try:
    import numpy
except ImportError:
    numpy = None

HAVE_NUMPY = backprop.numpy_available()

X = [0.05, 0.10]
T = [0.01, 0.99]
RATE = 0.5
W1 = [0.15, 0.20, 0.25, 0.30]  # hidden layer, row-major [unit][input]
W2 = [0.40, 0.45, 0.50, 0.55]  # output layer
B1, B2 = 0.35, 0.60

NET_H = [0.3775, 0.3925]
OUT_H = [0.593269992107, 0.59688437826]
NET_O = [1.10590596706, 1.2249214041]
OUT_O = [0.751365069552, 0.772928465321]
E0 = 0.29837110876
DELTA_O = [0.138498561629, -0.0380982365166]
DELTA_H = [0.00877135468949, 0.00995425470522]
GRAD_W1 = [0.000438567734474, 0.000877135468949, 0.000497712735261, 0.000995425470522]
GRAD_W2 = [0.0821670405642, 0.0826676278475, -0.0226025404775, -0.022740242216]
GRAD_B1, GRAD_B2 = 0.0187256093947, 0.100400325112
NEW_W1 = [0.149780716133, 0.199561432266, 0.249751143632, 0.299502287265]
NEW_W2 = [0.358916479718, 0.408666186076, 0.511301270239, 0.561370121108]
E1_STANDARD = 0.291027773694
OUT1_STANDARD = [0.742088111191, 0.775284968294]
NEW_W1_SEQUENTIAL = [0.149817638561, 0.199635277122, 0.249788185198, 0.299576370396]
E1_SEQUENTIAL = 0.291027923905
OUT1_SEQUENTIAL = [0.742088438479, 0.775285384624]

# numpy.random.seed(0) followed by numpy.random.rand(9).
SEED0_DRAWS = [0.54881350392732475, 0.71518936637241948, 0.60276337607164387,
               0.54488318299689686, 0.42365479933890471, 0.64589411306665612,
               0.43758721126269251, 0.89177300078207977, 0.96366276050102928]

REL = 1e-10


def setUpModule():
    # One clear error instead of one per test when the library cannot be found.
    backprop.load_library()


def example_c(use_numpy):
    """The 2-2-2 network of the worked example, before any step."""
    net = Network([2, 2, 2], ["sigmoid", "sigmoid"], use_numpy=use_numpy)
    for layer, w, b in ((1, W1, B1), (2, W2, B2)):
        net.set_bias_mode(layer, "shared")
        net.set_weights(layer, w)
        net.set_biases(layer, [b])
        net.set_frozen(layer, weights=False, biases=True)
    return net


class Checks:
    """Assertions shared by the test cases."""

    def assertCloseList(self, actual, expected, rel=REL):
        actual = [float(v) for v in actual]
        self.assertEqual(len(actual), len(expected), "length of %r" % (actual,))
        for i, (a, e) in enumerate(zip(actual, expected)):
            if not math.isclose(a, e, rel_tol=rel, abs_tol=0.0):
                self.fail("element %d: %.17g differs from %.17g (relative %.3g)"
                          % (i, a, e, abs(a - e) / abs(e)))

    def assertClose(self, actual, expected, rel=REL):
        self.assertCloseList([actual], [expected], rel)

    def assertRaisesStatus(self, status, func, *args, **kwargs):
        with self.assertRaises(BackpropError) as ctx:
            func(*args, **kwargs)
        err = ctx.exception
        self.assertEqual(err.status, status)
        self.assertIsInstance(err.status, Status)
        self.assertEqual(err.message, backprop.strerror(status))
        if err.detail is None:
            self.assertEqual(str(err), err.message)
        else:
            self.assertTrue(str(err).startswith(err.message))
        return err


class ExampleCMixin(Checks):
    use_numpy = False

    def setUp(self):
        self.net = example_c(self.use_numpy)

    def tearDown(self):
        self.net.close()

    def test_flat_layout(self):
        net = self.net
        # Layer by layer: weights row-major, then the single shared bias.
        self.assertEqual([float(v) for v in net.params()], W1 + [B1] + W2 + [B2])
        self.assertEqual(net.param_count, 10)
        self.assertEqual(net.sizes, [2, 2, 2])
        self.assertEqual((net.layer_count, net.input_count, net.output_count), (3, 2, 2))
        self.assertEqual([net.weight_count(1), net.bias_count(1), net.bias_count(2)], [4, 1, 1])
        self.assertEqual(net.get_bias_mode(1), backprop.BIAS_SHARED)
        self.assertEqual(net.get_frozen(2), (False, True))
        self.assertEqual(net.get_activation(1), backprop.ACT_SIGMOID)
        self.assertEqual(net.get_activation_name(2), "sigmoid")
        self.assertEqual(net.get_loss(), backprop.LOSS_HALF_SSE)
        rows = net.get_weights(1, matrix=True)
        self.assertEqual([[float(v) for v in row] for row in rows], [[0.15, 0.20], [0.25, 0.30]])

    def test_forward_and_loss(self):
        net = self.net
        self.assertCloseList(net.forward(X), OUT_O)
        self.assertCloseList(net.outputs(0), X)
        self.assertCloseList(net.net_inputs(1), NET_H)
        self.assertCloseList(net.outputs(1), OUT_H)
        self.assertCloseList(net.net_inputs(2), NET_O)
        self.assertCloseList(net.outputs(2), OUT_O)
        self.assertClose(net.loss(T), E0)

    def test_gradients(self):
        net = self.net
        net.forward(X)
        net.backward(T)
        self.assertCloseList(net.deltas(2), DELTA_O)
        self.assertCloseList(net.deltas(1), DELTA_H)
        self.assertCloseList(net.weight_grads(1), GRAD_W1)
        self.assertCloseList(net.weight_grads(2), GRAD_W2)
        self.assertCloseList(net.bias_grads(1), [GRAD_B1])
        self.assertCloseList(net.bias_grads(2), [GRAD_B2])
        self.assertCloseList(net.grads(), GRAD_W1 + [GRAD_B1] + GRAD_W2 + [GRAD_B2])
        # A second backward pass adds the same sample again.
        net.backward(T)
        self.assertCloseList(net.weight_grads(2), [2 * g for g in GRAD_W2])
        net.zero_grads()
        self.assertEqual([float(v) for v in net.grads()], [0.0] * 10)

    def check_after_standard_step(self, net):
        self.assertCloseList(net.get_weights(1), NEW_W1)
        self.assertCloseList(net.get_weights(2), NEW_W2)
        self.assertEqual([float(v) for v in net.get_biases(1)], [B1])
        self.assertEqual([float(v) for v in net.get_biases(2)], [B2])
        self.assertCloseList(net.forward(X), OUT1_STANDARD)
        self.assertClose(net.loss(T), E1_STANDARD)

    def test_standard_step(self):
        net = self.net
        net.forward(X)
        net.backward(T)
        net.step(RATE)
        self.assertEqual([float(v) for v in net.grads()], [0.0] * 10)
        self.check_after_standard_step(net)

    def test_train_sample(self):
        self.net.train_sample(X, T, RATE)
        self.check_after_standard_step(self.net)

    def test_train_sequential(self):
        net = self.net
        net.train_sequential(X, T, RATE)
        self.assertCloseList(net.get_weights(1), NEW_W1_SEQUENTIAL)
        self.assertCloseList(net.get_weights(2), NEW_W2)
        self.assertCloseList(net.forward(X), OUT1_SEQUENTIAL)
        self.assertClose(net.loss(T), E1_SEQUENTIAL)

    def test_set_params_and_grads(self):
        net = self.net
        net.set_params(NEW_W1 + [B1] + NEW_W2 + [B2])
        net.forward(X)
        self.assertClose(net.loss(T), E1_STANDARD)
        # Gradients set by hand are what step() applies: p -= rate * g.
        net.set_params(W1 + [B1] + W2 + [B2])
        net.set_frozen(1, False, False)
        net.set_grads([1.0] * 10)
        net.step(0.25)
        expected = [p - 0.25 for p in W1 + [B1] + W2] + [B2]  # only b2 is still frozen
        self.assertCloseList(net.params(), expected, 1e-15)

    def test_clone_is_independent(self):
        net = self.net
        with net.clone() as twin:
            self.assertFalse(twin.closed)
            twin.train_sample(X, T, RATE)
            self.assertCloseList(twin.get_weights(1), NEW_W1)
            self.assertEqual([float(v) for v in net.get_weights(1)], W1)
            self.assertEqual(twin.get_frozen(1), (False, True))
        self.assertTrue(twin.closed)
        net.train_sample(X, T, RATE)
        with copy.deepcopy(net) as twin:
            self.check_after_standard_step(twin)

    def test_mse_loss(self):
        self.net.set_loss("mse")
        self.assertEqual(self.net.get_loss(), backprop.LOSS_MSE)
        self.net.forward(X)
        expected = ((OUT_O[0] - T[0]) ** 2 + (OUT_O[1] - T[1]) ** 2) / 2
        self.assertClose(self.net.loss(T), expected)

    def test_init_random_matches_numpy_stream(self):
        with Network([2, 2, 1], "sigmoid", use_numpy=self.use_numpy) as net:
            net.init_random(0, "uniform", 0.0, 1.0)
            self.assertEqual([float(v) for v in net.params()], SEED0_DRAWS)
            net.init_random(0, backprop.INIT_UNIFORM, -1.0, 1.0)
            self.assertCloseList(net.params(), [2 * u - 1 for u in SEED0_DRAWS], 1e-15)
            net.init_random(7, "xavier")
            self.assertEqual([float(v) for v in net.get_biases(1)], [0.0, 0.0])
            bound = math.sqrt(6.0 / (2 + 2))
            self.assertTrue(all(abs(w) <= bound for w in net.get_weights(1)))


class ExampleCListTest(ExampleCMixin, unittest.TestCase):
    use_numpy = False

    def test_results_are_lists(self):
        net = self.net
        for value in (net.forward(X), net.params(), net.get_weights(1), net.outputs(1)):
            self.assertIs(type(value), list)
            self.assertTrue(all(type(v) is float for v in value))
        rows = net.get_weights(2, matrix=True)
        self.assertEqual(rows, [W2[:2], W2[2:]])

    def test_any_sequence_is_accepted(self):
        net = self.net
        net.set_weights(1, array.array("d", W1))
        net.set_weights(2, [tuple(W2[:2]), W2[2:]])  # rows may be nested
        self.assertEqual(net.params(), W1 + [B1] + W2 + [B2])
        self.assertCloseList(net.forward(tuple(X)), OUT_O)
        net.set_weights(1, range(4))
        self.assertEqual(net.get_weights(1), [0.0, 1.0, 2.0, 3.0])
        with self.assertRaises(TypeError):
            net.set_weights(1, ["0.1", 0.2, 0.3, 0.4])
        with self.assertRaises(TypeError):
            net.set_weights(1, 0.5)


@unittest.skipUnless(HAVE_NUMPY, "numpy is not installed")
class ExampleCNumpyTest(ExampleCMixin, unittest.TestCase):
    use_numpy = True

    def test_results_are_float64_arrays(self):
        net = self.net
        for value in (net.forward(X), net.params(), net.get_biases(1), net.net_inputs(2)):
            self.assertIsInstance(value, numpy.ndarray)
            self.assertEqual(value.dtype, numpy.float64)
            self.assertEqual(value.ndim, 1)
        self.assertEqual(net.get_weights(1, matrix=True).shape, (2, 2))
        net.forward(X)
        net.backward(T)
        self.assertCloseList(net.weight_grads(2, matrix=True)[1], GRAD_W2[2:])

    def test_array_inputs(self):
        net = self.net
        # A transposed (non-contiguous) view is read in its logical C order.
        net.set_weights(1, numpy.array([[0.15, 0.25], [0.20, 0.30]]).T)
        net.set_weights(2, numpy.array(W2).reshape(2, 2))
        self.assertEqual(list(net.params()), W1 + [B1] + W2 + [B2])
        self.assertCloseList(net.forward(numpy.array(X)), OUT_O)
        net.set_params(numpy.arange(10))
        self.assertEqual(list(net.params()), [float(i) for i in range(10)])
        self.assertRaisesStatus(Status.ERR_COUNT, net.set_params, numpy.zeros((3, 3)))
        self.assertRaisesStatus(Status.ERR_COUNT, net.forward, numpy.zeros(0))

    def test_lists_still_accepted(self):
        self.assertCloseList(self.net.forward(list(X)), OUT_O)


class ErrorTest(Checks, unittest.TestCase):
    def setUp(self):
        self.net = example_c(use_numpy=False)

    def tearDown(self):
        self.net.close()

    def test_wrong_count(self):
        err = self.assertRaisesStatus(Status.ERR_COUNT, self.net.set_weights, 1, [0.1, 0.2, 0.3])
        self.assertEqual(err.function, "nn_set_weights")
        self.assertIn("count", err.message)
        self.assertEqual(self.net.get_weights(1), W1)  # unchanged
        self.assertRaisesStatus(Status.ERR_COUNT, self.net.set_biases, 1, [0.1, 0.2])
        self.assertRaisesStatus(Status.ERR_COUNT, self.net.set_params, [0.0] * 11)
        # Calls whose C form takes no count are checked by the binding.
        self.assertRaisesStatus(Status.ERR_COUNT, self.net.forward, [0.05])
        self.assertRaisesStatus(Status.ERR_COUNT, self.net.train_sample, X, [0.5, 0.5, 0.5], 0.1)
        self.assertEqual(self.net.params(), W1 + [B1] + W2 + [B2])

    def test_order_of_passes(self):
        err = self.assertRaisesStatus(Status.ERR_NO_FORWARD, self.net.backward, T)
        self.assertEqual(err.function, "nn_backward")
        self.assertRaisesStatus(Status.ERR_NO_FORWARD, self.net.loss, T)
        self.net.forward(X)
        self.assertRaisesStatus(Status.ERR_NO_BACKWARD, self.net.deltas, 1)
        self.net.set_weights(1, W1)
        self.assertRaisesStatus(Status.ERR_STALE_FORWARD, self.net.backward, T)
        self.assertEqual(self.net.grads(), [0.0] * 10)

    def test_not_finite(self):
        nan, inf = float("nan"), float("inf")
        self.net.forward(X)
        self.net.backward(T)
        grads = self.net.grads()
        err = self.assertRaisesStatus(Status.ERR_NOT_FINITE, self.net.step, nan)
        self.assertEqual(err.function, "nn_step")
        self.assertEqual(self.net.grads(), grads)
        self.assertEqual(self.net.params(), W1 + [B1] + W2 + [B2])
        self.assertRaisesStatus(Status.ERR_NOT_FINITE, self.net.train_sequential, X, T, inf)
        self.assertRaisesStatus(Status.ERR_NOT_FINITE, self.net.set_weights, 2,
                                [0.1, nan, 0.3, 0.4])
        self.assertRaisesStatus(Status.ERR_NOT_FINITE, self.net.forward, [inf, 0.0])
        self.assertEqual(self.net.params(), W1 + [B1] + W2 + [B2])

    def test_bad_layers_and_codes(self):
        net = self.net
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.set_weights, 3, W1)
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.get_weights, 0)
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.get_biases, -1)
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.layer_size, 3)
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.weight_count, 0)
        self.assertRaisesStatus(Status.ERR_LAYER_RANGE, net.get_activation_name, 3)
        self.assertRaisesStatus(Status.ERR_ACTIVATION, net.set_activation, 1, 99)
        self.assertRaisesStatus(Status.ERR_ACTIVATION, net.set_activation, 1, backprop.ACT_CUSTOM)
        self.assertRaisesStatus(Status.ERR_LOSS, net.set_loss, 5)
        self.assertRaisesStatus(Status.ERR_BIAS_MODE, net.set_bias_mode, 1, 9)
        self.assertRaisesStatus(Status.ERR_ARGUMENT, net.init_random, 1, "uniform", 1.0, 0.0)
        with self.assertRaises(ValueError):
            net.set_activation(1, "no_such_activation")
        with self.assertRaises(ValueError):
            net.set_loss("no_such_loss")
        self.assertEqual(net.get_activation_name(1), "sigmoid")
        self.assertEqual(net.get_loss(), backprop.LOSS_HALF_SSE)

    def test_create_errors(self):
        self.assertRaisesStatus(Status.ERR_ZERO_SIZE, Network, [2, 0, 1], "sigmoid")
        self.assertRaisesStatus(Status.ERR_LAYER_COUNT, Network, [2], [])
        self.assertRaisesStatus(Status.ERR_COUNT, Network, [2, 2, 1], ["sigmoid"])
        self.assertRaisesStatus(Status.ERR_ACTIVATION, Network, [2, 1], [42])
        self.assertRaisesStatus(Status.ERR_TOO_LARGE, Network, [2, backprop.MAX_LAYER_SIZE + 1],
                                "linear")
        with self.assertRaises(ValueError):
            Network([2, -1], "linear")

    def test_every_status_has_its_own_text(self):
        texts = [backprop.strerror(s) for s in Status]
        self.assertEqual(len(set(texts)), len(texts))
        unknown = backprop.strerror(9999)
        self.assertTrue(unknown)
        self.assertNotIn(unknown, texts)
        err = BackpropError(9999, unknown)
        self.assertEqual(err.status, 9999)
        self.assertEqual(pickle.loads(pickle.dumps(err)).status, err.status)


# Example D: 2-2-1 sigmoid network, per-neuron trained biases, numpy seed 0
# drawn in the tutorial's own order, four samples with summed gradients.
D_X = [[0, 0], [0, 1], [1, 0], [-1, 1]]
D_T = [[0], [1], [1], [0]]
D = SEED0_DRAWS
D_PARAMS = [D[0], D[2], D[1], D[3], D[4], D[5], D[6], D[7], D[8]]
D_E0 = 0.7507939272
D_E1 = 0.744628057394
D_GRADS = [-0.0120078754906, 0.00978355588497, -0.0240662492771, 0.0201296141259,
           0.0195239595363, 0.0391498868204, 0.108829232581, 0.112844991997, 0.183254922907]


def has(fname):
    try:
        return backprop.load_library().has(fname)
    except OSError:  # reported once by setUpModule
        return False


class BatchMixin(Checks):
    use_numpy = False

    def setUp(self):
        self.net = Network([2, 2, 1], "sigmoid", use_numpy=self.use_numpy)
        self.net.set_params(D_PARAMS)

    def tearDown(self):
        self.net.close()

    def test_summed_batch_step(self):
        net = self.net
        outputs = net.forward_batch(D_X)
        self.assertEqual(len(outputs), 4)
        self.assertEqual(len(outputs[0]), 1)
        self.assertClose(net.loss_batch(D_T), D_E0)
        net.backward_batch(D_T)
        self.assertCloseList(net.grads(), D_GRADS)
        # Batches leave the single-sample pass alone: none has run.
        self.assertRaisesStatus(Status.ERR_NO_FORWARD, net.deltas, 1)
        net.step(0.1)
        net.forward_batch([v for row in D_X for v in row])  # a flat sequence works too
        self.assertClose(net.loss_batch([0, 1, 1, 0]), D_E1)
        self.assertGreaterEqual(net.batch_capacity, 4)

    def test_mean_batch_step(self):
        net = self.net
        self.assertIs(net.get_reduction(), backprop.Reduction.SUM)
        net.forward_batch(D_X)
        net.backward_batch(D_T)
        summed = list(net.grads())
        net.zero_grads()
        net.set_reduction("mean")
        self.assertIs(net.get_reduction(), backprop.Reduction.MEAN)
        net.forward_batch(D_X)
        net.backward_batch(D_T)
        # four rows: the mean is the sum divided by 4, bit for bit
        self.assertEqual(list(net.grads()), [g / 4 for g in summed])
        self.assertCloseList(net.grads(), [g / 4 for g in D_GRADS])
        twin = net.clone()
        self.assertIs(twin.get_reduction(), backprop.Reduction.MEAN)
        twin.close()
        self.assertRaisesStatus(Status.ERR_ARGUMENT, net.set_reduction, 2)
        self.assertIs(net.get_reduction(), backprop.Reduction.MEAN)
        self.assertRaises(ValueError, net.set_reduction, "average")
        net.set_reduction(backprop.REDUCTION_SUM)
        self.assertIs(net.get_reduction(), backprop.Reduction.SUM)

    def test_reduction_saved(self):
        net = self.net
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.txt")
            net.save(path)
            with open(path) as f:
                self.assertEqual(f.readline(), "backprop-model 1\n")
            net.set_reduction("mean")
            net.save(path)
            with open(path) as f:
                text = f.read()
            self.assertTrue(text.startswith("backprop-model 2\n"))
            self.assertTrue(text.endswith("end\n\nsection training\nreduction mean\n"))
            back = Network.load(path, use_numpy=self.use_numpy)
            self.assertIs(back.get_reduction(), backprop.Reduction.MEAN)
            back.close()

    def test_predict_leaves_the_network_alone(self):
        net = self.net
        expected = []
        for x in D_X:
            expected.extend(net.forward(x))
        net.backward([0.5])
        grads = list(net.grads())
        deltas = list(net.deltas(1))
        rows = net.predict(D_X)
        self.assertCloseList([row[0] for row in rows], [float(v) for v in expected], 1e-14)
        self.assertEqual(list(net.grads()), grads)
        self.assertEqual(list(net.deltas(1)), deltas)
        net.backward([0.5])  # the last single-sample forward pass is still current
        self.assertCloseList(net.grads(), [2 * g for g in grads], 1e-15)

    def test_batch_errors(self):
        net = self.net
        self.assertRaisesStatus(Status.ERR_NO_BATCH, net.backward_batch, D_T)
        self.assertRaisesStatus(Status.ERR_COUNT, net.forward_batch, [0.0, 1.0, 2.0])
        self.assertRaisesStatus(Status.ERR_BATCH_SIZE, net.forward_batch, [])
        net.forward_batch(D_X)
        self.assertRaisesStatus(Status.ERR_BATCH_SIZE, net.loss_batch, D_T[:3])
        net.step(0.1)
        self.assertRaisesStatus(Status.ERR_STALE_FORWARD, net.backward_batch, D_T)
        self.assertRaisesStatus(Status.ERR_ARGUMENT, setattr, net, "threads", 0)
        self.assertEqual(net.threads, 1)


@unittest.skipUnless(has("nn_forward_batch") and has("nn_predict"), "library without batches")
class BatchListTest(BatchMixin, unittest.TestCase):
    use_numpy = False


@unittest.skipUnless(HAVE_NUMPY and has("nn_forward_batch") and has("nn_predict"),
                     "numpy or batches missing")
class BatchNumpyTest(BatchMixin, unittest.TestCase):
    use_numpy = True

    def test_rows_are_2d_arrays(self):
        out = self.net.forward_batch(numpy.array(D_X))
        self.assertEqual(out.shape, (4, 1))
        self.assertEqual(self.net.predict(numpy.array(D_X, dtype=numpy.int64)).shape, (4, 1))


@unittest.skipUnless(has("nn_save_buffer") and has("nn_load_buffer_ex"), "library without io")
class ModelFileTest(Checks, unittest.TestCase):
    def test_round_trip(self):
        with example_c(use_numpy=False) as net:
            text = net.to_bytes()
            self.assertTrue(text.startswith(b"backprop-model 1\n"))
            with Network.from_bytes(text, use_numpy=False) as twin:
                self.assertEqual(twin.params(), W1 + [B1] + W2 + [B2])
                self.assertEqual(twin.get_frozen(1), (False, True))
                self.assertEqual(twin.get_bias_mode(2), backprop.BIAS_SHARED)
                twin.train_sequential(X, T, RATE)
                twin.forward(X)
                self.assertClose(twin.loss(T), E1_SEQUENTIAL)
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model.txt")
                net.save(path)
                with Network.load(path) as loaded:
                    self.assertEqual(loaded.to_bytes(), text)
                err = self.assertRaisesStatus(Status.ERR_IO, Network.load,
                                              os.path.join(tmp, "missing.txt"))
                self.assertEqual(err.function, "nn_load_ex")

    def test_malformed(self):
        with self.assertRaises(BackpropError) as ctx:
            Network.from_bytes("backprop-model 1\nlayers two\n")
        err = ctx.exception
        self.assertEqual(err.status, Status.ERR_FORMAT)
        self.assertEqual(err.message, backprop.strerror(Status.ERR_FORMAT))
        self.assertRegex(err.detail, r"^line \d+: ")
        self.assertIn(err.detail, str(err))

    def test_divergence_is_refused(self):
        with Network([1, 1], "linear") as net:
            net.set_params([1e308, 0.0])
            net.set_grads([-1e308, 0.0])
            # 1e308 + 1e308 would overflow to infinity: refused, nothing changed
            self.assertRaisesStatus(Status.ERR_DIVERGED, net.step, 1.0)
            with self.assertRaises(backprop.DivergedError) as ctx:
                net.step(1.0)
            self.assertIsInstance(ctx.exception, BackpropError)
            self.assertIn("learning rate", str(ctx.exception))
            self.assertEqual(type(pickle.loads(pickle.dumps(ctx.exception))),
                             backprop.DivergedError)
            self.assertEqual(list(net.params()), [1e308, 0.0])
            self.assertEqual(list(net.grads()), [-1e308, 0.0])
            net.to_bytes()  # still savable
            # a real divergence: the rate makes the weight explode
            net.set_params([1.0, 0.0])
            net.zero_grads()
            with self.assertRaises(backprop.DivergedError):
                for _ in range(1000):
                    net.train_sample([10.0], [1.0], 10.0)
            self.assertTrue(all(math.isfinite(v) for v in net.params()))


@unittest.skipUnless(has("nn_explain") and has("nn_export_dot"), "library without explain")
class ExplainTest(Checks, unittest.TestCase):
    def test_json_numbers(self):
        with example_c(use_numpy=False) as net:
            doc = json.loads(net.explain(X, T, RATE, format="json"))
            params = doc["params"]
            self.assertEqual(len(params), 10)
            self.assertCloseList([p["gradient"] for p in params],
                                 GRAD_W1 + [GRAD_B1] + GRAD_W2 + [GRAD_B2])
            weights = [p for p in params if p["kind"] == "weight"]
            self.assertCloseList([p["new_value"] for p in weights], NEW_W1 + NEW_W2)
            self.assertEqual(net.params(), W1 + [B1] + W2 + [B2])  # not applied

    def test_text_names_and_apply(self):
        with example_c(use_numpy=False) as net:
            text = net.explain(X, T, RATE, rule="sequential", apply=True, digits=9,
                               unit_names={(0, 0): "i1", (2, 1): "o_two"},
                               param_names={0: "w1"})
            for piece in ("i1", "o_two", "w1", "0.593269992", "0.298371109", "0.291027924"):
                self.assertIn(piece, text)
            self.assertCloseList(net.get_weights(1), NEW_W1_SEQUENTIAL)
            self.assertRaisesStatus(Status.ERR_NAME, net.explain, X, T, RATE,
                                    param_names={0: "bad name"})
            self.assertRaisesStatus(Status.ERR_ARGUMENT, net.explain, X * 2, T * 2, RATE,
                                    rule="sequential")
            self.assertCloseList(net.get_weights(1), NEW_W1_SEQUENTIAL)

    def test_dot(self):
        with example_c(use_numpy=False) as net:
            dot = net.export_dot()
            self.assertTrue(dot.startswith("digraph"))
            self.assertTrue(dot.rstrip().endswith("}"))
            with_pass = net.export_dot(X, T, digits=9)
            self.assertIn("0.593269992", with_pass)
            self.assertIn("0.298371109", with_pass)
            self.assertRaisesStatus(Status.ERR_ARGUMENT, net.export_dot, None, T)


def py_sigmoid(z):
    return [1.0 / (1.0 + math.exp(-v)) for v in z]


def py_sigmoid_deriv(z, a):
    return [v * (1.0 - v) for v in a]


class CustomActivationTest(Checks, unittest.TestCase):
    def custom_example_c(self, use_numpy=False):
        net = example_c(use_numpy)
        net.set_custom_activation(2, py_sigmoid, py_sigmoid_deriv, "py_sigmoid")
        return net

    def test_python_sigmoid_reproduces_example(self):
        with self.custom_example_c() as net:
            self.assertEqual(net.get_activation(2), backprop.ACT_CUSTOM)
            self.assertEqual(net.get_activation_name(2), "py_sigmoid")
            self.assertCloseList(net.forward(X), OUT_O)
            net.backward(T)
            self.assertCloseList(net.weight_grads(1), GRAD_W1)
            net.train_sequential(X, T, RATE)
            self.assertCloseList(net.get_weights(1), NEW_W1_SEQUENTIAL)

    @unittest.skipUnless(HAVE_NUMPY, "numpy is not installed")
    def test_numpy_callbacks(self):
        with example_c(True) as net:
            net.set_custom_activation(1, lambda z: 1 / (1 + numpy.exp(-z)),
                                      lambda z, a: a * (1 - a), "np_sigmoid")
            self.assertCloseList(net.forward(X), OUT_O)

    def test_callbacks_outlive_the_original(self):
        with self.custom_example_c() as net:
            twin = net.clone()
        gc.collect()
        self.assertCloseList(twin.forward(X), OUT_O)
        twin.close()

    def test_exceptions_propagate(self):
        with example_c(False) as net:
            net.set_custom_activation(1, lambda z: 1 / 0, py_sigmoid_deriv, "broken")
            with self.assertRaises(ZeroDivisionError):
                net.forward(X)
            # The failed pass is undone: there is still no forward pass.
            self.assertRaisesStatus(Status.ERR_NO_FORWARD, net.outputs, 1)
            self.assertEqual(net.params(), W1 + [B1] + W2 + [B2])
            net.set_custom_activation(1, lambda z: [0.5], py_sigmoid_deriv, "short")
            with self.assertRaises(ValueError):
                net.forward(X)
            net.set_activation(1, "sigmoid")
            self.assertCloseList(net.forward(X), OUT_O)
            self.assertRaisesStatus(Status.ERR_NAME, net.set_custom_activation, 1,
                                    py_sigmoid, py_sigmoid_deriv, "")
            self.assertEqual(net.get_activation_name(1), "sigmoid")

    def test_no_reentry_from_callbacks(self):
        with example_c(False) as net:
            def reenter(z):
                net.params()
                return py_sigmoid(z)
            net.set_custom_activation(1, reenter, py_sigmoid_deriv, "reenter")
            with self.assertRaises(RuntimeError):
                net.forward(X)

    @unittest.skipUnless(has("nn_save_buffer") and has("nn_load_buffer_ex"), "library without io")
    def test_load_with_custom(self):
        with self.custom_example_c() as net:
            text = net.to_bytes()
        self.assertIn(b"custom py_sigmoid", text)
        err = self.assertRaisesStatus(Status.ERR_UNKNOWN_NAME, Network.from_bytes, text)
        self.assertIn("py_sigmoid", err.detail)
        with Network.from_bytes(text, use_numpy=False,
                                custom={"py_sigmoid": (py_sigmoid, py_sigmoid_deriv)}) as net:
            self.assertCloseList(net.forward(X), OUT_O)


class CountingFree:
    """Wraps a network's release function and counts the calls."""

    def __init__(self, obj):
        self.calls = 0
        self.real = obj._free
        obj._free = self

    def __call__(self, handle):
        self.calls += 1
        self.real(handle)


class LifecycleTest(Checks, unittest.TestCase):
    def test_context_manager_frees_once(self):
        with Network([2, 3, 1], "tanh") as net:
            counter = CountingFree(net)
            net.forward([0.1, 0.2])
            self.assertFalse(net.closed)
        self.assertEqual(counter.calls, 1)
        self.assertTrue(net.closed)
        net.close()
        self.assertEqual(counter.calls, 1)
        with self.assertRaises(ValueError):
            net.forward([0.1, 0.2])
        with self.assertRaises(ValueError):
            with net:
                pass
        self.assertIn("closed", repr(net))

    def test_context_manager_frees_on_exception(self):
        with self.assertRaises(BackpropError):
            with Network([1, 1], "linear") as net:
                counter = CountingFree(net)
                net.backward([1.0])
        self.assertEqual(counter.calls, 1)
        self.assertTrue(net.closed)

    def test_explicit_close_then_gc(self):
        net = Network([1, 1], "linear")
        counter = CountingFree(net)
        net.close()
        del net
        gc.collect()
        self.assertEqual(counter.calls, 1)

    def test_garbage_collection_frees(self):
        net = Network([3, 2], "relu")
        counter = CountingFree(net)
        twin = net.clone()
        twin_counter = CountingFree(twin)
        del net
        gc.collect()
        self.assertEqual(counter.calls, 1)
        self.assertEqual(twin_counter.calls, 0)
        self.assertEqual(twin.sizes, [3, 2])
        del twin
        gc.collect()
        self.assertEqual(twin_counter.calls, 1)

    def test_many_networks(self):
        for i in range(500):
            with Network([4, 8, 2], ["tanh", "linear"]) as net:
                net.init_random(i, "he")
                net.train_sample([0.1, 0.2, 0.3, 0.4], [1.0, -1.0], 0.01)

    def test_not_picklable_but_copyable(self):
        with Network([1, 1], "linear") as net:
            net.set_weights(1, [2.0])
            with self.assertRaises(TypeError):
                pickle.dumps(net)
            twin = copy.copy(net)
            twin.set_weights(1, [3.0])
            self.assertEqual(float(net.get_weights(1)[0]), 2.0)
            self.assertEqual(float(twin.get_weights(1)[0]), 3.0)
            twin.close()

    def test_failed_constructor_is_safe(self):
        with self.assertRaises(BackpropError):
            Network([0, 1], "linear")
        gc.collect()

    def test_rng(self):
        with backprop.Rng(0) as rng:
            draws = [rng.uniform() for _ in range(len(SEED0_DRAWS))]
        self.assertEqual(draws, SEED0_DRAWS)
        self.assertTrue(rng.closed)
        with backprop.Rng(5489) as rng:
            # The first output of MT19937 with its reference default seed.
            self.assertEqual(rng.next_u32(), 3499211612)

    def test_threads_on_distinct_networks(self):
        def train(net, out, index):
            for _ in range(200):
                net.train_sample(X, T, RATE)
            out[index] = net.params()

        with example_c(use_numpy=False) as reference:
            for _ in range(200):
                reference.train_sample(X, T, RATE)
            expected = reference.params()
        nets = [example_c(use_numpy=False) for _ in range(4)]
        results = [None] * len(nets)
        threads = [threading.Thread(target=train, args=(n, results, i)) for i, n in enumerate(nets)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n in nets:
            n.close()
        self.assertEqual(results, [expected] * len(nets))


HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "..", "..", "..", "include", "backprop.h")


def header_prototypes(path):
    """{name: (return type, [parameter types])} of every BACKPROP_API function."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    found = {}
    pattern = r"BACKPROP_API\s+([^;(]*?)\b(nn_\w+)\s*\(([^)]*)\)\s*;"
    for ret, name, params in re.findall(pattern, text):
        types = []
        for param in params.split(","):
            param = " ".join(param.split())
            if param == "void":
                continue
            # Drop the parameter name: the last identifier not part of the type.
            types.append(re.sub(r"\s*\b\w+$", "", param) if re.search(r"[\s*]\w+$", param)
                         else param)
        found[name] = (" ".join(ret.split()), types)
    return found


class PrototypeTest(unittest.TestCase):
    """The ctypes declarations agree with the C header, type by type."""

    def ctype_of(self, c_type):
        from backprop import _native as n
        c_type = c_type.replace("const ", "").replace(" *", "*").strip()
        table = {
            "nn_t*": ctypes.c_void_p, "nn_rng_t*": ctypes.c_void_p,
            "nn_explain_options_t*": ctypes.c_void_p, "void*": ctypes.c_void_p,
            "nn_optimizer_t*": ctypes.c_void_p,
            "nn_t**": n.handle_p, "nn_rng_t**": n.handle_p, "nn_explain_options_t**": n.handle_p,
            "nn_optimizer_t**": n.handle_p, "nn_load_options_t*": ctypes.c_void_p,
            "nn_load_options_t**": n.handle_p,
            "size_t": ctypes.c_size_t, "size_t*": n.c_size_t_p,
            "int": ctypes.c_int, "int*": n.c_int_p, "nn_status": n.status_t,
            "unsigned long": ctypes.c_ulong, "double": ctypes.c_double,
            "double*": n.c_double_p, "char*": ctypes.c_char_p,
            "char**": ctypes.POINTER(ctypes.c_char_p), "void**": n.handle_p,
            "nn_activation_fn": n.ACTIVATION_FN, "nn_activation_deriv_fn": n.ACTIVATION_DERIV_FN,
            "nn_activation_fn*": ctypes.POINTER(n.ACTIVATION_FN),
            "nn_activation_deriv_fn*": ctypes.POINTER(n.ACTIVATION_DERIV_FN),
            "nn_write_fn": n.WRITE_FN,
            "nn_dataset_t*": ctypes.c_void_p, "nn_dataset_t**": n.handle_p,
            "nn_csv_options_t*": ctypes.c_void_p, "nn_csv_options_t**": n.handle_p,
            "nn_train_options_t*": ctypes.c_void_p, "nn_train_options_t**": n.handle_p,
            "nn_metrics_t*": ctypes.c_void_p, "nn_metrics_t**": n.handle_p,
            "nn_epoch_fn": n.EPOCH_FN, "char": ctypes.c_char,
        }
        return table.get(c_type.replace(" ", "") if "*" in c_type else c_type, c_type)

    @unittest.skipUnless(os.path.exists(HEADER), "the C header is not beside the binding")
    def test_declarations_match_header(self):
        from backprop import _native as n
        header = header_prototypes(HEADER)
        self.assertIn("nn_create", header)
        declared = dict(n.PROTOTYPES)
        declared.update(n.OPTIONAL_PROTOTYPES)
        for name, (restype, argtypes) in declared.items():
            with self.subTest(function=name):
                self.assertIn(name, header)
                c_ret, c_params = header[name]
                self.assertEqual(len(argtypes), len(c_params), c_params)
                for c_param, ctype in zip(c_params, argtypes):
                    expected = self.ctype_of(c_param)
                    if ctype is ctypes.POINTER(ctypes.c_char):  # output char buffers
                        self.assertEqual(c_param.replace(" ", ""), "char*")
                    else:
                        self.assertIs(ctype, expected, "%s: %s" % (name, c_param))
                if c_ret == "void":
                    self.assertIsNone(restype)
                else:
                    self.assertIs(restype, self.ctype_of(c_ret), "%s returns %s" % (name, c_ret))


class NamesTest(unittest.TestCase):
    """The binding's names of activations, losses, bias conventions,
    optimiser kinds and hyperparameters are the library's
    (nn_activation_name() and the others, listed until NULL)."""

    def test_tables_match_the_library(self):
        from backprop import constants
        lib = backprop.load_library()
        groups = ((backprop.Activation, "activation"), (backprop.Loss, "loss"),
                  (backprop.BiasMode, "bias_mode"), (backprop.OptimizerKind, "optimizer"),
                  (backprop.Hyperparameter, "hyperparameter"))
        for group, stem in groups:
            self.assertTrue(lib.has("nn_%s_name" % stem))
            name_of = getattr(lib, "nn_%s_name" % stem)
            from_name = getattr(lib, "nn_%s_from_name" % stem)
            listed = {}
            code = 0
            while name_of(code) is not None:
                name = name_of(code).decode("ascii")
                found = ctypes.c_int(-1)
                self.assertEqual(from_name(name.encode("ascii"), ctypes.byref(found)), 0)
                self.assertEqual(found.value, code)
                listed[name] = code
                code += 1
            binding = {name: int(member) for name, member in constants._NAMES[group].items()}
            self.assertEqual(binding, listed)


class LibraryTest(unittest.TestCase):
    def test_version(self):
        text = backprop.version()
        self.assertRegex(text, r"^\d+\.\d+\.\d+$")
        major, minor, patch = (int(p) for p in text.split("."))
        self.assertEqual(backprop.version_number(), major * 10000 + minor * 100 + patch)

    def test_package_version_follows_the_library(self):
        # pyproject.toml states the version of the library the binding is for.
        path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "pyproject.toml")
        with open(path, encoding="utf-8") as f:
            versions = [line.split("=", 1)[1].strip().strip('"') for line in f
                        if line.startswith("version")]
        self.assertEqual(versions, [backprop.version()])

    def test_lookup_order(self):
        self.assertEqual(backprop.Library.candidates("/x/libbackprop.so"), ["/x/libbackprop.so"])
        saved = os.environ.get(backprop.ENV_VARIABLE)
        try:
            os.environ[backprop.ENV_VARIABLE] = "/y/libbackprop.so"
            names = backprop.Library.candidates()
            self.assertEqual(names[0], "/y/libbackprop.so")
            self.assertEqual(names[-1], "libbackprop.so.0")
        finally:
            if saved is None:
                del os.environ[backprop.ENV_VARIABLE]
            else:
                os.environ[backprop.ENV_VARIABLE] = saved

    def test_bad_path(self):
        with self.assertRaises(OSError) as ctx:
            backprop.load_library("/nonexistent/libbackprop.so")
        self.assertIn(backprop.ENV_VARIABLE, str(ctx.exception))

    def test_explicit_library(self):
        lib = backprop.load_library()
        self.assertIs(backprop.load_library(lib), lib)
        with Network([1, 1], "linear", library=lib) as net:
            self.assertIs(net.library, lib)

    @unittest.skipIf(HAVE_NUMPY, "numpy is installed")
    def test_numpy_request_without_numpy(self):
        with self.assertRaises(ImportError):
            Network([1, 1], "linear", use_numpy=True)


if __name__ == "__main__":
    unittest.main()
