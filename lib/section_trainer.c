/* The model file's section `trainer` (model_sections.h): the state of a
   training loop (trainer_state.h), written by nn_trainer_save() beside the
   section `optimizer`, so that a loaded trainer goes on bit for bit.

       section trainer
       epoch 3
       position 0
       finished 0
       waited 1
       best_epoch 2
       best_score 0x1.0d5a7c4e3f1a2p-3
       rng 625
       # the generator's 624 words, 8 a line, then the next word's index
       1812433253 ...
       ...
       624
       # best parameters, laid out as the parameters
       ... one line per row of weights, one line of biases, layer by layer ...
       history 3
       0x1p+0 0x1.3a2p-2 nan nan 0x1.47ae147ae147bp-7 0x1.2p-10
       ...

   Numbers are hexadecimal floating-point constants, as the parameters;
   best_score may be `inf` (no epoch yet) and a history value `nan` (not
   measured). Every load reads and checks the section; nn_trainer_load()
   takes it, the other loaders drop it. */
#include "model_sections.h"

#include "hexfloat.h"
#include "internal.h"
#include "trainer_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RNG_PER_LINE 8
/* The lines of the section besides its numbers. */
#define HEAD_LINES 16

void nn__train_state_free(struct nn__train_state *s)
{
    if (s == NULL)
        return;
    free(s->best);
    free(s->history);
    free(s);
}

int nn__trainer_carried(const nn_t *net, const struct nn__model_extras *x)
{
    (void)net;
    return x != NULL && x->train_state != NULL;
}

/* ---- writing ---- */

/* A number, or `nan` and `inf`, which only this section allows. */
static void write_value(struct nn__writer *w, double x)
{
    char number[NN_HEX_DOUBLE_MAX];
    if (isnan(x))
        nn__write_str(w, "nan");
    else if (isinf(x))
        nn__write_str(w, x > 0 ? "inf" : "-inf");
    else
        nn__write_bytes(w, number, nn__format_hex_double(x, number));
}

static void write_count_line(struct nn__writer *w, const char *word, size_t n)
{
    nn__write_str(w, word);
    nn__write_str(w, " ");
    nn__write_size(w, n);
    nn__write_str(w, "\n");
}

void nn__trainer_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    const struct nn__train_state *s = x->train_state;
    write_count_line(w, "epoch", s->epoch);
    write_count_line(w, "position", s->position);
    write_count_line(w, "finished", (size_t)s->finished);
    write_count_line(w, "waited", s->waited);
    write_count_line(w, "best_epoch", s->best_epoch);
    nn__write_str(w, "best_score ");
    write_value(w, s->best_score);
    nn__write_str(w, "\n");
    write_count_line(w, "rng", NN__RNG_WORDS + 1);
    nn__write_str(w, "# the generator's 624 words, 8 a line, then the next word's index\n");
    for (size_t i = 0; i < NN__RNG_WORDS; i++) {
        nn__write_size(w, s->rng.words[i]);
        nn__write_str(w, (i + 1) % RNG_PER_LINE == 0 ? "\n" : " ");
    }
    nn__write_size(w, s->rng.next);
    nn__write_str(w, "\n");
    nn__write_str(w, "# best parameters, laid out as the parameters\n");
    const double *v = s->best;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        for (size_t j = 0; j < l->n_out; j++, v += l->n_in)
            nn__write_number_line(w, v, l->n_in);
        nn__write_number_line(w, v, nn__bias_count(l));
        v += nn__bias_count(l);
    }
    write_count_line(w, "history", s->epoch);
    for (size_t e = 0; e < s->epoch; e++) {
        for (size_t c = 0; c < NN_HISTORY_COLUMNS; c++) {
            write_value(w, s->history[e * NN_HISTORY_COLUMNS + c]);
            nn__write_str(w, c + 1 < NN_HISTORY_COLUMNS ? " " : "\n");
        }
    }
}

/* The head, the generator's words, the parameters and the longest
   history: every count line and number at most NN__BYTES_PER_NUMBER. */
uint64_t nn__trainer_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    (void)sizes;
    const uint64_t numbers = NN__RNG_WORDS + 1 + params +
                             (uint64_t)NN_MAX_EPOCHS * NN_HISTORY_COLUMNS;
    return NN__BYTES_PER_NUMBER * numbers + NN__BYTES_PER_LAYER * (HEAD_LINES + n_layers);
}

/* ---- reading ---- */

/* A line "<keyword> <count>" with the count at most max. */
static nn_status read_count_line(struct nn__parser *p, const char *keyword, uint64_t max,
                                 size_t *value)
{
    uint64_t v = 0;
    nn_status status = nn__expect_line(p, keyword);
    if (status == NN_OK)
        status = nn__expect_count(p, keyword, &v);
    if (status == NN_OK && v > max)
        status = nn__parse_fail(p, NN_ERR_FORMAT, p->line, "%s %llu is above %llu", keyword,
                                (unsigned long long)v, (unsigned long long)max);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status == NN_OK)
        *value = (size_t)v;
    return status;
}

