"""Data sets, the training loop and evaluation: :class:`Dataset`,
:func:`fit_scaling`, :func:`train` and :func:`evaluate`.

A typical run, numpy arrays in and the history out::

    data = backprop.Dataset(x, one_hot)            # copies both arrays
    train_set, test_set = data.split(0.2, seed=1, stratify=True)
    backprop.fit_scaling(net, train_set, inputs="standard")
    history = backprop.train(net, train_set, epochs=40, batch_size=32,
                             optimizer="adam", learning_rate=0.003, seed=1)
    print(backprop.evaluate(net, test_set)["accuracy"])
"""

import ctypes

from ._native import EPOCH_FN, c_double_p
from .constants import Hyperparameter, OptimizerKind, Status, code
from .network import Network, _Handle, _input, _locked, _path, _seed, _unsigned

try:
    import numpy as _np
except ImportError:
    _np = None

# The columns of a history row (NN_HISTORY_*), in order.
HISTORY_COLUMNS = ("epoch", "train_loss", "validation_loss", "validation_metric",
                   "learning_rate", "seconds")

# Input and target scaling schemes (NN_SCALE_*).
SCALE_NONE, SCALE_STANDARD, SCALE_MINMAX = 0, 1, 2


def _scheme(lib, scheme):
    if isinstance(scheme, str):
        value = ctypes.c_int()
        lib.check(lib.require("nn_scale_from_name")(scheme.encode(), ctypes.byref(value)),
                  "nn_scale_from_name", "unknown scaling %r" % scheme)
        return value.value
    return int(scheme)


def _matrix(values, what):
    """*values* as (pointer, rows, columns, keep-alive): a 2-D numpy array is
    read in C order; a list of rows (or a flat list, one column) otherwise."""
    if _np is not None and isinstance(values, _np.ndarray):
        arr = values if values.ndim == 2 else values.reshape(len(values), -1)
        if arr.ndim != 2:
            raise ValueError("%s must be 2-D (rows x columns)" % what)
        arr = _np.ascontiguousarray(arr, dtype=_np.float64)
        return arr.ctypes.data_as(c_double_p), arr.shape[0], arr.shape[1], arr
    rows = [list(r) if hasattr(r, "__len__") else [r] for r in values]
    width = len(rows[0]) if rows else 0
    if any(len(r) != width for r in rows):
        raise ValueError("%s: every row must have the same length" % what)
    ptr, _, keep = _input(rows)
    return ptr, len(rows), width, keep


def _borrowable(arr):
    return (_np is not None and isinstance(arr, _np.ndarray) and arr.ndim == 2
            and arr.dtype == _np.float64 and arr.flags["C_CONTIGUOUS"])


