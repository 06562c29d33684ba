"""Tests of the checkpoint calls of the Python binding: save_checkpoint,
checkpoint_to_bytes, load_checkpoint, checkpoint_from_bytes and the
Optimizer methods. Run from bindings/python with BACKPROP_LIBRARY pointing at
libbackprop.so:
    python3 -m unittest discover -s tests
"""

import math
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Network, Optimizer, Status  # noqa: E402

SAMPLES = [([0.5, -1.0], [0.25, -0.5]), ([-0.3, 0.8], [0.75, 0.1]),
           ([1.2, 0.4], [-0.2, 0.6])]


def floats(values):
    """Plain floats, whether the binding returned a list or a numpy array."""
    return [float(v) for v in values]


def make_pair(kind, **hyperparameters):
    net = Network([2, 3, 2], ["tanh", "linear"])
    net.init_random(seed=7, scheme="xavier")
    return net, Optimizer(net, kind, **hyperparameters)


def train(net, opt, steps, first=0):
    """Steps first .. first+steps-1 with a mini-batch of two samples each."""
    for step in range(first, first + steps):
        for i in (step % 3, (step + 1) % 3):
            x, t = SAMPLES[i]
            net.forward(x)
            net.backward(t)
        opt.step(0.05)


def bits(net, opt):
    """Parameters and state compared exactly (float.hex keeps every bit)."""
    return ([v.hex() for v in floats(net.params())], [v.hex() for v in floats(opt.state())])


def softsign(z):
    return [v / (1.0 + abs(v)) for v in z]


def softsign_derivative(z, _a):
    return [1.0 / (1.0 + abs(v)) ** 2 for v in z]


class ResumeTest(unittest.TestCase):
    """k steps, save, load, k more steps equal 2k steps, bit for bit."""

    def resume(self, through_file, kind, **hyperparameters):
        k = 4
        net, opt = make_pair(kind, **hyperparameters)
        train(net, opt, 2 * k)
        expected = bits(net, opt)

        net, opt = make_pair(kind, **hyperparameters)
        train(net, opt, k)
        if through_file:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "run.model")
                backprop.save_checkpoint(net, opt, path)
                net2, opt2 = backprop.load_checkpoint(path)
        else:
            net2, opt2 = backprop.checkpoint_from_bytes(opt.checkpoint_to_bytes())
        self.assertIs(opt2.network, net2)
        self.assertEqual(opt2.kind, opt.kind)
        self.assertEqual(opt2.hyperparameters, opt.hyperparameters)
        self.assertEqual(bits(net2, opt2), bits(net, opt))
        train(net2, opt2, k, first=k)
        self.assertEqual(bits(net2, opt2), expected)
        # The unfinished run really was behind: the comparison can fail.
        self.assertNotEqual(bits(net, opt), expected)

    def test_adam_through_a_file(self):
        self.resume(True, "adam", weight_decay=1e-3)

    def test_adam_through_bytes(self):
        self.resume(False, "adam", beta1=0.8)

    def test_sgd_with_nesterov_momentum(self):
        self.resume(True, "sgd", momentum=0.9, nesterov=1)

    def test_rprop(self):
        self.resume(False, "rprop")


