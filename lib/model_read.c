/* The loader of the model format (docs/format.md): the magic line, the
   shape, the layers, `end` and, in version 2, the sections after it. Every
   count is checked against the limits of nn_create(), against the caps on
   the input's length and (when that length is known: a buffer or a regular
   file) against the bytes that remain before anything is allocated, and
   every failure releases what was allocated. */
#include "activation.h"
#include "model_format.h"
#include "model_sections.h"
#include "names.h"

#include <stdio.h>
#include <string.h>

/* The shortest text one number can have is "0x0p0" followed by at least one
   separator (a later line always follows the numbers: at least "end"). */
#define MIN_NUMBER_BYTES 6

nn_status nn__check_max_bytes(size_t size, size_t max_bytes, char *msg, size_t msg_size)
{
    if (size <= max_bytes)
        return NN_OK;
    if (msg != NULL && msg_size > 0)
        snprintf(msg, msg_size, "the input is longer than the %zu bytes allowed", max_bytes);
    return NN_ERR_TOO_LARGE;
}

/* The first line: the magic word and the version (1 or 2). */
static nn_status parse_magic(struct nn__parser *p, int *version)
{
    const size_t magic_len = sizeof NN__MODEL_MAGIC - 1;
    const char *t = NULL;
    size_t n = 0;
    if (!nn__advance_line(p))
        return nn__parse_fail(p, NN_ERR_FORMAT, 1, "empty input; expected '" NN__MODEL_MAGIC " 1'");
    if ((size_t)(p->end - p->cur) < magic_len ||
        memcmp(p->cur, NN__MODEL_MAGIC, magic_len) != 0 || !nn__next_token(p, &t, &n) ||
        n != magic_len)
        return nn__parse_fail(p, NN_ERR_FORMAT, 1,
                              "not a libbackprop model: the input must begin with '" NN__MODEL_MAGIC
                              " 1'");
    uint64_t v = 0;
    nn_status status = nn__expect_count(p, "format version", &v);
    if (status != NN_OK)
        return status;
    if (v != NN__MODEL_VERSION_PLAIN && v != NN__MODEL_VERSION_SECTIONS)
        return nn__parse_fail(p, NN_ERR_FORMAT, 1,
                              "format version %llu is not supported; this library reads "
                              "versions %d and %d",
                              (unsigned long long)v, NN__MODEL_VERSION_PLAIN,
                              NN__MODEL_VERSION_SECTIONS);
    *version = (int)v;
    return nn__expect_end_of_line(p);
}

/* What the `sizes` line declares, for the caps. */
struct shape {
    size_t n_layers;
    size_t sizes[NN_MAX_LAYERS];
    size_t layers_line;   /* the line of `layers` */
    size_t sizes_start;   /* the offset of the `sizes` line */
    uint64_t params;      /* weights and biases, biases counted per unit */
    uint64_t min_numbers; /* the fewest numbers the layers can be written with */
};

/* A line "<keyword> <count>" with nothing after the count. */
static nn_status expect_count_line(struct nn__parser *p, const char *keyword, const char *what,
                                   uint64_t *value)
{
    nn_status status = nn__expect_line(p, keyword);
    if (status == NN_OK)
        status = nn__expect_count(p, what, value);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    return status;
}

/* The line "layers <count>", within nn_create()'s limits. */
static nn_status parse_layer_count(struct nn__parser *p, struct shape *s)
{
    uint64_t count = 0;
    const nn_status status = expect_count_line(p, "layers", "layer count", &count);
    if (status != NN_OK)
        return status;
    if (count < 2 || count > NN_MAX_LAYERS)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "%llu layers; a network has 2 to NN_MAX_LAYERS (%d) layers",
                              (unsigned long long)count, NN_MAX_LAYERS);
    s->n_layers = (size_t)count;
    s->layers_line = p->line;
    return NN_OK;
}

