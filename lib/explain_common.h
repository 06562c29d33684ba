/* Private to explain.c and dot.c: the options object, buffered output through
   the caller's writer, numbers written without the process locale, and the
   names of units and parameters. Not installed. */
#ifndef BACKPROP_EXPLAIN_COMMON_H
#define BACKPROP_EXPLAIN_COMMON_H

#include "internal.h"

#include <stddef.h>

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
    struct nn__name_entry *names;
    size_t n_names;
    size_t cap_names;
};

/* ---- output: collected in a buffer, handed to the writer in pieces ---- */

struct nn__out {
    nn_write_fn write;
    void *context;
    int failed; /* the writer refused once: nothing more is sent */
    size_t len;
    char buf[4096];
};

void nn__out_init(struct nn__out *o, nn_write_fn write, void *context);
void nn__out_bytes(struct nn__out *o, const char *s, size_t n);
void nn__out_str(struct nn__out *o, const char *s);
/* Sends what is left; NN_ERR_IO if the writer ever returned nonzero. */
nn_status nn__out_finish(struct nn__out *o);

/* ---- numbers ---- */

/* Room for any number nn__fmt_num() and nn__fmt_exact() write. */
#define NN__NUM_BUF 40

/* Like printf's %.<digits>g (digits 1..17) but always with '.' as the decimal
   point, whatever LC_NUMERIC says. Non-finite values give "nan", "inf", "-inf". */
void nn__fmt_num(char *buf, double x, int digits);
/* The fewest significant digits (at most 17) that read back as exactly x. */
void nn__fmt_exact(char *buf, double x);

/* ---- names ---- */

/* Room for any name: a caller's name, or a default one (at most 23 characters). */
#define NN__NAME_BUF (NN_MAX_NAME + 1)

struct nn__names {
    const nn_t *net;
    size_t n_layers;
    size_t *param_off; /* flat index of the first parameter of each layer (0 for layer 0) */
    struct nn__name_entry *sorted;
    size_t n_sorted;
};

/* 1 if name is 1..NN_MAX_NAME characters from [A-Za-z0-9_.-]. */
int nn__explain_name_ok(const char *name);
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

/* Checks shared by nn_explain() and nn_export_dot(): finite values of a given count. */
nn_status nn__explain_check_values(const double *x, size_t count, size_t expected);

/* ---- what one explained step computed (explain.c fills it, the renderers read it) ---- */

struct nn__trace {
    const nn_t *net;                 /* the caller's network: settings and shape */
    const struct nn__names *names;
    size_t n_layers, n_samples, n_params, n_units, n_in, n_out;
    int rule;
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
};

/* Values of layer k for sample s in one of the per-unit arrays. */
static inline const double *nn__tr(const struct nn__trace *t, const double *arr, size_t s,
                                   size_t k)
{
    return arr + s * t->n_units + t->off[k];
}

/* One output's term of the loss: 1/2 (t - o)^2, or (t - o)^2 / n for the mean. */
static inline double nn__loss_term(int loss, size_t n, double o, double t)
{
    const double d = t - o;
    return loss == NN_LOSS_MSE ? d * d / (double)n : 0.5 * d * d;
}

/* explain_text.c: plain text (md = 0) or Markdown with LaTeX (md = 1). */
void nn__explain_text(const struct nn__trace *t, int md, int digits, struct nn__out *o);
/* explain_json.c */
void nn__explain_json(const struct nn__trace *t, struct nn__out *o);

#endif
