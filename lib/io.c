/* Model files: writing and reading the text format specified in
   docs/format.md.

   Numbers are C99 hexadecimal floating-point constants. They are formatted
   and parsed here, bit by bit, without printf or strtod, so the result never
   depends on the locale and a round trip restores every bit of every double.

   Reading is written for untrusted input: every access is bounded by the
   input's length (which need not be NUL-terminated), every count is checked
   against the limits of nn_create() and against the bytes that remain before
   anything is allocated, and every failure releases what was allocated. */

/* fileno, fsync, fchmod and getpid are POSIX; C11 alone has none of them. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <unistd.h>
#endif

#if defined(_POSIX_VERSION)
#define IO_POSIX 1
#else
#define IO_POSIX 0
#endif

#if defined(__GNUC__)
#define IO_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define IO_PRINTF(fmt_index, first_arg)
#endif

#define FORMAT_MAGIC "backprop-model"
#define FORMAT_VERSION 1

/* The shortest text one number can have is "0x0p0" followed by at least one
   separator (a later line always follows the numbers: at least "end"). */
#define MIN_NUMBER_BYTES 6

/* ---- names of settings ---- */

/* indexed by the NN_LOSS_* code */
static const char *const loss_words[] = {"half_sse", "mse"};
/* indexed by the NN_BIAS_* code */
static const char *const bias_words[] = {"per_neuron", "shared"};
/* indexed by (frozen weights) + 2 * (frozen biases) */
static const char *const frozen_words[] = {"none", "weights", "biases", "both"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *loss_name(int loss)
{
    return loss >= 0 && (size_t)loss < COUNT_OF(loss_words) ? loss_words[loss] : NULL;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* The rule of nn_set_custom_activation(): 1 .. NN_MAX_NAME characters from
   [A-Za-z0-9_.-]. */
static int valid_name(const char *name, size_t n)
{
    if (n == 0 || n > NN_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char(name[i]))
            return 0;
    return 1;
}

/* ---- formatting numbers ---- */

static size_t format_uint(uint64_t v, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* Writes x the way C's printf("%a") does in the "C" locale with glibc:
   [-]0x1.<hex>p<+|-><exp> for normal numbers, [-]0x0.<hex>p-1022 for subnormal
   ones, [-]0x0p+0 for zero, with trailing zero hex digits dropped. Needs at
   most 25 bytes; x must be finite. */
static size_t format_hex_double(double x, char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const unsigned biased = (unsigned)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    size_t n = 0;
    if (bits >> 63)
        out[n++] = '-';
    out[n++] = '0';
    out[n++] = 'x';
    long exponent;
    if (biased == 0) {
        out[n++] = '0';
        exponent = frac == 0 ? 0 : -1022;
    } else {
        out[n++] = '1';
        exponent = (long)biased - 1023;
    }
    if (frac != 0) {
        size_t digits = 13;
        while ((frac & 0xf) == 0) {
            frac >>= 4;
            digits--;
        }
        out[n++] = '.';
        for (size_t i = digits; i > 0; i--) {
            out[n + i - 1] = hex[frac & 0xf];
            frac >>= 4;
        }
        n += digits;
    }
    out[n++] = 'p';
    out[n++] = exponent < 0 ? '-' : '+';
    n += format_uint((uint64_t)(exponent < 0 ? -exponent : exponent), out + n);
    return n;
}

/* ---- parsing numbers ---- */

enum number_result {
    NUMBER_OK,
    NUMBER_SYNTAX,     /* not a hexadecimal floating-point constant */
    NUMBER_NOT_FINITE, /* a spelling of NaN or infinity */
    NUMBER_RANGE       /* beyond the largest finite double */
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int equals_ignoring_case(const char *t, size_t n, const char *word)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Number of significant bits of m (m > 0). */
static int bit_length(uint64_t m)
{
    int n = 0;
    for (int step = 32; step > 0; step /= 2) {
        if (m >> step) {
            m >>= step;
            n += step;
        }
    }
    return n + 1;
}

/* The double nearest to (m + s) * 2^e, where s is a fraction in [0, 1) that
   is nonzero exactly when sticky is set; ties go to the even neighbour. */
static enum number_result compose_double(int negative, uint64_t m, int sticky, int64_t e,
                                         double *out)
{
    uint64_t bits = 0;
    if (m != 0) {
        const int64_t top = e + bit_length(m) - 1; /* exponent of the leading bit */
        if (top > 1023)
            return NUMBER_RANGE;
        if (top >= -1100) { /* anything smaller rounds to zero */
            int64_t q = top - 52;                  /* exponent of the last kept bit */
            if (q < -1074)
                q = -1074;
            const int64_t shift = q - e; /* between -52 and 89 */
            uint64_t r;
            if (shift <= 0) {
                r = m << -shift;
            } else if (shift > 64) {
                r = 0; /* below half of the smallest subnormal */
            } else {
                const uint64_t rem = shift == 64 ? m : m & ((UINT64_C(1) << shift) - 1);
                const uint64_t half = UINT64_C(1) << (shift - 1);
                r = shift == 64 ? 0 : m >> shift;
                if (rem > half || (rem == half && (sticky || (r & 1))))
                    r++;
            }
            if (r == UINT64_C(1) << 53) {
                r >>= 1;
                q++;
            }
            if (r >= UINT64_C(1) << 52) {
                const int64_t biased = q + 52 + 1023;
                if (biased >= 2047)
                    return NUMBER_RANGE;
                bits = ((uint64_t)biased << 52) | (r & ((UINT64_C(1) << 52) - 1));
            } else {
                bits = r; /* subnormal (q is -1074) or zero */
            }
        }
    }
    if (negative)
        bits |= UINT64_C(1) << 63;
    memcpy(out, &bits, sizeof bits);
    return NUMBER_OK;
}

/* [+|-] 0x <hex digits> [. <hex digits>] p [+|-] <decimal digits>, at least one
   hex digit, correctly rounded to the nearest double. */
static enum number_result parse_hex_double(const char *t, size_t n, double *out)
{
    size_t i = 0;
    int negative = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        negative = t[i] == '-';
        i++;
    }
    if (equals_ignoring_case(t + i, n - i, "nan") || equals_ignoring_case(t + i, n - i, "inf") ||
        equals_ignoring_case(t + i, n - i, "infinity") ||
        (n - i >= 4 && equals_ignoring_case(t + i, 4, "nan(")))
        return NUMBER_NOT_FINITE;
    if (n - i < 2 || t[i] != '0' || (t[i + 1] != 'x' && t[i + 1] != 'X'))
        return NUMBER_SYNTAX;
    i += 2;
    /* value = (m + fraction) * 2^e2; digits past 60 significant bits only
       set the sticky bit */
    uint64_t m = 0;
    int sticky = 0;
    int64_t e2 = 0;
    size_t digits = 0;
    for (int fraction = 0; fraction < 2; fraction++) {
        if (fraction) {
            if (i >= n || t[i] != '.')
                break;
            i++;
        }
        for (; i < n && hex_digit(t[i]) >= 0; i++, digits++) {
            const int d = hex_digit(t[i]);
            if (m < UINT64_C(1) << 60) {
                m = m * 16 + (uint64_t)d;
                if (fraction)
                    e2 -= 4;
            } else {
                sticky |= d != 0;
                if (!fraction)
                    e2 += 4;
            }
        }
    }
    if (digits == 0 || i >= n || (t[i] != 'p' && t[i] != 'P'))
        return NUMBER_SYNTAX;
    i++;
    int exp_negative = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        exp_negative = t[i] == '-';
        i++;
    }
    if (i >= n || t[i] < '0' || t[i] > '9')
        return NUMBER_SYNTAX;
    int64_t exponent = 0;
    for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
        if (exponent < 1000000000) /* far beyond any double; saturate */
            exponent = exponent * 10 + (t[i] - '0');
    if (i != n)
        return NUMBER_SYNTAX;
    return compose_double(negative, m, sticky, e2 + (exp_negative ? -exponent : exponent), out);
}

/* ---- writing ---- */

/* Where the text goes: a caller's buffer, a file, or nowhere (counting only). */
struct sink {
    char *buf;
    FILE *fp;
    size_t len;   /* bytes produced so far */
    int overflow; /* the length does not fit in size_t */
    int failed;   /* a write to fp failed */
};

static void emit(struct sink *s, const char *text, size_t n)
{
    if (s->overflow || n > SIZE_MAX - s->len) {
        s->overflow = 1;
        return;
    }
    if (s->buf != NULL)
        memcpy(s->buf + s->len, text, n);
    else if (s->fp != NULL && !s->failed && fwrite(text, 1, n, s->fp) != n)
        s->failed = 1;
    s->len += n;
}

static void emit_str(struct sink *s, const char *text)
{
    emit(s, text, strlen(text));
}

static void emit_uint(struct sink *s, uint64_t v)
{
    char tmp[24];
    emit(s, tmp, format_uint(v, tmp));
}

/* n numbers separated by single spaces, then a newline. */
static void emit_numbers(struct sink *s, const double *x, size_t n)
{
    char tmp[32];
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        if (i > 0)
            tmp[len++] = ' ';
        len += format_hex_double(x[i], tmp + len);
        emit(s, tmp, len);
    }
    emit(s, "\n", 1);
}

static size_t layer_bias_count(const struct nn_layer *l)
{
    return l->bias_mode == NN_BIAS_SHARED ? 1 : l->n_out;
}

/* Checks what saving needs: finite parameters and names for every setting. */
static nn_status check_savable(const nn_t *net)
{
    if (loss_name(net->loss) == NULL)
        return NN_ERR_LOSS;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        if (nn_get_activation_name(net, k) == NULL)
            return NN_ERR_ACTIVATION;
        if (!nn__all_finite(l->w, l->n_out * l->n_in) ||
            !nn__all_finite(l->b, layer_bias_count(l)))
            return NN_ERR_PARAMS_NOT_FINITE;
    }
    return NN_OK;
}