/* Size k of the `sizes` line, the n bytes at t; adds to the counts. */
static nn_status parse_size(struct nn__parser *p, struct shape *s, size_t k, const char *t,
                            size_t n)
{
    uint64_t size = 0;
    if (k == s->n_layers)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "more sizes than the %zu layers given on line %zu", s->n_layers,
                              s->layers_line);
    if (!nn__parse_count(t, n, &size))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "size '%s' is not a whole number",
                              nn__quote(t, n).text);
    if (size == 0)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "layer %zu has 0 units", k);
    if (size > NN_MAX_LAYER_SIZE)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "layer %zu has %s units, more than NN_MAX_LAYER_SIZE (%d)", k,
                              nn__quote(t, n).text, NN_MAX_LAYER_SIZE);
    s->sizes[k] = (size_t)size;
    if (k > 0) {
        /* both factors are at most 2^24 and there are at most 1023 layers,
           so none of these sums can overflow */
        s->params += (uint64_t)s->sizes[k] * s->sizes[k - 1] + s->sizes[k];
        s->min_numbers += (uint64_t)s->sizes[k] * s->sizes[k - 1] + 1;
        if (s->params > NN_MAX_PARAMS)
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "the sizes give more than NN_MAX_PARAMS (%d) parameters",
                                  NN_MAX_PARAMS);
    }
    return NN_OK;
}

/* The line "sizes <s[0]> ... <s[L-1]>". */
static nn_status parse_sizes(struct nn__parser *p, struct shape *s)
{
    nn_status status = nn__expect_line(p, "sizes");
    if (status != NN_OK)
        return status;
    p->have_sizes = 1;
    p->sizes_line = p->line;
    s->sizes_start = p->line_offset;
    size_t k = 0;
    const char *t = NULL;
    size_t n = 0;
    for (; status == NN_OK && nn__next_token(p, &t, &n); k++)
        status = parse_size(p, s, k, t, n);
    if (status != NN_OK)
        return status;
    if (p->base + (size_t)(p->cur - p->data) - s->sizes_start > NN__HEADER_BYTES)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "the 'sizes' line is longer than %d bytes", NN__HEADER_BYTES);
    if (k != s->n_layers)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "%zu sizes where line %zu announces %zu layers", k,
                              s->layers_line, s->n_layers);
    return NN_OK;
}

/* Sets the most bytes the input may hold and checks the bytes known so far
   against it, and against the fewest the numbers need. */
static nn_status apply_caps(struct nn__parser *p, const struct shape *s, int version)
{
    p->limit = (uint64_t)s->sizes_start + NN__HEADER_BYTES + NN__BYTES_PER_NUMBER * s->params +
               NN__BYTES_PER_LAYER * (s->n_layers - 1);
    if (version == NN__MODEL_VERSION_SECTIONS)
        p->limit += nn__sections_max_bytes(s->n_layers, s->sizes, s->params);
    /* for a pipe, the bytes read so far */
    const size_t seen = p->total != 0 ? p->total : p->base + p->size;
    if ((uint64_t)seen > p->limit) {
        p->too_long = 1;
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "too long"); /* the message is fail's */
    }
    if (p->total != 0) {
        const size_t left = p->total - (p->base + p->next);
        if (s->min_numbers > left / MIN_NUMBER_BYTES)
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "the sizes need at least %llu numbers but only %zu bytes follow",
                                  (unsigned long long)s->min_numbers, left);
    }
    return NN_OK;
}

/* "layers" and "sizes": validated against nn_create()'s limits, against the
   caps on the input's length and against the bytes left before anything is
   allocated. */
static nn_status parse_shape(struct nn__parser *p, struct shape *s, int version)
{
    nn_status status = parse_layer_count(p, s);
    if (status == NN_OK)
        status = parse_sizes(p, s);
    if (status == NN_OK)
        status = apply_caps(p, s, version);
    return status;
}

/* Notes the first unknown activation; the layer keeps its placeholder. */
static nn_status unknown_activation(struct nn__parser *p, const char *t, size_t n, int custom)
{
    if (p->unknown_line == 0) {
        p->unknown_line = p->line;
        p->unknown_custom = custom;
        memcpy(p->unknown_name, nn__quote(t, n).text, sizeof p->unknown_name);
    }
    return nn__expect_end_of_line(p);
}