/* The next word of the line as write_value() wrote it. */
static nn_status read_value(struct nn__parser *p, const char *what, double *x)
{
    const char *t = NULL;
    size_t n = 0;
    nn_status status = nn__expect_word(p, what, &t, &n);
    if (status != NN_OK)
        return status;
    if (nn__token_is(t, n, "nan") || nn__token_is(t, n, "inf") || nn__token_is(t, n, "-inf")) {
        *x = t[0] == 'n' ? NAN : t[0] == '-' ? -INFINITY : INFINITY;
        return NN_OK;
    }
    if (nn__parse_hex_double(t, n, x) != NN_NUMBER_OK)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "%s '%s' is not a hexadecimal floating-point number, nan or inf",
                              what, nn__quote(t, n).text);
    return NN_OK;
}

static nn_status read_rng(struct nn__parser *p, struct nn__rng_state *rng)
{
    size_t count = 0;
    nn_status status = read_count_line(p, "rng", NN__RNG_WORDS + 1, &count);
    if (status == NN_OK && count != NN__RNG_WORDS + 1)
        status = nn__parse_fail(p, NN_ERR_FORMAT, p->line, "rng %zu where the generator has %d",
                                count, NN__RNG_WORDS + 1);
    for (size_t i = 0; status == NN_OK && i <= NN__RNG_WORDS; i++) {
        uint64_t v = 0;
        const char *t = NULL;
        size_t n = 0;
        if (!nn__next_token(p, &t, &n)) {
            if (!nn__next_content_line(p) || !nn__next_token(p, &t, &n))
                return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "missing generator word %zu", i);
        }
        const uint64_t max = i < NN__RNG_WORDS ? 0xffffffffu : NN__RNG_WORDS;
        if (!nn__parse_count(t, n, &v) || v > max)
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "generator word '%s' is not a whole number up to %llu",
                                  nn__quote(t, n).text, (unsigned long long)max);
        if (i < NN__RNG_WORDS)
            rng->words[i] = (uint32_t)v;
        else
            rng->next = (size_t)v;
    }
    return status == NN_OK ? nn__expect_end_of_line(p) : status;
}

static nn_status read_best(struct nn__parser *p, const nn_t *net, double *v)
{
    nn_status status = NN_OK;
    for (size_t k = 1; status == NN_OK && k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        for (size_t j = 0; status == NN_OK && j < l->n_out; j++, v += l->n_in)
            status = nn__read_number_line(p, v, l->n_in, "best weights", k);
        if (status == NN_OK)
            status = nn__read_number_line(p, v, nn__bias_count(l), "best biases", k);
        v += nn__bias_count(l);
    }
    return status;
}

static nn_status read_history(struct nn__parser *p, struct nn__train_state *s)
{
    nn_status status = read_count_line(p, "history", s->epoch, &s->n_history);
    if (status == NN_OK && s->n_history != s->epoch)
        status = nn__parse_fail(p, NN_ERR_FORMAT, p->line, "history %zu after epoch %zu",
                                s->n_history, s->epoch);
    if (status == NN_OK && s->n_history > 0) {
        s->history = malloc(s->n_history * NN_HISTORY_COLUMNS * sizeof *s->history);
        if (s->history == NULL)
            return NN_ERR_NO_MEMORY;
    }
    for (size_t e = 0; status == NN_OK && e < s->n_history; e++) {
        if (!nn__next_content_line(p))
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line + 1, "missing history row %zu", e + 1);
        for (size_t c = 0; status == NN_OK && c < NN_HISTORY_COLUMNS; c++)
            status = read_value(p, "history value", &s->history[e * NN_HISTORY_COLUMNS + c]);
        if (status == NN_OK)
            status = nn__expect_end_of_line(p);
    }
    return status;
}

static nn_status read_state(struct nn__parser *p, const nn_t *net, struct nn__train_state *s)
{
    size_t finished = 0;
    nn_status status = read_count_line(p, "epoch", NN_MAX_EPOCHS, &s->epoch);
    if (status == NN_OK)
        status = read_count_line(p, "position", 0, &s->position);
    if (status == NN_OK)
        status = read_count_line(p, "finished", 1, &finished);
    if (status == NN_OK)
        status = read_count_line(p, "waited", s->epoch, &s->waited);
    if (status == NN_OK)
        status = read_count_line(p, "best_epoch", s->epoch, &s->best_epoch);
    if (status == NN_OK)
        status = nn__expect_line(p, "best_score");
    if (status == NN_OK)
        status = read_value(p, "best_score", &s->best_score);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status == NN_OK)
        status = read_rng(p, &s->rng);
    if (status == NN_OK)
        status = read_best(p, net, s->best);
    if (status == NN_OK)
        status = read_history(p, s);
    s->finished = (int)finished;
    return status;
}

nn_status nn__trainer_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    struct nn__train_state *s = calloc(1, sizeof *s);
    const size_t n_params = nn_param_count(net);
    if (s != NULL)
        s->best = malloc(n_params * sizeof *s->best);
    if (s == NULL || s->best == NULL) {
        nn__train_state_free(s);
        return NN_ERR_NO_MEMORY;
    }
    s->n_params = n_params;
    const nn_status status = read_state(p, net, s);
    if (status != NN_OK || x == NULL) {
        nn__train_state_free(s);
        return status;
    }
    x->loaded_train_state = s;
    return NN_OK;
}
