"""Loading libbackprop with ctypes and declaring the C prototypes.

Nothing here is compiled: the shared library is found at run time, in this
order: an explicit path, the environment variable ``BACKPROP_LIBRARY``,
``ctypes.util.find_library("backprop")``, and finally the soname
``libbackprop.so.0`` through the dynamic loader's own search.
"""

import ctypes
import ctypes.util
import os
import threading

from .constants import Status, _c_int

ENV_VARIABLE = "BACKPROP_LIBRARY"
SONAME = "libbackprop.so.0"
# The major version this binding was written for (nn_version_number() // 10000).
ABI_MAJOR = 0

c_double_p = ctypes.POINTER(ctypes.c_double)
c_size_t_p = ctypes.POINTER(ctypes.c_size_t)
c_int_p = ctypes.POINTER(ctypes.c_int)
# nn_t*, nn_rng_t* and the other handles are opaque: they travel as void pointers.
handle_t = ctypes.c_void_p
handle_p = ctypes.POINTER(ctypes.c_void_p)
status_t = ctypes.c_int  # nn_status is a C enum with int-sized values

_I, _Z, _D, _P = ctypes.c_int, ctypes.c_size_t, ctypes.c_double, c_double_p
_H, _S, _UL = handle_t, status_t, ctypes.c_ulong

# name: (restype, argtypes). Every function the binding calls is listed here.
PROTOTYPES = {
    "nn_strerror": (ctypes.c_char_p, [_S]),
    "nn_version_string": (ctypes.c_char_p, []),
    "nn_version_number": (_UL, []),

    "nn_create": (_S, [handle_p, _Z, c_size_t_p, c_int_p]),
    "nn_free": (None, [_H]),
    "nn_clone": (_S, [_H, handle_p]),

    "nn_layer_count": (_Z, [_H]),
    "nn_layer_size": (_Z, [_H, _Z]),
    "nn_input_count": (_Z, [_H]),
    "nn_output_count": (_Z, [_H]),
    "nn_weight_count": (_Z, [_H, _Z]),
    "nn_bias_count": (_Z, [_H, _Z]),

    "nn_set_weights": (_S, [_H, _Z, _P, _Z]),
    "nn_get_weights": (_S, [_H, _Z, _P, _Z]),
    "nn_set_biases": (_S, [_H, _Z, _P, _Z]),
    "nn_get_biases": (_S, [_H, _Z, _P, _Z]),

    "nn_set_activation": (_S, [_H, _Z, _I]),
    "nn_get_activation": (_I, [_H, _Z]),
    "nn_get_activation_name": (ctypes.c_char_p, [_H, _Z]),
    "nn_set_bias_mode": (_S, [_H, _Z, _I]),
    "nn_get_bias_mode": (_I, [_H, _Z]),
    "nn_set_frozen": (_S, [_H, _Z, _I, _I]),
    "nn_get_frozen": (_S, [_H, _Z, c_int_p, c_int_p]),
    "nn_set_loss": (_S, [_H, _I]),
    "nn_get_loss": (_I, [_H]),

    "nn_forward": (_S, [_H, _P, _P]),
    "nn_loss": (_S, [_H, _P, _P]),
    "nn_backward": (_S, [_H, _P]),
    "nn_step": (_S, [_H, _D]),
    "nn_train_sequential": (_S, [_H, _P, _P, _D]),
    "nn_train_sample": (_S, [_H, _P, _P, _D]),
    "nn_get_weight_grads": (_S, [_H, _Z, _P, _Z]),
    "nn_get_bias_grads": (_S, [_H, _Z, _P, _Z]),
    "nn_zero_grads": (_S, [_H]),

    "nn_get_net_inputs": (_S, [_H, _Z, _P, _Z]),
    "nn_get_outputs": (_S, [_H, _Z, _P, _Z]),
    "nn_get_deltas": (_S, [_H, _Z, _P, _Z]),

    "nn_param_count": (_Z, [_H]),
    "nn_get_params": (_S, [_H, _P, _Z]),
    "nn_set_params": (_S, [_H, _P, _Z]),
    "nn_get_grads": (_S, [_H, _P, _Z]),
    "nn_set_grads": (_S, [_H, _P, _Z]),

    "nn_rng_create": (_S, [handle_p, _UL]),
    "nn_rng_free": (None, [_H]),
    "nn_rng_next_u32": (_UL, [_H]),
    "nn_rng_uniform": (_D, [_H]),
    "nn_init_random": (_S, [_H, _UL, _I, _D, _D]),
}