static void write_model(const nn_t *net, struct sink *s)
{
    emit_str(s, FORMAT_MAGIC " 1\n"
                "# libbackprop model; numbers are C99 hexadecimal floating-point constants\n");
    emit_str(s, "layers ");
    emit_uint(s, net->n_layers);
    emit_str(s, "\nsizes");
    for (size_t k = 0; k < net->n_layers; k++) {
        emit_str(s, " ");
        emit_uint(s, net->layers[k].n_out);
    }
    emit_str(s, "\nloss ");
    emit_str(s, loss_name(net->loss));
    emit_str(s, "\n");
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        emit_str(s, "\nlayer ");
        emit_uint(s, k);
        emit_str(s, "\nactivation ");
        if (l->activation == NN_ACT_CUSTOM)
            emit_str(s, "custom ");
        emit_str(s, nn_get_activation_name(net, k));
        emit_str(s, "\nbias ");
        emit_str(s, bias_words[l->bias_mode == NN_BIAS_SHARED]);
        emit_str(s, "\nfrozen ");
        emit_str(s, frozen_words[(l->frozen_weights != 0) + 2 * (l->frozen_biases != 0)]);
        emit_str(s, "\nweights ");
        emit_uint(s, l->n_out);
        emit_str(s, " ");
        emit_uint(s, l->n_in);
        emit_str(s, "\n");
        for (size_t j = 0; j < l->n_out; j++)
            emit_numbers(s, l->w + j * l->n_in, l->n_in);
        emit_str(s, "biases ");
        emit_uint(s, layer_bias_count(l));
        emit_str(s, "\n");
        emit_numbers(s, l->b, layer_bias_count(l));
    }
    emit_str(s, "end\n");
}

