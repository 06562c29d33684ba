"""Checkpoints: a network and its optimiser in one model file
(docs/optimizers.md, "Checkpoints")."""

import ctypes

from ._native import Library
from .network import (Network, _Customs, _custom_arrays, _name_bytes, _np, _path,
                      _unsigned)
from .optimizer import Optimizer


def save_checkpoint(network, optimizer, path):
    """Saves *network* and *optimizer* to *path* (``str``, ``bytes`` or
    ``os.PathLike``; replaced atomically); same as
    ``optimizer.save_checkpoint(path, network)``."""
    _need(optimizer, network, "save_checkpoint").save_checkpoint(path, network)


def checkpoint_to_bytes(network, optimizer):
    """The checkpoint text of *network* and *optimizer* as ``bytes``; same as
    ``optimizer.checkpoint_to_bytes(network)``."""
    return _need(optimizer, network, "checkpoint_to_bytes").checkpoint_to_bytes(network)


def load_checkpoint(path, *, custom=None, max_bytes=None, library=None, use_numpy=None):
    """Loads a checkpoint or any model file: returns ``(network, optimizer)``,
    the optimizer being ``None`` for a file without one. The optimizer keeps
    the network and steps on the pair continue where the saved pair stopped.
    *custom* maps the names of custom activations the model uses to
    ``(function, derivative)`` pairs, as for :meth:`Network.load`;
    *max_bytes* refuses a longer input (``ERR_TOO_LARGE``) before reading it.
    A malformed file raises :class:`BackpropError` whose ``detail`` tells the
    line."""
    return _load("nn_load_checkpoint_with", _path(path), (), custom, max_bytes, library,
                 use_numpy)


def checkpoint_from_bytes(data, *, custom=None, max_bytes=None, library=None, use_numpy=None):
    """:func:`load_checkpoint` from the text *data* (``bytes`` or ``str``)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    data = bytes(data)
    return _load("nn_load_checkpoint_buffer_with", data, (len(data),), custom, max_bytes,
                 library, use_numpy)


def _need(optimizer, network, what):
    """*optimizer*, once both arguments have the right types (a None network
    would silently mean the optimiser's own)."""
    if not isinstance(network, Network):
        raise TypeError("%s needs a Network, got %r" % (what, network))
    if not isinstance(optimizer, Optimizer):
        raise TypeError("%s needs an Optimizer, got %r" % (what, optimizer))
    return optimizer


class _LoadOptions:
    """An nn_load_options_t for one load, released when the load ends."""

    def __init__(self, lib, names, states, max_bytes):
        self._lib = lib
        out = ctypes.c_void_p()
        lib.check(lib.require("nn_load_options_create")(ctypes.byref(out)),
                  "nn_load_options_create")
        self.handle = out.value
        try:
            for name, state in zip(names, states):
                self._set("nn_load_options_add_activation", _name_bytes(name),
                          state.c_function, state.c_derivative, None)
            if max_bytes is not None:
                self._set("nn_load_options_set_max_bytes", _unsigned(max_bytes, "max_bytes"))
        except BaseException:
            self.close()
            raise

    def _set(self, fname, *args):
        self._lib.check(self._lib.require(fname)(self.handle, *args), fname)

    def close(self):
        handle, self.handle = self.handle, None
        if handle is not None:
            self._lib.nn_load_options_free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _load(fname, source, extra, custom, max_bytes, library, use_numpy):
    lib = Library.load(library)
    load = lib.require(fname)
    if use_numpy is None:
        use_numpy = _np is not None
    custom = dict(custom or {})
    states = _custom_arrays(custom, use_numpy)[4]
    net_out, opt_out = ctypes.c_void_p(), ctypes.c_void_p()
    msg = ctypes.create_string_buffer(256)
    with _LoadOptions(lib, list(custom), states, max_bytes) as options:
        status = load(ctypes.byref(net_out), ctypes.byref(opt_out), source, *extra,
                      options.handle, msg, len(msg))
    lib.check(status, fname, msg.value.decode("utf-8", "replace") or None)
    opt_handle = opt_out.value
    try:
        net = Network._adopt(net_out.value, lib, use_numpy)
    except BaseException:
        if opt_handle is not None:
            lib.nn_optimizer_free(opt_handle)
        raise
    net._custom = _Customs(states)
    if opt_handle is None:
        return net, None
    return net, Optimizer._adopt(opt_handle, net)
