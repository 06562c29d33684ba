"""Python binding of libbackprop, through ctypes (no compiled extension).

Example::

    import backprop
    with backprop.Network([2, 2, 1], ["sigmoid", "linear"]) as net:
        net.init_random(seed=0, scheme="xavier")
        for _ in range(100):
            net.train_sample([0.5, -1.0], [0.25], learning_rate=0.1)
        print(net.forward([0.5, -1.0]))

The shared library is looked up in this order: the *library* argument of
:class:`Network` (or :func:`load_library`), the environment variable
``BACKPROP_LIBRARY``, ``ctypes.util.find_library("backprop")``, then the
soname ``libbackprop.so.0``.
"""

from . import constants
from ._native import ENV_VARIABLE, BackpropError, DivergedError, Library
from .constants import *  # noqa: F401,F403  (ACT_*, LOSS_*, BIAS_*, INIT_*, OPT_*, HP_*, ERR_*, OK)
from .constants import (Activation, BiasMode, ExplainFormat, Hyperparameter, Init, Loss,
                        OptimizerKind, Reduction, Rule, Scale, Status)
from .checkpoint import (checkpoint_from_bytes, checkpoint_to_bytes, load_checkpoint,
                         save_checkpoint)
from .network import Network, Rng, numpy_available
from .optimizer import Optimizer
from .schedules import schedule_cosine, schedule_exponential, schedule_linear, schedule_step
from .training import HISTORY_COLUMNS, Dataset, evaluate, fit_scaling, train

__all__ = [
    "Activation", "BackpropError", "BiasMode", "Dataset", "DivergedError", "ENV_VARIABLE",
    "ExplainFormat", "HISTORY_COLUMNS", "Hyperparameter", "Init", "Library",
    "checkpoint_from_bytes", "checkpoint_to_bytes", "evaluate", "fit_scaling",
    "load_checkpoint", "save_checkpoint",
    "Loss", "Network", "Optimizer", "OptimizerKind", "Reduction", "Rng", "Rule", "Status",
    "load_library", "numpy_available", "schedule_cosine", "schedule_exponential",
    "schedule_linear", "schedule_step", "strerror", "train", "version", "version_number",
]
__all__ += [name for name in dir(constants)
            if name.isupper() and not name.startswith("_")]


def load_library(path=None):
    """Loads libbackprop (once per name) and returns its :class:`Library`."""
    return Library.load(path)


def strerror(status, library=None):
    """The library's one-sentence explanation of *status*."""
    return Library.load(library).strerror(status)


def version(library=None):
    """The loaded library's version string, e.g. ``"0.1.0"``."""
    return Library.load(library).version()


def version_number(library=None):
    """The loaded library's version as MAJOR*10000 + MINOR*100 + PATCH."""
    return Library.load(library).nn_version_number()
