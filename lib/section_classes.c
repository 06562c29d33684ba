/* The model file's section `classes` (model_sections.h): the names of the
   classes the outputs stand for (class_names.c).

       section classes
       count 3
       class setosa
       class Iris%20versicolor
       class 100%25

   `count` is the network's output count, or 2 for a network of one output;
   one `class` line per name follows, in order. A name is written as one
   word: each byte of A-Z a-z 0-9 _ . - as itself, every other byte (space,
   '%', '#', non-ASCII bytes, ...) as '%' and its two hexadecimal digits in
   upper case. A reader takes the digits in either case. Carried only when
   the network has class names. */
#include "model_sections.h"

#include "internal.h"

#include <string.h>

/* The section's lines besides its names, each within NN__BYTES_PER_LAYER. */
#define HEAD_LINES 4
/* A `class` line at its longest: the keyword, every byte escaped, the line end. */
#define CLASS_LINE_BYTES (16 + 3 * NN_MAX_CLASS_NAME)

int nn__classes_carried(const nn_t *net, const struct nn__model_extras *x)
{
    (void)x;
    return nn_class_count(net) != 0;
}

/* Whether byte c stands for itself in a written name. */
static int plain_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

static void write_escaped(struct nn__writer *w, const char *name)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++) {
        if (plain_byte(*c)) {
            nn__write_bytes(w, (const char *)c, 1);
        } else {
            const char escape[3] = {'%', hex[*c >> 4], hex[*c & 15]};
            nn__write_bytes(w, escape, 3);
        }
    }
}

void nn__classes_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    (void)x;
    const size_t n = nn_class_count(net);
    nn__write_str(w, "count ");
    nn__write_size(w, n);
    nn__write_str(w, "\n");
    for (size_t k = 0; k < n; k++) {
        nn__write_str(w, "class ");
        write_escaped(w, nn_class_name(net, k));
        nn__write_str(w, "\n");
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The word t[0..n) decoded into out (room for NN_MAX_CLASS_NAME + 1 bytes,
   NUL-terminated). A message for what is wrong, or NULL. */
static const char *unescape(const char *t, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int byte = (unsigned char)t[i];
        if (t[i] == '%') {
            const int hi = i + 2 < n ? hex_digit(t[i + 1]) : -1;
            const int lo = hi >= 0 ? hex_digit(t[i + 2]) : -1;
            if (lo < 0)
                return "'%' must be followed by two hexadecimal digits";
            byte = hi * 16 + lo;
            i += 2;
            if (byte == 0 || byte == '\n')
                return "a class name may not hold a NUL or a newline";
        } else if (!plain_byte((unsigned char)byte)) {
            return "a class name holds a byte other than A-Z a-z 0-9 _ . - that is not "
                   "written as %XX";
        }
        if (len == NN_MAX_CLASS_NAME)
            return "a class name is longer than 255 bytes";
        out[len++] = (char)byte;
    }
    out[len] = '\0';
    return NULL;
}

/* The names read so far: their text, one after another, NUL-terminated,
   in a buffer that doubles as it fills, and each one's offset in it. */
struct names_read {
    char *text;
    size_t used, cap;
    size_t *offset;
};

static nn_status keep_name(const nn_t *net, struct names_read *r, size_t k, const char *name)
{
    const size_t len = strlen(name) + 1;
    if (r->used + len > r->cap) {
        const size_t cap = 2 * r->cap + len;
        char *text = nn__alloc(net, cap);
        if (text == NULL)
            return NN_ERR_NO_MEMORY;
        if (r->used > 0)
            memcpy(text, r->text, r->used);
        nn__dealloc(net, r->text);
        r->text = text;
        r->cap = cap;
    }
    memcpy(r->text + r->used, name, len);
    r->offset[k] = r->used;
    r->used += len;
    return NN_OK;
}

/* One line "class <name>" into r as name k. */
static nn_status parse_class_line(struct nn__parser *p, const nn_t *net, struct names_read *r,
                                  size_t k)
{
    const char *t = NULL;
    size_t n = 0;
    char name[NN_MAX_CLASS_NAME + 1];
    nn_status status = nn__expect_line(p, "class");
    if (status == NN_OK)
        status = nn__expect_word(p, "class name", &t, &n);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    const char *wrong = unescape(t, n, name);
    if (wrong != NULL)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "class '%s': %s", nn__quote(t, n).text,
                              wrong);
    return keep_name(net, r, k, name);
}

/* The names read, as the array nn_set_class_names() takes, to the network. */
static nn_status set_names(nn_t *net, struct names_read *r, size_t count)
{
    const char **names = nn__alloc(net, count * sizeof *names);
    if (names == NULL)
        return NN_ERR_NO_MEMORY;
    for (size_t k = 0; k < count; k++)
        names[k] = r->text + r->offset[k];
    const nn_status status = nn_set_class_names(net, count, names);
    nn__dealloc(net, (void *)names);
    return status;
}

nn_status nn__classes_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    (void)x;
    const size_t n_out = nn_output_count(net), expected = n_out == 1 ? 2 : n_out;
    uint64_t count = 0;
    nn_status status = nn__expect_line(p, "count");
    if (status == NN_OK)
        status = nn__expect_count(p, "class count", &count);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (count != expected)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "'count %llu' disagrees with the network, whose %zu output%s "
                              "take%s %zu class names",
                              (unsigned long long)count, n_out, n_out == 1 ? "" : "s",
                              n_out == 1 ? "s" : "", expected);
    struct names_read r = {NULL, 0, 0, nn__alloc(net, expected * sizeof(size_t))};
    if (r.offset == NULL)
        return NN_ERR_NO_MEMORY;
    for (size_t k = 0; k < expected && status == NN_OK; k++)
        status = parse_class_line(p, net, &r, k);
    if (status == NN_OK)
        status = set_names(net, &r, expected);
    nn__dealloc(net, r.text);
    nn__dealloc(net, r.offset);
    return status;
}

/* A `class` line per name (at least 2) and the head lines. */
uint64_t nn__classes_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    (void)params;
    const uint64_t n = sizes[n_layers - 1] < 2 ? 2 : sizes[n_layers - 1];
    return CLASS_LINE_BYTES * n + NN__BYTES_PER_LAYER * HEAD_LINES;
}
