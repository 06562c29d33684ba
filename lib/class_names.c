/* The names of the classes a network's outputs stand for (class_names.h):
   one allocation of the network's allocator, NULL while there are none,
   holding the count, each name's offset and the names themselves,
   NUL-terminated, one after the other. */
#include "class_names.h"

#include <stdint.h>
#include <string.h>

struct nn__classes {
    size_t bytes; /* of the whole allocation */
    size_t n;
    size_t offset[]; /* n offsets into the text that follows them */
};

static const char *text_of(const struct nn__classes *c)
{
    return (const char *)(c->offset + c->n);
}

/* The count the network takes: one name per output, or two for one output. */
static size_t expected_count(const nn_t *net)
{
    const size_t n_out = net->layers[net->n_layers - 1].n_out;
    return n_out == 1 ? 2 : n_out;
}

/* The length of a name nn_set_class_names() accepts, or 0 for an empty one,
   a longer one or one holding a newline. */
static size_t name_length(const char *name)
{
    size_t n = 0;
    while (n <= NN_MAX_CLASS_NAME && name[n] != '\0') {
        if (name[n] == '\n')
            return 0;
        n++;
    }
    return n <= NN_MAX_CLASS_NAME ? n : 0;
}

nn_status nn_set_class_names(nn_t *net, size_t n, const char *const *names)
{
    if (net == NULL)
        return NN_ERR_NULL_ARG;
    if (n == 0) {
        nn__classes_free(net);
        return NN_OK;
    }
    if (names == NULL)
        return NN_ERR_NULL_ARG;
    if (n != expected_count(net))
        return NN_ERR_COUNT;
    /* every name is at most NN_MAX_CLASS_NAME + 1 bytes, n at most 2^24 */
    size_t text = 0;
    for (size_t k = 0; k < n; k++) {
        if (names[k] == NULL)
            return NN_ERR_NULL_ARG;
        const size_t len = name_length(names[k]);
        if (len == 0)
            return NN_ERR_NAME;
        text += len + 1;
    }
    const size_t bytes = sizeof(struct nn__classes) + n * sizeof(size_t) + text;
    struct nn__classes *c = nn__alloc(net, bytes);
    if (c == NULL)
        return NN_ERR_NO_MEMORY;
    c->bytes = bytes;
    c->n = n;
    char *dst = (char *)(c->offset + n);
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        const size_t len = strlen(names[k]) + 1;
        c->offset[k] = at;
        memcpy(dst + at, names[k], len);
        at += len;
    }
    /* the names may be the network's own (nn_class_name()): free after copying */
    nn__classes_free(net);
    net->classes = c;
    return NN_OK;
}

size_t nn_class_count(const nn_t *net)
{
    return net != NULL && net->classes != NULL ? net->classes->n : 0;
}

const char *nn_class_name(const nn_t *net, size_t k)
{
    if (k >= nn_class_count(net))
        return NULL;
    return text_of(net->classes) + net->classes->offset[k];
}

nn_status nn__classes_copy(const nn_t *net, nn_t *copy)
{
    copy->classes = NULL;
    if (net->classes == NULL)
        return NN_OK;
    struct nn__classes *c = nn__alloc(net, net->classes->bytes);
    if (c == NULL)
        return NN_ERR_NO_MEMORY;
    memcpy(c, net->classes, net->classes->bytes);
    copy->classes = c;
    return NN_OK;
}

void nn__classes_free(nn_t *net)
{
    nn__dealloc(net, net->classes);
    net->classes = NULL;
}