/* The rest of the line "activation custom <name>". */
static nn_status parse_custom_activation(struct nn__parser *p, const struct customs *customs,
                                         nn_t *net, size_t k)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = nn__expect_word(p, "custom activation name", &t, &n);
    if (status != NN_OK)
        return status;
    if (!nn__valid_name(t, n))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "'%s' is not a valid activation name (1 to %d characters from "
                              "A-Z a-z 0-9 _ - .)",
                              nn__quote(t, n).text, NN_MAX_NAME);
    struct nn_load_custom c;
    if (!nn__find_custom(customs, t, n, &c))
        return unknown_activation(p, t, n, 1);
    status = nn_set_custom_activation(net, k, c.f, c.df, c.context, c.name);
    return status == NN_OK ? nn__expect_end_of_line(p) : status;
}

static nn_status parse_activation(struct nn__parser *p, const struct customs *customs, nn_t *net,
                                  size_t k)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = nn__expect_line(p, "activation");
    if (status == NN_OK)
        status = nn__expect_word(p, "activation name", &t, &n);
    if (status != NN_OK)
        return status;
    if (nn__token_is(t, n, "custom"))
        return parse_custom_activation(p, customs, net, k);
    for (int code = NN_ACT_LINEAR; nn__activation_is_builtin(code); code++) {
        if (nn__token_is(t, n, nn_activation_name(code))) {
            status = nn_set_activation(net, k, code);
            return status == NN_OK ? nn__expect_end_of_line(p) : status;
        }
    }
    return unknown_activation(p, t, n, 0);
}

/* The lines "layer k", "activation", "bias" and "frozen". */
static nn_status parse_layer_settings(struct nn__parser *p, const struct customs *customs,
                                      nn_t *net, size_t k)
{
    uint64_t value = 0;
    nn_status status = nn__expect_line(p, "layer");
    if (status == NN_OK)
        status = nn__expect_count(p, "layer number", &value);
    if (status == NN_OK && value != k)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "expected 'layer %zu', found 'layer %llu'",
                              k, (unsigned long long)value);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status == NN_OK)
        status = parse_activation(p, customs, net, k);
    int choice = 0;
    if (status == NN_OK)
        status = nn__expect_choice(p, "bias", "bias convention", nn_bias_mode_name, &choice);
    if (status == NN_OK)
        status = nn_set_bias_mode(net, k, choice);
    if (status == NN_OK)
        status = nn__expect_choice(p, "frozen", "frozen setting", nn__frozen_word, &choice);
    if (status == NN_OK)
        status = nn_set_frozen(net, k, choice & 1, choice >> 1);
    return status;
}

/* The line "weights <rows> <columns>" and the rows. */
static nn_status parse_weights(struct nn__parser *p, struct nn_layer *l, size_t k)
{
    uint64_t rows = 0, cols = 0;
    nn_status status = nn__expect_line(p, "weights");
    if (status == NN_OK)
        status = nn__expect_count(p, "row count", &rows);
    if (status == NN_OK)
        status = nn__expect_count(p, "column count", &cols);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (rows != l->n_out || cols != l->n_in)
        return nn__parse_fail(
            p, NN_ERR_FORMAT, p->line,
            "'weights %llu %llu' disagrees with the sizes, which give %zu rows of %zu",
            (unsigned long long)rows, (unsigned long long)cols, l->n_out, l->n_in);
    for (size_t j = 0; j < l->n_out && status == NN_OK; j++)
        status = nn__read_number_line(p, l->w + j * l->n_in, l->n_in, "weights", k);
    return status;
}

/* The line "biases <count>" and the biases. */
static nn_status parse_biases(struct nn__parser *p, struct nn_layer *l, size_t k)
{
    const size_t n_biases = nn__bias_count(l);
    uint64_t value = 0;
    nn_status status = expect_count_line(p, "biases", "bias count", &value);
    if (status != NN_OK)
        return status;
    if (value != n_biases)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "'biases %llu' disagrees with the layer, which has %zu (bias %s)",
                              (unsigned long long)value, n_biases,
                              nn_bias_mode_name(l->bias_mode));
    return nn__read_number_line(p, l->b, n_biases, "biases", k);
}

