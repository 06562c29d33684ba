/* Input and target scaling stored in a network: fitting, setting, reading,
   and applying x' = (x - offset) / scale (scaling.h). The state is an
   allocation of its own (struct nn__scaling), NULL while the network has
   neither scaling, so that the passes of an unscaled network test one
   pointer and nothing else. This file calls no other file of the library:
   the network's sizes are read from its layers directly. */
#include "scaling.h"
#include "versions.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

enum part { INPUTS, TARGETS };

static size_t input_count(const nn_t *net)
{
    return net->layers[0].n_out;
}

static size_t output_count(const nn_t *net)
{
    return net->layers[net->n_layers - 1].n_out;
}

static size_t part_count(const nn_t *net, enum part part)
{
    return part == INPUTS ? input_count(net) : output_count(net);
}

/* ---- names ---- */

static const char *const scheme_names[] = {"none", "standard", "minmax"};
#define N_SCHEMES (sizeof scheme_names / sizeof scheme_names[0])

const char *nn_scale_name(int scheme)
{
    return scheme >= 0 && (size_t)scheme < N_SCHEMES ? scheme_names[scheme] : NULL;
}

nn_status nn_scale_from_name(const char *name, int *scheme)
{
    if (name == NULL || scheme == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_SCHEMES; i++) {
        if (strcmp(name, scheme_names[i]) == 0) {
            *scheme = (int)i;
            return NN_OK;
        }
    }
    if (strcmp(name, "min-max") == 0) {
        *scheme = NN_SCALE_MINMAX;
        return NN_OK;
    }
    return NN_ERR_ARGUMENT;
}

/* ---- the allocation ---- */

/* Doubles after the header: offsets, scales and a row for the inputs,
   offsets and scales for the targets. */
static size_t state_doubles(const nn_t *net)
{
    return 3 * input_count(net) + 2 * output_count(net);
}

/* The header rounded up to a whole number of doubles. */
static size_t header_bytes(void)
{
    return (sizeof(struct nn__scaling) + sizeof(double) - 1) / sizeof(double) * sizeof(double);
}

static size_t state_bytes(const nn_t *net)
{
    return header_bytes() + state_doubles(net) * sizeof(double);
}

static void point_arrays(const nn_t *net, struct nn__scaling *s)
{
    double *d = (double *)(void *)((char *)s + header_bytes());
    const size_t n_in = input_count(net), n_out = output_count(net);
    s->input_offset = d;
    s->input_scale = d + n_in;
    s->input_row = d + 2 * n_in;
    s->target_offset = d + 3 * n_in;
    s->target_scale = d + 3 * n_in + n_out;
}

/* The network's scaling, allocated (with neither part set) if it has none. */
static struct nn__scaling *ensure_state(nn_t *net)
{
    if (net->scaling != NULL)
        return net->scaling;
    struct nn__scaling *s = nn__alloc(net, state_bytes(net));
    if (s == NULL)
        return NULL;
    memset(s, 0, state_bytes(net));
    point_arrays(net, s);
    net->scaling = s;
    return s;
}

void nn__scaling_free(nn_t *net)
{
    nn__dealloc(net, net->scaling);
    net->scaling = NULL;
}

nn_status nn__scaling_copy(const nn_t *net, nn_t *copy)
{
    copy->scaling = NULL;
    if (net->scaling == NULL)
        return NN_OK;
    struct nn__scaling *s = nn__alloc(net, state_bytes(net));
    if (s == NULL)
        return NN_ERR_NO_MEMORY;
    memcpy(s, net->scaling, state_bytes(net));
    point_arrays(net, s);
    copy->scaling = s;
    return NN_OK;
}

/* ---- setting and clearing ---- */

static void clear_part(nn_t *net, enum part part)
{
    if (net->scaling == NULL)
        return;
    if (part == INPUTS) {
        net->scaling->has_input = 0;
        nn__params_changed(net); /* the last passes saw the old inputs */
    } else {
        net->scaling->has_target = 0;
    }
    if (!net->scaling->has_input && !net->scaling->has_target)
        nn__scaling_free(net);
}

/* Offsets finite, scales finite and above 0. */
static nn_status check_values(const double *offset, const double *scale, size_t count)
{
    if (!nn__all_finite(offset, count) || !nn__all_finite(scale, count))
        return NN_ERR_NOT_FINITE;
    for (size_t i = 0; i < count; i++)
        if (!(scale[i] > 0.0))
            return NN_ERR_ARGUMENT;
    return NN_OK;
}

static nn_status set_part(nn_t *net, enum part part, const double *offset, const double *scale,
                          size_t count)
{
    if (net == NULL || offset == NULL || scale == NULL)
        return NN_ERR_NULL_ARG;
    if (count != part_count(net, part))
        return NN_ERR_COUNT;
    nn_status status = check_values(offset, scale, count);
    if (status != NN_OK)
        return status;
    struct nn__scaling *s = ensure_state(net);
    if (s == NULL)
        return NN_ERR_NO_MEMORY;
    /* memmove: the caller may pass the arrays nn_get_*_scaling() filled */
    if (part == INPUTS) {
        memmove(s->input_offset, offset, count * sizeof(double));
        memmove(s->input_scale, scale, count * sizeof(double));
        s->has_input = 1;
        nn__params_changed(net);
    } else {
        memmove(s->target_offset, offset, count * sizeof(double));
        memmove(s->target_scale, scale, count * sizeof(double));
        s->has_target = 1;
    }
    return NN_OK;
}

