/* The update rules of the optimisers, one function per kind computing one
   parameter's step, Adam's and AdamW's as loops over a block (PyTorch 1.13's torch.optim, single-tensor form, in the
   same order of operations), the table of kinds (names, state, the
   hyperparameters each takes and their defaults), and the names and ranges
   of the hyperparameters. optimizer.c drives the rules. */
#include "internal.h"
#include "names.h"
#include "optimizer.h"

#include "bounds.h"

#include <float.h>
#include <math.h>

/* ---- the rules ---- */

/* One parameter's update: from p, g and its state s (NN_OPT_MAX_SLOTS
   values, those the kind does not use are 0), the new parameter *p_out and
   the new state s_out, and the values computed on the way in x (the kind's
   terms, named in term_names below; what nn_explain() shows). Pure, so that
   a step can compute every result twice: once to check, once to write. A
   step passes an x it never reads, so the compiler drops those stores. */
typedef void (*rule_fn)(const struct nn_opt_step *c, double p, double g, const double *s,
                        double *p_out, double *s_out, double *x);

/* s[0]: the momentum buffer, started as d on the block's first step. */
static void sgd(const struct nn_opt_step *c, double p, double g, const double *s, double *p_out,
                double *s_out, double *x)
{
    const double *hp = c->hp, mu = hp[NN_HP_MOMENTUM], wd = hp[NN_HP_WEIGHT_DECAY];
    double d = wd != 0.0 ? g + wd * p : g;
    x[0] = d;
    s_out[0] = s[0];
    s_out[1] = 0.0;
    if (mu != 0.0) {
        const double buf = c->t == 1.0 ? d : mu * s[0] + (1.0 - hp[NN_HP_DAMPENING]) * d;
        s_out[0] = buf;
        d = hp[NN_HP_NESTEROV] != 0.0 ? d + mu * buf : buf;
    }
    const double update = c->rate * d;
    x[1] = d;
    x[2] = update;
    *p_out = p - update;
}

/* s[0] = the average of g^2, s[1] = the momentum buffer (0 until used). */
static void rmsprop(const struct nn_opt_step *c, double p, double g, const double *s,
                    double *p_out, double *s_out, double *x)
{
    const double *hp = c->hp, alpha = hp[NN_HP_ALPHA], wd = hp[NN_HP_WEIGHT_DECAY];
    const double mu = hp[NN_HP_MOMENTUM];
    if (wd != 0.0)
        g = g + wd * p;
    const double v = alpha * s[0] + (1.0 - alpha) * g * g;
    const double avg = sqrt(v) + hp[NN_HP_EPSILON];
    const double ratio = g / avg;
    s_out[0] = v;
    s_out[1] = mu != 0.0 ? mu * s[1] + ratio : s[1];
    const double update = c->rate * (mu != 0.0 ? s_out[1] : ratio);
    x[0] = g;
    x[1] = avg;
    x[2] = ratio;
    x[3] = update;
    *p_out = p - update;
}

static double sign_of(double x)
{
    return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0;
}

/* iRPROP-: s[0] = the previous gradient (0 where the sign flipped), s[1] =
   the step size, which starts at the rate on the block's first step. */
static void rprop(const struct nn_opt_step *c, double p, double g, const double *s, double *p_out,
                  double *s_out, double *x)
{
    const double *hp = c->hp;
    const double prev = c->t == 1.0 ? 0.0 : s[0];
    const double size = c->t == 1.0 ? c->rate : s[1];
    const double turn = sign_of(g * prev);
    const double factor = turn > 0.0 ? hp[NN_HP_ETA_PLUS] : turn < 0.0 ? hp[NN_HP_ETA_MINUS] : 1.0;
    double step = size * factor;
    step = step < hp[NN_HP_STEP_MIN] ? hp[NN_HP_STEP_MIN] : step;
    step = step > hp[NN_HP_STEP_MAX] ? hp[NN_HP_STEP_MAX] : step;
    if (turn < 0.0)
        g = 0.0;
    const double move = sign_of(g) * step;
    x[0] = prev;
    x[1] = size;
    x[2] = factor;
    x[3] = move;
    s_out[0] = g;
    s_out[1] = step;
    *p_out = p - move;
}

