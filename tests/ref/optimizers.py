#!/usr/bin/python3
"""Reference values of the optimisers, gradient clipping and learning-rate
schedules, from PyTorch (torch.optim of 1.13, float64, foreach off).

Writes tests/ref/optimizers.h, read by tests/test_optimizer.c, which needs
neither torch nor numpy. Run from the source tree:

    /usr/bin/python3 tests/ref/optimizers.py > tests/ref/optimizers.h

Every case is a small network (weights and biases as separate tensors, the
layout of nn_get_params()), trained for STEPS steps from fixed weights: each
step sums the per-sample loss of SAMPLES samples, backpropagates, and lets the
optimiser step with that step's rate. Blocks frozen at a step have
requires_grad off and no gradient, so torch skips them as the library skips
frozen blocks. The header holds the inputs and the expected parameters and
optimiser state (in the library's flat order) after the last step.
"""
import math
import random
import sys

import torch

torch.set_default_dtype(torch.float64)

STEPS = 10
SAMPLES = 3

# the library's codes (include/backprop.h)
ACT = {"linear": 0, "sigmoid": 1, "tanh": 2, "relu": 3}
LOSS = {"half_sse": 0, "mse": 1}
OPT = {"sgd": 0, "adam": 1, "adamw": 2, "rmsprop": 3, "rprop": 4}
HP = {"momentum": 0, "dampening": 1, "nesterov": 2, "weight_decay": 3, "beta1": 4,
      "beta2": 5, "epsilon": 6, "alpha": 7, "eta_minus": 8, "eta_plus": 9,
      "step_min": 10, "step_max": 11}

# networks: sizes, activations, loss, layer with a shared bias (0: none),
# frozen blocks as {step: [block, ...]} with block 2 (layer - 1) + (0 weights, 1 biases)
NETWORKS = [
    dict(sizes=[3, 4, 2], acts=["sigmoid", "sigmoid"], loss="half_sse", shared=0, frozen={}),
    dict(sizes=[2, 5, 3, 2], acts=["tanh", "relu", "linear"], loss="mse", shared=0,
         frozen={s: [1] + ([2] if 3 <= s <= 5 else []) for s in range(STEPS)}),
    dict(sizes=[4, 3, 2], acts=["relu", "sigmoid"], loss="half_sse", shared=1,
         frozen={s: [3] for s in range(0, STEPS, 2)}),
    dict(sizes=[3, 6, 5, 4, 2], acts=["linear", "tanh", "sigmoid", "sigmoid"], loss="mse",
         shared=0, frozen={s: [0, 1] for s in range(4)}),
]

