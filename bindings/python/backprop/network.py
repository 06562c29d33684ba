"""The :class:`Network` and :class:`Rng` wrappers around the C handles."""

import ctypes
import functools
import numbers
import operator
import threading

from ._native import Library, c_double_p
from .constants import Activation, BiasMode, Init, Loss, Status, code

try:
    import numpy as _np
except ImportError:  # numpy is optional: everything also works with lists
    _np = None


def numpy_available():
    """True when numpy could be imported, so results may be numpy arrays."""
    return _np is not None


def _flatten_into(values, out):
    if isinstance(values, (str, bytes, bytearray)):
        raise TypeError("expected numbers, got %r" % (values,))
    try:
        items = iter(values)
    except TypeError:
        raise TypeError("expected a sequence of numbers, got %r" % (values,)) from None
    for item in items:
        if isinstance(item, numbers.Real):
            out.append(float(item))
        else:
            _flatten_into(item, out)


def _input(values):
    """Any sequence (nested sequences are read row after row) or array as a
    C array of doubles: returns (pointer, length, object to keep alive)."""
    if _np is not None and isinstance(values, _np.ndarray):
        arr = _np.ascontiguousarray(values, dtype=_np.float64).reshape(-1)
        if arr.size == 0:
            arr = _np.zeros(1)
            return arr.ctypes.data_as(c_double_p), 0, arr
        return arr.ctypes.data_as(c_double_p), arr.size, arr
    flat = []
    _flatten_into(values, flat)
    buf = (ctypes.c_double * max(len(flat), 1))(*flat)
    return buf, len(flat), buf


def _index(value, what):
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %r" % (what, value)) from None


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


class _Handle:
    """Shared life cycle of an object that owns one C handle."""

    _free_name = None  # the C function that releases the handle

    def _setup(self, library, use_numpy):
        self._lock = threading.RLock()
        self._handle = None
        self._lib = Library.load(library)
        # Kept on the instance so that __del__ still works while the
        # interpreter shuts down and module globals are being cleared.
        self._free = getattr(self._lib, self._free_name)
        if use_numpy is None:
            use_numpy = _np is not None
        elif use_numpy and _np is None:
            raise ImportError("use_numpy=True but numpy cannot be imported")
        self._numpy = bool(use_numpy)

    def _get(self):
        handle = self._handle
        if handle is None:
            raise ValueError("operation on a closed %s" % type(self).__name__)
        return handle

    @property
    def closed(self):
        """True once the C object has been released."""
        return getattr(self, "_handle", None) is None

    @property
    def library(self):
        """The :class:`Library` this object was made with."""
        return self._lib

    def close(self):
        """Releases the C object now. Safe to call more than once; every
        other method raises ``ValueError`` afterwards."""
        lock = getattr(self, "_lock", None)
        if lock is None:
            return
        with lock:
            handle, self._handle = self._handle, None
            if handle is not None:
                self._free(handle)

    def __enter__(self):
        self._get()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def __del__(self):
        # No lock: when the last reference goes, no method can be running.
        handle = getattr(self, "_handle", None)
        if handle is None:
            return
        self._handle = None
        try:
            self._free(handle)
        except Exception:  # pragma: no cover - only during interpreter teardown
            pass

    def __reduce__(self):
        raise TypeError("%s objects wrap a C handle and cannot be pickled"
                        % type(self).__name__)

    def _call(self, fname, *args):
        self._lib.check(getattr(self._lib, fname)(*args), fname)

    def _out(self, n):
        """A zeroed output buffer of n doubles: (pointer, storage)."""
        if self._numpy:
            arr = _np.zeros(max(n, 1))
            return arr.ctypes.data_as(c_double_p), arr
        buf = (ctypes.c_double * max(n, 1))()
        return buf, buf

    def _result(self, storage, n, shape=None):
        if self._numpy:
            arr = storage[:n]
            return arr.reshape(shape) if shape is not None else arr
        values = storage[:n]
        if shape is None:
            return values
        rows, cols = shape
        return [values[r * cols:(r + 1) * cols] for r in range(rows)]