nn_status nn_save_buffer(const nn_t *net, char *buf, size_t size, size_t *length)
{
    if (net == NULL || length == NULL || (buf == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    nn_status status = check_savable(net);
    if (status != NN_OK) {
        *length = 0;
        return status;
    }
    struct sink count = {NULL, NULL, 0, 0, 0};
    write_model(net, &count);
    if (count.overflow) {
        *length = SIZE_MAX;
        return NN_ERR_BUFFER_SIZE;
    }
    *length = count.len;
    if (count.len >= size)
        return NN_ERR_BUFFER_SIZE;
    struct sink out = {buf, NULL, 0, 0, 0};
    write_model(net, &out);
    buf[out.len] = '\0';
    return NN_OK;
}

/* Creates a new file next to `path` that no one else has: path.tmp.<pid>.<n>.
   Returns NULL on failure; *tmp_path receives the malloc'd name. */
static FILE *create_temp(const char *path, char **tmp_path)
{
    const size_t room = strlen(path) + 48;
    char *name = malloc(room);
    *tmp_path = NULL;
    if (name == NULL)
        return NULL;
#if IO_POSIX
    const unsigned long pid = (unsigned long)getpid();
#else
    const unsigned long pid = 0;
#endif
    for (unsigned attempt = 0; attempt < 1000; attempt++) {
        snprintf(name, room, "%s.tmp.%lu.%u", path, pid, attempt);
        errno = 0;
        FILE *fp = fopen(name, "wbx"); /* C11: fails if the file exists */
        if (fp != NULL) {
            *tmp_path = name;
            return fp;
        }
#ifdef EEXIST
        if (errno != EEXIST)
            break;
#endif
    }
    free(name);
    return NULL;
}

nn_status nn_save(const nn_t *net, const char *path)
{
    if (net == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    nn_status status = check_savable(net);
    if (status != NN_OK)
        return status;
    if (path[0] == '\0')
        return NN_ERR_IO;
    char *tmp = NULL;
    FILE *fp = create_temp(path, &tmp);
    if (fp == NULL)
        return NN_ERR_IO;
    struct sink out = {NULL, fp, 0, 0, 0};
    write_model(net, &out);
    int ok = !out.failed && !out.overflow && fflush(fp) == 0 && !ferror(fp);
#if IO_POSIX
    /* keep the permissions of the file being replaced */
    struct stat old;
    if (ok && stat(path, &old) == 0 && S_ISREG(old.st_mode))
        (void)fchmod(fileno(fp), old.st_mode & 07777);
    if (ok && fsync(fileno(fp)) != 0)
        ok = 0;
#endif
    if (fclose(fp) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0) {
#if defined(_WIN32)
        /* Windows does not rename over an existing file */
        ok = remove(path) == 0 && rename(tmp, path) == 0;
#else
        ok = 0;
#endif
    }
    if (!ok)
        remove(tmp);
    free(tmp);
    return ok ? NN_OK : NN_ERR_IO;
}

/* ---- reading ---- */

/* The activations a caller supplies to the extended loaders. */
struct customs {
    size_t n;
    const char *const *names;
    const nn_activation_fn *fs;
    const nn_activation_deriv_fn *dfs;
    void *const *contexts;
};

struct parser {
    const char *data;
    size_t size;
    size_t next;     /* offset of the first byte of the next line */
    size_t line;     /* number of the current line, from 1 */
    const char *cur; /* next unread byte of the current line */
    const char *end; /* end of the current line (its '\n' or the end of the input) */
    char *msg;
    size_t msg_size;
    /* The first activation name that could not be resolved. It is reported
       only if the rest of the input is well formed: a malformed input is a
       format error even when it also names an unknown activation. */
    size_t unknown_line; /* 0: none */
    int unknown_custom;  /* written "activation custom NAME" */
    char unknown_name[48];
};

/* A token made printable for an error message, shortened if long. */
struct quoted {
    char text[48];
};

static struct quoted quote(const char *t, size_t n)
{
    struct quoted q;
    const size_t keep = n > 32 ? 32 : n;
    for (size_t i = 0; i < keep; i++)
        q.text[i] = (t[i] >= 0x20 && t[i] < 0x7f) ? t[i] : '?';
    if (keep < n) {
        memcpy(q.text + keep, "...", 4);
    } else {
        q.text[keep] = '\0';
    }
    return q;
}

static void set_message(char *msg, size_t msg_size, const char *text)
{
    if (msg != NULL && msg_size > 0) {
        const size_t n = strlen(text);
        const size_t keep = n < msg_size - 1 ? n : msg_size - 1;
        memcpy(msg, text, keep);
        msg[keep] = '\0';
    }
}

static nn_status fail(struct parser *p, nn_status status, size_t line, const char *fmt, ...)
    IO_PRINTF(4, 5);

/* Writes "line N: <reason>" to the caller's message buffer. */
static nn_status fail(struct parser *p, nn_status status, size_t line, const char *fmt, ...)
{
    if (p->msg != NULL && p->msg_size > 0) {
        const int n = snprintf(p->msg, p->msg_size, "line %zu: ", line);
        if (n > 0 && (size_t)n < p->msg_size) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->msg + n, p->msg_size - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return status;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Moves to the next physical line; 0 at the end of the input. */
static int advance_line(struct parser *p)
{
    if (p->next >= p->size)
        return 0;
    const char *start = p->data + p->next;
    const char *nl = memchr(start, '\n', p->size - p->next);
    p->cur = start;
    p->end = nl != NULL ? nl : p->data + p->size;
    p->next = nl != NULL ? (size_t)(nl - p->data) + 1 : p->size;
    p->line++;
    return 1;
}

/* Moves to the next line that holds more than blanks and a comment. */
static int next_content_line(struct parser *p)
{
    while (advance_line(p)) {
        const char *c = p->cur;
        while (c < p->end && is_blank(*c))
            c++;
        if (c < p->end && *c != '#') {
            p->cur = c;
            return 1;
        }
    }
    return 0;
}

/* The next token of the current line; 0 at its end or at a comment. */
static int next_token(struct parser *p, const char **tok, size_t *len)
{
    const char *c = p->cur;
    while (c < p->end && is_blank(*c))
        c++;
    if (c == p->end || *c == '#') {
        p->cur = p->end;
        return 0;
    }
    const char *start = c;
    while (c < p->end && !is_blank(*c))
        c++;
    *tok = start;
    *len = (size_t)(c - start);
    p->cur = c;
    return 1;
}

static int token_is(const char *t, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(t, word, n) == 0;
}

/* Decimal digits only; saturates at UINT64_MAX. */
static int parse_count(const char *t, size_t n, uint64_t *value)
{
    uint64_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        const uint64_t d = (uint64_t)(t[i] - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *value = v;
    return 1;
}

/* Reads the next content line, which must begin with `keyword`. */
static nn_status expect_line(struct parser *p, const char *keyword)
{
    const char *t = NULL;
    size_t n = 0;
    if (!next_content_line(p))
        return fail(p, NN_ERR_FORMAT, p->line + 1, "unexpected end of input; expected '%s'",
                    keyword);
    next_token(p, &t, &n);
    if (!token_is(t, n, keyword))
        return fail(p, NN_ERR_FORMAT, p->line, "expected '%s', found '%s'", keyword,
                    quote(t, n).text);
    return NN_OK;
}

/* Reads a word of the current line (what names the value in messages). */
static nn_status expect_word(struct parser *p, const char *what, const char **t, size_t *n)
{
    if (!next_token(p, t, n))
        return fail(p, NN_ERR_FORMAT, p->line, "missing %s", what);
    return NN_OK;
}

static nn_status expect_count(struct parser *p, const char *what, uint64_t *value)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_word(p, what, &t, &n);
    if (status == NN_OK && !parse_count(t, n, value))
        status = fail(p, NN_ERR_FORMAT, p->line, "%s '%s' is not a whole number", what,
                      quote(t, n).text);
    return status;
}

static nn_status expect_end_of_line(struct parser *p)
{
    const char *t = NULL;
    size_t n = 0;
    if (next_token(p, &t, &n))
        return fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' at the end of the line",
                    quote(t, n).text);
    return NN_OK;
}

/* Reads the line "<keyword> <word>", where word is one of words[0 .. n_words-1];
   *index receives its position. */
static nn_status expect_choice(struct parser *p, const char *keyword, const char *what,
                               const char *const *words, size_t n_words, size_t *index)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_line(p, keyword);
    if (status == NN_OK)
        status = expect_word(p, what, &t, &n);
    if (status != NN_OK)
        return status;
    for (size_t i = 0; i < n_words; i++) {
        if (token_is(t, n, words[i])) {
            *index = i;
            return expect_end_of_line(p);
        }
    }
    char expected[96] = "";
    for (size_t i = 0; i < n_words; i++) {
        strcat(expected, i == 0 ? "" : i + 1 < n_words ? ", " : " or ");
        strcat(expected, words[i]);
    }
    return fail(p, NN_ERR_FORMAT, p->line, "unknown %s '%s' (expected %s)", what,
                quote(t, n).text, expected);
}

/* Reads exactly n numbers, which fill one line, into x. */
static nn_status read_number_line(struct parser *p, double *x, size_t n, const char *what,
                                  size_t layer)
{
    if (!next_content_line(p))
        return fail(p, NN_ERR_FORMAT, p->line + 1,
                    "unexpected end of input; expected the %s of layer %zu", what, layer);
    for (size_t i = 0; i < n; i++) {
        const char *t = NULL;
        size_t len;
        if (!next_token(p, &t, &len))
            return fail(p, NN_ERR_FORMAT, p->line,
                        "%zu numbers where the %s of layer %zu need %zu", i, what, layer, n);
        switch (parse_hex_double(t, len, &x[i])) {
        case NUMBER_OK:
            break;
        case NUMBER_NOT_FINITE:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is not finite; parameters must be finite",
                        quote(t, len).text, what, layer);
        case NUMBER_RANGE:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is beyond the largest finite double",
                        quote(t, len).text, what, layer);
        default:
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' in the %s of layer %zu is not a hexadecimal floating-point "
                        "number such as 0x1.8p+1",
                        quote(t, len).text, what, layer);
        }
    }
    const char *t = NULL;
    size_t len;
    if (next_token(p, &t, &len))
        return fail(p, NN_ERR_FORMAT, p->line, "more than %zu numbers in the %s of layer %zu",
                    n, what, layer);
    return NN_OK;
}

