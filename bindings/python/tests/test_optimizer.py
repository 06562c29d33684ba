"""Tests of backprop.Optimizer, clip_grad_norm and the schedules.

The training runs are checked against PyTorch 1.13 float64 values that
tests/ref/optimizers.py wrote to tests/ref/optimizers.h, read here from the
header; one Adam run is also checked against a few lines of plain arithmetic.
Run from bindings/python with BACKPROP_LIBRARY pointing at libbackprop.so:
    python3 -m unittest discover -s tests
"""

import ast
import gc
import math
import os
import pickle
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import backprop  # noqa: E402
from backprop import (BackpropError, Hyperparameter, Network, Optimizer,  # noqa: E402
                      OptimizerKind, Status)
from test_backprop import CountingFree  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "..", "tests", "ref", "optimizers.h")

OPT_FIELDS = ("n_layers", "sizes", "acts", "loss", "shared", "kind", "n_hp", "hp_codes",
              "hp_values", "rate", "frozen", "n_params", "n_state", "params0", "x", "t",
              "params", "state")
CLIP_FIELDS = ("n_layers", "sizes", "acts", "loss", "shared", "max_norm", "norm", "frozen",
               "n_params", "params0", "x", "t", "grads")


def read_reference(path):
    """The header's macros, arrays and case tables as Python values: macros
    {name: number}, arrays {name: [float]}, and each ``static const struct``
    table as a list of {field: value} with its arrays filled in."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    macros = {name: ast.literal_eval(value) for name, value in
              re.findall(r"^#define (\w+) ([-0-9.e]+)\s*$", text, flags=re.M)}
    arrays = {}
    for name, body in re.findall(r"static const double (\w+)\[\d+\] = \{(.*?)\};", text, re.S):
        arrays[name] = [float(v) for v in body.split(",") if v.strip()]
    tables = {}
    for name, body in re.findall(r"static const struct \w+ (\w+)\[\] = \{(.*?)\n\};", text, re.S):
        # A C initialiser is a Python literal once braces are brackets and the
        # array names are quoted.
        literal = re.sub(r"\b([A-Za-z_]\w*)\b", r'"\1"',
                         body.replace("{", "[").replace("}", "]"))
        tables[name] = ast.literal_eval("[" + literal + "]")
    return macros, arrays, tables


def cases(rows, fields, arrays):
    found = []
    for row in rows:
        case = dict(zip(fields, row))
        for key, value in case.items():
            if isinstance(value, str):
                case[key] = arrays[value]
        found.append(case)
    return found


def reference_net(case):
    """The case's network with its initial parameters, returning lists."""
    n = case["n_layers"]
    net = Network(case["sizes"][:n], case["acts"][:n - 1], use_numpy=False)
    net.set_loss(case["loss"])
    if case["shared"]:
        net.set_bias_mode(case["shared"], "shared")
    net.set_params(case["params0"])
    return net


def set_frozen_mask(net, mask):
    for layer in range(1, net.layer_count):
        bits = mask >> (2 * (layer - 1))
        net.set_frozen(layer, weights=bool(bits & 1), biases=bool(bits & 2))


def accumulate(net, case, first, count):
    n_in, n_out = net.input_count, net.output_count
    for r in range(first, first + count):
        net.forward(case["x"][r * n_in:(r + 1) * n_in])
        net.backward(case["t"][r * n_out:(r + 1) * n_out])


class Checks:
    def assertTorchClose(self, ours, torch, what, tol=1e-12):
        """|ours - torch| <= tol max(1, |torch|), element by element."""
        ours = [float(v) for v in ours]
        self.assertEqual(len(ours), len(torch), what)
        for i, (a, e) in enumerate(zip(ours, torch)):
            if not abs(a - e) <= tol * max(1.0, abs(e)):
                self.fail("%s[%d] = %.17g, expected %.17g" % (what, i, a, e))

    def assertRaisesStatus(self, status, func, *args, **kwargs):
        with self.assertRaises(BackpropError) as ctx:
            func(*args, **kwargs)
        self.assertEqual(ctx.exception.status, status)
        self.assertEqual(ctx.exception.message, backprop.strerror(status))
        return ctx.exception