/* ---- one block ---- */

/* The loops of one block, for one rule: inline, so that each kind's block
   function below has its rule inlined into the loops. */
static inline int drive(rule_fn rule, const struct nn_opt_step *c, size_t n, double *p,
                        const double *g, double *s0, double *s1, int write)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        const double in[NN_OPT_MAX_SLOTS] = {s0[i], s1 != NULL ? s1[i] : 0.0};
        double out[NN_OPT_MAX_SLOTS], q, x[NN_OPT_TERMS];
        rule(c, p[i], g[i], in, &q, out, x);
        if (write) {
            p[i] = q;
            s0[i] = out[0];
            if (s1 != NULL)
                s1[i] = out[1];
        } else {
            ok &= (fabs(q) <= NN_BOUND_LIMIT) & (fabs(out[0]) <= DBL_MAX) &
                  (fabs(out[1]) <= DBL_MAX);
        }
    }
    return ok;
}

#define BLOCK_OF(rule)                                                                        \
    static int rule##_block(const struct nn_opt_step *c, size_t n, double *p, const double *g, \
                            double *s0, double *s1, int write)                               \
    {                                                                                         \
        return drive(rule, c, n, p, g, s0, s1, write);                                       \
    }
BLOCK_OF(sgd)
BLOCK_OF(rmsprop)
BLOCK_OF(rprop)

/* ---- Adam and AdamW, written out for speed ---- */

/* s[0] = m, s[1] = v. Adam's weight decay is an L2 term on g; AdamW's
   shrinks p first (decay 0 leaves the rule Adam's, bit for bit).

   The kinds most networks train with get loops of their own rather than a
   rule per parameter: the hyperparameters in locals, restrict pointers, the
   check and the write in separate loops, so that the compiler vectorises
   both (through drive() a step took 17 ns a parameter). Each loop forms
   every value in the same order of operations. ISO C mode keeps GCC from
   fusing multiply-adds; the library builds with -fno-math-errno, which lets
   the square root (of a v never negative) vectorise. A check keeps its
   verdict in a double chosen by each comparison, a form GCC vectorises
   (an integer flag it did not), and the common check has neither a square
   root nor a division. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

struct adam_consts {
    double b1, b2, keep1, keep2, eps, wd, shrink, step_size, bias2_sqrt;
    int l2, decoupled; /* Adam's L2 term on g; AdamW's shrinking of p */
};

static struct adam_consts adam_consts_of(const struct nn_opt_step *c, int decoupled)
{
    const double *hp = c->hp;
    struct adam_consts k;
    k.b1 = hp[NN_HP_BETA1];
    k.b2 = hp[NN_HP_BETA2];
    k.keep1 = 1.0 - k.b1;
    k.keep2 = 1.0 - k.b2;
    k.eps = hp[NN_HP_EPSILON];
    k.wd = hp[NN_HP_WEIGHT_DECAY];
    k.shrink = 1.0 - c->rate * k.wd;
    k.step_size = c->step_size;
    k.bias2_sqrt = c->bias2_sqrt;
    k.l2 = !decoupled && k.wd != 0.0;
    k.decoupled = decoupled;
    return k;
}

/* The step's results, written. */
static void adam_write(const struct adam_consts *k, size_t n, double *restrict p,
                       const double *restrict g, double *restrict m, double *restrict v)
{
    for (size_t i = 0; i < n; i++) {
        const double pi = k->decoupled ? p[i] * k->shrink : p[i];
        const double gi = k->l2 ? g[i] + k->wd * p[i] : g[i];
        const double mi = k->b1 * m[i] + k->keep1 * gi;
        const double vi = k->b2 * v[i] + k->keep2 * gi * gi;
        const double denom = sqrt(vi) / k->bias2_sqrt + k->eps;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - k->step_size * (mi / denom);
    }
}

