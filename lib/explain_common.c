/* Helpers shared by explain.c and dot.c: buffered output, locale-independent
   numbers, and the names of units and parameters. */
#include "explain_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ---- */

void nn__out_init(struct nn__out *o, nn_write_fn write, void *context)
{
    o->write = write;
    o->context = context;
    o->failed = 0;
    o->len = 0;
}

static void out_flush(struct nn__out *o)
{
    if (!o->failed && o->len > 0 && o->write(o->context, o->buf, o->len) != 0)
        o->failed = 1;
    o->len = 0;
}

void nn__out_bytes(struct nn__out *o, const char *s, size_t n)
{
    while (n > 0 && !o->failed) {
        size_t room = sizeof o->buf - o->len;
        size_t take = n < room ? n : room;
        memcpy(o->buf + o->len, s, take);
        o->len += take;
        s += take;
        n -= take;
        if (o->len == sizeof o->buf)
            out_flush(o);
    }
}

void nn__out_str(struct nn__out *o, const char *s)
{
    nn__out_bytes(o, s, strlen(s));
}

nn_status nn__out_finish(struct nn__out *o)
{
    out_flush(o);
    return o->failed ? NN_ERR_IO : NN_OK;
}

/* ---- numbers ----
   snprintf's %e gives correctly rounded digits, but its decimal point is the
   locale's. Only the sign, the digits and the exponent are read back from it,
   and the number is laid out again here with '.', so no locale setting can
   reach the output. */

struct decimal {
    int negative;
    int exponent;   /* decimal exponent of the first digit */
    size_t n;       /* significant digits kept */
    char digits[24];
};

static void decompose(double x, int digits, int strip_zeros, struct decimal *d)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*e", digits - 1, x);
    const char *p = tmp;
    d->negative = (*p == '-');
    d->n = 0;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++)
        if (*p >= '0' && *p <= '9' && d->n < sizeof d->digits - 1)
            d->digits[d->n++] = *p;
    int sign = 1, e = 0;
    for (; *p != '\0'; p++) {
        if (*p == '-')
            sign = -1;
        else if (*p >= '0' && *p <= '9')
            e = e * 10 + (*p - '0');
    }
    d->exponent = sign * e;
    while (strip_zeros && d->n > 1 && d->digits[d->n - 1] == '0')
        d->n--;
    d->digits[d->n] = '\0';
}

static char *put_exponent(char *p, int e)
{
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    if (e < 0)
        e = -e;
    char rev[8];
    int n = 0;
    do {
        rev[n++] = (char)('0' + e % 10);
        e /= 10;
    } while (e > 0);
    if (n < 2)
        rev[n++] = '0';
    while (n > 0)
        *p++ = rev[--n];
    return p;
}

/* Fixed notation for -4 <= exponent < sci_limit, scientific otherwise (%g's rule). */
static void compose(char *buf, const struct decimal *d, int sci_limit)
{
    char *p = buf;
    if (d->negative)
        *p++ = '-';
    const int e = d->exponent;
    const size_t n = d->n;
    if (e < -4 || e >= sci_limit) {
        *p++ = d->digits[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d->digits + 1, n - 1);
            p += n - 1;
        }
        p = put_exponent(p, e);
    } else if (e >= 0) {
        for (size_t k = 0; k <= (size_t)e; k++)
            *p++ = k < n ? d->digits[k] : '0';
        if (n > (size_t)e + 1) {
            *p++ = '.';
            memcpy(p, d->digits + e + 1, n - (size_t)e - 1);
            p += n - (size_t)e - 1;
        }
    } else {
        *p++ = '0';
        *p++ = '.';
        for (int k = -1; k > e; k--)
            *p++ = '0';
        memcpy(p, d->digits, n);
        p += n;
    }
    *p = '\0';
}

static int special(char *buf, double x)
{
    if (isnan(x))
        strcpy(buf, "nan");
    else if (isinf(x))
        strcpy(buf, x < 0 ? "-inf" : "inf");
    else
        return 0;
    return 1;
}

/* The fewest significant digits (1 .. 17) that read back as exactly x. The
   round trip through strtod happens in the current locale on both sides, so it
   is exact whatever the locale's decimal point is. */
static int shortest_digits(double x)
{
    int p = 1;
    for (; p < 17; p++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    return p;
}

/* A value that `digits` digits hold exactly is written exactly ("0.15"); any
   other is rounded to `digits` digits and keeps them all ("0.593270"). */
void nn__fmt_num(char *buf, double x, int digits)
{
    if (special(buf, x))
        return;
    digits = digits < 1 ? 1 : digits > 17 ? 17 : digits;
    const int exact = shortest_digits(x);
    struct decimal d;
    decompose(x, exact <= digits ? exact : digits, exact <= digits, &d);
    compose(buf, &d, digits);
}

void nn__fmt_exact(char *buf, double x)
{
    if (special(buf, x))
        return;
    struct decimal d;
    decompose(x, shortest_digits(x), 1, &d);
    compose(buf, &d, 17);
}

/* ---- names ---- */

int nn__explain_name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        const char c = name[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        if (!ok || n >= NN_MAX_NAME)
            return 0;
    }
    return n > 0;
}

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

nn_status nn__explain_check_values(const double *x, size_t count, size_t expected)
{
    if (count != expected)
        return NN_ERR_COUNT;
    return nn__all_finite(x, count) ? NN_OK : NN_ERR_NOT_FINITE;
}
