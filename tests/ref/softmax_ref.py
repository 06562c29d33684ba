#!/usr/bin/python3
"""Reference values for tests/test_softmax.c from PyTorch (float64).

Random networks with softmax on hidden and output layers, softmax with
cross-entropy and with half the sum of squares, sigmoid with binary
cross-entropy and the general cross-entropy formula: for each, the outputs,
the loss summed over the rows, every gradient (summed over the rows) and the
parameters after 10 plain gradient-descent steps p -= rate * g.

Run: /usr/bin/python3 tests/ref/softmax_ref.py > tests/ref/softmax_ref.h
The test suite reads only the header; it needs neither torch nor numpy.
"""
import torch

torch.set_default_dtype(torch.float64)

LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, SOFTMAX = range(7)
HALF_SSE, MSE, CROSS_ENTROPY, BINARY_CROSS_ENTROPY = range(4)
ACT_NAMES = ["NN_ACT_LINEAR", "NN_ACT_SIGMOID", "NN_ACT_TANH", "NN_ACT_RELU",
             "NN_ACT_LEAKY_RELU", "NN_ACT_SOFTPLUS", "NN_ACT_SOFTMAX"]
LOSS_NAMES = ["NN_LOSS_HALF_SSE", "NN_LOSS_MSE", "NN_LOSS_CROSS_ENTROPY",
              "NN_LOSS_BINARY_CROSS_ENTROPY"]
STEPS = 10


def activate(act, z):
    if act == LINEAR:
        return z
    if act == SIGMOID:
        return torch.sigmoid(z)
    if act == TANH:
        return torch.tanh(z)
    if act == RELU:
        return torch.relu(z)
    if act == LEAKY_RELU:
        return torch.nn.functional.leaky_relu(z, 0.01)
    if act == SOFTPLUS:  # the exact log(1 + e^z): torch's softplus cuts off above z = 20
        return torch.where(z > 0, z + torch.log1p(torch.exp(-z)), torch.log1p(torch.exp(z)))
    if act == SOFTMAX:
        return torch.softmax(z, dim=-1)
    raise ValueError(act)


def loss_of(loss, out_act, z, o, t):
    if loss == HALF_SSE:
        return 0.5 * ((t - o) ** 2).sum()
    if loss == MSE:
        return (((t - o) ** 2).sum(dim=-1) / o.shape[-1]).sum()
    if loss == CROSS_ENTROPY:
        if out_act == SOFTMAX:
            return -(t * torch.log_softmax(z, dim=-1)).sum()
        return -(t * torch.log(o)).sum()
    if loss == BINARY_CROSS_ENTROPY:
        if out_act == SIGMOID:
            return torch.nn.functional.binary_cross_entropy_with_logits(z, t, reduction="sum")
        return -(t * torch.log(o) + (1 - t) * torch.log(1 - o)).sum()
    raise ValueError(loss)


def run(params, sizes, acts, loss, x, t):
    a = x
    z = None
    for k in range(1, len(sizes)):
        w, b = params[2 * (k - 1)], params[2 * (k - 1) + 1]
        z = a @ w.T + b
        a = activate(acts[k - 1], z)
    return a, loss_of(loss, acts[-1], z, a, t)


def flat(tensors):
    return torch.cat([p.reshape(-1) for p in tensors])