# Callback types of the C API.
ACTIVATION_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, c_double_p, c_double_p)
ACTIVATION_DERIV_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, c_double_p,
                                       c_double_p, c_double_p)
WRITE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_char),
                            ctypes.c_size_t)

# nn_epoch_fn: (context, epoch, metrics, n_metrics) -> nonzero to stop.
EPOCH_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t, c_double_p,
                            ctypes.c_size_t)

_VP, _CP, _BUF = ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char)
_NAMES = ctypes.POINTER(ctypes.c_char_p)
_FS = ctypes.POINTER(ACTIVATION_FN)
_DFS = ctypes.POINTER(ACTIVATION_DERIV_FN)

PROTOTYPES["nn_set_custom_activation"] = (
    _S, [_H, _Z, ACTIVATION_FN, ACTIVATION_DERIV_FN, _VP, _CP])

# Functions of newer releases: bound when the loaded library exports them,
# None otherwise (Library.has() tells).
OPTIONAL_PROTOTYPES = {
    # batches and shared inference
    "nn_reserve_batch": (_S, [_H, _Z]),
    "nn_batch_capacity": (_Z, [_H]),
    "nn_forward_batch": (_S, [_H, _Z, _P, _P]),
    "nn_loss_batch": (_S, [_H, _Z, _P, _P]),
    "nn_backward_batch": (_S, [_H, _Z, _P]),
    "nn_set_reduction": (_S, [_H, _I]),
    "nn_get_reduction": (_I, [_H]),
    "nn_set_threads": (_S, [_H, _Z]),
    "nn_get_threads": (_Z, [_H]),
    "nn_inference_workspace_size": (_Z, [_H, _Z]),
    "nn_predict": (_S, [_H, _Z, _P, _P, _P, _Z]),
    # names of the built-in choices
    "nn_activation_name": (_CP, [_I]),
    "nn_activation_from_name": (_S, [_CP, c_int_p]),
    "nn_loss_name": (_CP, [_I]),
    "nn_loss_from_name": (_S, [_CP, c_int_p]),
    "nn_bias_mode_name": (_CP, [_I]),
    "nn_bias_mode_from_name": (_S, [_CP, c_int_p]),
    # model files
    "nn_save": (_S, [_H, _CP]),
    "nn_save_buffer": (_S, [_H, _BUF, _Z, c_size_t_p]),
    "nn_load_ex": (_S, [handle_p, _CP, _Z, _NAMES, _FS, _DFS, handle_p, _BUF, _Z]),
    "nn_load_buffer_ex": (_S, [handle_p, _CP, _Z, _Z, _NAMES, _FS, _DFS, handle_p, _BUF, _Z]),
    # worked calculations and diagrams
    "nn_explain_options_create": (_S, [handle_p]),
    "nn_explain_options_free": (None, [_H]),
    "nn_explain_options_set_format": (_S, [_H, _I]),
    "nn_explain_options_set_digits": (_S, [_H, _I]),
    "nn_explain_options_set_rule": (_S, [_H, _I]),
    "nn_explain_options_set_apply": (_S, [_H, _I]),
    "nn_explain_options_set_unit_name": (_S, [_H, _Z, _Z, _CP]),
    "nn_explain_options_set_param_name": (_S, [_H, _Z, _CP]),
    "nn_explain": (_S, [_H, _H, _P, _Z, _P, _Z, _D, WRITE_FN, _VP]),
    "nn_export_dot": (_S, [_H, _H, _P, _Z, _P, _Z, WRITE_FN, _VP]),
    # optimisers, clipping and schedules
    "nn_optimizer_create": (_S, [handle_p, _H, _I]),
    "nn_optimizer_free": (None, [_H]),
    "nn_optimizer_set": (_S, [_H, _I, _D]),
    "nn_optimizer_get": (_S, [_H, _I, _P]),
    "nn_optimizer_reset": (_S, [_H]),
    "nn_optimizer_step": (_S, [_H, _H, _D]),
    "nn_optimizer_get_kind": (_S, [_H, c_int_p]),
    "nn_optimizer_state_count": (_S, [_H, c_size_t_p]),
    "nn_optimizer_get_state": (_S, [_H, _P, _Z]),
    "nn_optimizer_set_state": (_S, [_H, _P, _Z]),
    "nn_optimizer_name": (_CP, [_I]),
    "nn_optimizer_from_name": (_S, [_CP, c_int_p]),
    "nn_hyperparameter_name": (_CP, [_I]),
    "nn_hyperparameter_from_name": (_S, [_CP, c_int_p]),
    "nn_clip_grad_norm": (_S, [_H, _D, _P]),
    "nn_schedule_step": (_S, [_D, _Z, _Z, _D, _P]),
    "nn_schedule_exponential": (_S, [_D, _Z, _D, _P]),
    "nn_schedule_cosine": (_S, [_D, _Z, _Z, _D, _P]),
    "nn_schedule_linear": (_S, [_D, _Z, _Z, _D, _D, _P]),
    # loading options and checkpoints
    "nn_load_options_create": (_S, [handle_p]),
    "nn_load_options_free": (None, [_H]),
    "nn_load_options_add_activation": (_S, [_H, _CP, ACTIVATION_FN, ACTIVATION_DERIV_FN, _VP]),
    "nn_load_options_set_max_bytes": (_S, [_H, _Z]),
    "nn_save_checkpoint": (_S, [_H, _H, _CP]),
    "nn_save_checkpoint_buffer": (_S, [_H, _H, _BUF, _Z, c_size_t_p]),
    "nn_load_checkpoint_with": (_S, [handle_p, handle_p, _CP, _H, _BUF, _Z]),
    "nn_load_checkpoint_buffer_with": (_S, [handle_p, handle_p, _CP, _Z, _H, _BUF, _Z]),
    # data sets, scaling, the training loop and evaluation (training.py)
    "nn_dataset_create": (_S, [handle_p, _Z, _Z, _Z, _P, _P]),
    "nn_dataset_wrap": (_S, [handle_p, _Z, _Z, _Z, _P, _P]),
    "nn_dataset_free": (None, [_H]),
    "nn_dataset_row_count": (_Z, [_H]),
    "nn_dataset_input_count": (_Z, [_H]),
    "nn_dataset_target_count": (_Z, [_H]),
    "nn_dataset_inputs": (_P, [_H]),
    "nn_dataset_targets": (_P, [_H]),
    "nn_dataset_class_count": (_Z, [_H]),
    "nn_dataset_class_name": (_CP, [_H, _Z]),
    "nn_dataset_set_class_names": (_S, [_H, _Z, _NAMES]),
    "nn_dataset_source_rows": (_S, [_H, c_size_t_p, _Z]),
    "nn_dataset_split": (_S, [_H, _D, _UL, _I, handle_p, handle_p]),
    "nn_dataset_shuffle": (_S, [_H, _UL]),
    "nn_csv_options_create": (_S, [handle_p]),
    "nn_csv_options_free": (None, [_H]),
    "nn_csv_options_set_header": (_S, [_H, _I]),
    "nn_csv_options_set_target_columns": (_S, [_H, c_size_t_p, _Z]),
    "nn_csv_options_set_target_count": (_S, [_H, _Z]),
    "nn_csv_options_set_class_column": (_S, [_H, _CP]),
    "nn_csv_options_set_delimiter": (_S, [_H, ctypes.c_char]),
    "nn_dataset_load_csv": (_S, [handle_p, _CP, _H, _BUF, _Z]),
    "nn_train_options_create": (_S, [handle_p]),
    "nn_train_options_free": (None, [_H]),
    "nn_train_options_set_epochs": (_S, [_H, _Z]),
    "nn_train_options_set_batch_size": (_S, [_H, _Z]),
    "nn_train_options_set_seed": (_S, [_H, _UL]),
    "nn_train_options_set_shuffle": (_S, [_H, _I]),
    "nn_train_options_set_optimizer": (_S, [_H, _I]),
    "nn_train_options_set_hyperparameter": (_S, [_H, _I, _D]),
    "nn_train_options_set_learning_rate": (_S, [_H, _D]),
    "nn_train_options_set_clip": (_S, [_H, _D]),
    "nn_train_options_set_validation_fraction": (_S, [_H, _D, _I]),
    "nn_train_options_set_patience": (_S, [_H, _Z, _D]),
    "nn_train_options_set_restore_best": (_S, [_H, _I]),
    "nn_train_options_set_threads": (_S, [_H, _Z]),
    "nn_train_options_set_chunks": (_S, [_H, _Z]),
    "nn_train_options_set_order_file": (_S, [_H, _CP]),
    "nn_train_options_set_epoch_callback": (_S, [_H, EPOCH_FN, _VP]),
    "nn_train": (_S, [_H, _H, _H, _H, _P, _Z, c_size_t_p]),
    "nn_evaluate": (_S, [_H, _H, handle_p]),
    "nn_metrics_free": (None, [_H]),
    "nn_metrics_get": (_S, [_H, _I, _P]),
    "nn_metrics_class": (_S, [_H, _Z, _P, _P, _P, c_size_t_p]),
    "nn_metrics_confusion": (_S, [_H, c_size_t_p, _Z]),
    "nn_metrics_class_count": (_Z, [_H]),
    "nn_metric_from_name": (_S, [_CP, c_int_p]),
    "nn_metric_name": (_CP, [_I]),
    # scaling and class names stored in the network
    "nn_scale_from_name": (_S, [_CP, c_int_p]),
    "nn_scale_name": (_CP, [_I]),
    "nn_fit_input_scaling": (_S, [_H, _I, _Z, _P]),
    "nn_fit_target_scaling": (_S, [_H, _I, _Z, _P]),
    "nn_set_input_scaling": (_S, [_H, _P, _P, _Z]),
    "nn_get_input_scaling": (_S, [_H, _P, _P, _Z]),
    "nn_set_target_scaling": (_S, [_H, _P, _P, _Z]),
    "nn_get_target_scaling": (_S, [_H, _P, _P, _Z]),
    "nn_has_input_scaling": (_I, [_H]),
    "nn_has_target_scaling": (_I, [_H]),
    "nn_scale_inputs": (_S, [_H, _Z, _P, _P]),
    "nn_scale_targets": (_S, [_H, _Z, _P, _P]),
    "nn_unscale_outputs": (_S, [_H, _Z, _P, _P]),
    "nn_set_class_names": (_S, [_H, _Z, _NAMES]),
    "nn_class_count": (_Z, [_H]),
    "nn_class_name": (_CP, [_H, _Z]),
}


