/* The model format's reader, line by line and word by word (model_parser.h). */
#include "model_parser.h"

#include "hexfloat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Before the sizes are known a file is read no further than this: any
   header the caps allow, and one byte more. */
#define PREFIX_BYTES (2 * NN__HEADER_BYTES + 1)

/* Reads until n bytes or the end of the input; *len receives the count. */
static nn_status fill(struct nn__stream *s, char *buf, size_t n, size_t *len)
{
    *len = 0;
    while (*len < n) {
        size_t got = 0;
        const nn_status status = s->read(s->input, buf + *len, n - *len, &got);
        if (status != NN_OK)
            return status;
        if (got == 0)
            break;
        *len += got;
    }
    return NN_OK;
}

struct nn__quoted nn__quote(const char *t, size_t n)
{
    struct nn__quoted q;
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

void nn__set_message(char *msg, size_t msg_size, const char *text)
{
    if (msg != NULL && msg_size > 0) {
        const size_t n = strlen(text);
        const size_t keep = n < msg_size - 1 ? n : msg_size - 1;
        memcpy(msg, text, keep);
        msg[keep] = '\0';
    }
}

/* Writes "line N: <reason>" to the caller's message buffer. */
nn_status nn__parse_fail(struct nn__parser *p, nn_status status, size_t line, const char *fmt, ...)
{
    /* when the parser stopped at a cap or a read error, that is what went wrong */
    if (p->stream_status != NN_OK) {
        nn__set_message(p->msg, p->msg_size, nn_strerror(p->stream_status));
        return p->stream_status;
    }
    if (p->over_max) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size, "the input is longer than the %zu bytes allowed",
                     p->max_bytes);
        return NN_ERR_TOO_LARGE;
    }
    if (p->over) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size, "line %zu: more than %d bytes before the 'sizes' line",
                     p->line + 1, NN__HEADER_BYTES);
        return NN_ERR_FORMAT;
    }
    if (p->long_word) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size, "line %zu: a word longer than %d bytes", p->long_word,
                     NN__MAX_WORD);
        return NN_ERR_FORMAT;
    }
    if (p->too_long) {
        if (p->msg != NULL && p->msg_size > 0)
            snprintf(p->msg, p->msg_size,
                     "line %zu: the input is longer than the %llu bytes these sizes allow (%d "
                     "from the start of this line, %d per number and %d per layer)",
                     p->sizes_line, (unsigned long long)p->limit, NN__HEADER_BYTES,
                     NN__BYTES_PER_NUMBER, NN__BYTES_PER_LAYER);
        return NN_ERR_FORMAT;
    }
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

/* Reads more of a stream into its window, keeping the bytes from data[from]
   on (an unfinished word), which move to the front. Reading stops at
   PREFIX_BYTES until the sizes are known (a longer header breaks the caps,
   which the parser then reports), and one byte past the limit after. 1 when
   bytes were added; nothing changes otherwise. */
static int refill(struct nn__parser *p, size_t from)
{
    struct nn__stream *s = p->stream;
    if (s == NULL || s->at_end || p->stream_status != NN_OK || p->too_long || p->over_max)
        return 0;
    const size_t keep = p->size - from;
    uint64_t stop = p->limit != 0 ? p->limit + 1 : PREFIX_BYTES;
    if ((uint64_t)p->max_bytes < stop - 1)
        stop = (uint64_t)p->max_bytes + 1;
    if ((uint64_t)p->base + p->size >= stop) {
        p->too_long = p->limit != 0;
        return 0;
    }
    memmove(s->buf, s->buf + from, keep);
    p->base += from;
    p->next = p->next > from ? p->next - from : 0;
    p->size = keep;
    size_t room = s->cap - keep;
    if ((uint64_t)p->base + keep + room > stop)
        room = (size_t)(stop - p->base - keep);
    size_t got = 0;
    p->stream_status = fill(s, s->buf + keep, room, &got);
    s->at_end = got < room;
    p->size = keep + got;
    if ((uint64_t)p->base + p->size > p->max_bytes)
        p->over_max = 1;
    else if (p->limit != 0 && (uint64_t)p->base + p->size > p->limit)
        p->too_long = 1;
    return p->stream_status == NN_OK && !p->too_long && !p->over_max && got > 0;
}

/* Sets end and next for the line whose unread part starts at data[from]. */
static void find_line_end(struct nn__parser *p, size_t from)
{
    const char *nl = memchr(p->data + from, '\n', p->size - from);
    p->end = nl != NULL ? nl : p->data + p->size;
    p->next = nl != NULL ? (size_t)(nl - p->data) + 1 : p->size;
    p->partial = nl == NULL && p->stream != NULL && !p->stream->at_end;
}

/* The current line goes on past what is at hand: reads more of it, keeping
   the bytes from `from` on, which move to data[0]. 0 when nothing more could
   be read: the line then ends where it is. */
static int continue_line(struct nn__parser *p, const char *from)
{
    const size_t kept = (size_t)(p->end - from);
    if (!refill(p, (size_t)(from - p->data))) {
        p->partial = 0;
        return 0;
    }
    find_line_end(p, kept);
    return 1;
}

/* Moves to the next physical line; 0 at the end of the input. */
int nn__advance_line(struct nn__parser *p)
{
    while (p->partial && continue_line(p, p->end))
        ; /* the rest of a line not read to its end */
    if (!p->have_sizes && p->base + p->next > NN__HEADER_BYTES) {
        p->over = 1;
        return 0;
    }
    if (p->next >= p->size && !refill(p, p->size))
        return 0;
    p->line_offset = p->base + p->next;
    p->cur = p->data + p->next;
    find_line_end(p, p->next);
    p->line++;
    return 1;
}