static nn_status parse_layer(struct nn__parser *p, const struct customs *customs, nn_t *net,
                             size_t k)
{
    nn_status status = parse_layer_settings(p, customs, net, k);
    if (status == NN_OK)
        status = parse_weights(p, &net->layers[k], k);
    if (status == NN_OK)
        status = parse_biases(p, &net->layers[k], k);
    return status;
}

/* The network the shape describes, with placeholder activations. */
static nn_status create_network(struct nn__parser *p, const struct load_settings *settings,
                                const struct shape *s, nn_t **net)
{
    int activations[NN_MAX_LAYERS];
    for (size_t k = 0; k + 1 < s->n_layers; k++)
        activations[k] = NN_ACT_LINEAR;
    nn_status status;
    if (settings->alloc != NULL)
        status = nn_create_with_allocator(net, s->n_layers, s->sizes, activations, settings->alloc,
                                          settings->dealloc, settings->alloc_context);
    else
        status = nn_create(net, s->n_layers, s->sizes, activations);
    if (status != NN_OK)
        nn__set_message(p->msg, p->msg_size, nn_strerror(status));
    return status;
}

/* After `end`: sections in version 2, comments and blank lines only in
   version 1. */
static nn_status parse_after_end(struct nn__parser *p, nn_t *net, struct nn__model_extras *x,
                                 int version)
{
    if (version == NN__MODEL_VERSION_SECTIONS)
        return nn__parse_sections(p, net, x);
    if (!nn__next_content_line(p))
        return NN_OK;
    const char *t = NULL;
    size_t n = 0;
    nn__next_token(p, &t, &n);
    return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "unexpected '%s' after 'end'",
                          nn__quote(t, n).text);
}

/* What is left to report once the whole input was read: a cap broken on the
   way (a cut-short input) and then the first unknown activation. */
static nn_status final_status(struct nn__parser *p)
{
    if (p->too_long || p->over_max || p->long_word || p->stream_status != NN_OK)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "cut short"); /* the message is fail's */
    if (p->unknown_line != 0)
        return nn__parse_fail(
            p, NN_ERR_UNKNOWN_NAME, p->unknown_line,
            p->unknown_custom ? "the model uses the custom activation '%s', which was not supplied"
                              : "unknown activation '%s' (a custom one is written 'activation "
                                "custom NAME')",
            p->unknown_name);
    return NN_OK;
}

/* The layers, `end` and what follows it, into the created network. */
static nn_status parse_body(struct nn__parser *p, const struct customs *customs, nn_t *net,
                            struct nn__model_extras *x, int version)
{
    nn_status status = NN_OK;
    for (size_t k = 1; k < net->n_layers && status == NN_OK; k++)
        status = parse_layer(p, customs, net, k);
    if (status == NN_OK)
        status = nn__expect_line(p, "end");
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status == NN_OK)
        status = parse_after_end(p, net, x, version);
    if (status == NN_OK)
        status = final_status(p);
    return status;
}

nn_status nn__read_model(struct nn__parser *p, const struct load_settings *settings,
                         struct nn__model_extras *x, nn_t **out)
{
    int version = 0, loss = 0;
    struct shape shape;
    memset(&shape, 0, sizeof shape);
    nn_status status = parse_magic(p, &version);
    if (status == NN_OK)
        status = parse_shape(p, &shape, version);
    if (status == NN_OK)
        status = nn__expect_choice(p, "loss", "loss", nn_loss_name, &loss);
    if (status != NN_OK)
        return status;
    const size_t loss_line = p->line;
    nn_t *net = NULL;
    status = create_network(p, settings, &shape, &net);
    if (status != NN_OK)
        return status;
    status = parse_body(p, &settings->customs, net, x, version);
    /* the loss once the output layer's activation is known: they must fit */
    if (status == NN_OK && nn_set_loss(net, loss) != NN_OK)
        status = nn__parse_fail(p, NN_ERR_LOSS_OUTPUT, loss_line,
                                "the loss '%s' needs outputs in (0, 1], which the output "
                                "activation '%s' does not give (use sigmoid or softmax)",
                                nn_loss_name(loss),
                                nn_activation_name(nn_get_activation(net, net->n_layers - 1)));
    if (status != NN_OK) {
        nn__release_extras(x);
        nn_free(net);
        return status;
    }
    *out = net;
    return NN_OK;
}