nn_status nn_set_input_scaling(nn_t *net, const double *offset, const double *scale,
                               size_t count)
{
    return set_part(net, INPUTS, offset, scale, count);
}

nn_status nn_set_target_scaling(nn_t *net, const double *offset, const double *scale,
                                size_t count)
{
    return set_part(net, TARGETS, offset, scale, count);
}

static int has_part(const nn_t *net, enum part part)
{
    if (net == NULL || net->scaling == NULL)
        return 0;
    return part == INPUTS ? net->scaling->has_input : net->scaling->has_target;
}

int nn_has_input_scaling(const nn_t *net)
{
    return has_part(net, INPUTS);
}

int nn_has_target_scaling(const nn_t *net)
{
    return has_part(net, TARGETS);
}

static nn_status get_part(const nn_t *net, enum part part, double *offset, double *scale,
                          size_t count)
{
    if (net == NULL || offset == NULL || scale == NULL)
        return NN_ERR_NULL_ARG;
    if (count != part_count(net, part))
        return NN_ERR_COUNT;
    if (!has_part(net, part)) {
        for (size_t i = 0; i < count; i++) {
            offset[i] = 0.0;
            scale[i] = 1.0;
        }
        return NN_OK;
    }
    const struct nn__scaling *s = net->scaling;
    memcpy(offset, part == INPUTS ? s->input_offset : s->target_offset, count * sizeof(double));
    memcpy(scale, part == INPUTS ? s->input_scale : s->target_scale, count * sizeof(double));
    return NN_OK;
}

nn_status nn_get_input_scaling(const nn_t *net, double *offset, double *scale, size_t count)
{
    return get_part(net, INPUTS, offset, scale, count);
}

nn_status nn_get_target_scaling(const nn_t *net, double *offset, double *scale, size_t count)
{
    return get_part(net, TARGETS, offset, scale, count);
}

/* ---- fitting ---- */

/* Column c of n rows `cols` wide: its mean (the plain mean, corrected by the
   mean of the deviations from it, which makes up most of its rounding) and
   its population standard deviation. */
static void fit_standard(size_t n, size_t cols, size_t c, const double *x, double *offset,
                         double *scale)
{
    double sum = 0.0;
    for (size_t r = 0; r < n; r++)
        sum += x[r * cols + c];
    double mean = sum / (double)n, correction = 0.0;
    for (size_t r = 0; r < n; r++)
        correction += x[r * cols + c] - mean;
    mean += correction / (double)n;
    double squares = 0.0;
    for (size_t r = 0; r < n; r++) {
        const double d = x[r * cols + c] - mean;
        squares += d * d;
    }
    *offset = mean;
    *scale = sqrt(squares / (double)n);
}

static void fit_minmax(size_t n, size_t cols, size_t c, const double *x, double *offset,
                       double *scale)
{
    double lo = x[c], hi = x[c];
    for (size_t r = 1; r < n; r++) {
        const double v = x[r * cols + c];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    *offset = lo;
    *scale = hi - lo;
}

/* Whether every value of column c is the same. */
static int constant_column(size_t n, size_t cols, size_t c, const double *x)
{
    for (size_t r = 1; r < n; r++)
        if (x[r * cols + c] != x[c])
            return 0;
    return 1;
}

/* Fits each column into offset and scale (cols values each). A constant
   column keeps its value as offset and gets scale 1, as does one whose
   spread rounds to 0; a spread beyond the largest double is not finite. */
static nn_status fit_columns(int scheme, size_t n, size_t cols, const double *x, double *offset,
                             double *scale)
{
    for (size_t c = 0; c < cols; c++) {
        if (constant_column(n, cols, c, x)) {
            offset[c] = x[c];
            scale[c] = 1.0;
            continue;
        }
        if (scheme == NN_SCALE_STANDARD)
            fit_standard(n, cols, c, x, &offset[c], &scale[c]);
        else
            fit_minmax(n, cols, c, x, &offset[c], &scale[c]);
        if (scale[c] == 0.0)
            scale[c] = 1.0;
    }
    return check_values(offset, scale, cols) == NN_OK ? NN_OK : NN_ERR_NOT_FINITE;
}

static nn_status fit_part(nn_t *net, enum part part, int scheme, size_t n, const double *x)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (nn_scale_name(scheme) == NULL)
        return NN_ERR_ARGUMENT;
    if (scheme == NN_SCALE_NONE) {
        clear_part(net, part);
        return NN_OK;
    }
    if (x == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0)
        return NN_ERR_COUNT;
    const size_t cols = part_count(net, part);
    if (n > SIZE_MAX / sizeof(double) / cols)
        return NN_ERR_TOO_LARGE;
    if (!nn__all_finite(x, n * cols))
        return NN_ERR_NOT_FINITE;
    double *fitted = nn__alloc(net, 2 * cols * sizeof(double));
    if (fitted == NULL)
        return NN_ERR_NO_MEMORY;
    nn_status status = fit_columns(scheme, n, cols, x, fitted, fitted + cols);
    if (status == NN_OK)
        status = set_part(net, part, fitted, fitted + cols, cols);
    nn__dealloc(net, fitted);
    return status;
}

