/* The optimiser object: its hyperparameters, its state in one allocation
   made at create, and the step that drives the update rules of
   optimizer_rules.c over the blocks of grads.h.

   The state is stored as the flat array that nn_optimizer_get_state()
   returns: one step count per block of weights or biases, then the kind's
   state arrays, each in the flat order of the parameters. A step makes two
   passes over the blocks that are not frozen: the first computes every
   result and checks that it is finite (parameters also within the bound of
   the divergence checks), the second computes the same results again and
   writes them. A refused step therefore writes nothing, and a step needs no
   memory of its own. */
#include "internal.h"
#include "bounds.h"
#include "grads.h"
#include "optimizer.h"
#include "versions.h"

#include <string.h>

struct nn_optimizer {
    int kind;
    double hp[NN_HP_COUNT];
    size_t n_layers;
    size_t n_params;   /* in the flat order */
    size_t n_state;    /* doubles of the flat state */
    size_t *shape;     /* layer k >= 1: n_in, n_out, biases at 3 (k - 1) */
    double *state;     /* the flat state */
    nn_alloc_fn alloc_fn;
    nn_dealloc_fn dealloc_fn;
    void *alloc_context;
};

/* Blocks with a step count: a layer's weights and its biases. */
#define COUNTED_PER_LAYER 2
#define MAX_STEPS NN_OPT_MAX_STEPS

static size_t round_up(size_t bytes)
{
    const size_t a = sizeof(double);
    return (bytes + a - 1) / a * a;
}

/* ---- layout ---- */

static size_t n_counts(const nn_optimizer_t *opt)
{
    return COUNTED_PER_LAYER * (opt->n_layers - 1);
}

/* Where block b's step count and its state values live. */
static double *count_of(const nn_optimizer_t *opt, const struct nn_block *b)
{
    return opt->state + COUNTED_PER_LAYER * (b->layer - 1) + (size_t)b->kind;
}

static double *slot_of(const nn_optimizer_t *opt, size_t slot, const struct nn_block *b)
{
    return opt->state + n_counts(opt) + slot * opt->n_params + b->flat;
}

static void record_shape(const nn_t *net, size_t *shape)
{
    for (size_t k = 1; k < net->n_layers; k++, shape += 3) {
        shape[0] = net->layers[k].n_in;
        shape[1] = net->layers[k].n_out;
        shape[2] = nn__bias_count(&net->layers[k]);
    }
}

static int same_layout(const nn_optimizer_t *opt, const nn_t *net)
{
    if (net->n_layers != opt->n_layers)
        return 0;
    const size_t *shape = opt->shape;
    for (size_t k = 1; k < net->n_layers; k++, shape += 3) {
        const struct nn_layer *l = &net->layers[k];
        if (shape[0] != l->n_in || shape[1] != l->n_out || shape[2] != nn__bias_count(l))
            return 0;
    }
    return 1;
}

int nn__optimizer_fits(const nn_optimizer_t *opt, const nn_t *net)
{
    return same_layout(opt, net);
}

const double *nn__optimizer_state(const nn_optimizer_t *opt)
{
    return opt->state;
}

double *nn__optimizer_state_mut(nn_optimizer_t *opt)
{
    return opt->state;
}

/* ---- creating, settings ---- */

nn_status nn_optimizer_create(nn_optimizer_t **out, const nn_t *net, int kind)
{
    if (out == NULL || net == NULL)
        return NN_ERR_NULL_ARG;
    const struct nn_opt_kind *k = nn__opt_kind(kind);
    if (k == NULL)
        return NN_ERR_ARGUMENT;
    const size_t n_params = nn__flat_count(net);
    const size_t n_state = COUNTED_PER_LAYER * (net->n_layers - 1) + k->slots * n_params;
    const size_t head = round_up(sizeof(struct nn_optimizer));
    const size_t shape_bytes = round_up(3 * (net->n_layers - 1) * sizeof(size_t));
    unsigned char *mem = nn__alloc(net, head + shape_bytes + n_state * sizeof(double));
    if (mem == NULL)
        return NN_ERR_NO_MEMORY;
    nn_optimizer_t *opt = (nn_optimizer_t *)mem;
    opt->kind = kind;
    memcpy(opt->hp, k->defaults, sizeof opt->hp);
    opt->n_layers = net->n_layers;
    opt->n_params = n_params;
    opt->n_state = n_state;
    opt->shape = (size_t *)(mem + head);
    opt->state = (double *)(mem + head + shape_bytes);
    opt->alloc_fn = net->alloc_fn;
    opt->dealloc_fn = net->dealloc_fn;
    opt->alloc_context = net->alloc_context;
    record_shape(net, opt->shape);
    memset(opt->state, 0, n_state * sizeof(double));
    *out = opt;
    return NN_OK;
}

