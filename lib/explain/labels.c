/* The names of units and parameters: the caller's, looked up by binary search
   in a sorted copy, or the default ones (backprop.h, "Default names"). */
#include "common.h"

#include <stdio.h>
#include <string.h>

static int cmp_entry(const void *pa, const void *pb)
{
    const struct nn__name_entry *x = pa, *y = pb;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int entry_in_range(const struct nn__names *nm, const struct nn__name_entry *e)
{
    if (e->kind == NN__NAME_PARAM)
        return e->a < nn_param_count(nm->net);
    return e->a < nm->n_layers && e->b < nn_layer_size(nm->net, e->a);
}

static void swap_entries(struct nn__name_entry *x, struct nn__name_entry *y)
{
    const struct nn__name_entry t = *x;
    *x = *y;
    *y = t;
}

/* Moves e[i] down the max-heap e[0..n) until neither child is greater. */
static void sift_down(struct nn__name_entry *e, size_t i, size_t n)
{
    for (;;) {
        size_t top = i;
        const size_t left = 2 * i + 1, right = left + 1;
        if (left < n && cmp_entry(&e[left], &e[top]) > 0)
            top = left;
        if (right < n && cmp_entry(&e[right], &e[top]) > 0)
            top = right;
        if (top == i)
            return;
        swap_entries(&e[i], &e[top]);
        i = top;
    }
}

/* Heapsort by cmp_entry, in place: the C library's qsort() may allocate
   with malloc() for a large array, bypassing the network's allocator. No
   two entries compare equal (seq differs), so stability does not matter. */
static void sort_entries(struct nn__name_entry *e, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(e, i, n);
    for (size_t end = n; end-- > 1;) {
        swap_entries(&e[0], &e[end]);
        sift_down(e, 0, end);
    }
}

static nn_status copy_names(struct nn__names *nm, const struct nn_explain_options *opts)
{
    if (opts == NULL || opts->n_names == 0)
        return NN_OK;
    nm->sorted = nn__alloc(nm->net, opts->n_names * sizeof *nm->sorted);
    if (nm->sorted == NULL)
        return NN_ERR_NO_MEMORY;
    memcpy(nm->sorted, opts->names, opts->n_names * sizeof *nm->sorted);
    nm->n_sorted = opts->n_names;
    sort_entries(nm->sorted, nm->n_sorted);
    for (size_t k = 0; k < nm->n_sorted; k++)
        if (!entry_in_range(nm, &nm->sorted[k]))
            return NN_ERR_ARGUMENT;
    return NN_OK;
}

nn_status nn__names_init(struct nn__names *nm, const nn_t *net,
                         const struct nn_explain_options *opts)
{
    nm->net = net;
    nm->n_layers = nn_layer_count(net);
    nm->sorted = NULL;
    nm->n_sorted = 0;
    nm->param_off = nn__alloc(net, nm->n_layers * sizeof *nm->param_off);
    if (nm->param_off == NULL)
        return NN_ERR_NO_MEMORY;
    size_t off = 0;
    nm->param_off[0] = 0;
    for (size_t k = 1; k < nm->n_layers; k++) {
        nm->param_off[k] = off;
        off += nn_weight_count(net, k) + nn_bias_count(net, k);
    }
    nn_status status = copy_names(nm, opts);
    if (status != NN_OK)
        nn__names_free(nm);
    return status;
}

void nn__names_free(struct nn__names *nm)
{
    nn__dealloc(nm->net, nm->param_off);
    nn__dealloc(nm->net, nm->sorted);
    nm->param_off = NULL;
    nm->sorted = NULL;
    nm->n_sorted = 0;
}

/* The caller's name for a key, or NULL: the last entry of the key's run wins. */
static const char *lookup(const struct nn__names *nm, int kind, size_t a, size_t b)
{
    size_t lo = 0, hi = nm->n_sorted;
    const struct nn__name_entry key = {kind, a, b, (size_t)-1, ""};
    while (lo < hi) { /* first entry greater than every entry of the key */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_entry(&nm->sorted[mid], &key) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct nn__name_entry *e = &nm->sorted[lo - 1];
    return (e->kind == kind && e->a == a && e->b == b) ? e->name : NULL;
}

/* Writes "<prefix><a>" or "<prefix><a>_<b>" (numbers in decimal). */
static void numbered(char *buf, const char *prefix, size_t a, const size_t *b, size_t nb)
{
    int n = snprintf(buf, NN__NAME_BUF, "%s%zu", prefix, a);
    for (size_t k = 0; k < nb && n > 0 && n < NN__NAME_BUF; k++)
        n += snprintf(buf + n, (size_t)(NN__NAME_BUF - n), "_%zu", b[k]);
}

const char *nn__unit_name(const struct nn__names *nm, size_t layer, size_t j, char *buf)
{
    const char *given = lookup(nm, NN__NAME_UNIT, layer, j);
    if (given != NULL)
        return given;
    const size_t unit = j + 1;
    if (layer == 0)
        numbered(buf, "x", unit, NULL, 0);
    else if (layer + 1 == nm->n_layers)
        numbered(buf, "o", unit, NULL, 0);
    else
        numbered(buf, "h", layer, &unit, 1);
    return buf;
}

/* The layer holding a flat index (binary search over param_off). */
static size_t layer_of(const struct nn__names *nm, size_t flat)
{
    size_t lo = 1, hi = nm->n_layers - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (nm->param_off[mid] <= flat)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

const char *nn__param_name(const struct nn__names *nm, size_t flat, char *buf)
{
    const char *given = lookup(nm, NN__NAME_PARAM, flat, 0);
    if (given != NULL)
        return given;
    const size_t k = layer_of(nm, flat);
    const size_t rel = flat - nm->param_off[k];
    const size_t n_in = nn_layer_size(nm->net, k - 1);
    const size_t n_w = nn_weight_count(nm->net, k);
    if (rel < n_w) {
        const size_t ji[2] = {rel / n_in + 1, rel % n_in + 1};
        numbered(buf, "w", k, ji, 2);
    } else if (nn_get_bias_mode(nm->net, k) == NN_BIAS_SHARED) {
        numbered(buf, "b", k, NULL, 0);
    } else {
        const size_t j = rel - n_w + 1;
        numbered(buf, "b", k, &j, 1);
    }
    return buf;
}

size_t nn__weight_flat(const struct nn__names *nm, size_t layer, size_t j, size_t i)
{
    return nm->param_off[layer] + j * nn_layer_size(nm->net, layer - 1) + i;
}

size_t nn__bias_flat(const struct nn__names *nm, size_t layer, size_t j)
{
    const size_t first = nm->param_off[layer] + nn_weight_count(nm->net, layer);
    return nn_get_bias_mode(nm->net, layer) == NN_BIAS_SHARED ? first : first + j;
}