class BackpropError(Exception):
    """A call into libbackprop failed.

    ``status`` is the ``nn_status`` code (a :class:`Status` member when the
    binding knows the value), ``message`` the library's own ``nn_strerror``
    text (also ``str(error)``), and ``function`` the C function that failed.
    """

    def __init__(self, status, message, function=None, detail=None):
        super().__init__(message)
        try:
            status = Status(status)
        except ValueError:
            status = int(status)
        self.status = status
        self.message = message
        self.function = function
        self.detail = detail

    def __str__(self):
        if self.detail and self.detail != self.message:
            return "%s (%s)" % (self.message, self.detail)
        return self.message

    def __repr__(self):
        return "BackpropError(%d, %r, %r, %r)" % (self.status, self.message, self.function,
                                                 self.detail)

    def __reduce__(self):
        return (type(self), (int(self.status), self.message, self.function, self.detail))


class DivergedError(BackpropError):
    """Training diverged (``NN_ERR_DIVERGED``): a value the call computes would
    be NaN or infinite, so the call refused it. Parameters and gradients keep
    their values (see the C manual for the one exception); a lower learning
    rate usually helps."""


def _error(status, message, function=None, detail=None):
    cls = DivergedError if status == Status.ERR_DIVERGED else BackpropError
    return cls(status, message, function, detail)


