"""A Python activation that raises: the call re-raises that very exception and
the network is exactly as it was before the call, bit for bit (parameters,
gradients, the state of the single-sample and batch passes, the batch
capacity), so that it goes on as if the failed call had never been made.

Each case compares the network after the failed call with a clone taken just
before it, value by value as bit patterns (float.hex), and then runs the same
follow-up calls on both.
"""

import math
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Network, Status  # noqa: E402

X = [0.05, 0.10]
T = [0.01, 0.99]
BATCH_X = [[0.05, 0.10], [0.5, -0.25], [-1.0, 1.0]]
BATCH_T = [[0.01, 0.99], [0.5, 0.5], [0.9, 0.1]]
RATE = 0.5


def setUpModule():
    backprop.load_library()


def has(fname):
    try:
        return backprop.load_library().has(fname)
    except OSError:  # reported once by setUpModule
        return False


class Boom(Exception):
    """What the activations raise when told to."""


class Interrupt(BaseException):
    """Not an Exception: stands for KeyboardInterrupt and the like."""


class Switch:
    """Python sigmoid functions that raise when armed.

    *armed* names the failing function ("function" or "derivative"); with
    *after* calls it first lets that many calls through, so a pass can fail
    in a lower layer after an upper one has run.
    """

    def __init__(self):
        self.armed = None
        self.after = 0
        self.exception = Boom("raised by a Python activation")

    def _maybe_raise(self, which):
        if self.armed != which:
            return
        if self.after > 0:
            self.after -= 1
            return
        raise self.exception

    def function(self, z):
        self._maybe_raise("function")
        return [1.0 / (1.0 + math.exp(-v)) for v in z]

    def derivative(self, z, a):
        self._maybe_raise("derivative")
        return [v * (1.0 - v) for v in a]


def bits(values):
    return [float(v).hex() for v in values]


def state(net):
    """Everything a caller can read about the network, as comparable values:
    a value list, or the status an inspection call fails with."""
    def attempt(func, *args):
        try:
            result = func(*args)
        except BackpropError as err:
            return ("error", int(err.status))
        if isinstance(result, float):
            return bits([result])
        flat = []
        for item in result:
            flat.extend(item if hasattr(item, "__len__") else [item])
        return bits(flat)

    out = {
        "params": bits(net.params()),
        "grads": bits(net.grads()),
        "loss": attempt(net.loss, T),
        "threads": net.threads,
        "batch_capacity": net.batch_capacity,
        "batch_loss": attempt(net.loss_batch, BATCH_T),
        "model": net.to_bytes(),
    }
    for layer in range(net.layer_count):
        out["z%d" % layer] = attempt(net.net_inputs, layer)
        out["a%d" % layer] = attempt(net.outputs, layer)
        out["d%d" % layer] = attempt(net.deltas, layer)
    return out


def follow_up(net):
    """The same calls on the restored network and on the reference clone must
    give the same bits (the pass state that is not directly readable, such as
    which forward pass is current, shows here)."""
    results = []
    for call in (lambda: net.backward(T), lambda: net.backward_batch(BATCH_T),
                 lambda: net.step(RATE), lambda: net.forward(X),
                 lambda: net.train_sequential(X, T, RATE)):
        try:
            call()
            results.append("ok")
        except BackpropError as err:
            results.append(int(err.status))
        results.append(bits(net.params()) + bits(net.grads()))
    return results


@unittest.skipUnless(has("nn_forward_batch") and has("nn_save_buffer"),
                     "library without batches or io")
