"""The :class:`Network` and :class:`Rng` wrappers around the C handles."""

import ctypes
import functools
import numbers
import operator
import os
import threading

from ._native import (ACTIVATION_DERIV_FN, ACTIVATION_FN, WRITE_FN, Library,
                      c_double_p)
from .constants import (Activation, BiasMode, ExplainFormat, Init, Loss, Reduction,
                        Rule, Scale, Status, _c_int, code)

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


# ctypes converts an int to a C integer type by keeping its low bits, so
# 2**64 + 2 would reach the library as 2: every integer is range-checked here.
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1
_ULONG_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_ulong))) - 1


def _unsigned(value, what, limit=_SIZE_MAX, ctype="size_t"):
    """*value* as an int that fits the unsigned C type *ctype*: ``TypeError``
    for a non-integer, ``ValueError`` below 0, ``OverflowError`` above *limit*."""
    value = _index(value, what)
    if value < 0:
        raise ValueError("%s must not be negative, got %d" % (what, value))
    if value > limit:
        raise OverflowError("%s %d does not fit a C %s (at most %d)"
                            % (what, value, ctype, limit))
    return value


def _seed(value):
    # The C seed is an unsigned long, of which the library uses the low 32 bits.
    return _unsigned(value, "seed", _ULONG_MAX, "unsigned long")


def _path(path):
    """A file name as the bytes the C library gets: ``str``, ``bytes`` or
    ``os.PathLike``. A NUL byte would end the C string early and name another
    file, so it raises ``ValueError`` as ``open()`` does."""
    data = os.fsencode(path)
    if b"\0" in data:
        raise ValueError("embedded null byte in path %r" % (path,))
    return data


def _plural(n, one, many):
    return "%d %s" % (n, one if n == 1 else many)


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper


class _Customs:
    """The Python activations of a network and of its clones, which call the
    same functions and so share this object; it keeps the functions alive as
    long as any of those networks. Its lock lets one C call at a time run
    them, so that an exception they record belongs to the call running."""

    def __init__(self, activations=()):
        self.activations = list(activations)
        self.lock = threading.RLock()

    def __bool__(self):
        return bool(self.activations)

    def run(self, func, *args):
        """``func(*args)`` and the first exception an activation raised
        during it (None if none did)."""
        with self.lock:
            # A callback may call a clone (same thread, re-entrant lock): each
            # call takes only the exceptions recorded after it started.
            marks = [len(custom.errors) for custom in self.activations]
            errors = []
            try:
                result = func(*args)
            finally:
                for custom, mark in zip(self.activations, marks):
                    errors.extend(custom.errors[mark:])
                    del custom.errors[mark:]
        return result, (errors[0] if errors else None)


# The calls that may run a custom activation and change the network: when one
# of its Python functions raises, the network is put back as it was before the
# call. (nn_predict and nn_export_dot run them too but change nothing.)
_PASSES_THAT_CHANGE = frozenset((
    "nn_forward", "nn_backward", "nn_train_sample", "nn_train_sequential",
    "nn_forward_batch", "nn_backward_batch", "nn_explain"))


def _name_bytes(name):
    if not isinstance(name, str):
        raise TypeError("a name must be a str, got %r" % (name,))
    return name.encode("utf-8")


class _CustomActivation:
    """A Python activation turned into the two C callbacks.

    *function(z)* returns the outputs and *derivative(z, a)* the derivatives
    for a whole layer; z and a come as lists, or as read-only float64 arrays
    when *use_numpy*. An exception cannot cross the C frames: it is kept, the
    C call gets NaN for that layer and runs to its end, and then the Network
    method that made the call puts the network back as it was and re-raises it.
    """

    def __init__(self, function, derivative, use_numpy):
        if not callable(function) or not callable(derivative):
            raise TypeError("a custom activation needs two callables")
        self.errors = []

        def view(ptr, n):
            if use_numpy:
                arr = _np.ctypeslib.as_array(ptr, shape=(n,)).copy()
                arr.setflags(write=False)
                return arr
            return ptr[:n]

        def store(out, n, values):
            if use_numpy and isinstance(values, _np.ndarray):
                values = _np.ascontiguousarray(values, dtype=_np.float64).reshape(-1)
                if values.size != n:
                    raise ValueError("a custom activation returned %d values for %d units"
                                     % (values.size, n))
                ctypes.memmove(out, values.ctypes.data, n * 8)
                return
            flat = []
            _flatten_into(values, flat)
            if len(flat) != n:
                raise ValueError("a custom activation returned %d values for %d units"
                                 % (len(flat), n))
            for i, v in enumerate(flat):
                out[i] = v

        def fail(out, n, exc):
            self.errors.append(exc)
            for i in range(n):
                out[i] = float("nan")

        def c_function(_context, n, z, a):
            try:
                store(a, n, function(view(z, n)))
            except BaseException as exc:  # noqa: B036 - cannot cross the C frames
                fail(a, n, exc)

        def c_derivative(_context, n, z, a, d):
            try:
                store(d, n, derivative(view(z, n), view(a, n)))
            except BaseException as exc:  # noqa: B036
                fail(d, n, exc)

        self.c_function = ACTIVATION_FN(c_function)
        self.c_derivative = ACTIVATION_DERIV_FN(c_derivative)