class Dataset(_Handle):
    """Rows of inputs and targets (``nn_dataset_t``), what :func:`train` and
    :func:`evaluate` read.

    ``Dataset(inputs, targets)`` takes a rows x inputs and a rows x targets
    array (numpy arrays or lists of rows; a 1-D target array is one target a
    row). By default both are copied into the C object. With ``copy=False``
    the data set borrows them instead (``nn_dataset_wrap``): both must then be
    2-D, float64 and C-contiguous numpy arrays (``ValueError`` otherwise); the
    data set keeps a reference to them, and they must not be changed while it
    lives. *class_names* (one per target column) marks a classification set
    with one-hot targets.
    """

    _free_name = "nn_dataset_free"

    def __init__(self, inputs, targets=None, *, copy=True, class_names=None, library=None,
                 use_numpy=None):
        self._setup(library, use_numpy)
        self._keep = None
        if targets is None:
            targets = []
        if not copy:
            if not (_borrowable(inputs) and _borrowable(targets)):
                raise ValueError("copy=False needs 2-D, float64, C-contiguous numpy arrays")
        x_ptr, n, n_in, x_keep = _matrix(inputs, "inputs")
        if _np is not None and isinstance(targets, _np.ndarray) and targets.ndim == 1:
            targets = targets.reshape(-1, 1)
        t_ptr, n_t_rows, n_out, t_keep = _matrix(targets, "targets")
        if n_out and n_t_rows != n:
            raise self._lib.error(Status.ERR_COUNT, "nn_dataset_create",
                                  "%d rows of inputs but %d of targets" % (n, n_t_rows))
        fname = "nn_dataset_create" if copy else "nn_dataset_wrap"
        out = ctypes.c_void_p()
        self._lib.check(self._lib.require(fname)(ctypes.byref(out), n, n_in, n_out, x_ptr,
                                                 t_ptr if n_out else None), fname)
        self._handle = out.value
        if not copy:
            self._keep = (x_keep, t_keep)
        if class_names is not None:
            try:
                self._set_class_names(class_names)
            except BaseException:
                self.close()
                raise

    @classmethod
    def _adopt(cls, handle, library, use_numpy, keep=None):
        self = cls.__new__(cls)
        self._setup(library, use_numpy)
        self._handle = handle
        self._keep = keep
        return self

    @classmethod
    def from_csv(cls, path, *, class_column=None, target_columns=None, target_count=None,
                 header=None, delimiter=",", library=None, use_numpy=None):
        """Loads a CSV file (``nn_dataset_load_csv``). *class_column* (a name or
        0-based index) turns a label column into one-hot targets with class
        names; *target_columns* (0-based) or *target_count* (the last columns)
        choose numeric targets; *header* None detects a header row, True or
        False says. A malformed file raises :class:`BackpropError` whose
        detail names the line and column."""
        probe = cls.__new__(cls)
        probe._setup(library, use_numpy)
        lib = probe._lib
        options = ctypes.c_void_p()
        lib.check(lib.require("nn_csv_options_create")(ctypes.byref(options)),
                  "nn_csv_options_create")
        try:
            o = options.value
            if header is not None:
                lib.check(lib.nn_csv_options_set_header(o, 1 if header else 2),
                          "nn_csv_options_set_header")
            if class_column is not None:
                lib.check(lib.nn_csv_options_set_class_column(o, str(class_column).encode()),
                          "nn_csv_options_set_class_column")
            if target_columns is not None:
                cols = [_unsigned(c, "a target column") for c in target_columns]
                arr = (ctypes.c_size_t * max(len(cols), 1))(*cols)
                lib.check(lib.nn_csv_options_set_target_columns(o, arr, len(cols)),
                          "nn_csv_options_set_target_columns")
            if target_count is not None:
                lib.check(lib.nn_csv_options_set_target_count(o, _unsigned(target_count,
                                                                            "target_count")),
                          "nn_csv_options_set_target_count")
            if delimiter != ",":
                lib.check(lib.nn_csv_options_set_delimiter(o, delimiter.encode()),
                          "nn_csv_options_set_delimiter")
            out = ctypes.c_void_p()
            message = ctypes.create_string_buffer(512)
            status = lib.nn_dataset_load_csv(ctypes.byref(out), _path(path), o, message,
                                             len(message))
            lib.check(status, "nn_dataset_load_csv", message.value.decode("utf-8", "replace"))
        finally:
            lib.nn_csv_options_free(options.value)
        return cls._adopt(out.value, lib, probe._numpy)

    def _set_class_names(self, names):
        names = [n.encode() if isinstance(n, str) else bytes(n) for n in names]
        arr = (ctypes.c_char_p * max(len(names), 1))(*names)
        self._call("nn_dataset_set_class_names", self._get(), len(names), arr)

    @property
    def rows(self):
        """The number of rows."""
        return self._lib.nn_dataset_row_count(self._get())

    def __len__(self):
        return self.rows

    @property
    def input_count(self):
        return self._lib.nn_dataset_input_count(self._get())

    @property
    def target_count(self):
        return self._lib.nn_dataset_target_count(self._get())

    def _copy_out(self, ptr, cols):
        n = self.rows * cols
        if n == 0 or not ptr:
            return self._result([], 0, (self.rows, cols)) if not self._numpy \
                else _np.zeros((self.rows, cols))
        if self._numpy:
            return _np.ctypeslib.as_array(ptr, shape=(self.rows, cols)).copy()
        values = ptr[:n]
        return [values[r * cols:(r + 1) * cols] for r in range(self.rows)]

    @property
    @_locked
    def inputs(self):
        """A copy of the inputs, rows x input_count."""
        return self._copy_out(self._lib.nn_dataset_inputs(self._get()), self.input_count)

    @property
    @_locked
    def targets(self):
        """A copy of the targets, rows x target_count."""
        return self._copy_out(self._lib.nn_dataset_targets(self._get()), self.target_count)

    @property
    def class_names(self):
        """The class names of a classification set (empty list otherwise)."""
        h = self._get()
        return [self._lib.nn_dataset_class_name(h, k).decode("utf-8", "replace")
                for k in range(self._lib.nn_dataset_class_count(h))]

    @_locked
    def source_rows(self):
        """Each row's index in the data set it was loaded or made from."""
        n = self.rows
        arr = (ctypes.c_size_t * max(n, 1))()
        self._call("nn_dataset_source_rows", self._get(), arr, n)
        return list(arr[:n])

    @_locked
    def split(self, fraction, *, seed=0, stratify=False):
        """Two new data sets (``nn_dataset_split``): (kept, held out), the
        second holding *fraction* of the rows (scikit-learn's
        ``train_test_split(test_size=fraction, random_state=seed)`` bit for
        bit); with *stratify* each class is split in that proportion."""
        first, second = ctypes.c_void_p(), ctypes.c_void_p()
        self._call("nn_dataset_split", self._get(), float(fraction), _seed(seed),
                   1 if stratify else 0, ctypes.byref(first), ctypes.byref(second))
        return (Dataset._adopt(first.value, self._lib, self._numpy),
                Dataset._adopt(second.value, self._lib, self._numpy))

    @_locked
    def shuffle(self, seed):
        """Reorders the rows as numpy's ``np.random.seed(seed);
        np.random.permutation(rows)`` (a borrowed set becomes a copy)."""
        self._call("nn_dataset_shuffle", self._get(), _seed(seed))
        self._keep = None