class TorchReferenceTest(Checks, unittest.TestCase):
    """Every optimiser, the clipping and the schedules against PyTorch."""

    @classmethod
    def setUpClass(cls):
        cls.macros, cls.arrays, cls.tables = read_reference(REFERENCE)

    def test_training_runs(self):
        steps, samples = self.macros["REF_STEPS"], self.macros["REF_SAMPLES"]
        rows = cases(self.tables["ref_opt_cases"], OPT_FIELDS, self.arrays)
        self.assertGreaterEqual(len(rows), 5)
        kinds = set()
        for index, case in enumerate(rows):
            with self.subTest(case=index), reference_net(case) as net:
                hps = {Hyperparameter(c).name.lower(): v for c, v in
                       zip(case["hp_codes"][:case["n_hp"]], case["hp_values"][:case["n_hp"]])}
                with Optimizer(net, OptimizerKind(case["kind"]).name.lower(), **hps) as opt:
                    for s in range(steps):
                        set_frozen_mask(net, case["frozen"][s])
                        accumulate(net, case, s * samples, samples)
                        opt.step(case["rate"] * (1.0 - 0.05 * s))
                    self.assertTorchClose(net.params(), case["params"], "params")
                    self.assertEqual(opt.state_count, case["n_state"])
                    self.assertTorchClose(opt.state(), case["state"], "state")
                    self.assertEqual(net.grads(), [0.0] * case["n_params"])
                kinds.add(case["kind"])
        self.assertEqual(kinds, set(OptimizerKind))

    def test_clip_grad_norm(self):
        rows = cases(self.tables["ref_clip_cases"], CLIP_FIELDS, self.arrays)
        self.assertGreaterEqual(len(rows), 2)
        for index, case in enumerate(rows):
            with self.subTest(case=index), reference_net(case) as net:
                set_frozen_mask(net, case["frozen"])
                accumulate(net, case, 0, self.macros["REF_SAMPLES"])
                self.assertTorchClose([net.clip_grad_norm(case["max_norm"])], [case["norm"]],
                                      "norm")
                # torch has no gradient for a frozen block: compare the others
                at = 0
                for layer in range(1, net.layer_count):
                    weights, biases = net.get_frozen(layer)
                    nw, nb = net.weight_count(layer), net.bias_count(layer)
                    if not weights:
                        self.assertTorchClose(net.weight_grads(layer),
                                              case["grads"][at:at + nw], "weight grads")
                    if not biases:
                        self.assertTorchClose(net.bias_grads(layer),
                                              case["grads"][at + nw:at + nw + nb], "bias grads")
                    at += nw + nb

    def test_schedules(self):
        base, steps = self.macros["REF_SCHEDULE_BASE"], self.macros["REF_SCHEDULE_STEPS"]
        schedules = {
            "ref_step_3_half": lambda s: backprop.schedule_step(base, s, 3, 0.5),
            "ref_exponential_0_9": lambda s: backprop.schedule_exponential(base, s, 0.9),
            "ref_cosine_7_0_01": lambda s: backprop.schedule_cosine(base, s, 7, 0.01),
            "ref_linear_5_0_25_1": lambda s: backprop.schedule_linear(base, s, 5, 0.25, 1.0),
            "ref_linear_4_1_0_1": lambda s: backprop.schedule_linear(base, s, 4, 1.0, 0.1),
        }
        for name, schedule in schedules.items():
            with self.subTest(schedule=name):
                self.assertTorchClose([schedule(s) for s in range(steps)], self.arrays[name],
                                      name)