nn_status nn_fit_input_scaling(nn_t *net, int scheme, size_t n_rows, const double *inputs)
{
    return fit_part(net, INPUTS, scheme, n_rows, inputs);
}

nn_status nn_fit_target_scaling(nn_t *net, int scheme, size_t n_rows, const double *targets)
{
    return fit_part(net, TARGETS, scheme, n_rows, targets);
}

/* ---- applying ---- */

int nn__scale_values(size_t n, const double *offset, const double *scale, const double *x,
                     double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (x[i] - offset[i]) / scale[i];
    return nn__all_finite(out, n);
}

nn_status nn__scale_input(nn_t *net, const double **input)
{
    const struct nn__scaling *s = net->scaling;
    if (!s->has_input)
        return NN_OK;
    const size_t n_in = input_count(net);
    if (!nn__all_finite(*input, n_in) ||
        !nn__scale_values(n_in, s->input_offset, s->input_scale, *input, s->input_row))
        return NN_ERR_NOT_FINITE;
    *input = s->input_row;
    return NN_OK;
}

int nn__scaled_rows_finite(const nn_t *net, size_t n, const double *in)
{
    const struct nn__scaling *s = net->scaling;
    if (s == NULL || !s->has_input)
        return 1;
    const size_t n_in = input_count(net);
    double scaled[64]; /* a stretch of a row at a time, so that nothing is written */
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < n_in; i += 64) {
            const size_t m = n_in - i < 64 ? n_in - i : 64;
            if (!nn__scale_values(m, s->input_offset + i, s->input_scale + i, in + r * n_in + i,
                                  scaled))
                return 0;
        }
    return 1;
}

int nn__scale_input_rows(const nn_t *net, size_t n, const double *in, double *out)
{
    const struct nn__scaling *s = net->scaling;
    if (s == NULL || !s->has_input)
        return 0;
    const size_t n_in = input_count(net);
    for (size_t r = 0; r < n; r++)
        nn__scale_values(n_in, s->input_offset, s->input_scale, in + r * n_in, out + r * n_in);
    return 1;
}

/* o * scale + offset over n values. */
static void unscale_values(size_t n, const double *offset, const double *scale, const double *o,
                           double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = o[i] * scale[i] + offset[i];
}

void nn__unscale_output_rows(const nn_t *net, size_t n, double *rows)
{
    const struct nn__scaling *s = net->scaling;
    if (s == NULL || !s->has_target)
        return;
    const size_t n_out = output_count(net);
    for (size_t r = 0; r < n; r++)
        unscale_values(n_out, s->target_offset, s->target_scale, rows + r * n_out,
                       rows + r * n_out);
}

/* ---- the public conversions ---- */

/* n rows of `cols` through the part's scaling (or its inverse), into out. */
static nn_status convert_rows(const nn_t *net, enum part part, int inverse, size_t n,
                              const double *in, double *out)
{
    if (net == NULL || in == NULL || out == NULL)
        return NN_ERR_NULL_ARG;
    const size_t cols = part_count(net, part);
    if (n > SIZE_MAX / sizeof(double) / cols)
        return NN_ERR_TOO_LARGE;
    if (!nn__all_finite(in, n * cols))
        return NN_ERR_NOT_FINITE;
    if (!has_part(net, part)) {
        memmove(out, in, n * cols * sizeof(double));
        return NN_OK;
    }
    const struct nn__scaling *s = net->scaling;
    const double *offset = part == INPUTS ? s->input_offset : s->target_offset;
    const double *scale = part == INPUTS ? s->input_scale : s->target_scale;
    for (size_t r = 0; r < n; r++) {
        if (inverse)
            unscale_values(cols, offset, scale, in + r * cols, out + r * cols);
        else
            nn__scale_values(cols, offset, scale, in + r * cols, out + r * cols);
    }
    return nn__all_finite(out, n * cols) ? NN_OK : NN_ERR_NOT_FINITE;
}

nn_status nn_scale_inputs(const nn_t *net, size_t n, const double *inputs, double *scaled)
{
    return convert_rows(net, INPUTS, 0, n, inputs, scaled);
}

nn_status nn_scale_targets(const nn_t *net, size_t n, const double *targets, double *scaled)
{
    return convert_rows(net, TARGETS, 0, n, targets, scaled);
}

nn_status nn_unscale_outputs(const nn_t *net, size_t n, const double *outputs, double *raw)
{
    return convert_rows(net, TARGETS, 1, n, outputs, raw);
}
