/* The kinds of optimiser (optimizer_rules.c): a table of what each kind
   takes and one function per kind that computes one parameter's update.
   optimizer.c owns the optimiser object and drives the rules over the
   blocks of grads.h. Not installed. */
#ifndef BACKPROP_OPTIMIZER_H
#define BACKPROP_OPTIMIZER_H

#include "backprop.h"
#include "names.h"

#include <stddef.h>

#define NN_OPT_KINDS 5
#define NN_HP_COUNT 12
#define NN_OPT_MAX_SLOTS 2 /* state values per parameter */
#define NN_OPT_TERMS 6     /* values a rule computes on the way (nn__opt_block_terms()) */

/* What one block's step reads besides the parameters, their gradients and
   their state: the hyperparameters, the rate, and the block's step count
   after this step (t >= 1; t == 1 on its first). */
struct nn_opt_step {
    const double *hp; /* NN_HP_COUNT values */
    double rate;
    double t;
    double bias1, bias2;          /* Adam: the bias corrections 1 - beta1^t, 1 - beta2^t */
    double step_size, bias2_sqrt; /* Adam: rate / bias1 and sqrt(bias2) */
};

/* One block's step over n parameters p with gradients g and the state
   arrays s0, s1 (s1 NULL for a kind with one). With write 0 it only checks:
   1 if every new parameter is within the divergence checks' limit and every
   new state value finite, else 0; nothing is written. With write 1 it
   writes the same results (and returns 1). */
typedef int (*nn_opt_block_fn)(const struct nn_opt_step *c, size_t n, double *p, const double *g,
                               double *s0, double *s1, int write);

struct nn_opt_kind {
    struct nn_names names;
    size_t slots;             /* state values per parameter */
    unsigned takes;           /* bit h: the kind takes hyperparameter h */
    double defaults[NN_HP_COUNT];
    nn_opt_block_fn block;
    /* whether state value `slot` may hold `value` (finite already checked) */
    int (*state_valid)(size_t slot, double value);
};

/* The kind's entry, or NULL for an unknown code. */
const struct nn_opt_kind *nn__opt_kind(int kind);

/* Whether `value` (finite) is in hyperparameter h's range. */
int nn__hp_in_range(int h, double value);

/* ---- for nn_explain() ---- */

/* The names of the values the kind's rule leaves in x (NULL-terminated). */
const char *const *nn__opt_term_names(int kind);
/* The names of the kind's state arrays (NULL-terminated). */
const char *const *nn__opt_state_names(int kind);

/* One block's step by the kind's own rule, parameter by parameter, writing
   nothing but what the rule computed on the way: NN_OPT_TERMS values per
   parameter into x (as named by nn__opt_term_names()). */
void nn__opt_block_terms(int kind, const struct nn_opt_step *c, size_t n, const double *p,
                         const double *g, const double *s0, const double *s1, double *x);

/* A copy of opt (kind, hyperparameters, state) made with net's allocator;
   net must have opt's layout. NN_ERR_NO_MEMORY. */
nn_status nn__optimizer_copy(nn_optimizer_t **out, const nn_optimizer_t *opt, const nn_t *net);
/* What opt's next step on net (opt's layout) computes, without changing
   either: each moving block's values into steps[2 (layer - 1) + kind] (hp
   pointing at opt's), and the rule's terms of each of its parameters into
   terms (NN_OPT_TERMS per parameter, flat order). Frozen blocks: nothing. */
void nn__optimizer_terms(const nn_optimizer_t *opt, nn_t *net, double rate,
                         struct nn_opt_step *steps, double *terms);
/* The largest step count a block may hold (exact as a double). */
#define NN_OPT_MAX_STEPS 0x1p53

/* The flat state itself (nn_optimizer_get_state()'s order), for the model
   file's section `optimizer` (section_optimizer.c), which writes it and
   reads a new optimiser's state into it. */
const double *nn__optimizer_state(const nn_optimizer_t *opt);
double *nn__optimizer_state_mut(nn_optimizer_t *opt);
/* 1 when `net` has the parameter layout of the optimiser's network. */
int nn__optimizer_fits(const nn_optimizer_t *opt, const nn_t *net);

#endif