def adam_by_hand(params, grads_of, steps, rate, beta1, beta2, eps):
    """Adam as the formulas of docs/optimizers.md, in plain arithmetic."""
    m = [0.0] * len(params)
    v = [0.0] * len(params)
    for t in range(1, steps + 1):
        g = grads_of(params)
        for i in range(len(params)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            denominator = math.sqrt(v[i]) / math.sqrt(1 - beta2 ** t) + eps
            params[i] -= rate / (1 - beta1 ** t) * m[i] / denominator
    return params, m, v


class HandArithmeticTest(Checks, unittest.TestCase):
    def test_adam_on_a_line(self):
        # y = w x + b with E = (y - t)^2 / 2: dE/dw = (y - t) x, dE/db = y - t.
        x, t = 2.0, 1.0

        def grads(p):
            error = p[0] * x + p[1] - t
            return [error * x, error]

        expected, m, v = adam_by_hand([0.5, 0.1], grads, 3, 0.01, 0.8, 0.999, 1e-8)
        with Network([1, 1], "linear", use_numpy=False) as net, \
                Optimizer(net, "adam", beta1=0.8) as opt:
            net.set_params([0.5, 0.1])
            for _ in range(3):
                net.forward([x])
                net.backward([t])
                opt.step(0.01)
            self.assertTorchClose(net.params(), expected, "params", 1e-14)
            # step counts of the two blocks, then m, then v
            self.assertTorchClose(opt.state(), [3.0, 3.0] + m + v, "state", 1e-14)


class OptimizerTest(Checks, unittest.TestCase):
    def setUp(self):
        self.net = Network([2, 3, 1], ["tanh", "linear"], use_numpy=False)
        self.net.init_random(1, "xavier")

    def tearDown(self):
        self.net.close()

    def train(self, opt, net=None, rate=0.01):
        net = net or self.net
        net.forward([0.3, -0.2])
        net.backward([0.5])
        opt.step(rate, net)

    def test_kinds_and_defaults(self):
        # the defaults of torch.optim, as docs/optimizers.md lists them
        defaults = {
            "sgd": {"momentum": 0.0, "dampening": 0.0, "nesterov": 0.0, "weight_decay": 0.0},
            "adam": {"weight_decay": 0.0, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
            "adamw": {"weight_decay": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
            "rmsprop": {"momentum": 0.0, "weight_decay": 0.0, "epsilon": 1e-8, "alpha": 0.99},
            "rprop": {"eta_minus": 0.5, "eta_plus": 1.2, "step_min": 1e-6, "step_max": 50.0},
        }
        for name, expected in defaults.items():
            for kind in (name, name.upper(), OptimizerKind[name.upper()],
                         int(OptimizerKind[name.upper()])):
                with Optimizer(self.net, kind) as opt:
                    self.assertIs(opt.kind, OptimizerKind[name.upper()])
                    self.assertEqual(opt.hyperparameters, expected)
                    self.assertEqual(opt.state(), [0.0] * opt.state_count)
        self.assertEqual(backprop.OPT_RPROP, OptimizerKind.RPROP)
        self.assertEqual(backprop.HP_STEP_MAX, Hyperparameter.STEP_MAX)

    def test_hyperparameters(self):
        with Optimizer(self.net, "sgd", momentum=0.9, nesterov=1) as opt:
            self.assertEqual(opt.get("momentum"), 0.9)
            self.assertEqual(opt.get(Hyperparameter.NESTEROV), 1.0)
            opt.set(backprop.HP_WEIGHT_DECAY, 0.25)
            self.assertEqual(opt.get("WEIGHT_DECAY"), 0.25)
            self.assertEqual(opt.hyperparameters["weight_decay"], 0.25)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "unknown optimizer kind name 'adagrad'"):
            Optimizer(self.net, "adagrad")
        with self.assertRaises(TypeError):
            Optimizer([2, 1], "adam")
        self.assertRaisesStatus(Status.ERR_ARGUMENT, Optimizer, self.net, 99)
        # a hyperparameter the kind does not take, or out of range: refused at create
        self.assertRaisesStatus(Status.ERR_ARGUMENT, Optimizer, self.net, "adam", momentum=0.9)
        with self.assertRaisesRegex(ValueError, "unknown hyperparameter name 'beta3'"):
            Optimizer(self.net, "adam", beta3=0.9)
        with Optimizer(self.net, "adam") as opt:
            self.assertRaisesStatus(Status.ERR_ARGUMENT, opt.set, "beta1", 1.0)
            self.assertRaisesStatus(Status.ERR_NOT_FINITE, opt.set, "beta2", float("nan"))
            self.assertRaisesStatus(Status.ERR_ARGUMENT, opt.get, "alpha")
            self.assertEqual(opt.get("beta1"), 0.9)
            self.assertEqual(opt.get("beta2"), 0.999)
            self.assertRaisesStatus(Status.ERR_NOT_FINITE, opt.step, float("inf"))
            err = self.assertRaisesStatus(Status.ERR_COUNT, opt.set_state, [0.0, 1.0])
            self.assertEqual(err.detail, "expected %d values, got 2" % opt.state_count)
            bad = [0.0] * opt.state_count
            bad[0] = 0.5  # a step count that is not a whole number
            self.assertRaisesStatus(Status.ERR_ARGUMENT, opt.set_state, bad)
            with Network([2, 4, 1], "tanh") as other:
                self.assertRaisesStatus(Status.ERR_COUNT, opt.step, 0.1, other)
        with Optimizer(self.net, "sgd", nesterov=1) as opt:
            # Nesterov without momentum is checked at the step; nothing moves
            before = self.net.params()
            self.net.forward([0.3, -0.2])
            self.net.backward([0.5])
            grads = self.net.grads()
            self.assertRaisesStatus(Status.ERR_ARGUMENT, opt.step, 0.1)
            self.assertEqual(self.net.params(), before)
            self.assertEqual(self.net.grads(), grads)

    def test_divergence_changes_nothing(self):
        with Optimizer(self.net, "sgd") as opt:
            self.net.forward([0.3, -0.2])
            self.net.backward([0.5])
            before, grads = self.net.params(), self.net.grads()
            with self.assertRaises(backprop.DivergedError):
                opt.step(1e308)
            self.assertEqual(self.net.params(), before)
            self.assertEqual(self.net.grads(), grads)

    def test_reset_and_state_round_trip(self):
        with Optimizer(self.net, "rmsprop", momentum=0.5) as opt, self.net.clone() as twin:
            for _ in range(3):
                self.train(opt)
            # 2 (n_layers - 1) step counts, then the averages of g^2 and the buffer
            self.assertEqual(opt.state_count, 4 + 2 * self.net.param_count)
            saved = opt.state()
            self.assertEqual(saved[:4], [3.0] * 4)
            # the state carried into a second optimiser continues the same run
            with Optimizer(twin, "rmsprop", momentum=0.5) as other:
                twin.set_params(self.net.params())
                other.set_state(saved)
                self.assertEqual(other.state(), saved)
                self.train(opt)
                self.train(other, twin)
                self.assertEqual(twin.params(), self.net.params())
                self.assertEqual(other.state(), opt.state())
            opt.reset()
            self.assertEqual(opt.state(), [0.0] * opt.state_count)
            self.assertEqual(opt.get("momentum"), 0.5)

    def test_step_on_a_clone(self):
        with Optimizer(self.net, "adam") as opt, self.net.clone() as twin:
            self.train(opt, twin)
            self.assertEqual(opt.state()[:4], [1.0] * 4)
            self.assertNotEqual(twin.params(), self.net.params())

    def test_numpy_state(self):
        if not backprop.numpy_available():
            self.skipTest("numpy is not installed (the list path is tested above)")
        import numpy
        with Network([2, 1], "linear") as net, Optimizer(net, "adam") as opt:
            state = opt.state()
            self.assertIsInstance(state, numpy.ndarray)
            self.assertEqual(state.shape, (2 + 2 * 3,))
            opt.set_state(numpy.zeros(8))


class LifecycleTest(unittest.TestCase):
    def test_context_manager_and_close(self):
        with Network([1, 1], "linear") as net:
            with Optimizer(net, "adam") as opt:
                counter = CountingFree(opt)
                self.assertIs(opt.network, net)
            self.assertEqual(counter.calls, 1)
            self.assertTrue(opt.closed)
            opt.close()
            self.assertEqual(counter.calls, 1)
            with self.assertRaises(ValueError):
                opt.step(0.1)
            self.assertIn("closed", repr(opt))
            self.assertFalse(net.closed)

    def test_garbage_collection_frees(self):
        net = Network([1, 1], "linear")
        opt = Optimizer(net, "sgd", momentum=0.9)
        counter = CountingFree(opt)
        del opt
        gc.collect()
        self.assertEqual(counter.calls, 1)
        net.close()

    def test_network_closed_first(self):
        net = Network([1, 1], "linear")
        opt = Optimizer(net, "adam")
        net.close()
        # the C optimiser does not use the network's memory
        self.assertEqual(opt.get("beta1"), 0.9)
        self.assertEqual(opt.state_count, 2 + 2 * 2)
        with self.assertRaises(ValueError):
            opt.step(0.1)
        opt.close()

    def test_failed_create_frees(self):
        with Network([1, 1], "linear") as net:
            with self.assertRaises(BackpropError):
                Optimizer(net, "rprop", eta_plus=0.5)
            gc.collect()

    def test_not_picklable(self):
        with Network([1, 1], "linear") as net, Optimizer(net, "sgd") as opt:
            with self.assertRaises(TypeError):
                pickle.dumps(opt)


class ScheduleArgumentsTest(Checks, unittest.TestCase):
    def test_refused(self):
        self.assertRaisesStatus(Status.ERR_ARGUMENT, backprop.schedule_step, 0.1, 3, 0)
        self.assertRaisesStatus(Status.ERR_ARGUMENT, backprop.schedule_cosine, 0.1, 3, 0)
        self.assertRaisesStatus(Status.ERR_ARGUMENT, backprop.schedule_linear, 0.1, 3, 5, 0.0)
        self.assertRaisesStatus(Status.ERR_NOT_FINITE, backprop.schedule_exponential,
                                float("nan"), 3, 0.9)
        with self.assertRaises(ValueError):
            backprop.schedule_step(0.1, -1, 3)
        with self.assertRaises(OverflowError):
            backprop.schedule_step(0.1, 2 ** 64, 3)

    def test_defaults_are_torch_defaults(self):
        # StepLR gamma 0.1, CosineAnnealingLR eta_min 0, LinearLR 1/3 -> 1
        self.assertAlmostEqual(backprop.schedule_step(1.0, 4, 2), 0.01, places=15)
        self.assertEqual(backprop.schedule_cosine(1.0, 10, 10), 0.0)
        self.assertAlmostEqual(backprop.schedule_linear(0.3, 0, 5), 0.1, places=15)
        self.assertEqual(backprop.schedule_linear(0.3, 5, 5), 0.3)


if __name__ == "__main__":
    unittest.main()