/* The first line: the magic word and the version. */
static nn_status parse_magic(struct parser *p)
{
    const size_t magic_len = sizeof FORMAT_MAGIC - 1;
    const char *t = NULL;
    size_t n = 0;
    if (!advance_line(p))
        return fail(p, NN_ERR_FORMAT, 1, "empty input; expected '" FORMAT_MAGIC " 1'");
    if (p->size < magic_len || memcmp(p->data, FORMAT_MAGIC, magic_len) != 0 ||
        !next_token(p, &t, &n) || n != magic_len)
        return fail(p, NN_ERR_FORMAT, 1,
                    "not a libbackprop model: the input must begin with '" FORMAT_MAGIC " 1'");
    uint64_t version = 0;
    nn_status status = expect_count(p, "format version", &version);
    if (status != NN_OK)
        return status;
    if (version != FORMAT_VERSION)
        return fail(p, NN_ERR_FORMAT, 1,
                    "format version %llu is not supported; this library reads version %d",
                    (unsigned long long)version, FORMAT_VERSION);
    return expect_end_of_line(p);
}

/* "layers", "sizes" and "loss": validated against nn_create()'s limits and
   against the bytes left before anything is allocated. */
static nn_status parse_header(struct parser *p, size_t *n_layers, size_t *sizes, int *loss)
{
    uint64_t count = 0;
    nn_status status = expect_line(p, "layers");
    if (status == NN_OK)
        status = expect_count(p, "layer count", &count);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (count < 2 || count > NN_MAX_LAYERS)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "%llu layers; a network has 2 to NN_MAX_LAYERS (%d) layers",
                    (unsigned long long)count, NN_MAX_LAYERS);
    const size_t layers_line = p->line;
    status = expect_line(p, "sizes");
    if (status != NN_OK)
        return status;
    uint64_t params = 0, min_numbers = 0;
    size_t k = 0;
    const char *t = NULL;
    size_t n = 0;
    while (next_token(p, &t, &n)) {
        uint64_t size = 0;
        if (k == count)
            return fail(p, NN_ERR_FORMAT, p->line,
                        "more sizes than the %llu layers given on line %zu",
                        (unsigned long long)count, layers_line);
        if (!parse_count(t, n, &size))
            return fail(p, NN_ERR_FORMAT, p->line, "size '%s' is not a whole number",
                        quote(t, n).text);
        if (size == 0)
            return fail(p, NN_ERR_FORMAT, p->line, "layer %zu has 0 units", k);
        if (size > NN_MAX_LAYER_SIZE)
            return fail(p, NN_ERR_FORMAT, p->line,
                        "layer %zu has %s units, more than NN_MAX_LAYER_SIZE (%d)", k,
                        quote(t, n).text, NN_MAX_LAYER_SIZE);
        sizes[k] = (size_t)size;
        if (k > 0) {
            /* both factors are at most 2^24 and there are at most 1023
               layers, so none of these sums can overflow */
            params += (uint64_t)sizes[k] * sizes[k - 1] + sizes[k];
            min_numbers += (uint64_t)sizes[k] * sizes[k - 1] + 1;
            if (params > NN_MAX_PARAMS)
                return fail(p, NN_ERR_FORMAT, p->line,
                            "the sizes give more than NN_MAX_PARAMS (%d) parameters",
                            NN_MAX_PARAMS);
        }
        k++;
    }
    if (k != count)
        return fail(p, NN_ERR_FORMAT, p->line, "%zu sizes where line %zu announces %llu layers",
                    k, layers_line, (unsigned long long)count);
    const size_t left = p->size - p->next;
    if (min_numbers > left / MIN_NUMBER_BYTES)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "the sizes need at least %llu numbers but only %zu bytes follow",
                    (unsigned long long)min_numbers, left);
    *n_layers = (size_t)count;

    size_t choice = 0;
    status = expect_choice(p, "loss", "loss", loss_words, COUNT_OF(loss_words), &choice);
    *loss = (int)choice;
    return status;
}

