"""Tests of the scaling and class-name calls of the Python binding. Run from
bindings/python with BACKPROP_LIBRARY pointing at libbackprop.so:
    python3 -m unittest discover -s tests
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import backprop  # noqa: E402
from backprop import BackpropError, Network, Scale, Status  # noqa: E402

ROWS = [[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0], [7.0, 40.0, 5.0]]


def floats(values):
    """Plain floats, whether the binding returned a list or a numpy array."""
    return [float(v) for v in values]


def rows(values):
    return [floats(r) for r in values]


def make_net():
    net = Network([3, 4, 2], ["tanh", "linear"])
    net.init_random(seed=3, scheme="xavier")
    return net


class ScalingTest(unittest.TestCase):
    def test_names(self):
        self.assertEqual(Scale.MINMAX, backprop.SCALE_MINMAX)
        with make_net() as net:
            net.fit_input_scaling("min-max", ROWS)
            self.assertEqual(rows([net.input_scaling[0]]), [[1.0, 10.0, 5.0]])
            with self.assertRaises(ValueError):
                net.fit_input_scaling("zscore", ROWS)

    def test_fit_standard_and_forward(self):
        with make_net() as net:
            self.assertIsNone(net.input_scaling)
            net.fit_input_scaling("standard", ROWS)
            offset, scale = net.input_scaling
            # mean 4 and population std sqrt(5); 25 and sqrt(125); a constant column: 5 and 1
            self.assertEqual(floats(offset), [4.0, 25.0, 5.0])
            self.assertAlmostEqual(float(scale[0]), 5.0 ** 0.5, places=15)
            self.assertAlmostEqual(float(scale[1]), 125.0 ** 0.5, places=13)
            self.assertEqual(float(scale[2]), 1.0)
            scaled = rows(net.scale_inputs(ROWS))
            with Network([3, 4, 2], ["tanh", "linear"]) as plain:
                plain.init_random(seed=3, scheme="xavier")
                self.assertEqual(floats(net.forward(ROWS[1])), floats(plain.forward(scaled[1])))
            net.fit_input_scaling("none", None)
            self.assertIsNone(net.input_scaling)

    def test_targets_and_predict(self):
        with make_net() as net:
            net.set_target_scaling([10.0, -1.0], [4.0, 0.25])
            self.assertEqual(rows([net.target_scaling[1]]), [[4.0, 0.25]])
            self.assertEqual(rows(net.scale_targets([[14.0, 0.0]])), [[1.0, 4.0]])
            out = floats(net.forward(ROWS[0]))
            raw = rows(net.predict([ROWS[0]]))[0]
            self.assertEqual(raw, [out[0] * 4.0 + 10.0, out[1] * 0.25 - 1.0])
            self.assertEqual(rows(net.unscale_outputs([out]))[0], raw)

    def test_bad_input(self):
        with make_net() as net:
            with self.assertRaises(BackpropError) as caught:
                net.set_input_scaling([0.0, 0.0, 0.0], [1.0, 0.0, 1.0])
            self.assertEqual(caught.exception.status, Status.ERR_ARGUMENT)
            with self.assertRaises(BackpropError) as caught:
                net.set_input_scaling([0.0, 0.0], [1.0, 1.0])
            self.assertEqual(caught.exception.status, Status.ERR_COUNT)
            self.assertIsNone(net.input_scaling)

    def test_class_names_saved_and_cloned(self):
        with make_net() as net:
            self.assertEqual(net.class_names, [])
            net.class_names = ["setosa", "caf\u00e9 au lait"]
            net.fit_input_scaling("standard", ROWS)
            clone = net.clone()
            self.assertEqual(clone.class_names, ["setosa", "caf\u00e9 au lait"])
            text = net.to_bytes()
            self.assertIn(b"class caf%C3%A9%20au%20lait\n", text)
            loaded = Network.from_bytes(text)
            self.assertEqual(loaded.class_names, ["setosa", "caf\u00e9 au lait"])
            self.assertEqual(rows(loaded.predict(ROWS)), rows(net.predict(ROWS)))
            with self.assertRaises(BackpropError) as caught:
                net.class_names = ["one"]
            self.assertEqual(caught.exception.status, Status.ERR_COUNT)
            net.class_names = []
            self.assertEqual(net.class_names, [])
            clone.close()
            loaded.close()


if __name__ == "__main__":
    unittest.main()