/* Moves to the next line that holds more than blanks and a comment. */
int nn__next_content_line(struct nn__parser *p)
{
    while (nn__advance_line(p)) {
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
int nn__next_token(struct nn__parser *p, const char **tok, size_t *len)
{
    const char *c = p->cur;
    for (;;) {
        while (c < p->end && is_blank(*c))
            c++;
        if (c < p->end || !p->partial || !continue_line(p, c))
            break;
        c = p->data;
    }
    if (c == p->end || *c == '#') {
        p->cur = p->end;
        return 0;
    }
    const char *start = c;
    for (;;) {
        while (c < p->end && !is_blank(*c) && (size_t)(c - start) <= NN__MAX_WORD)
            c++;
        if ((size_t)(c - start) > NN__MAX_WORD) {
            if (p->long_word == 0)
                p->long_word = p->line;
            break;
        }
        const size_t n = (size_t)(c - start);
        if (c < p->end || !p->partial || !continue_line(p, start))
            break;
        start = p->data;
        c = start + n;
    }
    *tok = start;
    *len = (size_t)(c - start);
    p->cur = c;
    return 1;
}

int nn__token_is(const char *t, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(t, word, n) == 0;
}

/* Decimal digits only; saturates at UINT64_MAX. */
int nn__parse_count(const char *t, size_t n, uint64_t *value)
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
nn_status nn__expect_line(struct nn__parser *p, const char *keyword)
{
    const char *t = NULL;
    size_t n = 0;
    if (!nn__next_content_line(p))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line + 1,
                              "unexpected end of input; expected '%s'", keyword);
    nn__next_token(p, &t, &n);
    if (!nn__token_is(t, n, keyword))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "expected '%s', found '%s'", keyword,
                              nn__quote(t, n).text);
    return NN_OK;
}

/* Reads a word of the current line (what names the value in messages). */
nn_status nn__expect_word(struct nn__parser *p, const char *what, const char **t, size_t *n)
{
    if (!nn__next_token(p, t, n))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "missing %s", what);
    return NN_OK;
}

nn_status nn__expect_count(struct nn__parser *p, const char *what, uint64_t *value)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = nn__expect_word(p, what, &t, &n);
    if (status == NN_OK && !nn__parse_count(t, n, value))
        status = nn__parse_fail(p, NN_ERR_FORMAT, p->line, "%s '%s' is not a whole number", what,
                                nn__quote(t, n).text);
    return status;
}

nn_status nn__expect_end_of_line(struct nn__parser *p)
{
    const char *t = NULL;
    size_t n = 0;
    if (nn__next_token(p, &t, &n))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' at the end of the line",
                              nn__quote(t, n).text);
    return NN_OK;
}

/* A line "<keyword> <word>" whose word is one of those name_of() gives for
   0, 1, ... until NULL; *index receives the word's number. */
nn_status nn__expect_choice(struct nn__parser *p, const char *keyword, const char *what,
                            const char *(*name_of)(int), int *index)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = nn__expect_line(p, keyword);
    if (status == NN_OK)
        status = nn__expect_word(p, what, &t, &n);
    if (status != NN_OK)
        return status;
    for (int i = 0; name_of(i) != NULL; i++) {
        if (nn__token_is(t, n, name_of(i))) {
            *index = i;
            return nn__expect_end_of_line(p);
        }
    }
    char expected[96] = "";
    for (int i = 0; name_of(i) != NULL; i++) {
        strcat(expected, i == 0 ? "" : name_of(i + 1) != NULL ? ", " : " or ");
        strcat(expected, name_of(i));
    }
    return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "unknown %s '%s' (expected %s)", what,
                          nn__quote(t, n).text, expected);
}

/* Reads exactly n numbers, which fill one line, into x. */
nn_status nn__read_number_line(struct nn__parser *p, double *x, size_t n, const char *what,
                               size_t layer)
{
    if (!nn__next_content_line(p))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line + 1,
                              "unexpected end of input; expected the %s of layer %zu", what, layer);
    for (size_t i = 0; i < n; i++) {
        const char *t = NULL;
        size_t len;
        if (!nn__next_token(p, &t, &len))
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "%zu numbers where the %s of layer %zu need %zu", i, what, layer,
                                  n);
        switch (nn__parse_hex_double(t, len, &x[i])) {
        case NN_NUMBER_OK:
            break;
        case NN_NUMBER_NOT_FINITE:
            return nn__parse_fail(
                p, NN_ERR_FORMAT, p->line,
                "'%s' in the %s of layer %zu is not finite; parameters must be finite",
                nn__quote(t, len).text, what, layer);
        case NN_NUMBER_RANGE:
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "'%s' in the %s of layer %zu is beyond the largest finite double",
                                  nn__quote(t, len).text, what, layer);
        default:
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "'%s' in the %s of layer %zu is not a hexadecimal floating-point "
                                  "number such as 0x1.8p+1",
                                  nn__quote(t, len).text, what, layer);
        }
    }
    const char *t = NULL;
    size_t len;
    if (nn__next_token(p, &t, &len))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "more than %zu numbers in the %s of layer %zu", n, what, layer);
    return NN_OK;
}