void nn_optimizer_free(nn_optimizer_t *opt)
{
    if (opt != NULL)
        opt->dealloc_fn(opt->alloc_context, opt);
}

static int takes(const nn_optimizer_t *opt, int h)
{
    return h >= 0 && h < NN_HP_COUNT && (nn__opt_kind(opt->kind)->takes & (1u << h)) != 0;
}

nn_status nn_optimizer_set(nn_optimizer_t *opt, int hyperparameter, double value)
{
    if (opt == NULL)
        return NN_ERR_NULL_ARG;
    if (!takes(opt, hyperparameter))
        return NN_ERR_ARGUMENT;
    if (!nn__all_finite(&value, 1))
        return NN_ERR_NOT_FINITE;
    if (!nn__hp_in_range(hyperparameter, value))
        return NN_ERR_ARGUMENT;
    if ((hyperparameter == NN_HP_STEP_MIN && value > opt->hp[NN_HP_STEP_MAX]) ||
        (hyperparameter == NN_HP_STEP_MAX && value < opt->hp[NN_HP_STEP_MIN]))
        return NN_ERR_ARGUMENT;
    opt->hp[hyperparameter] = value;
    return NN_OK;
}

nn_status nn_optimizer_get(const nn_optimizer_t *opt, int hyperparameter, double *value)
{
    if (opt == NULL || value == NULL)
        return NN_ERR_NULL_ARG;
    if (!takes(opt, hyperparameter))
        return NN_ERR_ARGUMENT;
    *value = opt->hp[hyperparameter];
    return NN_OK;
}

nn_status nn_optimizer_get_kind(const nn_optimizer_t *opt, int *kind)
{
    if (opt == NULL || kind == NULL)
        return NN_ERR_NULL_ARG;
    *kind = opt->kind;
    return NN_OK;
}

nn_status nn_optimizer_reset(nn_optimizer_t *opt)
{
    if (opt == NULL)
        return NN_ERR_NULL_ARG;
    memset(opt->state, 0, opt->n_state * sizeof(double));
    return NN_OK;
}

/* ---- the flat state ---- */

nn_status nn_optimizer_state_count(const nn_optimizer_t *opt, size_t *count)
{
    if (opt == NULL || count == NULL)
        return NN_ERR_NULL_ARG;
    *count = opt->n_state;
    return NN_OK;
}

nn_status nn_optimizer_get_state(const nn_optimizer_t *opt, double *state, size_t count)
{
    if (opt == NULL || state == NULL)
        return NN_ERR_NULL_ARG;
    if (count != opt->n_state)
        return NN_ERR_COUNT;
    memcpy(state, opt->state, count * sizeof(double));
    return NN_OK;
}

/* Whether `state` keeps the kind's rules (every value finite already):
   whole step counts, a block that never stepped holding only zeros, the
   kind's signs. The blocks are the layers' weights and biases, in the flat
   order, as the optimiser's network had them. */
static int state_valid(const nn_optimizer_t *opt, const double *state)
{
    const struct nn_opt_kind *k = nn__opt_kind(opt->kind);
    const size_t counts = n_counts(opt);
    size_t flat = 0;
    for (size_t c = 0; c < counts; c++) {
        const double t = state[c];
        const size_t *shape = opt->shape + 3 * (c / COUNTED_PER_LAYER);
        const size_t n = c % COUNTED_PER_LAYER == 0 ? shape[0] * shape[1] : shape[2];
        if (!(t >= 0.0 && t <= MAX_STEPS && t == floor(t)))
            return 0;
        for (size_t slot = 0; slot < k->slots; slot++) {
            const double *v = state + counts + slot * opt->n_params + flat;
            for (size_t i = 0; i < n; i++)
                if (!k->state_valid(slot, v[i]) || (t == 0.0 && v[i] != 0.0))
                    return 0;
        }
        flat += n;
    }
    return 1;
}

nn_status nn_optimizer_set_state(nn_optimizer_t *opt, const double *state, size_t count)
{
    if (opt == NULL || state == NULL)
        return NN_ERR_NULL_ARG;
    if (count != opt->n_state)
        return NN_ERR_COUNT;
    if (!nn__all_finite(state, count))
        return NN_ERR_NOT_FINITE;
    if (!state_valid(opt, state))
        return NN_ERR_ARGUMENT;
    memcpy(opt->state, state, count * sizeof(double));
    return NN_OK;
}

/* ---- the step ---- */

/* The per-block values of a rule for block b's next step. */
static struct nn_opt_step block_step(const nn_optimizer_t *opt, const struct nn_block *b,
                                     double rate)
{
    struct nn_opt_step c;
    c.hp = opt->hp;
    c.rate = rate;
    c.t = *count_of(opt, b) + 1.0;
    c.bias1 = 1.0 - pow(opt->hp[NN_HP_BETA1], c.t);
    c.bias2 = 1.0 - pow(opt->hp[NN_HP_BETA2], c.t);
    c.step_size = rate / c.bias1;
    c.bias2_sqrt = sqrt(c.bias2);
    return c;
}