class Library:
    """One loaded copy of libbackprop with every prototype declared.

    ``Library.load(path)`` returns a shared instance per resolved path; most
    code never needs this class and lets :class:`Network` load the default.
    """

    _cache = {}
    _cache_lock = threading.Lock()

    def __init__(self, name):
        self.path = name
        self.cdll = ctypes.CDLL(name)
        missing = []
        for fname, (restype, argtypes) in PROTOTYPES.items():
            try:
                func = getattr(self.cdll, fname)
            except AttributeError:
                missing.append(fname)
                continue
            func.restype = restype
            func.argtypes = argtypes
            setattr(self, fname, func)
        if missing:
            raise OSError("%s is not a usable libbackprop: missing %s"
                          % (name, ", ".join(missing)))
        for fname, (restype, argtypes) in OPTIONAL_PROTOTYPES.items():
            func = getattr(self.cdll, fname, None)
            if func is not None:
                func.restype = restype
                func.argtypes = argtypes
            setattr(self, fname, func)
        major = self.nn_version_number() // 10000
        if major != ABI_MAJOR:
            raise OSError("%s has major version %d; this binding needs %d"
                          % (name, major, ABI_MAJOR))

    def has(self, fname):
        """True when the loaded library exports the optional function *fname*."""
        return getattr(self, fname, None) is not None

    def strerror(self, status):
        """The library's one-sentence text for *status* (``OverflowError``
        when it does not fit a C int)."""
        return self.nn_strerror(_c_int(status, "status")).decode("utf-8", "replace")

    def check(self, status, function, detail=None):
        """Raises :class:`BackpropError` (:class:`DivergedError` for
        ``NN_ERR_DIVERGED``) unless *status* is ``NN_OK``."""
        if status != 0:
            raise _error(status, self.strerror(status), function, detail)

    def require(self, fname):
        """The optional function *fname*, or ``NotImplementedError`` when the
        loaded library is too old to export it."""
        func = getattr(self, fname, None)
        if func is None:
            raise NotImplementedError("%s does not export %s (library version %s)"
                                      % (self.path, fname, self.version()))
        return func

    def error(self, status, function, detail=None):
        """A :class:`BackpropError` for a check the binding makes itself."""
        return _error(status, self.strerror(status), function, detail)

    def version(self):
        """The run-time version string, e.g. ``"0.1.0"``."""
        return self.nn_version_string().decode("ascii")

    @classmethod
    def candidates(cls, path=None):
        """The names :meth:`load` tries, in order."""
        if path is not None:
            return [os.fspath(path)]
        names = []
        env = os.environ.get(ENV_VARIABLE)
        if env:
            names.append(env)
        found = ctypes.util.find_library("backprop")
        if found:
            names.append(found)
        names.append(SONAME)
        return names

    @classmethod
    def load(cls, path=None):
        """Loads (once per name) and returns the library.

        An explicit *path* or ``BACKPROP_LIBRARY`` is used alone: if it cannot
        be loaded, ``OSError`` is raised rather than falling back to another copy.
        """
        if isinstance(path, Library):
            return path
        if path is None:
            # find_library() may run external programs: search once for each
            # value of the environment variable.
            key = (None, os.environ.get(ENV_VARIABLE))
            lib = cls._cache.get(key)
            if lib is not None:
                return lib
        else:
            key = os.fspath(path)
        names = cls.candidates(path)
        if path is not None or os.environ.get(ENV_VARIABLE):
            names = names[:1]
        errors = []
        with cls._cache_lock:
            for name in names:
                lib = cls._cache.get(name)
                if lib is None:
                    try:
                        lib = cls(name)
                    except OSError as exc:
                        text = str(exc)
                        errors.append(text if name in text else "%s: %s" % (name, text))
                        continue
                    cls._cache[name] = lib
                cls._cache[key] = lib
                return lib
        raise OSError("cannot load libbackprop (set %s to its path): %s"
                      % (ENV_VARIABLE, "; ".join(errors)))
