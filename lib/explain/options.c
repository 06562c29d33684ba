/* The options of nn_explain() and nn_export_dot(): format, digits, rule,
   whether to apply the step, the optimiser (borrowed), and the caller's names. The options belong to no
   network and use the C library's allocator. */
#include "common.h"
#include "../names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const struct nn_explain_options nn__explain_defaults = {
    NN_EXPLAIN_TEXT, 6, NN_RULE_STANDARD, 0, NULL, NULL, 0, 0};

nn_status nn_explain_options_create(nn_explain_options_t **out)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return NN_ERR_NO_MEMORY;
    **out = nn__explain_defaults;
    return NN_OK;
}

void nn_explain_options_free(nn_explain_options_t *options)
{
    if (options != NULL)
        free(options->names);
    free(options);
}

nn_status nn_explain_options_set_format(nn_explain_options_t *options, int format)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    if (nn__format_find(format) == NULL)
        return NN_ERR_ARGUMENT;
    options->format = format;
    return NN_OK;
}

nn_status nn_explain_options_set_digits(nn_explain_options_t *options, int digits)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    if (digits < 1 || digits > 17)
        return NN_ERR_ARGUMENT;
    options->digits = digits;
    return NN_OK;
}

nn_status nn_explain_options_set_rule(nn_explain_options_t *options, int rule)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    if (rule != NN_RULE_STANDARD && rule != NN_RULE_SEQUENTIAL)
        return NN_ERR_ARGUMENT;
    options->rule = rule;
    return NN_OK;
}

nn_status nn_explain_options_set_apply(nn_explain_options_t *options, int apply)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    options->apply = apply != 0;
    return NN_OK;
}

nn_status nn_explain_options_set_optimizer(nn_explain_options_t *options, nn_optimizer_t *opt)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    options->optimizer = opt;
    return NN_OK;
}

static nn_status add_name(nn_explain_options_t *options, int kind, size_t a, size_t b,
                          const char *name)
{
    if (options == NULL || name == NULL)
        return NN_ERR_NULL_ARG;
    size_t n = 0; /* the length, counted no further than one past the longest name */
    while (n <= NN_MAX_NAME && name[n] != '\0')
        n++;
    if (!nn__valid_name(name, n))
        return NN_ERR_NAME;
    if (options->n_names == options->cap_names) {
        size_t cap = options->cap_names ? 2 * options->cap_names : 16;
        if (cap > SIZE_MAX / sizeof *options->names)
            return NN_ERR_NO_MEMORY;
        void *grown = realloc(options->names, cap * sizeof *options->names);
        if (grown == NULL)
            return NN_ERR_NO_MEMORY;
        options->names = grown;
        options->cap_names = cap;
    }
    struct nn__name_entry *e = &options->names[options->n_names];
    e->kind = kind;
    e->a = a;
    e->b = b;
    e->seq = options->n_names++;
    strcpy(e->name, name);
    return NN_OK;
}

nn_status nn_explain_options_set_unit_name(nn_explain_options_t *options, size_t layer,
                                           size_t index, const char *name)
{
    return add_name(options, NN__NAME_UNIT, layer, index, name);
}

nn_status nn_explain_options_set_param_name(nn_explain_options_t *options, size_t flat_index,
                                            const char *name)
{
    return add_name(options, NN__NAME_PARAM, flat_index, 0, name);
}