class CheckpointTest(unittest.TestCase):
    def test_forms_agree(self):
        net, opt = make_pair("rmsprop")
        train(net, opt, 2)
        data = backprop.checkpoint_to_bytes(net, opt)
        self.assertEqual(data, opt.checkpoint_to_bytes())
        self.assertTrue(data.startswith(b"backprop-model 2\n"))
        self.assertIn(b"\nsection optimizer\nkind rmsprop\n", data)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.model")
            opt.save_checkpoint(path)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), data)
        # The network alone reads a checkpoint too.
        self.assertEqual(floats(Network.from_bytes(data).params()), floats(net.params()))

    def test_a_model_file_gives_no_optimizer(self):
        net, _ = make_pair("adam")
        loaded, opt = backprop.checkpoint_from_bytes(net.to_bytes())
        self.assertIsNone(opt)
        self.assertEqual(floats(loaded.params()), floats(net.params()))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "plain.model")
            net.save(path)
            loaded, opt = backprop.load_checkpoint(path)
            self.assertIsNone(opt)
            self.assertEqual(floats(loaded.params()), floats(net.params()))

    def test_loaded_optimizer_outlives_the_original(self):
        net, opt = make_pair("adamw")
        train(net, opt, 3)
        net2, opt2 = backprop.checkpoint_from_bytes(opt.checkpoint_to_bytes())
        train(net, opt, 2, first=3)
        expected = bits(net, opt)
        opt.close()
        net.close()
        train(net2, opt2, 2, first=3)
        self.assertEqual(bits(net2, opt2), expected)
        opt2.close()
        # The loaded network is the caller's to keep using.
        self.assertEqual(len(floats(net2.forward([0.1, 0.2]))), 2)

    def test_custom_activations(self):
        net = Network([2, 3, 1], ["tanh", "linear"])
        net.set_custom_activation(1, softsign, softsign_derivative, "softsign")
        net.init_random(seed=3)
        opt = Optimizer(net, "adam")
        net.forward([0.5, -0.5])
        net.backward([0.3])
        opt.step(0.01)
        data = opt.checkpoint_to_bytes()
        with self.assertRaises(BackpropError) as caught:
            backprop.checkpoint_from_bytes(data)
        self.assertEqual(caught.exception.status, Status.ERR_UNKNOWN_NAME)
        net2, opt2 = backprop.checkpoint_from_bytes(
            data, custom={"softsign": (softsign, softsign_derivative)})
        self.assertEqual(net2.get_activation_name(1), "softsign")
        self.assertEqual(bits(net2, opt2), bits(net, opt))
        self.assertEqual(floats(net2.forward([0.2, 0.9])), floats(net.forward([0.2, 0.9])))

    def test_size_cap(self):
        net, opt = make_pair("adam")
        data = opt.checkpoint_to_bytes()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.model")
            opt.save_checkpoint(path)
            for load, source in ((backprop.load_checkpoint, path),
                                 (backprop.checkpoint_from_bytes, data)):
                with self.assertRaises(BackpropError) as caught:
                    load(source, max_bytes=len(data) - 1)
                self.assertEqual(caught.exception.status, Status.ERR_TOO_LARGE)
                self.assertEqual(caught.exception.message,
                                 backprop.strerror(Status.ERR_TOO_LARGE))
                _, opt2 = load(source, max_bytes=len(data))
                self.assertEqual(floats(opt2.state()), floats(opt.state()))
        with self.assertRaises(ValueError):
            backprop.checkpoint_from_bytes(data, max_bytes=-1)

    def test_refusals(self):
        net, opt = make_pair("adam")
        other = Network([2, 4, 2], ["tanh", "linear"])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "run.model")
            for call in (lambda: opt.checkpoint_to_bytes(other),
                         lambda: backprop.save_checkpoint(other, opt, path)):
                with self.assertRaises(BackpropError) as caught:
                    call()
                self.assertEqual(caught.exception.status, Status.ERR_COUNT)
                self.assertEqual(caught.exception.message, backprop.strerror(Status.ERR_COUNT))
            self.assertEqual(os.listdir(tmp), [])
        with self.assertRaises(TypeError):
            backprop.save_checkpoint(net, None, "unused.model")
        with self.assertRaises(TypeError):
            backprop.checkpoint_to_bytes(None, opt)
        with self.assertRaises(ValueError):
            opt.save_checkpoint("bad\0name")

        data = opt.checkpoint_to_bytes().decode()
        for broken in (data.replace("kind adam", "kind adamax"),
                       data.replace("beta1 ", "beta1 -")):
            with self.assertRaises(BackpropError) as caught:
                backprop.checkpoint_from_bytes(broken)
            error = caught.exception
            self.assertEqual(error.status, Status.ERR_FORMAT)
            self.assertEqual(error.message, backprop.strerror(Status.ERR_FORMAT))
            self.assertEqual(error.function, "nn_load_checkpoint_buffer_with")
            self.assertRegex(error.detail, r"^line \d+: ")
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(BackpropError) as caught:
                backprop.load_checkpoint(os.path.join(tmp, "missing.model"))
            self.assertEqual(caught.exception.status, Status.ERR_IO)

    def test_closed_objects(self):
        net, opt = make_pair("sgd")
        net.close()
        with self.assertRaises(ValueError):
            opt.checkpoint_to_bytes()
        net, opt = make_pair("sgd")
        opt.close()
        with self.assertRaises(ValueError):
            backprop.checkpoint_to_bytes(net, opt)

    def test_state_values_are_exact(self):
        # A state value with every mantissa bit set survives the text.
        net, opt = make_pair("adam")
        train(net, opt, 1)
        state = floats(opt.state())
        state[-1] = math.nextafter(1.0, 0.0) if hasattr(math, "nextafter") else 0.1
        opt.set_state(state)
        _, opt2 = backprop.checkpoint_from_bytes(opt.checkpoint_to_bytes())
        self.assertEqual(floats(opt2.state()), state)


if __name__ == "__main__":
    unittest.main()
