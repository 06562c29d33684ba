#!/usr/bin/python3
"""Reference values for tests/test_training_ref.c from PyTorch (torch.optim of
1.13, float64, foreach off): whole training runs that put the pieces of the
losses-and-optimisers work together.

Each case trains one of a few random networks (several depths; tanh, ReLU,
leaky ReLU, softplus, sigmoid and softmax on hidden and output layers;
softmax with cross-entropy and with half the sum of squares, sigmoid with
binary cross-entropy; some blocks frozen at some steps) for STEPS steps of
ROWS rows each with one optimiser configuration (every kind, with its
defaults and with other hyperparameters), in one of three ways:

  single      nn_forward and nn_backward row by row (the gradients add up)
  batch_sum   nn_forward_batch and nn_backward_batch, NN_REDUCTION_SUM
  batch_mean  the same with NN_REDUCTION_MEAN (torch: the loss / ROWS)

The cases are a cover of the grid, not its product: every configuration
meets every way, every network meets every way and every kind. The header
holds each network's initial parameters and data once, and each case's
parameters after the last step.

Run: /usr/bin/python3 tests/ref/training_ref.py > tests/ref/training_ref.h
The test suite reads only the header; it needs neither torch nor numpy.
"""
import torch

from torch_net import (ACT_NAMES, BINARY_CROSS_ENTROPY, CROSS_ENTROPY, HALF_SSE, LOSS_NAMES,
                       LEAKY_RELU, RELU, SIGMOID, SOFTMAX, SOFTPLUS, TANH, activate)

STEPS = 10
ROWS = 4

MODES = ["REF_SINGLE", "REF_BATCH_SUM", "REF_BATCH_MEAN"]
KIND_NAMES = ["NN_OPT_SGD", "NN_OPT_ADAM", "NN_OPT_ADAMW", "NN_OPT_RMSPROP", "NN_OPT_RPROP"]
HP_NAMES = {"momentum": "NN_HP_MOMENTUM", "dampening": "NN_HP_DAMPENING",
            "nesterov": "NN_HP_NESTEROV", "weight_decay": "NN_HP_WEIGHT_DECAY",
            "beta1": "NN_HP_BETA1", "beta2": "NN_HP_BETA2", "epsilon": "NN_HP_EPSILON",
            "alpha": "NN_HP_ALPHA", "eta_minus": "NN_HP_ETA_MINUS",
            "eta_plus": "NN_HP_ETA_PLUS", "step_min": "NN_HP_STEP_MIN",
            "step_max": "NN_HP_STEP_MAX"}


def blocks(*pairs):
    """Frozen-block bits: (layer, 'w' or 'b') -> bit 2 (layer - 1) + (0 or 1)."""
    return sum(1 << (2 * (layer - 1) + (0 if which == "w" else 1)) for layer, which in pairs)


# sizes, activations, loss, targets, the layer with a shared bias (0: none),
# and the blocks frozen at each step
NETWORKS = [
    dict(sizes=[4, 3], acts=[SOFTMAX], loss=CROSS_ENTROPY, targets="one_hot", shared=0,
         frozen=[0] * STEPS),
    dict(sizes=[3, 6, 4, 3], acts=[RELU, SOFTMAX, SOFTMAX], loss=CROSS_ENTROPY,
         targets="one_hot", shared=0,
         frozen=[blocks((1, "w")) if 2 <= s <= 5 else 0 for s in range(STEPS)]),
    dict(sizes=[3, 5, 4], acts=[SIGMOID, SOFTMAX], loss=HALF_SSE, targets="signed", shared=1,
         frozen=[blocks((2, "b")) if s % 2 == 0 else 0 for s in range(STEPS)]),
    dict(sizes=[2, 4, 5, 4, 3], acts=[LEAKY_RELU, SOFTMAX, TANH, SOFTMAX], loss=CROSS_ENTROPY,
         targets="soft", shared=0,
         frozen=[blocks((1, "w"), (1, "b")) if s < 4 else 0 for s in range(STEPS)]),
    dict(sizes=[3, 4, 2], acts=[SOFTMAX, SIGMOID], loss=BINARY_CROSS_ENTROPY, targets="soft",
         shared=0, frozen=[0] * STEPS),
    dict(sizes=[5, 6, 3, 2], acts=[SOFTPLUS, TANH, SIGMOID], loss=BINARY_CROSS_ENTROPY,
         targets="soft", shared=3, frozen=[blocks((3, "w"))] * STEPS),
]