def make_case(gen, name, sizes, acts, loss, rows, rate, one_hot):
    params = []
    for k in range(1, len(sizes)):
        scale = 1.5 / sizes[k - 1] ** 0.5
        params.append((torch.rand(sizes[k], sizes[k - 1], generator=gen) * 2 - 1) * scale)
        params.append(torch.rand(sizes[k], generator=gen) - 0.5)
    x = torch.rand(rows, sizes[0], generator=gen) * 2 - 1
    n_out = sizes[-1]
    if loss == CROSS_ENTROPY and one_hot:
        t = torch.zeros(rows, n_out)
        t[torch.arange(rows), torch.randint(n_out, (rows,), generator=gen)] = 1.0
    elif loss in (CROSS_ENTROPY, BINARY_CROSS_ENTROPY):
        t = torch.rand(rows, n_out, generator=gen)
    else:
        t = torch.rand(rows, n_out, generator=gen) * 2 - 1
    initial = flat(params).clone()
    p = [q.clone().requires_grad_(True) for q in params]
    out, e = run(p, sizes, acts, loss, x, t)
    e.backward()
    grads = flat([q.grad for q in p])
    # 10 steps of p -= rate * g, each from a fresh forward and backward pass
    q = [r.clone().requires_grad_(True) for r in params]
    for _ in range(STEPS):
        for r in q:
            r.grad = None
        _, es = run(q, sizes, acts, loss, x, t)
        es.backward()
        with torch.no_grad():
            for r in q:
                r -= rate * r.grad
    return dict(name=name, sizes=sizes, acts=acts, loss=loss, rows=rows, rate=rate,
                params=initial, x=x.reshape(-1), t=t.reshape(-1), out=out.detach().reshape(-1),
                e=e.item(), grads=grads, after=flat([r.detach() for r in q]))


def c_array(values):
    return "{" + ", ".join(float(v).hex() for v in values) + "}"


def main():
    gen = torch.Generator().manual_seed(20261203)
    specs = [
        ("tanh, softmax + cross-entropy (one-hot)", [3, 4, 3], [TANH, SOFTMAX], CROSS_ENTROPY, True),
        ("relu, softmax hidden, softmax + cross-entropy", [4, 5, 4, 3], [RELU, SOFTMAX, SOFTMAX],
         CROSS_ENTROPY, True),
        ("softmax + cross-entropy, soft targets", [5, 6, 4], [SOFTPLUS, SOFTMAX], CROSS_ENTROPY,
         False),
        ("sigmoid, softmax + half_sse", [2, 3, 2], [SIGMOID, SOFTMAX], HALF_SSE, False),
        ("softmax hidden, tanh + half_sse", [3, 5, 2], [SOFTMAX, TANH], HALF_SSE, False),
        ("softmax hidden, sigmoid + mse", [4, 3, 3], [SOFTMAX, SIGMOID], MSE, False),
        ("leaky, softplus, softmax, sigmoid + binary cross-entropy", [3, 6, 5, 4, 2],
         [LEAKY_RELU, SOFTPLUS, SOFTMAX, SIGMOID], BINARY_CROSS_ENTROPY, False),
        ("softmax hidden, sigmoid + binary cross-entropy, one output", [3, 4, 1],
         [SOFTMAX, SIGMOID], BINARY_CROSS_ENTROPY, False),
        ("linear, sigmoid + cross-entropy (general formula)", [2, 4, 3], [LINEAR, SIGMOID],
         CROSS_ENTROPY, False),
        ("tanh, softmax + binary cross-entropy (general formula)", [3, 4, 3], [TANH, SOFTMAX],
         BINARY_CROSS_ENTROPY, False),
    ]
    cases = []
    for rows in (1, 4):
        for name, sizes, acts, loss, one_hot in specs:
            cases.append(make_case(gen, "%s, %d row%s" % (name, rows, "s" if rows > 1 else ""),
                                   sizes, acts, loss, rows, 0.1, one_hot))
    print("/* Generated by tests/ref/softmax_ref.py with PyTorch %s (float64); do not edit. */"
          % torch.__version__)
    print("#define REF_STEPS %d" % STEPS)
    for i, c in enumerate(cases):
        for key in ("params", "x", "t", "out", "grads", "after"):
            print("static const double ref%d_%s[] = %s;" % (i, key, c_array(c[key])))
    print("static const struct ref_case ref_cases[] = {")
    for i, c in enumerate(cases):
        sizes = ", ".join(str(s) for s in c["sizes"])
        acts = ", ".join(ACT_NAMES[a] for a in c["acts"])
        print('    {"%s", %d, {%s}, {%s}, %s, %d, %s, ref%d_params, ref%d_x, ref%d_t, ref%d_out, '
              "%s, ref%d_grads, ref%d_after}," % (c["name"], len(c["sizes"]), sizes, acts,
                                                  LOSS_NAMES[c["loss"]], c["rows"],
                                                  float(c["rate"]).hex(), i, i, i, i,
                                                  float(c["e"]).hex(), i, i))
    print("};")


if __name__ == "__main__":
    main()