def _custom_arrays(custom, use_numpy):
    """nn_load_ex arguments for {name: (function, derivative)}."""
    custom = dict(custom or {})
    states = [_CustomActivation(f, df, use_numpy) for f, df in custom.values()]
    k = len(states)
    names = (ctypes.c_char_p * max(k, 1))(*[_name_bytes(n) for n in custom])
    fs = (ACTIVATION_FN * max(k, 1))(*[st.c_function for st in states])
    dfs = (ACTIVATION_DERIV_FN * max(k, 1))(*[st.c_derivative for st in states])
    return k, names, fs, dfs, states


class _Writer:
    """Collects what the library writes through an nn_write_fn."""

    def __init__(self):
        self.chunks = []
        self.error = None

        def write(_context, data, n):
            try:
                self.chunks.append(ctypes.string_at(data, n))
                return 0
            except BaseException as exc:  # noqa: B036
                self.error = exc
                return 1

        self.c_write = WRITE_FN(write)

    def text(self):
        if self.error is not None:
            raise self.error
        return b"".join(self.chunks).decode("utf-8")


class _CallOptions:
    """A C options handle for one call, released when the call ends: made by
    the C function "<prefix>create", freed by "<prefix>free"."""

    _prefix = None

    def __init__(self, lib):
        self.lib = lib
        create = lib.require(self._prefix + "create")
        out = ctypes.c_void_p()
        lib.check(create(ctypes.byref(out)), self._prefix + "create")
        self.handle = out.value

    def _set(self, fname, *args):
        self.lib.check(self.lib.require(fname)(self.handle, *args), fname)

    def close(self):
        handle, self.handle = self.handle, None
        if handle is not None:
            getattr(self.lib, self._prefix + "free")(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _ExplainOptions(_CallOptions):
    """An nn_explain_options_t for one call, released when the call ends."""

    _prefix = "nn_explain_options_"

    def __init__(self, lib, fmt, digits, rule, apply, unit_names, param_names):
        super().__init__(lib)
        try:
            if fmt is not None:
                self._set("nn_explain_options_set_format", code(ExplainFormat, fmt))
            if digits is not None:
                self._set("nn_explain_options_set_digits", _c_int(digits, "digits"))
            if rule is not None:
                self._set("nn_explain_options_set_rule", code(Rule, rule))
            if apply:
                self._set("nn_explain_options_set_apply", 1)
            for (layer, index), name in dict(unit_names or {}).items():
                self._set("nn_explain_options_set_unit_name", _unsigned(layer, "layer"),
                          _unsigned(index, "unit index"), _name_bytes(name))
            for index, name in dict(param_names or {}).items():
                self._set("nn_explain_options_set_param_name", _unsigned(index, "index"),
                          _name_bytes(name))
        except BaseException:
            self.close()
            raise


class _Handle:
    """Shared life cycle of an object that owns one C handle."""

    _free_name = None  # the C function that releases the handle

    def _setup(self, library, use_numpy):
        self._lock = threading.RLock()
        self._busy = False
        self._handle = None
        # Custom activations installed on this network and its clones.
        self._custom = _Customs()
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

    def _call(self, fname, *args, counts=None):
        """Calls the C function *fname* and raises what it reports: the first
        exception of a Python callback it ran, else its status. *counts*
        returns the detail of an ``ERR_COUNT`` (expected and actual counts)."""
        # The lock is re-entrant, so only this flag stops a callback (custom
        # activation, writer) from calling into the network that runs it.
        if self._busy:
            raise RuntimeError("%s called from a callback of the same %s"
                               % (fname, type(self).__name__))
        func = getattr(self._lib, fname)
        snapshot = None
        if self._custom and fname in _PASSES_THAT_CHANGE:
            snapshot = self._snapshot()
        try:
            self._busy = True
            try:
                if self._custom:
                    status, error = self._custom.run(func, *args)
                else:
                    status, error = func(*args), None
            finally:
                self._busy = False
            if error is not None:
                if snapshot is not None:
                    # The copy taken before the call becomes this object's
                    # network; the finally clause frees the one that ran.
                    snapshot, self._handle = self._handle, snapshot
                raise error
        finally:
            if snapshot is not None:
                self._free(snapshot)
        if status == Status.ERR_COUNT and counts is not None:
            self._lib.check(status, fname, counts())
        self._lib.check(status, fname)

    def _snapshot(self):
        """An exact copy of the network, to put back when a Python callback
        raises: parameters, gradients, the state of both passes and the batch
        buffer's capacity (nn_clone sizes it to the live batch only)."""
        h = self._get()
        out = ctypes.c_void_p()
        self._lib.check(self._lib.nn_clone(h, ctypes.byref(out)), "nn_clone")
        copy = out.value
        capacity = self._lib.nn_batch_capacity
        if capacity is not None and self._lib.nn_reserve_batch is not None \
                and capacity(copy) < capacity(h):
            status = self._lib.nn_reserve_batch(copy, capacity(h))
            if status != Status.OK:
                self._free(copy)
                self._lib.check(status, "nn_reserve_batch")
        return copy

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
    was; so does an exception raised by a Python activation, which the call
    re-raises. Integer arguments must fit their C types: a size, count or
    index beyond ``size_t`` raises ``OverflowError`` (never wraps around), a
    negative one ``ValueError`` (a negative layer index is out of range,
    ``ERR_LAYER_RANGE``). Count errors tell the expected and the actual count
    in ``BackpropError.detail``. The C memory is released by :meth:`close`,
    by leaving a ``with`` block, or when the object is garbage-collected,
    whichever comes first.
    Calls on one Network are serialised by a lock, so it may be shared
    between threads.
    """

    _free_name = "nn_free"

    def __init__(self, sizes, activations, *, library=None, use_numpy=None):
        self._setup(library, use_numpy)
        lib = self._lib
        sizes = [_unsigned(s, "a layer size") for s in sizes]
        n = len(sizes)
        if isinstance(activations, (str, numbers.Integral)):
            activations = [activations] * max(n - 1, 0)
        acts = [code(Activation, a) for a in activations]
        if 2 <= n and len(acts) != n - 1:
            raise lib.error(Status.ERR_COUNT, "nn_create",
                            "expected %s (one per layer after the inputs), got %d"
                            % (_plural(n - 1, "activation", "activations"), len(acts)))
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
        twin = Network._adopt(out.value, self._lib, self._numpy)
        twin._custom = self._custom
        return twin

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

    def _layer(self, layer, fname):
        """*layer* as a C size_t; a negative index is out of range like any
        other the library refuses, one beyond size_t raises ``OverflowError``."""
        layer = _index(layer, "layer")
        if layer < 0:
            raise self._lib.error(Status.ERR_LAYER_RANGE, fname, "layer %d" % layer)
        return _unsigned(layer, "layer")

    def _check_layer(self, h, layer, first, fname):
        layer = self._layer(layer, fname)
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
    def _set_layer(self, fname, layer, values, describe):
        h = self._get()
        layer = self._layer(layer, fname)
        ptr, n, _keep = _input(values)
        self._call(fname, h, layer, ptr, n, counts=lambda: describe(h, layer, n))

    def _get_layer(self, fname, layer, n, shape=None):
        ptr, storage = self._out(n)
        self._call(fname, self._get(), self._layer(layer, fname), ptr, n)
        return self._result(storage, n, shape)

    def _weights_wanted(self, h, layer, n):
        rows, cols = self._matrix_shape(h, layer)
        return "expected %s for layer %d (%dx%d), got %d" % (
            _plural(rows * cols, "weight", "weights"), layer, rows, cols, n)

    def _biases_wanted(self, h, layer, n):
        shared = self._lib.nn_get_bias_mode(h, layer) == BiasMode.SHARED
        return "expected %s for layer %d%s, got %d" % (
            _plural(self._lib.nn_bias_count(h, layer), "bias", "biases"), layer,
            " (shared)" if shared else "", n)

    def _matrix_shape(self, h, layer):
        return (self._lib.nn_layer_size(h, layer), self._lib.nn_layer_size(h, layer - 1))

    @_locked
    def set_weights(self, layer, weights):
        """Sets the weights into *layer*, row-major ``[unit][input]`` (a flat
        sequence, a list of rows or a 2-D array)."""
        self._set_layer("nn_set_weights", layer, weights, self._weights_wanted)

    @_locked
    def get_weights(self, layer, matrix=False):
        """The weights into *layer*, flat row-major, or as rows (a list of
        lists or a 2-D array) when *matrix* is true."""
        h = self._get()
        layer = self._layer(layer, "nn_get_weights")
        n = self._lib.nn_weight_count(h, layer)
        shape = self._matrix_shape(h, layer) if matrix and n else None
        return self._get_layer("nn_get_weights", layer, n, shape)

    @_locked
    def set_biases(self, layer, biases):
        """Sets the biases of *layer* (one value for a shared bias)."""
        self._set_layer("nn_set_biases", layer, biases, self._biases_wanted)

    @_locked
    def get_biases(self, layer):
        """The biases of *layer* (one value for a shared bias)."""
        h = self._get()
        layer = self._layer(layer, "nn_get_biases")
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
        h = self._get()
        ptr, n, _keep = _input(values)
        self._call("nn_set_params", h, ptr, n, counts=lambda: "expected %s, got %d" % (
            _plural(self._lib.nn_param_count(h), "parameter", "parameters"), n))

    @_locked
    def init_random(self, seed, scheme="uniform", lo=0.0, hi=1.0):
        """Fills every parameter from an MT19937 seeded with *seed* (low 32
        bits), in the flat order. *scheme* is "uniform" (on [lo, hi)),
        "xavier" or "he", or an :class:`Init` code. A negative *seed* raises
        ``ValueError``, one beyond a C unsigned long ``OverflowError``."""
        seed = _seed(seed)
        self._call("nn_init_random", self._get(), seed,
                   code(Init, scheme), float(lo), float(hi))

    # ---------------------------------------------------------------- settings
    @_locked
    def set_activation(self, layer, activation):
        """Sets a built-in activation (name or code) on *layer*."""
        self._call("nn_set_activation", self._get(), self._layer(layer, "nn_set_activation"),
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
        self._call("nn_set_bias_mode", self._get(), self._layer(layer, "nn_set_bias_mode"),
                   code(BiasMode, mode))

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
        self._call("nn_set_frozen", self._get(), self._layer(layer, "nn_set_frozen"),
                   int(bool(weights)), int(bool(biases)))

    @_locked
    def get_frozen(self, layer):
        """The frozen flags of *layer* as ``(weights, biases)`` booleans."""
        w, b = ctypes.c_int(), ctypes.c_int()
        self._call("nn_get_frozen", self._get(), self._layer(layer, "nn_get_frozen"),
                   ctypes.byref(w), ctypes.byref(b))
        return bool(w.value), bool(b.value)

    @_locked
    def set_loss(self, loss):
        """Selects the loss: "half_sse" (the default), "mse", "cross_entropy",
        "binary_cross_entropy" or a code. The cross-entropies need a sigmoid or
        softmax output layer (``ERR_LOSS_OUTPUT`` otherwise)."""
        self._call("nn_set_loss", self._get(), code(Loss, loss))

    @_locked
    def get_loss(self):
        """The loss code (a :class:`Loss` member)."""
        return Loss(self._lib.nn_get_loss(self._get()))

    @_locked
    def set_reduction(self, reduction):
        """Selects what :meth:`backward_batch` adds: "sum" (the default) or
        "mean" of the batch's gradients, or a :class:`Reduction` code."""
        self._lib.require("nn_set_reduction")
        self._call("nn_set_reduction", self._get(), code(Reduction, reduction))

    @_locked
    def get_reduction(self):
        """The batch reduction (a :class:`Reduction` member)."""
        self._lib.require("nn_get_reduction")
        return Reduction(self._lib.nn_get_reduction(self._get()))

    # ---------------------------------------------------------------- training
    def _sample(self, values, n_expected, fname, what):
        # The C calls without a count read exactly n_expected doubles, so the
        # binding checks the length itself and reports it as the library would.
        ptr, n, keep = _input(values)
        if n != n_expected:
            raise self._lib.error(Status.ERR_COUNT, fname,
                                  "expected %d %s, got %d" % (n_expected, what, n))
        return ptr, keep

    @_locked
    def forward(self, inputs):
        """Runs one sample forward and returns the outputs."""
        h = self._get()
        ptr, _keep = self._sample(inputs, self._lib.nn_input_count(h), "nn_forward", "inputs")
        m = self._lib.nn_output_count(h)
        optr, storage = self._out(m)
        self._call("nn_forward", h, ptr, optr)
        return self._result(storage, m)

    @_locked
    def loss(self, targets):
        """The loss of the last :meth:`forward` against *targets*."""
        h = self._get()
        ptr, _keep = self._sample(targets, self._lib.nn_output_count(h), "nn_loss", "targets")
        value = ctypes.c_double()
        self._call("nn_loss", h, ptr, ctypes.byref(value))
        return value.value

    @_locked
    def backward(self, targets):
        """Adds the gradients of the last :meth:`forward` against *targets*
        to the accumulators."""
        h = self._get()
        ptr, _keep = self._sample(targets, self._lib.nn_output_count(h), "nn_backward",
                                  "targets")
        self._call("nn_backward", h, ptr)

    @_locked
    def step(self, learning_rate):
        """``p -= learning_rate * g`` for every parameter not frozen, then
        clears the gradients."""
        self._call("nn_step", self._get(), float(learning_rate))

    def _train(self, fname, inputs, targets, learning_rate):
        h = self._get()
        iptr, _ki = self._sample(inputs, self._lib.nn_input_count(h), fname, "inputs")
        tptr, _kt = self._sample(targets, self._lib.nn_output_count(h), fname, "targets")
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
    def clip_grad_norm(self, max_norm):
        """Clips the accumulated gradients by their global norm (PyTorch's
        ``clip_grad_norm_``): when the Euclidean norm n of the gradients of
        the blocks that are not frozen exceeds *max_norm*, they are scaled by
        ``max_norm / (n + 1e-6)``. Returns n, the norm before clipping."""
        self._lib.require("nn_clip_grad_norm")
        norm = ctypes.c_double()
        self._call("nn_clip_grad_norm", self._get(), float(max_norm), ctypes.byref(norm))
        return norm.value

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
        layer = self._layer(layer, "nn_get_weight_grads")
        n = self._lib.nn_weight_count(h, layer)
        shape = self._matrix_shape(h, layer) if matrix and n else None
        return self._get_layer("nn_get_weight_grads", layer, n, shape)

    @_locked
    def bias_grads(self, layer):
        """Accumulated gradients of *layer*'s biases."""
        h = self._get()
        layer = self._layer(layer, "nn_get_bias_grads")
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
        h = self._get()
        ptr, n, _keep = _input(values)
        self._call("nn_set_grads", h, ptr, n, counts=lambda: "expected %s, got %d" % (
            _plural(self._lib.nn_param_count(h), "gradient", "gradients"), n))

    # -------------------------------------------------------------- inspection
    def _inspect(self, fname, layer):
        h = self._get()
        layer = self._layer(layer, fname)
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

    # ------------------------------------------------------ custom activations
    @_locked
    def set_custom_activation(self, layer, function, derivative, name):
        """Installs a Python activation on *layer*.

        ``function(z)`` returns the layer's outputs and ``derivative(z, a)``
        their derivatives f'(z), each a sequence of as many values as the
        layer has units; z and a arrive as lists, or as read-only numpy
        arrays when this network returns numpy arrays. *name* (1 to 31
        characters from ``[A-Za-z0-9_.-]``) is what model files store. The
        functions must not call this network or a clone of it. An exception they raise is
        re-raised by the method that ran them, after the network has been put
        back exactly as it was before that call (parameters, gradients and the
        state of the last passes, bit for bit). To make that possible, every
        pass of a network with a Python activation first takes a copy of it.
        """
        custom = _CustomActivation(function, derivative, self._numpy)
        self._call("nn_set_custom_activation", self._get(),
                   self._layer(layer, "nn_set_custom_activation"),
                   custom.c_function, custom.c_derivative, None, _name_bytes(name))
        self._custom.activations.append(custom)

    # ----------------------------------------------------------------- batches
    def _rows(self, values, width, fname, what):
        # n rows of width values; the C batch calls take n, not a count.
        ptr, total, keep = _input(values)
        n = total // width if width else 0
        if n * width != total:
            raise self._lib.error(Status.ERR_COUNT, fname,
                                  "expected whole rows of %d %s, got %d values"
                                  % (width, what, total))
        return ptr, n, keep

    @_locked
    def forward_batch(self, inputs):
        """Runs n samples forward (a flat sequence of n * input_count values,
        a list of rows or an (n, input_count) array) and returns the outputs
        as n rows; :meth:`loss_batch` and :meth:`backward_batch` then refer
        to this batch."""
        h = self._get()
        ptr, n, _keep = self._rows(inputs, self._lib.nn_input_count(h), "nn_forward_batch",
                                  "inputs")
        m = self._lib.nn_output_count(h)
        optr, storage = self._out(n * m)
        self._lib.require("nn_forward_batch")
        self._call("nn_forward_batch", h, n, ptr, optr)
        return self._result(storage, n * m, (n, m))

    @_locked
    def loss_batch(self, targets):
        """The summed loss of the last :meth:`forward_batch` against n rows
        of targets."""
        h = self._get()
        ptr, n, _keep = self._rows(targets, self._lib.nn_output_count(h), "nn_loss_batch",
                                  "targets")
        value = ctypes.c_double()
        self._lib.require("nn_loss_batch")
        self._call("nn_loss_batch", h, n, ptr, ctypes.byref(value))
        return value.value

    @_locked
    def backward_batch(self, targets):
        """Adds the summed gradients of the last :meth:`forward_batch`, or
        their mean (see :meth:`set_reduction`)."""
        h = self._get()
        ptr, n, _keep = self._rows(targets, self._lib.nn_output_count(h), "nn_backward_batch",
                                  "targets")
        self._lib.require("nn_backward_batch")
        self._call("nn_backward_batch", h, n, ptr)

    @_locked
    def reserve_batch(self, n):
        """Makes batches of up to *n* samples allocate nothing."""
        self._lib.require("nn_reserve_batch")
        self._call("nn_reserve_batch", self._get(), _unsigned(n, "n"))

    @property
    @_locked
    def batch_capacity(self):
        """Rows the batch buffer holds (0 before any batch)."""
        return self._lib.require("nn_batch_capacity")(self._get())

    @property
    @_locked
    def threads(self):
        """Threads the batched passes may use (settable; 1 by default)."""
        return self._lib.require("nn_get_threads")(self._get())

    @threads.setter
    @_locked
    def threads(self, n):
        self._lib.require("nn_set_threads")
        self._call("nn_set_threads", self._get(), _unsigned(n, "threads"))

    @_locked
    def predict(self, inputs):
        """Outputs for n samples (layout as :meth:`forward_batch`) without
        changing the network: no pass is recorded and no gradient touched."""
        h = self._get()
        ptr, n, _keep = self._rows(inputs, self._lib.nn_input_count(h), "nn_predict", "inputs")
        m = self._lib.nn_output_count(h)
        size = self._lib.require("nn_inference_workspace_size")(h, n)
        workspace = (ctypes.c_double * max(size, 1))()
        optr, storage = self._out(n * m)
        self._call("nn_predict", h, n, ptr, optr, workspace, size)
        return self._result(storage, n * m, (n, m))

    # ------------------------------------------------------------- model files
    @_locked
    def save(self, path):
        """Saves the model to *path* (``str``, ``bytes`` or ``os.PathLike``;
        replaced atomically). A path holding a NUL byte raises ``ValueError``,
        as ``open()`` does."""
        self._lib.require("nn_save")
        self._call("nn_save", self._get(), _path(path))

    @_locked
    def to_bytes(self):
        """The model text, as ``bytes``, that :meth:`from_bytes` reads back."""
        h = self._get()
        save = self._lib.require("nn_save_buffer")
        length = ctypes.c_size_t()
        status = save(h, None, 0, ctypes.byref(length))
        if status not in (Status.OK, Status.ERR_BUFFER_SIZE):
            self._lib.check(status, "nn_save_buffer")
        buf = ctypes.create_string_buffer(length.value + 1)
        self._call("nn_save_buffer", h, buf, len(buf), ctypes.byref(length))
        return buf.raw[:length.value]

    @classmethod
    def _load(cls, fname, source, extra, custom, library, use_numpy):
        lib = Library.load(library)
        load = lib.require(fname)
        if use_numpy is None:
            use_numpy = _np is not None
        k, names, fs, dfs, states = _custom_arrays(custom, use_numpy)
        out = ctypes.c_void_p()
        msg = ctypes.create_string_buffer(256)
        status = load(ctypes.byref(out), source, *extra, k, names, fs, dfs, None, msg, len(msg))
        lib.check(status, fname, msg.value.decode("utf-8", "replace") or None)
        net = cls._adopt(out.value, lib, use_numpy)
        net._custom = _Customs(states)
        return net

    @classmethod
    def load(cls, path, *, custom=None, library=None, use_numpy=None):
        """Loads a model file. *custom* maps the names of custom activations
        the model uses to ``(function, derivative)`` pairs. A malformed model
        raises :class:`BackpropError` whose ``detail`` tells the line. *path*
        is a ``str``, ``bytes`` or ``os.PathLike``; one holding a NUL byte
        raises ``ValueError``, as ``open()`` does."""
        return cls._load("nn_load_ex", _path(path), (), custom, library, use_numpy)

    @classmethod
    def from_bytes(cls, data, *, custom=None, library=None, use_numpy=None):
        """Loads a model from the text *data* (``bytes`` or ``str``)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        data = bytes(data)
        return cls._load("nn_load_buffer_ex", data, (len(data),), custom, library, use_numpy)

    # ------------------------------------------------- worked calculations
    def _samples_wanted(self, h, ni, nt, wanted):
        return ("expected " + wanted + ", got %d inputs and %d targets") % (
            self._lib.nn_input_count(h), self._lib.nn_output_count(h), ni, nt)

    @_locked
    def explain(self, inputs, targets, learning_rate, *, format="text", digits=None,
                rule="standard", apply=False, unit_names=None, param_names=None):
        """One training step written out as a worked calculation, as ``str``.

        *inputs* and *targets* hold one sample or several (rows); *format* is
        "text", "markdown" or "json"; *rule* "standard" or "sequential"; with
        *apply* the step is also applied to the network. *unit_names* maps
        ``(layer, index)`` and *param_names* maps flat indices to names.
        """
        h = self._get()
        iptr, ni, _ki = _input(inputs)
        tptr, nt, _kt = _input(targets)
        writer = _Writer()
        with _ExplainOptions(self._lib, format, digits, rule, apply, unit_names,
                             param_names) as opts:
            self._call("nn_explain", h, opts.handle, iptr, ni, tptr, nt,
                       float(learning_rate), writer.c_write, None,
                       counts=lambda: self._samples_wanted(
                           h, ni, nt, "rows of %d inputs and as many rows of %d targets"))
        return writer.text()

    @_locked
    def export_dot(self, inputs=None, targets=None, *, digits=None, unit_names=None,
                   param_names=None):
        """The network as a Graphviz DOT graph (``str``); with *inputs* (and
        *targets*) it also shows that sample's pass."""
        h = self._get()
        iptr, ni, _ki = (None, 0, None) if inputs is None else _input(inputs)
        tptr, nt, _kt = (None, 0, None) if targets is None else _input(targets)
        writer = _Writer()
        with _ExplainOptions(self._lib, None, digits, None, False, unit_names,
                             param_names) as opts:
            self._call("nn_export_dot", h, opts.handle, iptr, ni, tptr, nt,
                       writer.c_write, None,
                       counts=lambda: self._samples_wanted(
                           h, ni, nt, "%d inputs and 0 or %d targets"))
        return writer.text()

    # ------------------------------------------------ scaling and class names
    def _fit_scaling(self, fname, width, scheme, rows):
        h = self._get()
        self._lib.require(fname)
        scheme = code(Scale, scheme)
        if scheme == Scale.NONE:
            self._call(fname, h, scheme, 0, None)
            return
        ptr, n, _keep = self._rows(rows, width(h), fname, "values")
        self._call(fname, h, scheme, n, ptr)

    @_locked
    def fit_input_scaling(self, scheme, inputs):
        """Fits the input scaling on rows of raw inputs (the training rows
        only): "standard" (mean and population standard deviation, as
        scikit-learn's StandardScaler), "minmax" (minimum and range, as its
        MinMaxScaler) or "none" (removes it; *inputs* is then ignored). Every
        forward pass then scales its inputs, x' = (x - offset) / scale."""
        self._fit_scaling("nn_fit_input_scaling", self._lib.nn_input_count, scheme, inputs)

    @_locked
    def fit_target_scaling(self, scheme, targets):
        """Fits the target scaling on rows of raw targets, as
        :meth:`fit_input_scaling`. Training calls then take targets in the
        network's units (:meth:`scale_targets`) and :meth:`predict` gives raw
        outputs."""
        self._fit_scaling("nn_fit_target_scaling", self._lib.nn_output_count, scheme, targets)

    def _set_scaling(self, fname, width, offset, scale):
        h = self._get()
        self._lib.require(fname)
        optr, n_o, _ko = _input(offset)
        sptr, n_s, _ks = _input(scale)
        if n_o != n_s:
            raise self._lib.error(Status.ERR_COUNT, fname,
                                  "%d offsets and %d scales" % (n_o, n_s))
        self._call(fname, h, optr, sptr, n_o,
                   counts=lambda: "expected %d values, got %d" % (width(h), n_o))

    def _get_scaling(self, fname, width):
        h = self._get()
        self._lib.require(fname)
        n = width(h)
        optr, ostore = self._out(n)
        sptr, sstore = self._out(n)
        self._call(fname, h, optr, sptr, n)
        return self._result(ostore, n), self._result(sstore, n)

    @_locked
    def set_input_scaling(self, offset, scale):
        """Sets the input scaling: one finite offset and one scale above 0
        per input."""
        self._set_scaling("nn_set_input_scaling", self._lib.nn_input_count, offset, scale)

    @_locked
    def set_target_scaling(self, offset, scale):
        """Sets the target scaling: one finite offset and one scale above 0
        per output."""
        self._set_scaling("nn_set_target_scaling", self._lib.nn_output_count, offset, scale)

    @property
    @_locked
    def input_scaling(self):
        """``(offsets, scales)`` of the inputs, or None without input scaling."""
        if not self._lib.require("nn_has_input_scaling")(self._get()):
            return None
        return self._get_scaling("nn_get_input_scaling", self._lib.nn_input_count)

    @property
    @_locked
    def target_scaling(self):
        """``(offsets, scales)`` of the outputs, or None without target scaling."""
        if not self._lib.require("nn_has_target_scaling")(self._get()):
            return None
        return self._get_scaling("nn_get_target_scaling", self._lib.nn_output_count)

    def _convert(self, fname, width, rows):
        h = self._get()
        self._lib.require(fname)
        ptr, n, _keep = self._rows(rows, width, fname, "values")
        optr, storage = self._out(n * width)
        self._call(fname, h, n, ptr, optr)
        return self._result(storage, n * width, (n, width))

    @_locked
    def scale_inputs(self, inputs):
        """Rows of raw inputs as the network's layers see them."""
        return self._convert("nn_scale_inputs", self._lib.nn_input_count(self._get()), inputs)

    @_locked
    def scale_targets(self, targets):
        """Rows of raw targets in the network's units, as the training calls
        take them."""
        return self._convert("nn_scale_targets", self._lib.nn_output_count(self._get()),
                             targets)

    @_locked
    def unscale_outputs(self, outputs):
        """Rows of outputs in the network's units (:meth:`forward`) as raw
        values (what :meth:`predict` gives)."""
        return self._convert("nn_unscale_outputs", self._lib.nn_output_count(self._get()),
                             outputs)

    @property
    @_locked
    def class_names(self):
        """The names of the classes the outputs stand for (a list of str;
        empty when none). Settable: one name per output, or two for one
        output; an empty list removes them. Names are UTF-8 encoded."""
        h = self._get()
        count = self._lib.require("nn_class_count")(h)
        return [self._lib.nn_class_name(h, k).decode("utf-8", "replace")
                for k in range(count)]

    @class_names.setter
    @_locked
    def class_names(self, names):
        h = self._get()
        self._lib.require("nn_set_class_names")
        encoded = [n.encode("utf-8") if isinstance(n, str) else bytes(n) for n in names]
        array = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
        self._call("nn_set_class_names", h, len(encoded), array if encoded else None)


class Rng(_Handle):
    """The library's MT19937 generator (numpy's ``seed`` + ``rand`` stream).

    *seed* must fit a C unsigned long (``OverflowError`` beyond, ``ValueError``
    below 0); the library uses its low 32 bits."""

    _free_name = "nn_rng_free"

    def __init__(self, seed, *, library=None):
        self._setup(library, False)
        seed = _seed(seed)
        out = ctypes.c_void_p()
        self._lib.check(self._lib.nn_rng_create(ctypes.byref(out), seed),
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
