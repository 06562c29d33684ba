/* The kinds of optimiser (optimizer_rules.c): a table of what each kind
   takes and one function per kind that computes one parameter's update.
   optimizer.c owns the optimiser object and drives the rules over the
   blocks of grads.h. Not installed. */
#ifndef BACKPROP_OPTIMIZER_H
#define BACKPROP_OPTIMIZER_H

#include "names.h"

#include <stddef.h>

#define NN_OPT_KINDS 5
#define NN_HP_COUNT 12
#define NN_OPT_MAX_SLOTS 2 /* state values per parameter */

/* What one block's step reads besides the parameter, its gradient and its
   state: the hyperparameters, the rate, and the block's step count after
   this step (t >= 1; t == 1 on its first). */
struct nn_opt_step {
    const double *hp; /* NN_HP_COUNT values */
    double rate;
    double t;
    double bias1, bias2_sqrt; /* Adam: 1 - beta1^t and sqrt(1 - beta2^t) */
};

/* One parameter's update: from p, g and its state s (NN_OPT_MAX_SLOTS
   values, those the kind does not use are 0), the new parameter *p_out and
   the new state s_out. Pure: the same input gives the same bits, so that a
   step can check every result before writing any. */
typedef void (*nn_opt_rule)(const struct nn_opt_step *c, double p, double g, const double *s,
                            double *p_out, double *s_out);

struct nn_opt_kind {
    struct nn_names names;
    size_t slots;             /* state values per parameter */
    unsigned takes;           /* bit h: the kind takes hyperparameter h */
    double defaults[NN_HP_COUNT];
    nn_opt_rule rule;
    /* whether state value `slot` may hold `value` (finite already checked) */
    int (*state_valid)(size_t slot, double value);
};

/* The kind's entry, or NULL for an unknown code. */
const struct nn_opt_kind *nn__opt_kind(int kind);

/* Whether `value` (finite) is in hyperparameter h's range. */
int nn__hp_in_range(int h, double value);

#endif