def fit_scaling(network, dataset, *, inputs=None, targets=None):
    """Fits the network's input scaling and/or target scaling on *dataset*
    (training rows only): "standard", "minmax" or "none". The network keeps
    them: every forward pass takes raw inputs, and predictions are in raw
    target units; :func:`train` converts the targets it reads."""
    lib = network.library
    with network._lock, dataset._lock:
        n = dataset.rows
        if inputs is not None:
            network._call("nn_fit_input_scaling", network._get(), _scheme(lib, inputs), n,
                          lib.nn_dataset_inputs(dataset._get()))
        if targets is not None:
            network._call("nn_fit_target_scaling", network._get(), _scheme(lib, targets), n,
                          lib.nn_dataset_targets(dataset._get()))


class _Options:
    """An ``nn_train_options_t`` for one :func:`train` call."""

    def __init__(self, lib):
        self.lib = lib
        out = ctypes.c_void_p()
        lib.check(lib.require("nn_train_options_create")(ctypes.byref(out)),
                  "nn_train_options_create")
        self.handle = out.value

    def set(self, name, *args):
        fname = "nn_train_options_set_" + name
        self.lib.check(getattr(self.lib, fname)(self.handle, *args), fname)

    def close(self):
        self.lib.nn_train_options_free(self.handle)


def _history_rows(values, n, as_numpy):
    width = len(HISTORY_COLUMNS)
    if as_numpy:
        return _np.array(values[:n * width], dtype=_np.float64).reshape(n, width)
    return [dict(zip(HISTORY_COLUMNS, values[r * width:(r + 1) * width])) for r in range(n)]


