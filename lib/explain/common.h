/* Private to lib/explain/: the options object, the names of units and
   parameters, the trace (every value of one explained step or pass) and the
   table of output formats. Not installed.

   The flow: explain.c checks a call and runs it on private copies of the
   network, filling a trace (trace.c); formats.c picks the renderer of the
   chosen format, which writes the trace through a writer (../text.h). Adding
   an output format is a renderer file taking a trace and one entry in the
   table in formats.c. */
#ifndef BACKPROP_EXPLAIN_COMMON_H
#define BACKPROP_EXPLAIN_COMMON_H

#include "../internal.h"
#include "../activation.h"
#include "../loss.h"
#include "../optimizer.h"
#include "../text.h"

#include <stddef.h>

/* ---- options ---- */

/* A name the caller gave to one unit (layer, index) or one parameter (flat index). */
enum { NN__NAME_UNIT = 0, NN__NAME_PARAM = 1 };

struct nn__name_entry {
    int kind;
    size_t a;   /* layer of a unit, or the flat index of a parameter */
    size_t b;   /* index of a unit within its layer; 0 for a parameter */
    size_t seq; /* order of setting: the last name set for a key wins */
    char name[NN_MAX_NAME + 1];
};

struct nn_explain_options {
    int format;
    int digits;
    int rule;
    int apply;
    nn_optimizer_t *optimizer; /* borrowed; NULL: nn_step() */
    struct nn__name_entry *names;
    size_t n_names;
    size_t cap_names;
};

/* The settings of a NULL options pointer. */
extern const struct nn_explain_options nn__explain_defaults;

/* ---- names of units and parameters (labels.c) ---- */

/* Room for any name: a caller's name, or a default one (at most 23 characters). */
#define NN__NAME_BUF (NN_MAX_NAME + 1)

struct nn__names {
    const nn_t *net;
    size_t n_layers;
    size_t *param_off; /* flat index of the first parameter of each layer (0 for layer 0) */
    struct nn__name_entry *sorted;
    size_t n_sorted;
};

/* Resolves the options' names against net. NN_ERR_ARGUMENT when a name addresses
   a unit or parameter that net does not have; NN_ERR_NO_MEMORY. opts may be NULL. */
nn_status nn__names_init(struct nn__names *nm, const nn_t *net,
                         const struct nn_explain_options *opts);
void nn__names_free(struct nn__names *nm);
/* Names of unit j of layer k and of the parameter at a flat index; buf has
   NN__NAME_BUF bytes and receives default names. */
const char *nn__unit_name(const struct nn__names *nm, size_t layer, size_t j, char *buf);
const char *nn__param_name(const struct nn__names *nm, size_t flat, char *buf);
/* Flat index of weight (j, i) leading into layer, and of unit j's bias. */
size_t nn__weight_flat(const struct nn__names *nm, size_t layer, size_t j, size_t i);
size_t nn__bias_flat(const struct nn__names *nm, size_t layer, size_t j);

/* ---- the trace: what one explained step computed (trace.c) ---- */

/* How far the values of the samples go: none (parameters only), a forward
   pass, a forward and backward pass, or a whole step (explain). */
enum { NN__TRACE_PARAMS, NN__TRACE_FORWARD, NN__TRACE_BACKWARD, NN__TRACE_STEP };

struct nn__trace {
    const nn_t *net;                 /* the caller's network: settings and shape */
    const struct nn__names *names;
    int depth;                       /* one of NN__TRACE_* */
    size_t n_layers, n_samples, n_params, n_units, n_in, n_out;
    int rule;
    int fused;                       /* the output deltas take the loss's closed form in z */
    double eta;
    const double *inputs;            /* n_samples * n_in */
    const double *targets;           /* n_samples * n_out */
    size_t *off;                     /* offset of each layer within one sample's unit arrays */
    double *z, *a, *fprime, *dEda, *delta; /* n_samples * n_units each */
    double *loss, *loss_after;       /* n_samples */
    double *out_after;               /* n_samples * n_out */
    double *sample_grads;            /* n_samples * n_params: one sample's gradients */
    double *params, *grads, *new_params; /* n_params: before, summed gradients, after */
    double loss_total, loss_after_total;
    /* The optimiser's step (nn__trace_set_optimizer()); opt NULL: nn_step(). */
    const nn_optimizer_t *opt;       /* the caller's, only read: the step runs on a copy */
    int opt_kind;
    size_t n_state, n_counts;        /* the flat state (nn_optimizer_get_state()), its step counts */
    double *state_before, *state_after; /* n_state each */
    struct nn_opt_step *steps;       /* n_counts: each moving block's values (hp: NULL) */
    double *terms;                   /* n_params * NN_OPT_TERMS: the rule's values */
};

/* Sizes the trace for n_samples samples of net and allocates its arrays
   through net's allocator. NN_ERR_NO_MEMORY; trace_free is safe either way. */
nn_status nn__trace_init(struct nn__trace *t, const nn_t *net, const struct nn__names *names,
                         size_t n_samples);
void nn__trace_free(struct nn__trace *t);
/* Makes the step of nn__trace_step() opt's (on a copy) and allocates what
   it records. NN_ERR_NO_MEMORY. */
nn_status nn__trace_set_optimizer(struct nn__trace *t, const nn_optimizer_t *opt);
/* Fills the trace with one step by t->rule on every sample (nn_explain);
   with an optimiser, NN_ERR_ARGUMENT when its step refuses its settings. */
nn_status nn__trace_step(struct nn__trace *t);
/* Fills the parameters and, up to `depth`, one sample's forward and backward
   values (nn_export_dot); t->inputs and t->targets as the depth needs. */
nn_status nn__trace_pass(struct nn__trace *t, int depth);

/* Values of layer k for sample s in one of the per-unit arrays. */
static inline const double *nn__tr(const struct nn__trace *t, const double *arr, size_t s,
                                   size_t k)
{
    return arr + s * t->n_units + t->off[k];
}

/* ---- output formats (formats.c) ---- */

/* Writes a trace; digits as nn_explain_options_set_digits() sets them. */
typedef void (*nn__render_fn)(const struct nn__trace *t, int digits, struct nn__writer *w);

struct nn__format {
    int code;             /* NN_EXPLAIN_*: the codes are contiguous from 0 */
    const char *name;     /* what the command line and nn_explain_format_from_name() take */
    nn__render_fn render;
};

/* The entry of a format code, or NULL. */
const struct nn__format *nn__format_find(int code);
/* Renders t through the caller's writer callback, staging the output in one
   allocation of t->net's allocator. NN_ERR_NO_MEMORY or NN_ERR_IO. */
nn_status nn__render(const struct nn__trace *t, nn__render_fn render, int digits,
                     nn_write_fn write, void *context);

/* The renderers: render_text.c (text and Markdown), render_json.c, render_dot.c. */
void nn__render_text(const struct nn__trace *t, int digits, struct nn__writer *w);
void nn__render_markdown(const struct nn__trace *t, int digits, struct nn__writer *w);
void nn__render_json(const struct nn__trace *t, int digits, struct nn__writer *w);
void nn__render_dot(const struct nn__trace *t, int digits, struct nn__writer *w);

/* DOT draws a layer of more units than this as one node, and the weights
   between two layers as one box each only up to this many; both keep the
   picture of any network about a page in size. */
#define NN__DOT_MAX_UNITS 12
#define NN__DOT_MAX_WEIGHTS 16

#endif