/* Whether every result passes, from the exact results. */
static int adam_check_exact(const struct adam_consts *k, size_t n, const double *restrict p,
                            const double *restrict g, const double *restrict m,
                            const double *restrict v)
{
    double bad = 0.0; /* 1 once a result fails; NaN fails every test */
    for (size_t i = 0; i < n; i++) {
        const double pi = k->decoupled ? p[i] * k->shrink : p[i];
        const double gi = k->l2 ? g[i] + k->wd * p[i] : g[i];
        const double mi = k->b1 * m[i] + k->keep1 * gi;
        const double vi = k->b2 * v[i] + k->keep2 * gi * gi;
        const double denom = sqrt(vi) / k->bias2_sqrt + k->eps;
        const double q = pi - k->step_size * (mi / denom);
        bad = fabs(q) <= NN_BOUND_LIMIT ? bad : 1.0;
        bad = fabs(mi) <= DBL_MAX ? bad : 1.0;
        bad = fabs(vi) <= DBL_MAX ? bad : 1.0;
    }
    return bad == 0.0;
}

/* Whether every result passes, shown without a square root or a division:
   m and v are formed exactly, and the denominator is at least epsilon (the
   square root term is not negative), so |new p| <= (|p| + step_size |m| /
   epsilon) (1 + u)^3, which 4 (|p| + step_size |m| / epsilon) covers with
   room for the rounding of the bound itself. 0 means "not shown" (epsilon
   0, a bound that overflows), and the exact check decides. */
static int adam_check_bound(const struct adam_consts *k, size_t n, const double *restrict p,
                            const double *restrict g, const double *restrict m,
                            const double *restrict v)
{
    if (!(k->eps > 0.0))
        return 0;
    const double reach = fabs(k->step_size) / k->eps; /* a negative rate too */
    double bad = 0.0; /* 1 once a result fails; NaN fails every test */
    for (size_t i = 0; i < n; i++) {
        const double pi = k->decoupled ? p[i] * k->shrink : p[i];
        const double gi = k->l2 ? g[i] + k->wd * p[i] : g[i];
        const double mi = k->b1 * m[i] + k->keep1 * gi;
        const double vi = k->b2 * v[i] + k->keep2 * gi * gi;
        const double bound = 4.0 * (fabs(pi) + reach * fabs(mi));
        bad = bound <= NN_BOUND_LIMIT ? bad : 1.0;
        bad = fabs(vi) <= DBL_MAX ? bad : 1.0;
    }
    return bad == 0.0;
}

static int adam_kind_block(const struct nn_opt_step *c, size_t n, double *p, const double *g,
                           double *s0, double *s1, int write, int decoupled)
{
    const struct adam_consts k = adam_consts_of(c, decoupled);
    if (write) {
        adam_write(&k, n, p, g, s0, s1);
        return 1;
    }
    return adam_check_bound(&k, n, p, g, s0, s1) || adam_check_exact(&k, n, p, g, s0, s1);
}

static int adam_block(const struct nn_opt_step *c, size_t n, double *p, const double *g,
                      double *s0, double *s1, int write)
{
    return adam_kind_block(c, n, p, g, s0, s1, write, 0);
}

static int adamw_block(const struct nn_opt_step *c, size_t n, double *p, const double *g,
                       double *s0, double *s1, int write)
{
    return adam_kind_block(c, n, p, g, s0, s1, write, 1);
}

/* What adam_write() computes, in the same operations and order, kept per
   parameter in x (nn__opt_term_names()) instead of written: for
   nn_explain(), whose tests check that these terms give the step's results
   bit for bit. */
static void adam_terms(const struct adam_consts *k, size_t n, const double *p, const double *g,
                       const double *m, const double *v, double *x)
{
    for (size_t i = 0; i < n; i++, x += NN_OPT_TERMS) {
        const double pi = k->decoupled ? p[i] * k->shrink : p[i];
        const double gi = k->l2 ? g[i] + k->wd * p[i] : g[i];
        const double mi = k->b1 * m[i] + k->keep1 * gi;
        const double vi = k->b2 * v[i] + k->keep2 * gi * gi;
        const double denom = sqrt(vi) / k->bias2_sqrt + k->eps;
        x[0] = gi;
        x[1] = k->decoupled ? k->shrink : 1.0;
        x[2] = pi;
        x[3] = denom;
        x[4] = mi / denom;
        x[5] = k->step_size * x[4];
    }
}

/* ---- the terms, for nn_explain() ---- */