# kind, hyperparameters (the library's names), torch's keyword arguments, rate
CONFIGS = [
    (0, {}, {}, 0.1),
    (0, {"momentum": 0.8, "nesterov": 1, "weight_decay": 0.05},
     {"momentum": 0.8, "nesterov": True, "weight_decay": 0.05}, 0.05),
    (1, {}, {}, 0.01),
    (1, {"beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6, "weight_decay": 0.1},
     {"betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}, 0.02),
    (2, {}, {}, 0.01),
    (2, {"beta1": 0.85, "beta2": 0.99, "epsilon": 1e-7, "weight_decay": 0.05},
     {"betas": (0.85, 0.99), "eps": 1e-7, "weight_decay": 0.05}, 0.03),
    (3, {}, {}, 0.01),
    (3, {"alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01, "epsilon": 1e-5},
     {"alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01, "eps": 1e-5}, 0.005),
    (4, {}, {}, 0.05),
    (4, {"eta_minus": 0.3, "eta_plus": 1.5, "step_min": 1e-3, "step_max": 0.2},
     {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}, 0.1),
]

TORCH_OPT = [torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop,
             torch.optim.Rprop]


def cover():
    """(config, mode, network): every config x mode once; config c meets the
    networks c, c + 2, c + 4 (mod 6), so each kind (configs 2k, 2k + 1) meets
    all six and each network meets each mode."""
    out = []
    for c in range(len(CONFIGS)):
        for m in range(len(MODES)):
            out.append((c, m, (c + 2 * m) % len(NETWORKS)))
    return out


def loss_of(net, params, x, t):
    """The loss summed over the rows of x."""
    a, z = x, None
    for k, act in enumerate(net["acts"]):
        z = a @ params[2 * k].T + params[2 * k + 1]
        a = activate(act, z)
    if net["loss"] == HALF_SSE:
        return 0.5 * ((t - a) ** 2).sum()
    if net["loss"] == CROSS_ENTROPY:  # softmax output: from z, as the library does
        return -(t * torch.log_softmax(z, dim=-1)).sum()
    if net["loss"] == BINARY_CROSS_ENTROPY:  # sigmoid output
        return torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
    raise ValueError(net["loss"])


def make_network_data(gen, net):
    sizes = net["sizes"]
    params = []
    for k in range(1, len(sizes)):
        scale = 1.5 / sizes[k - 1] ** 0.5
        params.append((torch.rand(sizes[k], sizes[k - 1], generator=gen) * 2 - 1) * scale)
        n_bias = 1 if net["shared"] == k else sizes[k]
        params.append(torch.rand(n_bias, generator=gen) - 0.5)
    rows = STEPS * ROWS
    x = torch.rand(rows, sizes[0], generator=gen) * 2 - 1
    n_out = sizes[-1]
    if net["targets"] == "one_hot":
        t = torch.zeros(rows, n_out)
        t[torch.arange(rows), torch.randint(n_out, (rows,), generator=gen)] = 1.0
    elif net["targets"] == "soft":  # cross-entropy: the rows need not sum to 1
        t = torch.rand(rows, n_out, generator=gen)
    else:
        t = torch.rand(rows, n_out, generator=gen) * 2 - 1
    return params, x, t


def train(net, data, config, mode):
    kind, _, kwargs, rate = config
    params0, x, t = data
    params = [p.clone() for p in params0]
    opt = TORCH_OPT[kind](params, lr=rate, foreach=False, **kwargs)
    for step in range(STEPS):
        frozen = net["frozen"][step]
        for i, p in enumerate(params):
            p.grad = None
            p.requires_grad_(not (frozen >> i) & 1)  # no gradient: torch skips the block
        rows = slice(step * ROWS, (step + 1) * ROWS)
        loss = loss_of(net, params, x[rows], t[rows])
        if MODES[mode] == "REF_BATCH_MEAN":
            loss = loss / ROWS
        loss.backward()
        for group in opt.param_groups:
            group["lr"] = rate * (1.0 - 0.05 * step)
        opt.step()
    return flat(params)


def flat(tensors):
    return torch.cat([p.detach().reshape(-1) for p in tensors])


def c_array(name, values):
    items = [float(v).hex() for v in values]
    lines = ["    " + ", ".join(items[i:i + 3]) + "," for i in range(0, len(items), 3)]
    return "static const double %s[%d] = {\n%s\n};\n" % (name, len(items), "\n".join(lines))


HEADER = """/* Generated by tests/ref/training_ref.py from PyTorch %s (float64); do not edit. */
#define REF_STEPS %d
#define REF_ROWS %d

enum { REF_SINGLE, REF_BATCH_SUM, REF_BATCH_MEAN };

/* A network: layer sizes, activations, loss, the layer with a shared bias
   (0: none), the blocks frozen at each step (bit 2 (layer - 1) for the
   weights, one more for the biases), its initial parameters (nn_get_params()
   order) and REF_STEPS * REF_ROWS rows of inputs and targets. */
struct ref_train_net {
    size_t n_layers;
    size_t sizes[5];
    int acts[4];
    int loss;
    size_t shared;
    unsigned frozen[REF_STEPS];
    size_t n_params;
    const double *params0, *x, *t;
};

/* A run: network, way (REF_SINGLE ...), optimiser kind and hyperparameters,
   the rate at step s being rate (1 - 0.05 s); params: torch's parameters
   after the last step. */
struct ref_train_case {
    size_t net;
    int mode;
    int kind;
    size_t n_hp;
    int hp_codes[4];
    double hp_values[4];
    double rate;
    const double *params;
};

"""


def main():
    gen = torch.Generator().manual_seed(20261203)
    out = [HEADER % (torch.__version__, STEPS, ROWS)]
    datas = []
    nets = []
    for n, net in enumerate(NETWORKS):
        data = make_network_data(gen, net)
        datas.append(data)
        params0, x, t = data
        out.append(c_array("net%d_params0" % n, flat(params0)))
        out.append(c_array("net%d_x" % n, x.reshape(-1)))
        out.append(c_array("net%d_t" % n, t.reshape(-1)))
        nets.append("    {%d, {%s}, {%s}, %s, %d, {%s}, %d, net%d_params0, net%d_x, net%d_t},\n"
                    % (len(net["sizes"]), ", ".join(str(s) for s in net["sizes"]),
                       ", ".join(ACT_NAMES[a] for a in net["acts"]), LOSS_NAMES[net["loss"]],
                       net["shared"], ", ".join(str(f) for f in net["frozen"]),
                       len(flat(params0)), n, n, n))
    out.append("\nstatic const struct ref_train_net ref_train_nets[] = {\n%s};\n\n" % "".join(nets))
    cases = []
    for i, (c, m, n) in enumerate(cover()):
        config = CONFIGS[c]
        out.append(c_array("case%d_params" % i, train(NETWORKS[n], datas[n], config, m)))
        hp = config[1]
        cases.append("    {%d, %s, %s, %d, {%s}, {%s}, %s, case%d_params},\n"
                     % (n, MODES[m], KIND_NAMES[config[0]], len(hp),
                        ", ".join(HP_NAMES[h] for h in hp) or "0",
                        ", ".join(float(v).hex() for v in hp.values()) or "0",
                        float(config[3]).hex(), i))
    out.append("\nstatic const struct ref_train_case ref_train_cases[] = {\n%s};\n"
               % "".join(cases))
    print("".join(out), end="")


if __name__ == "__main__":
    main()
