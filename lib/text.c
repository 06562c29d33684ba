/* The text toolkit (text.h): the writer and its sinks, and numbers written
   without the process locale. */
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the writer ---- */

static void writer_init(struct nn__writer *w, char *buf, size_t cap, nn__sink_fn send,
                        void *context, int keeps)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = cap;
    w->send = send;
    w->context = context;
    w->keeps = keeps;
}

void nn__writer_count(struct nn__writer *w)
{
    writer_init(w, NULL, 0, NULL, NULL, 0);
}

void nn__writer_buffer(struct nn__writer *w, char *buf, size_t cap)
{
    writer_init(w, buf, cap, NULL, NULL, 1);
}

static int send_file(void *file, const char *bytes, size_t n)
{
    return fwrite(bytes, 1, n, (FILE *)file) == n ? 0 : 1;
}

void nn__writer_file(struct nn__writer *w, FILE *file, char *stage, size_t stage_size)
{
    writer_init(w, stage, stage_size, send_file, file, 0);
}

void nn__writer_callback(struct nn__writer *w, nn_write_fn write, void *context, char *stage,
                         size_t stage_size)
{
    writer_init(w, stage, stage_size, write, context, 0);
}

static void send_staged(struct nn__writer *w)
{
    if (w->staged > 0 && !w->failed && w->send(w->context, w->buf, w->staged) != 0)
        w->failed = 1;
    w->staged = 0;
}

/* Copies into the stage, passing it on each time it fills up. */
static void stage_bytes(struct nn__writer *w, const char *s, size_t n)
{
    while (n > 0 && !w->failed) {
        if (w->staged == w->cap)
            send_staged(w);
        const size_t room = w->cap - w->staged;
        const size_t take = n < room ? n : room;
        memcpy(w->buf + w->staged, s, take);
        w->staged += take;
        s += take;
        n -= take;
    }
}

void nn__write_bytes(struct nn__writer *w, const char *s, size_t n)
{
    if (n > SIZE_MAX - w->len) {
        w->overflow = 1;
        return;
    }
    if (w->keeps) {
        const size_t used = w->len < w->cap ? w->len : w->cap, room = w->cap - used;
        if (room > 0)
            memcpy(w->buf + used, s, n < room ? n : room);
        if (n > room)
            w->overflow = 1; /* counting goes on: len tells the room needed */
    } else if (w->send != NULL) {
        stage_bytes(w, s, n);
    }
    w->len += n;
}

void nn__write_str(struct nn__writer *w, const char *s)
{
    nn__write_bytes(w, s, strlen(s));
}

size_t nn__format_size(size_t n, char *out)
{
    char rev[24];
    size_t k = 0;
    do {
        rev[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    for (size_t i = 0; i < k; i++)
        out[i] = rev[k - 1 - i];
    return k;
}

void nn__write_size(struct nn__writer *w, size_t n)
{
    char out[24];
    nn__write_bytes(w, out, nn__format_size(n, out));
}

void nn__write_num(struct nn__writer *w, double x, int digits)
{
    char buf[NN__NUM_BUF];
    nn__fmt_num(buf, x, digits);
    nn__write_str(w, buf);
}

void nn__write_exact(struct nn__writer *w, double x)
{
    char buf[NN__NUM_BUF];
    nn__fmt_exact(buf, x);
    nn__write_str(w, buf);
}

nn_status nn__writer_finish(struct nn__writer *w)
{
    if (w->send != NULL)
        send_staged(w);
    if (w->failed)
        return NN_ERR_IO;
    return w->overflow ? NN_ERR_BUFFER_SIZE : NN_OK;
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

/* "e+05", "e-123": at least two digits, as printf writes them. */
static char *put_exponent(char *p, int e)
{
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    const size_t magnitude = (size_t)(e < 0 ? -e : e);
    if (magnitude < 10)
        *p++ = '0';
    return p + nn__format_size(magnitude, p);
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