/* Notes the first unknown activation; the layer keeps its placeholder. */
static nn_status unknown_activation(struct parser *p, const char *t, size_t n, int custom)
{
    if (p->unknown_line == 0) {
        p->unknown_line = p->line;
        p->unknown_custom = custom;
        memcpy(p->unknown_name, quote(t, n).text, sizeof p->unknown_name);
    }
    return expect_end_of_line(p);
}

static nn_status parse_activation(struct parser *p, const struct customs *customs, nn_t *net,
                                  size_t k)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = expect_line(p, "activation");
    if (status == NN_OK)
        status = expect_word(p, "activation name", &t, &n);
    if (status != NN_OK)
        return status;
    if (token_is(t, n, "custom")) {
        status = expect_word(p, "custom activation name", &t, &n);
        if (status != NN_OK)
            return status;
        if (!valid_name(t, n))
            return fail(p, NN_ERR_FORMAT, p->line,
                        "'%s' is not a valid activation name (1 to %d characters from "
                        "A-Z a-z 0-9 _ - .)",
                        quote(t, n).text, NN_MAX_NAME);
        for (size_t i = 0; i < customs->n; i++) {
            if (token_is(t, n, customs->names[i])) {
                status = nn_set_custom_activation(net, k, customs->fs[i], customs->dfs[i],
                                                  customs->contexts ? customs->contexts[i]
                                                                    : NULL,
                                                  customs->names[i]);
                return status == NN_OK ? expect_end_of_line(p) : status;
            }
        }
        return unknown_activation(p, t, n, 1);
    }
    for (int code = NN_ACT_LINEAR; nn__activation_is_builtin(code); code++) {
        if (token_is(t, n, nn__activation_builtin_name(code))) {
            status = nn_set_activation(net, k, code);
            return status == NN_OK ? expect_end_of_line(p) : status;
        }
    }
    return unknown_activation(p, t, n, 0);
}