def train(network, train_set, validation=None, *, epochs=10, batch_size=32, seed=0,
          shuffle=True, optimizer="sgd", learning_rate=None, hyperparameters=None, clip=0.0,
          validation_fraction=0.0, stratify=False, patience=0, min_delta=0.0,
          restore_best=True, threads=1, order_file=None, callback=None, chunks=0):
    """Trains *network* on *train_set* with the library's loop (``nn_train``)
    and returns the history: one row per epoch run, with the columns
    :data:`HISTORY_COLUMNS` (NaN where not measured) -- a numpy array
    (epochs x 6) when the network uses numpy, else a list of dicts.

    *validation* is a :class:`Dataset`, or *validation_fraction* holds back
    that share of *train_set* (stratified by class with *stratify*); with
    *patience* > 0 training stops when the validation loss has not improved
    by *min_delta* for that many epochs, and *restore_best* puts back the best
    epoch's parameters. *optimizer* is a kind name or code; *hyperparameters*
    a dict of its settings ("beta1": 0.9, ...). *chunks* > 0 cuts every batch
    into that many chunks added in chunk order (``nn_train_options_set_chunks``:
    the bits a data-parallel run over MPI gives). *callback(epoch, row)* sees
    each epoch's history row (a dict) and may return True to stop. The targets
    must be in the network's units (see :func:`fit_scaling`).
    """
    if not isinstance(network, Network):
        raise TypeError("train needs a Network, got %r" % (network,))
    lib = network.library
    lib.require("nn_train")
    epochs = _unsigned(epochs, "epochs")
    options = _Options(lib)
    errors = []

    def on_epoch(_context, epoch, metrics, n_metrics):
        try:
            row = dict(zip(HISTORY_COLUMNS, metrics[:n_metrics]))
            return 1 if callback(int(epoch), row) else 0
        except BaseException as exc:  # re-raised after nn_train returns
            errors.append(exc)
            return 1

    c_callback = EPOCH_FN(on_epoch) if callback is not None else None
    try:
        options.set("epochs", epochs)
        options.set("batch_size", _unsigned(batch_size, "batch_size"))
        options.set("seed", _seed(seed))
        options.set("shuffle", 1 if shuffle else 0)
        options.set("optimizer", code(OptimizerKind, optimizer))
        for name, value in (hyperparameters or {}).items():
            options.set("hyperparameter", code(Hyperparameter, name), float(value))
        if learning_rate is not None:
            options.set("learning_rate", float(learning_rate))
        options.set("clip", float(clip))
        if validation_fraction:
            options.set("validation_fraction", float(validation_fraction), 1 if stratify else 0)
        options.set("patience", _unsigned(patience, "patience"), float(min_delta))
        options.set("restore_best", 1 if restore_best else 0)
        options.set("threads", _unsigned(threads, "threads"))
        if chunks:
            options.set("chunks", _unsigned(chunks, "chunks"))
        if order_file is not None:
            options.set("order_file", _path(order_file))
        if c_callback is not None:
            options.set("epoch_callback", c_callback, None)
        width = len(HISTORY_COLUMNS)
        history = (ctypes.c_double * max(epochs * width, 1))()
        n_epochs = ctypes.c_size_t()
        with network._lock, train_set._lock:
            v_handle = validation._get() if validation is not None else None
            status = lib.nn_train(network._get(), train_set._get(), v_handle, options.handle,
                                  history, epochs * width, ctypes.byref(n_epochs))
        if errors:
            raise errors[0]
        lib.check(status, "nn_train")
    finally:
        options.close()
    return _history_rows(history, n_epochs.value, network._numpy)


def _metric_names(lib):
    """{name: code} of every metric the library names (codes from 0 up)."""
    names = {}
    for k in range(64):
        name = lib.nn_metric_name(k)
        if not name or name.startswith(b"unknown") or name.startswith(b"("):
            break
        names[name.decode()] = k
    return names


def evaluate(network, dataset):
    """The metrics of *network* on *dataset* (``nn_evaluate``) as a dict:
    every metric the library defines for it, by name ("loss", "accuracy",
    "mse", "mae", "r2", ...); for a classifier also "confusion" (k x k
    counts, row = true class: a numpy array or a list of lists) and
    "classes" (one dict per class: precision, recall, f1, support)."""
    lib = network.library
    lib.require("nn_evaluate")
    out = ctypes.c_void_p()
    with network._lock, dataset._lock:
        lib.check(lib.nn_evaluate(network._get(), dataset._get(), ctypes.byref(out)),
                  "nn_evaluate")
    m = out.value
    try:
        result = {}
        value = ctypes.c_double()
        for name, k in _metric_names(lib).items():
            if lib.nn_metrics_get(m, k, ctypes.byref(value)) == Status.OK:
                result[name] = value.value
        k = lib.nn_metrics_class_count(m)
        if k:
            counts = (ctypes.c_size_t * (k * k))()
            lib.check(lib.nn_metrics_confusion(m, counts, k * k), "nn_metrics_confusion")
            rows = [list(counts[r * k:(r + 1) * k]) for r in range(k)]
            result["confusion"] = _np.array(rows) if network._numpy else rows
            p, r, f = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
            support = ctypes.c_size_t()
            classes = []
            for c in range(k):
                lib.check(lib.nn_metrics_class(m, c, ctypes.byref(p), ctypes.byref(r),
                                               ctypes.byref(f), ctypes.byref(support)),
                          "nn_metrics_class")
                classes.append({"precision": p.value, "recall": r.value, "f1": f.value,
                                "support": support.value})
            result["classes"] = classes
        return result
    finally:
        lib.nn_metrics_free(m)