class Network(_Handle):
    """A feed-forward network owned by the C library.

    ``Network([2, 2, 2], ["sigmoid", "sigmoid"])`` creates a network whose
    weights and biases are all 0. *activations* holds one name or code per
    layer after the inputs, or a single name or code for all of them.

    Arrays may be given as any sequence of numbers (nested sequences are read
    row after row, so a weight matrix may be a list of rows) or as a numpy
    array of any shape, read in C order. Results are numpy float64 arrays
    when numpy is importable and *use_numpy* is not False, otherwise lists.
    Layers are numbered as in the C API: 0 is the input layer and
    parameters belong to the layer they lead into (1 .. layer_count-1).

    A failing call raises :class:`BackpropError` and leaves the network as it
    was. The C memory is released by :meth:`close`, by leaving a ``with``
    block, or when the object is garbage-collected, whichever comes first.
    Calls on one Network are serialised by a lock, so it may be shared
    between threads.
    """

    _free_name = "nn_free"

    def __init__(self, sizes, activations, *, library=None, use_numpy=None):
        self._setup(library, use_numpy)
        lib = self._lib
        sizes = [_index(s, "a layer size") for s in sizes]
        if any(s < 0 for s in sizes):
            raise ValueError("layer sizes must not be negative: %r" % (sizes,))
        n = len(sizes)
        if isinstance(activations, (str, numbers.Integral)):
            activations = [activations] * max(n - 1, 0)
        acts = [code(Activation, a) for a in activations]
        if 2 <= n and len(acts) != n - 1:
            raise lib.error(Status.ERR_COUNT, "nn_create")
        c_sizes = (ctypes.c_size_t * max(n, 1))(*sizes)
        c_acts = (ctypes.c_int * max(len(acts), 1))(*acts)
        out = ctypes.c_void_p()
        lib.check(lib.nn_create(ctypes.byref(out), n, c_sizes, c_acts), "nn_create")
        self._handle = out.value

    @classmethod
    def _adopt(cls, handle, library, use_numpy):
        self = cls.__new__(cls)
        try:
            self._setup(library, use_numpy)
        except BaseException:
            library.nn_free(handle)
            raise
        self._handle = handle
        return self

    # ------------------------------------------------------------------ copies
    @_locked
    def clone(self):
        """An independent copy: parameters, gradients, settings and the state
        of the last passes."""
        out = ctypes.c_void_p()
        self._call("nn_clone", self._get(), ctypes.byref(out))
        return Network._adopt(out.value, self._lib, self._numpy)

    def __copy__(self):
        return self.clone()

    def __deepcopy__(self, memo):
        return self.clone()

    def __repr__(self):
        if self.closed:
            return "<backprop.Network (closed)>"
        names = [self.get_activation_name(k) for k in range(1, self.layer_count)]
        return "<backprop.Network sizes=%r activations=%r>" % (self.sizes, names)

    # ------------------------------------------------------------------- shape
    @property
    @_locked
    def layer_count(self):
        """Number of layers, inputs and outputs included."""
        return self._lib.nn_layer_count(self._get())

    @property
    @_locked
    def sizes(self):
        """Every layer's number of units, as a list."""
        h = self._get()
        return [self._lib.nn_layer_size(h, k) for k in range(self._lib.nn_layer_count(h))]

    @property
    @_locked
    def input_count(self):
        return self._lib.nn_input_count(self._get())

    @property
    @_locked
    def output_count(self):
        return self._lib.nn_output_count(self._get())

    @property
    @_locked
    def param_count(self):
        """Number of parameters in the flat order of :meth:`params`."""
        return self._lib.nn_param_count(self._get())

    def _check_layer(self, h, layer, first, fname):
        layer = _index(layer, "layer")
        if not first <= layer < self._lib.nn_layer_count(h):
            raise self._lib.error(Status.ERR_LAYER_RANGE, fname)
        return layer

    @_locked
    def layer_size(self, layer):
        """Units of *layer* (0 .. layer_count-1)."""
        h = self._get()
        return self._lib.nn_layer_size(h, self._check_layer(h, layer, 0, "nn_layer_size"))

    @_locked
    def weight_count(self, layer):
        """Weights leading into *layer* (1 .. layer_count-1)."""
        h = self._get()
        return self._lib.nn_weight_count(h, self._check_layer(h, layer, 1, "nn_weight_count"))

    @_locked
    def bias_count(self, layer):
        """Biases of *layer* under its convention (1 when shared)."""
        h = self._get()
        return self._lib.nn_bias_count(h, self._check_layer(h, layer, 1, "nn_bias_count"))

    # -------------------------------------------------------------- parameters
    def _set_layer(self, fname, layer, values):
        ptr, n, _keep = _input(values)
        self._call(fname, self._get(), _index(layer, "layer"), ptr, n)

    def _get_layer(self, fname, layer, n, shape=None):
        ptr, storage = self._out(n)
        self._call(fname, self._get(), _index(layer, "layer"), ptr, n)
        return self._result(storage, n, shape)

    def _matrix_shape(self, h, layer):
        return (self._lib.nn_layer_size(h, layer), self._lib.nn_layer_size(h, layer - 1))

    @_locked
    def set_weights(self, layer, weights):
        """Sets the weights into *layer*, row-major ``[unit][input]`` (a flat
        sequence, a list of rows or a 2-D array)."""
        self._set_layer("nn_set_weights", layer, weights)

    @_locked
    def get_weights(self, layer, matrix=False):
        """The weights into *layer*, flat row-major, or as rows (a list of
        lists or a 2-D array) when *matrix* is true."""
        h = self._get()
        layer = _index(layer, "layer")
        n = self._lib.nn_weight_count(h, layer)
        shape = self._matrix_shape(h, layer) if matrix and n else None
        return self._get_layer("nn_get_weights", layer, n, shape)

    @_locked
    def set_biases(self, layer, biases):
        """Sets the biases of *layer* (one value for a shared bias)."""
        self._set_layer("nn_set_biases", layer, biases)

    @_locked
    def get_biases(self, layer):
        """The biases of *layer* (one value for a shared bias)."""
        h = self._get()
        layer = _index(layer, "layer")
        return self._get_layer("nn_get_biases", layer, self._lib.nn_bias_count(h, layer))

    @_locked
    def params(self):
        """Every parameter in the flat order: layer by layer from 1, the
        weights row-major, then the biases."""
        n = self._lib.nn_param_count(self._get())
        ptr, storage = self._out(n)
        self._call("nn_get_params", self._get(), ptr, n)
        return self._result(storage, n)

    @_locked
    def set_params(self, values):
        """Sets every parameter from the flat order of :meth:`params`."""
        ptr, n, _keep = _input(values)
        self._call("nn_set_params", self._get(), ptr, n)

    @_locked
    def init_random(self, seed, scheme="uniform", lo=0.0, hi=1.0):
        """Fills every parameter from an MT19937 seeded with *seed* (low 32
        bits), in the flat order. *scheme* is "uniform" (on [lo, hi)),
        "xavier" or "he", or an :class:`Init` code."""
        seed = _index(seed, "seed")
        if seed < 0:
            raise ValueError("seed must not be negative")
        self._call("nn_init_random", self._get(), seed & 0xFFFFFFFF,
                   code(Init, scheme), float(lo), float(hi))

    # ---------------------------------------------------------------- settings
    @_locked
    def set_activation(self, layer, activation):
        """Sets a built-in activation (name or code) on *layer*."""
        self._call("nn_set_activation", self._get(), _index(layer, "layer"),
                   code(Activation, activation))

    @_locked
    def get_activation(self, layer):
        """The activation code of *layer* (an :class:`Activation` member)."""
        h = self._get()
        value = self._lib.nn_get_activation(h, self._check_layer(h, layer, 1, "nn_get_activation"))
        try:
            return Activation(value)
        except ValueError:
            return value

    @_locked
    def get_activation_name(self, layer):
        """The name of *layer*'s activation, e.g. ``"sigmoid"``."""
        h = self._get()
        name = self._lib.nn_get_activation_name(
            h, self._check_layer(h, layer, 1, "nn_get_activation_name"))
        return name.decode("utf-8", "replace")

    @_locked
    def set_bias_mode(self, layer, mode):
        """Switches *layer* to "per_neuron" or "shared" biases (or a code)."""
        self._call("nn_set_bias_mode", self._get(), _index(layer, "layer"), code(BiasMode, mode))

    @_locked
    def get_bias_mode(self, layer):
        """The bias convention of *layer* (a :class:`BiasMode` member)."""
        h = self._get()
        return BiasMode(self._lib.nn_get_bias_mode(
            h, self._check_layer(h, layer, 1, "nn_get_bias_mode")))

    @_locked
    def set_frozen(self, layer, weights=False, biases=False):
        """Sets both frozen flags of *layer*: frozen parameters keep their
        values through :meth:`step` and the training calls."""
        self._call("nn_set_frozen", self._get(), _index(layer, "layer"),
                   int(bool(weights)), int(bool(biases)))

    @_locked
    def get_frozen(self, layer):
        """The frozen flags of *layer* as ``(weights, biases)`` booleans."""
        w, b = ctypes.c_int(), ctypes.c_int()
        self._call("nn_get_frozen", self._get(), _index(layer, "layer"),
                   ctypes.byref(w), ctypes.byref(b))
        return bool(w.value), bool(b.value)

    @_locked
    def set_loss(self, loss):
        """Selects the loss: "half_sse" (the default), "mse" or a code."""
        self._call("nn_set_loss", self._get(), code(Loss, loss))

    @_locked
    def get_loss(self):
        """The loss code (a :class:`Loss` member)."""
        return Loss(self._lib.nn_get_loss(self._get()))

    # ---------------------------------------------------------------- training
    def _sample(self, values, n_expected, fname):
        # The C calls without a count read exactly n_expected doubles, so the
        # binding checks the length itself and reports it as the library would.
        ptr, n, keep = _input(values)
        if n != n_expected:
            raise self._lib.error(Status.ERR_COUNT, fname)
        return ptr, keep

    @_locked
    def forward(self, inputs):
        """Runs one sample forward and returns the outputs."""
        h = self._get()
        ptr, _keep = self._sample(inputs, self._lib.nn_input_count(h), "nn_forward")
        m = self._lib.nn_output_count(h)
        optr, storage = self._out(m)
        self._call("nn_forward", h, ptr, optr)
        return self._result(storage, m)

    @_locked
    def loss(self, targets):
        """The loss of the last :meth:`forward` against *targets*."""
        h = self._get()
        ptr, _keep = self._sample(targets, self._lib.nn_output_count(h), "nn_loss")
        value = ctypes.c_double()
        self._call("nn_loss", h, ptr, ctypes.byref(value))
        return value.value

    @_locked
    def backward(self, targets):
        """Adds the gradients of the last :meth:`forward` against *targets*
        to the accumulators."""
        h = self._get()
        ptr, _keep = self._sample(targets, self._lib.nn_output_count(h), "nn_backward")
        self._call("nn_backward", h, ptr)

    @_locked
    def step(self, learning_rate):
        """``p -= learning_rate * g`` for every parameter not frozen, then
        clears the gradients."""
        self._call("nn_step", self._get(), float(learning_rate))

    def _train(self, fname, inputs, targets, learning_rate):
        h = self._get()
        iptr, _ki = self._sample(inputs, self._lib.nn_input_count(h), fname)
        tptr, _kt = self._sample(targets, self._lib.nn_output_count(h), fname)
        self._call(fname, h, iptr, tptr, float(learning_rate))

    @_locked
    def train_sequential(self, inputs, targets, learning_rate):
        """One step under the sequential rule (output layer updated first,
        hidden deltas through the new weights)."""
        self._train("nn_train_sequential", inputs, targets, learning_rate)

    @_locked
    def train_sample(self, inputs, targets, learning_rate):
        """One fused online step under the standard rule; gradients already
        accumulated are left alone."""
        self._train("nn_train_sample", inputs, targets, learning_rate)

    @_locked
    def zero_grads(self):
        """Sets every accumulated gradient to 0."""
        self._call("nn_zero_grads", self._get())

    # --------------------------------------------------------------- gradients
    @_locked
    def weight_grads(self, layer, matrix=False):
        """Accumulated gradients of the weights into *layer* (layout as
        :meth:`get_weights`)."""
        h = self._get()
        layer = _index(layer, "layer")
        n = self._lib.nn_weight_count(h, layer)
        shape = self._matrix_shape(h, layer) if matrix and n else None
        return self._get_layer("nn_get_weight_grads", layer, n, shape)

    @_locked
    def bias_grads(self, layer):
        """Accumulated gradients of *layer*'s biases."""
        h = self._get()
        layer = _index(layer, "layer")
        return self._get_layer("nn_get_bias_grads", layer, self._lib.nn_bias_count(h, layer))

    @_locked
    def grads(self):
        """Every accumulated gradient in the flat order of :meth:`params`."""
        n = self._lib.nn_param_count(self._get())
        ptr, storage = self._out(n)
        self._call("nn_get_grads", self._get(), ptr, n)
        return self._result(storage, n)

    @_locked
    def set_grads(self, values):
        """Replaces every accumulated gradient (flat order)."""
        ptr, n, _keep = _input(values)
        self._call("nn_set_grads", self._get(), ptr, n)

    # -------------------------------------------------------------- inspection
    def _inspect(self, fname, layer):
        h = self._get()
        layer = _index(layer, "layer")
        return self._get_layer(fname, layer, self._lib.nn_layer_size(h, layer))

    @_locked
    def net_inputs(self, layer):
        """Net inputs z of *layer* from the last forward pass."""
        return self._inspect("nn_get_net_inputs", layer)

    @_locked
    def outputs(self, layer):
        """Outputs of *layer* (0 is the input) from the last forward pass."""
        return self._inspect("nn_get_outputs", layer)

    @_locked
    def deltas(self, layer):
        """Deltas dE/dz of *layer* from the last backward pass."""
        return self._inspect("nn_get_deltas", layer)


class Rng(_Handle):
    """The library's MT19937 generator (numpy's ``seed`` + ``rand`` stream)."""

    _free_name = "nn_rng_free"

    def __init__(self, seed, *, library=None):
        self._setup(library, False)
        seed = _index(seed, "seed")
        if seed < 0:
            raise ValueError("seed must not be negative")
        out = ctypes.c_void_p()
        self._lib.check(self._lib.nn_rng_create(ctypes.byref(out), seed & 0xFFFFFFFF),
                        "nn_rng_create")
        self._handle = out.value

    @_locked
    def next_u32(self):
        """The next 32-bit output."""
        return self._lib.nn_rng_next_u32(self._get())

    @_locked
    def uniform(self):
        """The next double, uniform on [0, 1)."""
        return self._lib.nn_rng_uniform(self._get())

    def __repr__(self):
        return "<backprop.Rng%s>" % (" (closed)" if self.closed else "")