static nn_status parse_layer(struct parser *p, const struct customs *customs, nn_t *net, size_t k)
{
    struct nn_layer *l = &net->layers[k];
    uint64_t value = 0;
    nn_status status = expect_line(p, "layer");
    if (status == NN_OK)
        status = expect_count(p, "layer number", &value);
    if (status == NN_OK && value != k)
        status = fail(p, NN_ERR_FORMAT, p->line, "expected 'layer %zu', found 'layer %llu'", k,
                      (unsigned long long)value);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status == NN_OK)
        status = parse_activation(p, customs, net, k);
    if (status != NN_OK)
        return status;

    size_t choice = 0;
    status = expect_choice(p, "bias", "bias convention", bias_words, COUNT_OF(bias_words),
                           &choice);
    if (status == NN_OK)
        status = nn_set_bias_mode(net, k, (int)choice);
    if (status == NN_OK)
        status = expect_choice(p, "frozen", "frozen setting", frozen_words,
                               COUNT_OF(frozen_words), &choice);
    if (status == NN_OK)
        status = nn_set_frozen(net, k, (int)(choice & 1), (int)(choice >> 1));

    uint64_t rows = 0, cols = 0;
    if (status == NN_OK)
        status = expect_line(p, "weights");
    if (status == NN_OK)
        status = expect_count(p, "row count", &rows);
    if (status == NN_OK)
        status = expect_count(p, "column count", &cols);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (rows != l->n_out || cols != l->n_in)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "'weights %llu %llu' disagrees with the sizes, which give %zu rows of %zu",
                    (unsigned long long)rows, (unsigned long long)cols, l->n_out, l->n_in);
    for (size_t j = 0; j < l->n_out && status == NN_OK; j++)
        status = read_number_line(p, l->w + j * l->n_in, l->n_in, "weights", k);
    if (status != NN_OK)
        return status;

    const size_t n_biases = layer_bias_count(l);
    status = expect_line(p, "biases");
    if (status == NN_OK)
        status = expect_count(p, "bias count", &value);
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (value != n_biases)
        return fail(p, NN_ERR_FORMAT, p->line,
                    "'biases %llu' disagrees with the layer, which has %zu (bias %s)",
                    (unsigned long long)value, n_biases, bias_words[l->bias_mode == NN_BIAS_SHARED]);
    return read_number_line(p, l->b, n_biases, "biases", k);
}