/* The kinds with a rule per parameter; Adam's and AdamW's loops are above. */
static const rule_fn rules[NN_OPT_KINDS] = {
    [NN_OPT_SGD] = sgd, [NN_OPT_RMSPROP] = rmsprop, [NN_OPT_RPROP] = rprop,
};

/* What x[i] of each kind's rule holds; the state values are not repeated. */
static const char *const term_names[NN_OPT_KINDS][NN_OPT_TERMS + 1] = {
    [NN_OPT_SGD] = {"d", "direction", "update", NULL},
    [NN_OPT_ADAM] = {"g", "decay", "p_decayed", "denom", "ratio", "update", NULL},
    [NN_OPT_ADAMW] = {"g", "decay", "p_decayed", "denom", "ratio", "update", NULL},
    [NN_OPT_RMSPROP] = {"g", "avg", "ratio", "update", NULL},
    [NN_OPT_RPROP] = {"prev", "size", "factor", "move", NULL},
};

const char *const *nn__opt_term_names(int kind)
{
    return term_names[kind];
}

/* The state arrays of each kind, in the order of the flat state. */
static const char *const state_names[NN_OPT_KINDS][NN_OPT_MAX_SLOTS + 1] = {
    [NN_OPT_SGD] = {"momentum_buffer", NULL},
    [NN_OPT_ADAM] = {"m", "v", NULL},
    [NN_OPT_ADAMW] = {"m", "v", NULL},
    [NN_OPT_RMSPROP] = {"square_avg", "momentum_buffer", NULL},
    [NN_OPT_RPROP] = {"prev", "step_size", NULL},
};

const char *const *nn__opt_state_names(int kind)
{
    return state_names[kind];
}

void nn__opt_block_terms(int kind, const struct nn_opt_step *c, size_t n, const double *p,
                         const double *g, const double *s0, const double *s1, double *x)
{
    if (kind == NN_OPT_ADAM || kind == NN_OPT_ADAMW) {
        const struct adam_consts k = adam_consts_of(c, kind == NN_OPT_ADAMW);
        adam_terms(&k, n, p, g, s0, s1, x);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const double in[NN_OPT_MAX_SLOTS] = {s0[i], s1 != NULL ? s1[i] : 0.0};
        double out[NN_OPT_MAX_SLOTS], q;
        rules[kind](c, p[i], g[i], in, &q, out, x + i * NN_OPT_TERMS);
    }
}

/* ---- the rules for a state set by the caller ---- */

static int any_value(size_t slot, double value)
{
    (void)slot;
    (void)value;
    return 1;
}

/* Adam's v, RPROP's step sizes */
static int second_not_negative(size_t slot, double value)
{
    return slot != 1 || value >= 0.0;
}

/* RMSprop's average of g^2 */
static int first_not_negative(size_t slot, double value)
{
    return slot != 0 || value >= 0.0;
}

/* ---- the table ---- */

#define HP(h) (1u << (h))

static const struct nn_opt_kind kinds[NN_OPT_KINDS] = {
    [NN_OPT_SGD] = {{"sgd", NULL}, 1,
                    HP(NN_HP_MOMENTUM) | HP(NN_HP_DAMPENING) | HP(NN_HP_NESTEROV) |
                        HP(NN_HP_WEIGHT_DECAY),
                    {0}, sgd_block, any_value},
    [NN_OPT_ADAM] = {{"adam", NULL}, 2,
                     HP(NN_HP_BETA1) | HP(NN_HP_BETA2) | HP(NN_HP_EPSILON) | HP(NN_HP_WEIGHT_DECAY),
                     {[NN_HP_BETA1] = 0.9, [NN_HP_BETA2] = 0.999, [NN_HP_EPSILON] = 1e-8},
                     adam_block, second_not_negative},
    [NN_OPT_ADAMW] = {{"adamw", NULL}, 2,
                      HP(NN_HP_BETA1) | HP(NN_HP_BETA2) | HP(NN_HP_EPSILON) |
                          HP(NN_HP_WEIGHT_DECAY),
                      {[NN_HP_BETA1] = 0.9, [NN_HP_BETA2] = 0.999, [NN_HP_EPSILON] = 1e-8,
                       [NN_HP_WEIGHT_DECAY] = 0.01},
                      adamw_block, second_not_negative},
    [NN_OPT_RMSPROP] = {{"rmsprop", NULL}, 2,
                        HP(NN_HP_ALPHA) | HP(NN_HP_EPSILON) | HP(NN_HP_WEIGHT_DECAY) |
                            HP(NN_HP_MOMENTUM),
                        {[NN_HP_ALPHA] = 0.99, [NN_HP_EPSILON] = 1e-8}, rmsprop_block,
                        first_not_negative},
    [NN_OPT_RPROP] = {{"rprop", NULL}, 2,
                      HP(NN_HP_ETA_MINUS) | HP(NN_HP_ETA_PLUS) | HP(NN_HP_STEP_MIN) |
                          HP(NN_HP_STEP_MAX),
                      {[NN_HP_ETA_MINUS] = 0.5, [NN_HP_ETA_PLUS] = 1.2, [NN_HP_STEP_MIN] = 1e-6,
                       [NN_HP_STEP_MAX] = 50.0},
                      rprop_block, second_not_negative},
};