/* One block's step: with write 0, whether every result passes (nothing
   written); with write 1, the results and the step count written. */
static int block_pass(nn_optimizer_t *opt, const struct nn_block *b, double rate, int write)
{
    const struct nn_opt_kind *k = nn__opt_kind(opt->kind);
    const struct nn_opt_step c = block_step(opt, b, rate);
    double *s1 = k->slots > 1 ? slot_of(opt, 1, b) : NULL;
    const int ok = k->block(&c, b->count, b->params, b->grads, slot_of(opt, 0, b), s1, write);
    if (write)
        *count_of(opt, b) = c.t;
    return ok;
}

/* Both passes over every block that is not frozen; 0 when the first
   refused (nothing written). */
static int update(nn_optimizer_t *opt, nn_t *net, double rate)
{
    for (int write = net->unchecked; write <= 1; write++) {
        size_t flat = 0;
        for (size_t k = 1; k < net->n_layers; k++) {
            struct nn_block b[NN_BLOCKS_PER_LAYER];
            flat = nn__layer_blocks(net, k, flat, b);
            for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++)
                if (!b[kind].frozen && !block_pass(opt, &b[kind], rate, write))
                    return 0;
            if (write && !(b[NN_BLOCK_WEIGHTS].frozen && b[NN_BLOCK_BIASES].frozen))
                nn__params_replaced(net, k); /* the next check scans the new values */
        }
    }
    return 1;
}

/* SGD without momentum and weight decay is nn_step()'s rule: it is
   nn_step(), whose state is only the step counts. */
static int is_plain_step(const nn_optimizer_t *opt)
{
    return opt->kind == NN_OPT_SGD && opt->hp[NN_HP_MOMENTUM] == 0.0 &&
           opt->hp[NN_HP_WEIGHT_DECAY] == 0.0;
}

static void count_step(const struct nn_block *b, void *opt)
{
    *count_of(opt, b) += 1.0;
}

nn_status nn_optimizer_step(nn_optimizer_t *opt, nn_t *net, double learning_rate)
{
    if (opt == NULL || net == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&learning_rate, 1))
        return NN_ERR_NOT_FINITE;
    if (!same_layout(opt, net))
        return NN_ERR_COUNT;
    const double *hp = opt->hp;
    if (opt->kind == NN_OPT_SGD && hp[NN_HP_NESTEROV] != 0.0 &&
        (hp[NN_HP_MOMENTUM] <= 0.0 || hp[NN_HP_DAMPENING] != 0.0))
        return NN_ERR_ARGUMENT;
    if (is_plain_step(opt)) {
        const nn_status status = nn_step(net, learning_rate);
        if (status == NN_OK)
            nn__each_moving_block(net, count_step, opt);
        return status;
    }
    nn__grads_settle(net); /* the same gradients, all stored */
    if (!update(opt, net, learning_rate))
        return NN_ERR_DIVERGED;
    memset(net->grads, 0, net->n_storage * sizeof(double));
    for (size_t k = 1; k < net->n_layers; k++)
        nn__grads_cleared(&net->layers[k]);
    nn__grads_set(net, NN_GRADS_ZERO);
    nn__params_changed(net);
    return NN_OK;
}

/* ---- for nn_explain() ---- */

nn_status nn__optimizer_copy(nn_optimizer_t **out, const nn_optimizer_t *opt, const nn_t *net)
{
    nn_status status = nn_optimizer_create(out, net, opt->kind);
    if (status == NN_OK) {
        memcpy((*out)->hp, opt->hp, sizeof opt->hp);
        memcpy((*out)->state, opt->state, opt->n_state * sizeof(double));
    }
    return status;
}

void nn__optimizer_terms(const nn_optimizer_t *opt, nn_t *net, double rate,
                         struct nn_opt_step *steps, double *terms)
{
    const struct nn_opt_kind *kd = nn__opt_kind(opt->kind);
    nn__grads_settle(net); /* the gradients the step reads */
    size_t flat = 0;
    for (size_t k = 1; k < net->n_layers; k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (int kind = NN_BLOCK_WEIGHTS; kind <= NN_BLOCK_BIASES; kind++) {
            const struct nn_block *bk = &b[kind];
            if (bk->frozen)
                continue;
            struct nn_opt_step *c = &steps[COUNTED_PER_LAYER * (k - 1) + (size_t)kind];
            *c = block_step(opt, bk, rate);
            const double *s1 = kd->slots > 1 ? slot_of(opt, 1, bk) : NULL;
            nn__opt_block_terms(opt->kind, c, bk->count, bk->params, bk->grads,
                                slot_of(opt, 0, bk), s1, terms + bk->flat * NN_OPT_TERMS);
        }
    }
}