static nn_status parse_model(struct parser *p, const struct customs *customs, nn_t **out)
{
    size_t n_layers = 0;
    size_t sizes[NN_MAX_LAYERS];
    int activations[NN_MAX_LAYERS];
    int loss = NN_LOSS_HALF_SSE;
    nn_status status = parse_magic(p);
    if (status == NN_OK)
        status = parse_header(p, &n_layers, sizes, &loss);
    if (status != NN_OK)
        return status;
    for (size_t k = 0; k + 1 < n_layers; k++)
        activations[k] = NN_ACT_LINEAR;
    nn_t *net = NULL;
    status = nn_create(&net, n_layers, sizes, activations);
    if (status != NN_OK) {
        set_message(p->msg, p->msg_size, nn_strerror(status));
        return status;
    }
    status = nn_set_loss(net, loss);
    for (size_t k = 1; k < n_layers && status == NN_OK; k++)
        status = parse_layer(p, customs, net, k);
    if (status == NN_OK)
        status = expect_line(p, "end");
    if (status == NN_OK)
        status = expect_end_of_line(p);
    if (status == NN_OK && next_content_line(p)) {
        const char *t = NULL;
        size_t n = 0;
        next_token(p, &t, &n);
        status = fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' after 'end'",
                      quote(t, n).text);
    }
    if (status == NN_OK && p->unknown_line != 0)
        status = fail(p, NN_ERR_UNKNOWN_NAME, p->unknown_line,
                      p->unknown_custom
                          ? "the model uses the custom activation '%s', which was not supplied"
                          : "unknown activation '%s' (a custom one is written 'activation "
                            "custom NAME')",
                      p->unknown_name);
    if (status != NN_OK) {
        nn_free(net);
        return status;
    }
    *out = net;
    return NN_OK;
}