# optimisers: kind, the library's hyperparameters, torch's keyword arguments, rate
CONFIGS = [
    ("sgd", {}, {}, 0.3),
    ("sgd", {"momentum": 0.9}, {"momentum": 0.9}, 0.1),
    ("sgd", {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01},
     {"momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}, 0.1),
    ("sgd", {"momentum": 0.8, "nesterov": 1, "weight_decay": 0.05},
     {"momentum": 0.8, "nesterov": True, "weight_decay": 0.05}, 0.1),
    ("sgd", {"weight_decay": 0.02}, {"weight_decay": 0.02}, 0.2),
    ("adam", {}, {}, 0.01),
    ("adam", {"beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6, "weight_decay": 0.1},
     {"betas": (0.8, 0.95), "eps": 1e-6, "weight_decay": 0.1}, 0.02),
    ("adamw", {}, {}, 0.01),
    ("adamw", {"beta1": 0.85, "beta2": 0.99, "epsilon": 1e-7, "weight_decay": 0.05},
     {"betas": (0.85, 0.99), "eps": 1e-7, "weight_decay": 0.05}, 0.03),
    ("rmsprop", {}, {}, 0.01),
    ("rmsprop", {"alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01, "epsilon": 1e-5},
     {"alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01, "eps": 1e-5}, 0.005),
    ("rprop", {}, {}, 0.05),
    ("rprop", {"eta_minus": 0.3, "eta_plus": 1.5, "step_min": 1e-3, "step_max": 0.2},
     {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}, 0.1),
]

TORCH_OPT = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
             "rmsprop": torch.optim.RMSprop, "rprop": torch.optim.Rprop}


def activate(name, z):
    return {"linear": lambda v: v, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
            "relu": torch.relu}[name](z)


def make_params(rng, net):
    params = []
    sizes = net["sizes"]
    for k in range(1, len(sizes)):
        n_in, n_out = sizes[k - 1], sizes[k]
        w = torch.tensor([[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)])
        nb = 1 if net["shared"] == k else n_out
        b = torch.tensor([rng.uniform(-1, 1) for _ in range(nb)])
        params += [w, b]
    return params


def make_data(rng, net, rows):
    sizes = net["sizes"]
    lo = 0.0 if net["acts"][-1] == "sigmoid" else -1.0
    x = [[rng.uniform(-1, 1) for _ in range(sizes[0])] for _ in range(rows)]
    t = [[rng.uniform(lo, 1) for _ in range(sizes[-1])] for _ in range(rows)]
    return torch.tensor(x), torch.tensor(t)


def loss_of(net, params, x, t):
    total = 0.0
    for r in range(x.shape[0]):
        a = x[r]
        for k, act in enumerate(net["acts"]):
            a = activate(act, params[2 * k] @ a + params[2 * k + 1])
        diff = t[r] - a
        if net["loss"] == "half_sse":
            total = total + 0.5 * (diff * diff).sum()
        else:
            total = total + (diff * diff).mean()
    return total


def flat(tensors):
    out = []
    for p in tensors:
        out += [float(v) for v in p.detach().reshape(-1)]
    return out


def state_of(kind, hp, opt, params, counts):
    """The library's flat state: step counts, then the kind's arrays."""
    names = {"sgd": ["momentum_buffer"], "adam": ["exp_avg", "exp_avg_sq"],
             "adamw": ["exp_avg", "exp_avg_sq"], "rmsprop": ["square_avg", "momentum_buffer"],
             "rprop": ["prev", "step_size"]}[kind]
    out = [float(c) for c in counts]
    for name in names:
        for p in params:
            s = opt.state.get(p, {})
            v = s.get(name)
            out += [0.0] * p.numel() if v is None else [float(e) for e in v.reshape(-1)]
    return out


def rate_at(rate, step):
    return rate * (1.0 - 0.05 * step)  # a rate that changes: RPROP ignores it after step 0


def run_case(rng, net, config):
    kind, hp, kwargs, rate = config
    params = [p.requires_grad_(False) for p in make_params(rng, net)]
    params0 = flat(params)
    x, t = make_data(rng, net, STEPS * SAMPLES)
    kwargs = dict(kwargs)
    kwargs["foreach"] = False
    opt = TORCH_OPT[kind](params, lr=rate, **kwargs)
    counts = [0] * len(params)
    frozen_masks = []
    for step in range(STEPS):
        frozen = net["frozen"].get(step, [])
        frozen_masks.append(sum(1 << b for b in frozen))
        for i, p in enumerate(params):
            p.grad = None
            p.requires_grad_(i not in frozen)
            if i not in frozen:
                counts[i] += 1
        rows = slice(step * SAMPLES, (step + 1) * SAMPLES)
        loss_of(net, params, x[rows], t[rows]).backward()
        for group in opt.param_groups:
            group["lr"] = rate_at(rate, step)
        opt.step()
    for p in params:
        p.requires_grad_(False)
    return dict(kind=kind, hp=hp, rate=rate, params0=params0, x=flat([x]), t=flat([t]),
                frozen=frozen_masks, params=flat(params),
                state=state_of(kind, hp, opt, params, counts))


def clip_case(rng, net, max_norm):
    params = make_params(rng, net)
    frozen = net["frozen"].get(0, [])
    for i, p in enumerate(params):
        p.requires_grad_(i not in frozen)
    x, t = make_data(rng, net, SAMPLES)
    loss_of(net, params, x, t).backward()
    live = [p for p in params if p.grad is not None]
    norm = float(torch.nn.utils.clip_grad_norm_(live, max_norm))
    grads = []
    for p in params:
        grads += [0.0] * p.numel() if p.grad is None else [float(g) for g in p.grad.reshape(-1)]
    return dict(params0=flat(params), x=flat([x]), t=flat([t]), max_norm=max_norm, norm=norm,
                grads=grads, frozen=sum(1 << b for b in frozen))


def schedule(make, n):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(opt)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


def c_array(name, values):
    body = ",\n    ".join(", ".join(repr(float(v)) for v in values[i:i + 4])
                          for i in range(0, len(values), 4))
    return "static const double %s[%d] = {\n    %s,\n};\n" % (name, len(values), body)


def c_net(net):
    sizes = ", ".join(str(s) for s in net["sizes"])
    acts = ", ".join(str(ACT[a]) for a in net["acts"])
    return "%d, {%s}, {%s}, %d, %d" % (len(net["sizes"]), sizes, acts, LOSS[net["loss"]],
                                       net["shared"])


STRUCTS = """/* A network: layers, sizes, activation codes, loss code, the layer with a
   shared bias (0: none). */
#define REF_NET_FIELDS \\
    size_t n_layers; \\
    size_t sizes[5]; \\
    int acts[4]; \\
    int loss; \\
    size_t shared

/* An optimiser trained REF_STEPS steps, REF_SAMPLES samples a step, at rate
   rate (1 - 0.05 step); frozen[s] has bit 2 (layer - 1) + (0 weights, 1
   biases) for each block frozen at step s. */
struct ref_opt_case {
    REF_NET_FIELDS;
    int kind;
    size_t n_hp;
    int hp_codes[4];
    double hp_values[4];
    double rate;
    unsigned frozen[REF_STEPS];
    size_t n_params, n_state;
    const double *params0, *x, *t, *params, *state;
};

/* Clipping the gradients of REF_SAMPLES samples (blocks `frozen` at step 0). */
struct ref_clip_case {
    REF_NET_FIELDS;
    double max_norm, norm;
    unsigned frozen;
    size_t n_params;
    const double *params0, *x, *t, *grads;
};

"""


def main():
    rng = random.Random(20261203)
    out = sys.stdout
    out.write("/* Generated by tests/ref/optimizers.py from PyTorch %s (float64); do not edit. */\n"
              % torch.__version__)
    out.write("#define REF_STEPS %d\n#define REF_SAMPLES %d\n\n" % (STEPS, SAMPLES))
    out.write(STRUCTS)
    entries = []
    n = 0
    for ni, net in enumerate(NETWORKS):
        for config in CONFIGS:
            case = run_case(rng, net, config)
            for key in ("params0", "x", "t", "params", "state"):
                out.write(c_array("opt%d_%s" % (n, key), case[key]))
            hp = case["hp"]
            codes = ", ".join(str(HP[h]) for h in hp) or "0"
            values = ", ".join(repr(float(v)) for v in hp.values()) or "0"
            frozen = ", ".join(str(m) for m in case["frozen"])
            entries.append(
                "    {%s, %d, %d, {%s}, {%s}, %r, {%s}, %d, %d, opt%d_params0, opt%d_x, opt%d_t, "
                "opt%d_params, opt%d_state},\n"
                % (c_net(net), OPT[case["kind"]], len(hp), codes, values, case["rate"], frozen,
                   len(case["params"]), len(case["state"]), n, n, n, n, n))
            n += 1
    out.write("\nstatic const struct ref_opt_case ref_opt_cases[] = {\n%s};\n\n" % "".join(entries))

    clips = []
    for ni, (net, max_norm) in enumerate([(NETWORKS[0], 0.05), (NETWORKS[0], 1e3),
                                          (NETWORKS[1], 0.1), (NETWORKS[3], 0.02)]):
        c = clip_case(rng, net, max_norm)
        for key in ("params0", "x", "t", "grads"):
            out.write(c_array("clip%d_%s" % (ni, key), c[key]))
        clips.append("    {%s, %r, %r, %d, %d, clip%d_params0, clip%d_x, clip%d_t, clip%d_grads},\n"
                     % (c_net(net), c["max_norm"], c["norm"], c["frozen"], len(c["grads"]),
                        ni, ni, ni, ni))
    out.write("\nstatic const struct ref_clip_case ref_clip_cases[] = {\n%s};\n\n" % "".join(clips))

    lr = torch.optim.lr_scheduler
    n_sched = 21
    out.write("#define REF_SCHEDULE_STEPS %d\n#define REF_SCHEDULE_BASE 0.5\n" % n_sched)
    out.write(c_array("ref_step_3_half", schedule(lambda o: lr.StepLR(o, 3, 0.5), n_sched)))
    out.write(c_array("ref_exponential_0_9",
                      schedule(lambda o: lr.ExponentialLR(o, 0.9), n_sched)))
    out.write(c_array("ref_cosine_7_0_01",
                      schedule(lambda o: lr.CosineAnnealingLR(o, 7, 0.01), n_sched)))
    out.write(c_array("ref_linear_5_0_25_1",
                      schedule(lambda o: lr.LinearLR(o, 0.25, 1.0, 5), n_sched)))
    out.write(c_array("ref_linear_4_1_0_1",
                      schedule(lambda o: lr.LinearLR(o, 1.0, 0.1, 4), n_sched)))


if __name__ == "__main__":
    main()
