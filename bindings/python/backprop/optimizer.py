"""The :class:`Optimizer` wrapper around an ``nn_optimizer_t``."""

import ctypes

from .constants import Hyperparameter, OptimizerKind, Status, code
from .network import Network, _Handle, _input, _locked, _path, _plural


class Optimizer(_Handle):
    """An optimiser with state (moments, step sizes, step counts) for one
    network's parameter layout, owned by the C library.

    ``Optimizer(net, "adam", beta1=0.8)`` makes an optimiser of a kind
    ("sgd", "adam", "adamw", "rmsprop", "rprop" or an :class:`OptimizerKind`)
    with the kind's defaults, then sets the hyperparameters given as keyword
    arguments (the names of :class:`Hyperparameter`, lower case). The update
    rules and defaults are PyTorch 1.13's ``torch.optim`` (docs/optimizers.md).

    Training with it: :meth:`Network.forward` and :meth:`Network.backward` (or
    the batch calls) accumulate gradients, then :meth:`step` applies one
    update and clears them, in place of :meth:`Network.step`.

    The optimiser keeps a reference to *network*, the one :meth:`step`
    updates unless it is given another network of the same parameter layout
    (a clone, say). The C optimiser does not depend on the network's memory:
    closing the network first is safe, only :meth:`step` on it then raises
    ``ValueError``. A failing call raises :class:`BackpropError` with the
    library's message and changes nothing. The C memory is released by
    :meth:`close`, by leaving a ``with`` block or by garbage collection.
    Results are numpy arrays or lists as for *network*.
    """

    _free_name = "nn_optimizer_free"

    def __init__(self, network, kind, **hyperparameters):
        if not isinstance(network, Network):
            raise TypeError("an Optimizer needs a Network, got %r" % (network,))
        self._setup(network.library, network._numpy)
        create = self._lib.require("nn_optimizer_create")
        kind = code(OptimizerKind, kind)
        out = ctypes.c_void_p()
        with network._lock:
            self._lib.check(create(ctypes.byref(out), network._get(), kind),
                            "nn_optimizer_create")
        self._handle = out.value
        self._network = network
        try:
            for name, value in hyperparameters.items():
                self.set(name, value)
        except BaseException:
            self.close()
            raise

    @property
    def network(self):
        """The network :meth:`step` updates by default."""
        return self._network

    @property
    @_locked
    def kind(self):
        """The kind (an :class:`OptimizerKind` member)."""
        value = ctypes.c_int()
        self._call("nn_optimizer_get_kind", self._get(), ctypes.byref(value))
        return OptimizerKind(value.value)

    @_locked
    def set(self, hyperparameter, value):
        """Sets one hyperparameter (a name such as "beta1" or a
        :class:`Hyperparameter`); the state is kept."""
        self._call("nn_optimizer_set", self._get(), code(Hyperparameter, hyperparameter),
                   float(value))

    @_locked
    def get(self, hyperparameter):
        """The value of one hyperparameter the kind takes."""
        value = ctypes.c_double()
        self._call("nn_optimizer_get", self._get(), code(Hyperparameter, hyperparameter),
                   ctypes.byref(value))
        return value.value

    @property
    @_locked
    def hyperparameters(self):
        """Every hyperparameter the kind takes, as ``{name: value}``."""
        h, found = self._get(), {}
        for member in Hyperparameter:
            value = ctypes.c_double()
            if self._lib.nn_optimizer_get(h, member, ctypes.byref(value)) == Status.OK:
                found[member.name.lower()] = value.value
        return found

    @_locked
    def reset(self):
        """Forgets all state, as just after creation; the hyperparameters stay."""
        self._call("nn_optimizer_reset", self._get())

    @_locked
    def step(self, learning_rate, network=None):
        """Applies one update from the network's accumulated gradients to
        every parameter that is not frozen, then clears the gradients. For
        RPROP the rate is the initial step size of a block's first step and
        is ignored afterwards."""
        net = self._network if network is None else network
        if not isinstance(net, Network):
            raise TypeError("step needs a Network, got %r" % (net,))
        with net._lock:
            net._call("nn_optimizer_step", self._get(), net._get(), float(learning_rate))

    @property
    @_locked
    def state_count(self):
        """The number of values of :meth:`state`."""
        count = ctypes.c_size_t()
        self._call("nn_optimizer_state_count", self._get(), ctypes.byref(count))
        return count.value

    @_locked
    def state(self):
        """The state as a flat array: every block's step count, then the
        kind's per-parameter values (docs/optimizers.md has the layout)."""
        n = self.state_count
        ptr, storage = self._out(n)
        self._call("nn_optimizer_get_state", self._get(), ptr, n)
        return self._result(storage, n)

    @_locked
    def set_state(self, values):
        """Replaces the state (the layout of :meth:`state`), e.g. averaged
        across processes; values that break the kind's rules are refused."""
        h = self._get()
        ptr, n, _keep = _input(values)
        self._call("nn_optimizer_set_state", h, ptr, n, counts=lambda: "expected %s, got %d" % (
            _plural(self.state_count, "value", "values"), n))

    def _network_for(self, network, what):
        net = self._network if network is None else network
        if not isinstance(net, Network):
            raise TypeError("%s needs a Network, got %r" % (what, net))
        return net

    @_locked
    def save_checkpoint(self, path, network=None):
        """Saves a checkpoint of *network* (default: the optimiser's own) and
        this optimiser to *path*, replaced atomically as :meth:`Network.save`
        does; :func:`backprop.load_checkpoint` reads it back and training
        resumes bit for bit (docs/optimizers.md, "Checkpoints")."""
        net = self._network_for(network, "save_checkpoint")
        self._lib.require("nn_save_checkpoint")
        with net._lock:
            self._call("nn_save_checkpoint", net._get(), self._get(), _path(path))

    @_locked
    def checkpoint_to_bytes(self, network=None):
        """The checkpoint text of *network* (default: the optimiser's own) and
        this optimiser, as ``bytes``, that :func:`backprop.checkpoint_from_bytes`
        reads back."""
        net = self._network_for(network, "checkpoint_to_bytes")
        save = self._lib.require("nn_save_checkpoint_buffer")
        with net._lock:
            h, o = net._get(), self._get()
            length = ctypes.c_size_t()
            status = save(h, o, None, 0, ctypes.byref(length))
            if status != Status.ERR_BUFFER_SIZE:
                self._lib.check(status, "nn_save_checkpoint_buffer")
            buf = ctypes.create_string_buffer(length.value + 1)
            self._call("nn_save_checkpoint_buffer", h, o, buf, len(buf), ctypes.byref(length))
        return buf.raw[:length.value]

    @classmethod
    def _adopt(cls, handle, network):
        """Wraps a C optimiser made for *network*, which it keeps."""
        self = cls.__new__(cls)
        try:
            self._setup(network.library, network._numpy)
        except BaseException:
            network.library.nn_optimizer_free(handle)
            raise
        self._handle = handle
        self._network = network
        return self

    def __repr__(self):
        if self.closed:
            return "<backprop.Optimizer (closed)>"
        return "<backprop.Optimizer %s %r>" % (self.kind.name.lower(), self.hyperparameters)