static nn_status check_customs(const struct customs *c)
{
    if (c->n == 0)
        return NN_OK;
    if (c->names == NULL || c->fs == NULL || c->dfs == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < c->n; i++) {
        if (c->names[i] == NULL || c->fs[i] == NULL || c->dfs[i] == NULL)
            return NN_ERR_NULL_ARG;
        size_t n = 0;
        while (n <= NN_MAX_NAME && c->names[i][n] != '\0')
            n++;
        if (!valid_name(c->names[i], n))
            return NN_ERR_NAME;
    }
    return NN_OK;
}

/* Reads a whole file into a malloc'd buffer. */
static nn_status read_file(const char *path, char **data, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NN_ERR_IO;
    size_t cap = 0, len = 0;
    char *buf = NULL;
    nn_status status = NN_OK;
    for (;;) {
        if (len == cap) {
            if (cap > SIZE_MAX / 2) {
                status = NN_ERR_NO_MEMORY;
                break;
            }
            const size_t new_cap = cap == 0 ? 65536 : cap * 2;
            char *grown = realloc(buf, new_cap);
            if (grown == NULL) {
                status = NN_ERR_NO_MEMORY;
                break;
            }
            buf = grown;
            cap = new_cap;
        }
        const size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp))
                status = NN_ERR_IO;
            break;
        }
    }
    fclose(fp);
    if (status != NN_OK) {
        free(buf);
        return status;
    }
    *data = buf;
    *size = len;
    return NN_OK;
}

static nn_status load(nn_t **out, const char *data, size_t size, const struct customs *customs,
                      char *msg, size_t msg_size)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.data = data;
    p.size = size;
    p.msg = msg;
    p.msg_size = msg_size;
    set_message(msg, msg_size, "");
    nn_status status = parse_model(&p, customs, out);
    if (status != NN_OK && status != NN_ERR_FORMAT && status != NN_ERR_UNKNOWN_NAME)
        set_message(msg, msg_size, nn_strerror(status));
    return status;
}

nn_status nn_load_buffer_ex(nn_t **out, const char *data, size_t size, size_t n_custom,
                            const char *const *names, const nn_activation_fn *fs,
                            const nn_activation_deriv_fn *dfs, void *const *contexts, char *msg,
                            size_t msg_size)
{
    const struct customs customs = {n_custom, names, fs, dfs, contexts};
    nn_status status = NN_OK;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || data == NULL || (msg == NULL && msg_size > 0))
        status = NN_ERR_NULL_ARG;
    if (status == NN_OK)
        status = check_customs(&customs);
    if (status != NN_OK) {
        set_message(msg, msg_size, nn_strerror(status));
        return status;
    }
    return load(out, data, size, &customs, msg, msg_size);
}

nn_status nn_load_buffer(nn_t **out, const char *data, size_t size)
{
    return nn_load_buffer_ex(out, data, size, 0, NULL, NULL, NULL, NULL, NULL, 0);
}

nn_status nn_load_ex(nn_t **out, const char *path, size_t n_custom, const char *const *names,
                     const nn_activation_fn *fs, const nn_activation_deriv_fn *dfs,
                     void *const *contexts, char *msg, size_t msg_size)
{
    const struct customs customs = {n_custom, names, fs, dfs, contexts};
    nn_status status = NN_OK;
    if (out != NULL)
        *out = NULL;
    if (out == NULL || path == NULL || (msg == NULL && msg_size > 0))
        status = NN_ERR_NULL_ARG;
    if (status == NN_OK)
        status = check_customs(&customs);
    char *data = NULL;
    size_t size = 0;
    if (status == NN_OK)
        status = read_file(path, &data, &size);
    if (status != NN_OK) {
        set_message(msg, msg_size, nn_strerror(status));
        return status;
    }
    status = load(out, data, size, &customs, msg, msg_size);
    free(data);
    return status;
}

nn_status nn_load(nn_t **out, const char *path)
{
    return nn_load_ex(out, path, 0, NULL, NULL, NULL, NULL, NULL, 0);
}
