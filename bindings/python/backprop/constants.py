"""Integer codes shared with the C library (include/backprop.h).

Each group is an ``IntEnum``, so its members can be passed wherever the C API
takes a plain ``int``. The module-level aliases (``ACT_SIGMOID``,
``ERR_COUNT``, ...) name the same values with the C spelling minus ``NN_``.
"""

import ctypes as _ctypes
import enum


class Status(enum.IntEnum):
    """Values of ``nn_status``; new ones are only ever appended."""

    OK = 0
    ERR_NULL_ARG = 1
    ERR_NO_MEMORY = 2
    ERR_LAYER_COUNT = 3
    ERR_ZERO_SIZE = 4
    ERR_TOO_LARGE = 5
    ERR_ACTIVATION = 6
    ERR_LAYER_RANGE = 7
    ERR_COUNT = 8
    ERR_NOT_FINITE = 9
    ERR_NO_FORWARD = 10
    ERR_STALE_FORWARD = 11
    ERR_NO_BACKWARD = 12
    ERR_LOSS = 13
    ERR_BIAS_MODE = 14
    ERR_NAME = 15
    ERR_ARGUMENT = 16
    ERR_IO = 17
    ERR_FORMAT = 18
    ERR_UNKNOWN_NAME = 19
    ERR_PARAMS_NOT_FINITE = 20
    ERR_BUFFER_SIZE = 21
    ERR_BATCH_SIZE = 22
    ERR_NO_BATCH = 23
    ERR_DIVERGED = 24
    ERR_LOSS_OUTPUT = 25
    ERR_PEER = 26
    ERR_COMMUNICATION = 27


class Activation(enum.IntEnum):
    """Built-in activation codes (``NN_ACT_*``)."""

    LINEAR = 0
    SIGMOID = 1
    TANH = 2
    RELU = 3
    LEAKY_RELU = 4
    SOFTPLUS = 5
    SOFTMAX = 6
    CUSTOM = 100


class Loss(enum.IntEnum):
    """Loss codes (``NN_LOSS_*``)."""

    HALF_SSE = 0
    MSE = 1
    CROSS_ENTROPY = 2
    BINARY_CROSS_ENTROPY = 3


class BiasMode(enum.IntEnum):
    """Bias conventions (``NN_BIAS_*``)."""

    PER_NEURON = 0
    SHARED = 1


class Init(enum.IntEnum):
    """Initialisation schemes for ``Network.init_random`` (``NN_INIT_*``)."""

    UNIFORM = 0
    XAVIER = 1
    HE = 2


class ExplainFormat(enum.IntEnum):
    """Output formats of ``Network.explain`` (``NN_EXPLAIN_*``)."""

    TEXT = 0
    MARKDOWN = 1
    JSON = 2


class Rule(enum.IntEnum):
    """Update rules of ``Network.explain`` (``NN_RULE_*``)."""

    STANDARD = 0
    SEQUENTIAL = 1


class Reduction(enum.IntEnum):
    """What ``Network.backward_batch`` adds (``NN_REDUCTION_*``)."""

    SUM = 0
    MEAN = 1


class Scale(enum.IntEnum):
    """Scaling schemes of ``Network.fit_input_scaling`` (``NN_SCALE_*``)."""

    NONE = 0
    STANDARD = 1
    MINMAX = 2


class OptimizerKind(enum.IntEnum):
    """Kinds of :class:`Optimizer` (``NN_OPT_*``)."""

    SGD = 0
    ADAM = 1
    ADAMW = 2
    RMSPROP = 3
    RPROP = 4


class Hyperparameter(enum.IntEnum):
    """Hyperparameters of an :class:`Optimizer` (``NN_HP_*``); each kind takes
    some of them (docs/optimizers.md)."""

    MOMENTUM = 0
    DAMPENING = 1
    NESTEROV = 2
    WEIGHT_DECAY = 3
    BETA1 = 4
    BETA2 = 5
    EPSILON = 6
    ALPHA = 7
    ETA_MINUS = 8
    ETA_PLUS = 9
    STEP_MIN = 10
    STEP_MAX = 11


# Limits from the header, for callers that want to check before calling.
MAX_LAYERS = 1024
MAX_LAYER_SIZE = 16777216
MAX_PARAMS = 134217728
MAX_NAME = 31


def _export_aliases(namespace):
    for prefix, group in (("ACT_", Activation), ("LOSS_", Loss),
                          ("BIAS_", BiasMode), ("INIT_", Init), ("", Status),
                          ("EXPLAIN_", ExplainFormat), ("RULE_", Rule),
                          ("REDUCTION_", Reduction), ("SCALE_", Scale), ("OPT_", OptimizerKind),
                          ("HP_", Hyperparameter)):
        for member in group:
            namespace[prefix + member.name] = member


_export_aliases(globals())

# Lower-case names accepted wherever a code is expected, e.g. "sigmoid".
_NAMES = {
    Activation: {m.name.lower(): m for m in Activation if m is not Activation.CUSTOM},
    Loss: {m.name.lower(): m for m in Loss},
    BiasMode: {"per_neuron": BiasMode.PER_NEURON, "shared": BiasMode.SHARED},
    Init: {m.name.lower(): m for m in Init},
    ExplainFormat: {m.name.lower(): m for m in ExplainFormat},
    Rule: {m.name.lower(): m for m in Rule},
    Reduction: {m.name.lower(): m for m in Reduction},
    Scale: dict({m.name.lower(): m for m in Scale}, **{"min-max": Scale.MINMAX}),
    OptimizerKind: {m.name.lower(): m for m in OptimizerKind},
    Hyperparameter: {m.name.lower(): m for m in Hyperparameter},
}


# The range of a C int: ctypes would keep only the low bits of a larger value.
_INT_MAX = (1 << (8 * _ctypes.sizeof(_ctypes.c_int) - 1)) - 1
_INT_MIN = -_INT_MAX - 1


def _c_int(value, what):
    """*value* (any integer) as a Python int that fits a C ``int``, or
    ``OverflowError``."""
    if isinstance(value, bool):
        raise TypeError("expected an integer %s, not a bool" % what)
    try:
        value = int(value.__index__())
    except AttributeError:
        raise TypeError("expected an integer %s, got %r" % (what, value)) from None
    if not _INT_MIN <= value <= _INT_MAX:
        raise OverflowError("%s %d does not fit a C int (%d .. %d)"
                            % (what, value, _INT_MIN, _INT_MAX))
    return value


# How code() names a group in its errors, where the class name would not read well.
_GROUP_WORDS = {OptimizerKind: "optimizer kind"}


def code(group, value):
    """Turns a name such as ``"sigmoid"`` or an integer into an ``int`` code.

    Names are looked up case-insensitively and raise ``ValueError`` when
    unknown. Integers that fit a C ``int`` are passed through unchecked, so
    that the library itself reports an unknown code with its own status;
    larger ones raise ``OverflowError``.
    """
    what = _GROUP_WORDS.get(group, group.__name__.lower())
    if isinstance(value, str):
        try:
            return int(_NAMES[group][value.lower()])
        except KeyError:
            known = ", ".join(sorted(_NAMES[group]))
            raise ValueError("unknown %s name %r (known: %s)" % (what, value, known)) from None
    if isinstance(value, bool):
        raise TypeError("expected a %s name or code, not a bool" % what)
    if not hasattr(value, "__index__"):
        raise TypeError("expected a %s name or integer code, got %r" % (what, value))
    return _c_int(value, "%s code" % what)
