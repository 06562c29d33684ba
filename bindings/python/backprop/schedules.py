"""Learning-rate schedules: plain functions of the step number, the closed
forms of PyTorch's schedulers. Call one before each :meth:`Optimizer.step`
(or each epoch) with the number of steps taken so far."""

import ctypes

from ._native import Library
from .network import _unsigned


def _schedule(fname, library, *args):
    lib = Library.load(library)
    rate = ctypes.c_double()
    lib.check(lib.require(fname)(*args, ctypes.byref(rate)), fname)
    return rate.value


def schedule_step(base_rate, step, step_size, gamma=0.1, *, library=None):
    """PyTorch's ``StepLR``: ``base_rate * gamma ** (step // step_size)``."""
    return _schedule("nn_schedule_step", library, float(base_rate), _unsigned(step, "step"),
                     _unsigned(step_size, "step_size"), float(gamma))


def schedule_exponential(base_rate, step, gamma, *, library=None):
    """PyTorch's ``ExponentialLR``: ``base_rate * gamma ** step``."""
    return _schedule("nn_schedule_exponential", library, float(base_rate),
                     _unsigned(step, "step"), float(gamma))


def schedule_cosine(base_rate, step, period, min_rate=0.0, *, library=None):
    """PyTorch's ``CosineAnnealingLR`` in closed form: ``min_rate +
    (base_rate - min_rate) * (1 + cos(pi * step / period)) / 2``."""
    return _schedule("nn_schedule_cosine", library, float(base_rate), _unsigned(step, "step"),
                     _unsigned(period, "period"), float(min_rate))


def schedule_linear(base_rate, step, total_steps, start_factor=1.0 / 3.0, end_factor=1.0, *,
                    library=None):
    """PyTorch's ``LinearLR`` (a linear warm-up by default): the factor goes
    from *start_factor* at step 0 to *end_factor* at *total_steps*, then stays."""
    return _schedule("nn_schedule_linear", library, float(base_rate), _unsigned(step, "step"),
                     _unsigned(total_steps, "total_steps"), float(start_factor), float(end_factor))
