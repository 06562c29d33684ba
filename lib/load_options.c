/* The handle of loading options (nn_load_options_t): custom activations, a
   cap on the input's length, an allocator. The handle's own memory comes
   from the C library; the allocator it holds serves the loads. */
#include "load_options.h"
#include "names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct nn_load_options {
    struct nn_load_custom *customs;
    size_t n_custom;
    size_t cap; /* entries at customs */
    size_t max_bytes;
    nn_alloc_fn alloc;
    nn_dealloc_fn dealloc;
    void *alloc_context;
};

nn_status nn_load_options_create(nn_load_options_t **out)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return NN_ERR_NO_MEMORY;
    (*out)->max_bytes = SIZE_MAX;
    return NN_OK;
}

void nn_load_options_free(nn_load_options_t *options)
{
    if (options != NULL) {
        free(options->customs);
        free(options);
    }
}

static size_t name_length(const char *name)
{
    size_t n = 0;
    while (n <= NN_MAX_NAME && name[n] != '\0')
        n++;
    return n;
}

nn_status nn_load_options_add_activation(nn_load_options_t *options, const char *name,
                                         nn_activation_fn f, nn_activation_deriv_fn df,
                                         void *context)
{
    if (options == NULL || name == NULL || f == NULL || df == NULL)
        return NN_ERR_NULL_ARG;
    const size_t n = name_length(name);
    if (!nn__valid_name(name, n))
        return NN_ERR_NAME;
    struct customs view = {options->n_custom, options->customs, NULL, NULL, NULL, NULL};
    struct nn_load_custom found;
    if (nn__find_custom(&view, name, n, &found))
        return NN_ERR_ARGUMENT;
    if (options->n_custom == options->cap) {
        const size_t cap = options->cap == 0 ? 4 : 2 * options->cap;
        struct nn_load_custom *grown = realloc(options->customs, cap * sizeof *grown);
        if (grown == NULL)
            return NN_ERR_NO_MEMORY;
        options->customs = grown;
        options->cap = cap;
    }
    struct nn_load_custom *entry = &options->customs[options->n_custom++];
    memcpy(entry->name, name, n);
    entry->name[n] = '\0';
    entry->f = f;
    entry->df = df;
    entry->context = context;
    return NN_OK;
}

nn_status nn_load_options_set_max_bytes(nn_load_options_t *options, size_t max_bytes)
{
    if (options == NULL)
        return NN_ERR_NULL_ARG;
    if (max_bytes == 0)
        return NN_ERR_ARGUMENT;
    options->max_bytes = max_bytes;
    return NN_OK;
}

nn_status nn_load_options_set_allocator(nn_load_options_t *options, nn_alloc_fn alloc,
                                        nn_dealloc_fn dealloc, void *context)
{
    if (options == NULL || alloc == NULL || dealloc == NULL)
        return NN_ERR_NULL_ARG;
    options->alloc = alloc;
    options->dealloc = dealloc;
    options->alloc_context = context;
    return NN_OK;
}

void nn__load_settings(const nn_load_options_t *options, struct load_settings *settings)
{
    memset(settings, 0, sizeof *settings);
    settings->max_bytes = SIZE_MAX;
    if (options == NULL)
        return;
    settings->customs.n = options->n_custom;
    settings->customs.entries = options->customs;
    settings->max_bytes = options->max_bytes;
    settings->alloc = options->alloc;
    settings->dealloc = options->dealloc;
    settings->alloc_context = options->alloc_context;
}

static int same_name(const char *name, const char *t, size_t n)
{
    return strlen(name) == n && memcmp(name, t, n) == 0;
}

int nn__find_custom(const struct customs *c, const char *t, size_t n,
                    struct nn_load_custom *found)
{
    for (size_t i = 0; i < c->n; i++) {
        const char *name = c->entries != NULL ? c->entries[i].name : c->names[i];
        if (!same_name(name, t, n))
            continue;
        if (c->entries != NULL) {
            *found = c->entries[i];
        } else {
            memcpy(found->name, t, n);
            found->name[n] = '\0';
            found->f = c->fs[i];
            found->df = c->dfs[i];
            found->context = c->contexts != NULL ? c->contexts[i] : NULL;
        }
        return 1;
    }
    return 0;
}