class RaisingActivationMixin:
    use_numpy = False

    def setUp(self):
        self.switch = Switch()
        net = Network([2, 3, 2], "sigmoid", use_numpy=self.use_numpy)
        net.init_random(7, "uniform", -1.0, 1.0)
        net.set_custom_activation(1, self.switch.function, self.switch.derivative, "py_hidden")
        net.set_custom_activation(2, self.switch.function, self.switch.derivative, "py_out")
        # A network in the middle of its work: both passes live, gradients
        # accumulated, and a batch buffer reserved beyond the live batch.
        net.reserve_batch(8)
        net.forward_batch(BATCH_X)
        net.backward_batch(BATCH_T)
        net.forward(X)
        net.backward(T)
        net.forward([0.3, -0.7])
        self.net = net

    def tearDown(self):
        self.net.close()

    def assertRestored(self, call, armed, after=0, exception=None):
        """Runs *call* with the activations armed; it must raise their
        exception and leave the network as the clone taken before it."""
        net = self.net
        before = net.clone()
        expected = state(net)
        if exception is not None:
            self.switch.exception = exception
        self.switch.armed, self.switch.after = armed, after
        with self.assertRaises(type(self.switch.exception)) as ctx:
            call(net)
        self.assertIs(ctx.exception, self.switch.exception)
        self.switch.armed = None
        self.assertEqual(state(net), expected)
        self.assertEqual(follow_up(net), follow_up(before))
        # (A clone's batch buffer holds only the live batch: capacities differ.)
        after, reference = state(net), state(before)
        self.assertEqual(after.pop("batch_capacity"), expected["batch_capacity"])
        reference.pop("batch_capacity")
        self.assertEqual(after, reference)
        before.close()

    def test_forward_output_layer(self):
        self.assertRestored(lambda net: net.forward(X), "function", after=1)

    def test_forward_hidden_layer(self):
        self.assertRestored(lambda net: net.forward(X), "function")

    def test_backward(self):
        # The output layer's delta is computed, the hidden one fails.
        self.assertRestored(lambda net: net.backward(T), "derivative", after=1)

    def test_backward_output_layer(self):
        self.assertRestored(lambda net: net.backward(T), "derivative")

    def test_train_sample(self):
        self.assertRestored(lambda net: net.train_sample(X, T, RATE), "derivative", after=1)

    def test_train_sample_forward(self):
        self.assertRestored(lambda net: net.train_sample(X, T, RATE), "function", after=1)

    def test_train_sequential(self):
        # The sequential rule writes the output layer before it needs the
        # hidden layer's derivative: that update must be undone too.
        self.assertRestored(lambda net: net.train_sequential(X, T, RATE), "derivative", after=1)

    def test_forward_batch(self):
        self.assertRestored(lambda net: net.forward_batch([[1.0, 2.0]] * 5), "function", after=1)

    def test_backward_batch(self):
        self.assertRestored(lambda net: net.backward_batch(BATCH_T), "derivative", after=1)

    def test_wrong_number_of_values(self):
        self.net.set_custom_activation(1, lambda z: [0.5], self.switch.derivative, "py_short")
        expected = state(self.net)
        with self.assertRaises(ValueError):
            self.net.forward(X)
        self.assertEqual(state(self.net), expected)

    def test_base_exception(self):
        self.assertRestored(lambda net: net.forward(X), "function", after=1,
                            exception=Interrupt())

    @unittest.skipUnless(has("nn_explain"), "library without explain")
    def test_explain_applied(self):
        self.assertRestored(lambda net: net.explain(X, T, RATE, apply=True), "derivative",
                            after=1)

    @unittest.skipUnless(has("nn_explain"), "library without explain")
    def test_explain_applied_sequential(self):
        self.assertRestored(lambda net: net.explain(X, T, RATE, apply=True, rule="sequential"),
                            "derivative", after=3)

    @unittest.skipUnless(has("nn_predict"), "library without predict")
    def test_predict(self):
        self.assertRestored(lambda net: net.predict(BATCH_X), "function", after=2)

    @unittest.skipUnless(has("nn_export_dot"), "library without export_dot")
    def test_export_dot(self):
        self.assertRestored(lambda net: net.export_dot(X, T), "derivative")

    def test_threads(self):
        try:
            self.net.threads = 2
        except BackpropError as err:
            self.assertEqual(err.status, Status.ERR_ARGUMENT)
            self.skipTest("library built without threads")
        rows = [[0.1 * k, -0.05 * k] for k in range(64)]
        self.net.forward_batch(rows)
        self.assertRestored(lambda net: net.forward_batch(rows), "function", after=1)
        self.assertRestored(lambda net: net.predict(rows), "function", after=1)

    def test_goes_on_after_the_failure(self):
        net = self.net
        reference = net.clone()
        self.switch.armed = "derivative"
        with self.assertRaises(Boom):
            net.train_sequential(X, T, RATE)
        self.switch.armed = None
        for _ in range(3):
            net.train_sequential(X, T, RATE)
            reference.train_sequential(X, T, RATE)
        self.assertEqual(bits(net.params()), bits(reference.params()))
        self.assertTrue(all(math.isfinite(v) for v in net.params()))
        reference.close()


class ClonesInThreadsTest(unittest.TestCase):
    """A clone calls the same Python functions: one that raises in one
    thread must not show up in a clone running in another one."""

    def test_each_call_gets_its_own_exception(self):
        def function(z):
            if any(v > 100.0 for v in z):
                raise Boom("large input")
            return [math.tanh(v) for v in z]

        net = Network([1, 3, 1], "linear", use_numpy=False)
        net.init_random(3)
        net.set_custom_activation(1, function, lambda z, a: [1.0 - v * v for v in a], "py_tanh")
        twin = net.clone()
        expected = bits(net.params())
        problems = []
        start = threading.Barrier(2)

        def failing():
            start.wait()
            for _ in range(1000):
                try:
                    net.train_sample([1000.0], [0.0], 0.1)
                    problems.append("no exception")
                except Boom:
                    pass
                if bits(net.params()) != expected:
                    problems.append("parameters changed")

        def working():
            start.wait()
            for _ in range(1000):
                try:
                    twin.forward([0.5])
                except Boom:
                    problems.append("exception of the other thread")

        threads = [threading.Thread(target=failing), threading.Thread(target=working)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(problems, [])
        net.close()
        twin.close()


class RaisingActivationListTest(RaisingActivationMixin, unittest.TestCase):
    use_numpy = False


@unittest.skipUnless(backprop.numpy_available(), "numpy is not installed")
class RaisingActivationNumpyTest(RaisingActivationMixin, unittest.TestCase):
    use_numpy = True


if __name__ == "__main__":
    unittest.main()