const struct nn_opt_kind *nn__opt_kind(int kind)
{
    return kind >= 0 && kind < NN_OPT_KINDS ? &kinds[kind] : NULL;
}

const char *nn_optimizer_name(int kind)
{
    const struct nn_opt_kind *k = nn__opt_kind(kind);
    return k != NULL ? k->names.name : NULL;
}

nn_status nn_optimizer_from_name(const char *name, int *kind)
{
    if (name == NULL || kind == NULL)
        return NN_ERR_NULL_ARG;
    for (int i = 0; i < NN_OPT_KINDS; i++) {
        if (nn__names_match(&kinds[i].names, name)) {
            *kind = i;
            return NN_OK;
        }
    }
    return NN_ERR_ARGUMENT;
}

/* ---- the hyperparameters ---- */

static const struct nn_names hp_names[NN_HP_COUNT] = {
    [NN_HP_MOMENTUM] = {"momentum", NULL},   [NN_HP_DAMPENING] = {"dampening", NULL},
    [NN_HP_NESTEROV] = {"nesterov", NULL},   [NN_HP_WEIGHT_DECAY] = {"weight_decay", NULL},
    [NN_HP_BETA1] = {"beta1", NULL},         [NN_HP_BETA2] = {"beta2", NULL},
    [NN_HP_EPSILON] = {"epsilon", NULL},     [NN_HP_ALPHA] = {"alpha", NULL},
    [NN_HP_ETA_MINUS] = {"eta_minus", NULL}, [NN_HP_ETA_PLUS] = {"eta_plus", NULL},
    [NN_HP_STEP_MIN] = {"step_min", NULL},   [NN_HP_STEP_MAX] = {"step_max", NULL},
};

const char *nn_hyperparameter_name(int code)
{
    return code >= 0 && code < NN_HP_COUNT ? hp_names[code].name : NULL;
}

nn_status nn_hyperparameter_from_name(const char *name, int *code)
{
    if (name == NULL || code == NULL)
        return NN_ERR_NULL_ARG;
    for (int i = 0; i < NN_HP_COUNT; i++) {
        if (nn__names_match(&hp_names[i], name)) {
            *code = i;
            return NN_OK;
        }
    }
    return NN_ERR_ARGUMENT;
}

/* The ranges of one value; the bounds between two of them (step_min <=
   step_max) and Nesterov's needs are checked where both are known. */
int nn__hp_in_range(int h, double value)
{
    switch (h) {
    case NN_HP_NESTEROV:
        return value == 0.0 || value == 1.0;
    case NN_HP_BETA1:
    case NN_HP_BETA2:
    case NN_HP_ALPHA:
        return value >= 0.0 && value < 1.0;
    case NN_HP_ETA_MINUS:
        return value > 0.0 && value < 1.0;
    case NN_HP_ETA_PLUS:
        return value > 1.0;
    case NN_HP_DAMPENING:
        return 1;
    default: /* momentum, weight decay, epsilon, step bounds */
        return value >= 0.0;
    }
}
