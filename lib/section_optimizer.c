/* The model file's section `optimizer` (model_sections.h): a checkpoint's
   optimiser, so that training resumes bit for bit.

       section optimizer
       kind adam
       beta1 0x1.ccccccccccccdp-1
       beta2 0x1.ff7ced916872bp-1
       epsilon 0x1.5798ee2308c3ap-27
       weight_decay 0x0p+0
       state 22
       # step counts of each layer's weights and biases
       0x1.4p+3 0x1.4p+3
       # first moments, laid out as the parameters
       ... one line per row of weights, one line of biases, layer by layer ...
       # second moments, laid out as the parameters
       ...

   The kind is nn_optimizer_name()'s word; the hyperparameters the kind
   takes follow, each "<nn_hyperparameter_name()> <number>" (the writer puts
   them in the order of their codes; a reader takes any order and keeps the
   default of one left out); `state` gives the count of the flat state
   (nn_optimizer_get_state()), whose values follow: the step counts, one line
   of two per layer, then each of the kind's arrays laid out as the layers'
   weights and biases are. Numbers are hexadecimal floating-point constants,
   as the parameters, so the state comes back exactly.

   Written only for a checkpoint (nn_save_checkpoint()). Every load reads and
   checks it; nn_load() and its variants then drop the optimiser, the
   checkpoint loaders hand it to the caller. */
#include "model_sections.h"

#include "grads.h"
#include "hexfloat.h"
#include "internal.h"
#include "optimizer.h"

#include <math.h>
#include <string.h>

/* Lines of the section besides its numbers: its "section" line, `kind`, the
   hyperparameters, `state` and the comments, each within
   NN__BYTES_PER_LAYER; more than any writer needs. */
#define HEAD_LINES 16
/* Step counts per layer: its weights' and its biases'. */
#define COUNTS_PER_LAYER 2

/* The words naming each kind's state arrays in messages and comments. */
static const char *slot_name(int kind, size_t slot)
{
    static const char *const names[NN_OPT_KINDS][NN_OPT_MAX_SLOTS] = {
        [NN_OPT_SGD] = {"momentum buffers", NULL},
        [NN_OPT_ADAM] = {"first moments", "second moments"},
        [NN_OPT_ADAMW] = {"first moments", "second moments"},
        [NN_OPT_RMSPROP] = {"square averages", "momentum buffers"},
        [NN_OPT_RPROP] = {"previous gradients", "step sizes"},
    };
    return names[kind][slot];
}

/* ---- saving ---- */

nn_status nn__check_checkpoint(const nn_t *net, const nn_optimizer_t *opt)
{
    if (opt == NULL)
        return NN_ERR_NULL_ARG;
    return nn__optimizer_fits(opt, net) ? NN_OK : NN_ERR_COUNT;
}

int nn__optimizer_carried(const nn_t *net, const struct nn__model_extras *x)
{
    (void)net;
    return x != NULL && x->optimizer != NULL;
}

/* "<word> <number>\n" */
static void write_value_line(struct nn__writer *w, const char *word, double value)
{
    char number[NN_HEX_DOUBLE_MAX];
    nn__write_str(w, word);
    nn__write_str(w, " ");
    nn__write_bytes(w, number, nn__format_hex_double(value, number));
    nn__write_str(w, "\n");
}

/* One array of the flat state (n_params values at v), laid out as the
   layers' weights and biases. */
static void write_slot(const nn_t *net, struct nn__writer *w, const double *v)
{
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        for (size_t j = 0; j < l->n_out; j++, v += l->n_in)
            nn__write_number_line(w, v, l->n_in);
        nn__write_number_line(w, v, nn__bias_count(l));
        v += nn__bias_count(l);
    }
}

void nn__optimizer_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    const nn_optimizer_t *opt = x->optimizer;
    int kind = 0;
    (void)nn_optimizer_get_kind(opt, &kind);
    nn__write_str(w, "kind ");
    nn__write_str(w, nn_optimizer_name(kind));
    nn__write_str(w, "\n");
    for (int h = 0; h < NN_HP_COUNT; h++) {
        double value = 0.0;
        if (nn_optimizer_get(opt, h, &value) == NN_OK)
            write_value_line(w, nn_hyperparameter_name(h), value);
    }
    size_t count = 0;
    (void)nn_optimizer_state_count(opt, &count);
    nn__write_str(w, "state ");
    nn__write_size(w, count);
    nn__write_str(w, "\n# step counts of each layer's weights and biases\n");
    const double *state = nn__optimizer_state(opt);
    const size_t counts = COUNTS_PER_LAYER * (net->n_layers - 1);
    for (size_t c = 0; c < counts; c += COUNTS_PER_LAYER)
        nn__write_number_line(w, state + c, COUNTS_PER_LAYER);
    const size_t n_params = nn__flat_count(net);
    for (size_t slot = 0; slot < nn__opt_kind(kind)->slots; slot++) {
        nn__write_str(w, "# ");
        nn__write_str(w, slot_name(kind, slot));
        nn__write_str(w, ", laid out as the parameters\n");
        write_slot(net, w, state + counts + slot * n_params);
    }
}

/* The numbers: every value of the flat state, for any kind; the lines:
   a layer's step counts and rows, and the section's head. */
uint64_t nn__optimizer_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    (void)sizes;
    const uint64_t numbers =
        COUNTS_PER_LAYER * (uint64_t)(n_layers - 1) + NN_OPT_MAX_SLOTS * params;
    return NN__BYTES_PER_NUMBER * numbers + NN__BYTES_PER_LAYER * HEAD_LINES;
}

/* ---- loading ---- */

/* The hyperparameters the kind takes, for a message: "a, b, c and d". */
static void list_taken(int kind, char *out, size_t size)
{
    const unsigned takes = nn__opt_kind(kind)->takes;
    int n = 0, total = 0;
    for (int h = 0; h < NN_HP_COUNT; h++)
        total += (takes >> h) & 1u;
    out[0] = '\0';
    for (int h = 0; h < NN_HP_COUNT; h++) {
        if (!((takes >> h) & 1u))
            continue;
        const char *sep = n == 0 ? "" : n + 1 < total ? ", " : " and ";
        if (strlen(out) + strlen(sep) + strlen(nn_hyperparameter_name(h)) < size) {
            strcat(out, sep);
            strcat(out, nn_hyperparameter_name(h));
        }
        n++;
    }
}

/* What the hyperparameter lines gave: values and the lines they are on
   (0: not given, the default stays). */
struct hp_lines {
    double value[NN_HP_COUNT];
    size_t line[NN_HP_COUNT];
};

/* The rest of a line "<name> <number>" whose name is hyperparameter h. */
static nn_status parse_hp_value(struct nn__parser *p, int h, struct hp_lines *hp)
{
    const char *name = nn_hyperparameter_name(h);
    const char *t = NULL;
    size_t n = 0;
    if (hp->line[h] != 0)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "a second '%s' (the first is on line %zu)",
                              name, hp->line[h]);
    nn_status status = nn__expect_word(p, "value", &t, &n);
    if (status != NN_OK)
        return status;
    double value = 0.0;
    switch (nn__parse_hex_double(t, n, &value)) {
    case NN_NUMBER_OK:
        break;
    case NN_NUMBER_NOT_FINITE:
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "%s '%s' is not finite", name,
                              nn__quote(t, n).text);
    default:
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "%s '%s' is not a finite hexadecimal floating-point number such as "
                              "0x1.8p+1",
                              name, nn__quote(t, n).text);
    }
    if (!nn__hp_in_range(h, value))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "%s '%s' is out of its range (see nn_optimizer_set())", name,
                              nn__quote(t, n).text);
    hp->value[h] = value;
    hp->line[h] = p->line;
    return nn__expect_end_of_line(p);
}

/* The hyperparameter lines up to `state`, whose line is left current. */
static nn_status parse_hp_lines(struct nn__parser *p, int kind, struct hp_lines *hp)
{
    for (;;) {
        const char *t = NULL;
        size_t n = 0;
        if (!nn__next_content_line(p))
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line + 1,
                                  "unexpected end of input; expected 'state'");
        nn__next_token(p, &t, &n);
        if (nn__token_is(t, n, "state"))
            return NN_OK;
        int h = 0;
        while (h < NN_HP_COUNT &&
               !(nn__token_is(t, n, nn_hyperparameter_name(h)) &&
                 ((nn__opt_kind(kind)->takes >> h) & 1u)))
            h++;
        if (h == NN_HP_COUNT) {
            char taken[96];
            list_taken(kind, taken, sizeof taken);
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "%s takes no hyperparameter '%s' (it takes %s, then 'state')",
                                  nn_optimizer_name(kind), nn__quote(t, n).text, taken);
        }
        const nn_status status = parse_hp_value(p, h, hp);
        if (status != NN_OK)
            return status;
    }
}

/* Gives opt the hyperparameters read: each in range already, the bounds
   of RPROP's step sizes checked together here (on the later line). */
static nn_status apply_hps(struct nn__parser *p, nn_optimizer_t *opt, const struct hp_lines *hp)
{
    double bound[2] = {0.0, 0.0}; /* step_min, step_max as they will be */
    for (int i = 0; i < 2; i++)
        if (nn_optimizer_get(opt, NN_HP_STEP_MIN + i, &bound[i]) == NN_OK &&
            hp->line[NN_HP_STEP_MIN + i] != 0)
            bound[i] = hp->value[NN_HP_STEP_MIN + i];
    if (bound[0] > bound[1]) {
        const size_t a = hp->line[NN_HP_STEP_MIN], b = hp->line[NN_HP_STEP_MAX];
        return nn__parse_fail(p, NN_ERR_FORMAT, a > b ? a : b, "step_min is above step_max");
    }
    /* the bound that moves away from the other first, so that each call
       sees step_min <= step_max */
    double old_max = 0.0;
    (void)nn_optimizer_get(opt, NN_HP_STEP_MAX, &old_max);
    const int first_max = bound[0] > old_max;
    for (int i = 0; i < NN_HP_COUNT; i++) {
        int h = i;
        if (first_max && (i == NN_HP_STEP_MIN || i == NN_HP_STEP_MAX))
            h = NN_HP_STEP_MIN + NN_HP_STEP_MAX - i;
        if (hp->line[h] != 0 && nn_optimizer_set(opt, h, hp->value[h]) != NN_OK)
            return nn__parse_fail(p, NN_ERR_FORMAT, hp->line[h], "%s is refused",
                                  nn_hyperparameter_name(h));
    }
    return NN_OK;
}

/* The rest of the line "state <count>": the count opt has for net. */
static nn_status parse_state_count(struct nn__parser *p, const nn_optimizer_t *opt, int kind)
{
    uint64_t count = 0;
    size_t expected = 0;
    (void)nn_optimizer_state_count(opt, &expected);
    nn_status status = nn__expect_count(p, "state count", &count);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status == NN_OK && count != expected)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "'state %llu' disagrees with the network, for which %s's state "
                              "has %zu values",
                              (unsigned long long)count, nn_optimizer_name(kind), expected);
    return status;
}

/* The step counts, a line of two per layer, into counts. */
static nn_status parse_counts(struct nn__parser *p, const nn_t *net, double *counts)
{
    for (size_t k = 1; k < net->n_layers; k++, counts += COUNTS_PER_LAYER) {
        nn_status status = nn__read_number_line(p, counts, COUNTS_PER_LAYER, "step counts", k);
        if (status != NN_OK)
            return status;
        for (size_t i = 0; i < COUNTS_PER_LAYER; i++)
            if (!(counts[i] >= 0.0 && counts[i] <= NN_OPT_MAX_STEPS &&
                  counts[i] == floor(counts[i])))
                return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                      "the step counts of layer %zu must be whole numbers from "
                                      "0 to 2^53",
                                      k);
    }
    return NN_OK;
}

/* One line of n values of a state array (slot) into v, checked against the
   kind's rules: its signs, and only zeros where the block never stepped
   (step count t). */
static nn_status parse_slot_line(struct nn__parser *p, int kind, size_t slot, size_t k, double t,
                                 double *v, size_t n)
{
    const char *what = slot_name(kind, slot);
    nn_status status = nn__read_number_line(p, v, n, what, k);
    if (status != NN_OK)
        return status;
    for (size_t i = 0; i < n; i++) {
        if (!nn__opt_kind(kind)->state_valid(slot, v[i]))
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "the %s of layer %zu must not be negative", what, k);
        if (t == 0.0 && v[i] != 0.0)
            return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                                  "the %s of layer %zu must be 0 where the step count is 0",
                                  what, k);
    }
    return NN_OK;
}

/* One array of the flat state into v, laid out as the layers' weights and
   biases; counts are the blocks' step counts. */
static nn_status parse_slot(struct nn__parser *p, const nn_t *net, int kind, size_t slot,
                            const double *counts, double *v)
{
    nn_status status = NN_OK;
    for (size_t k = 1; k < net->n_layers && status == NN_OK; k++) {
        const struct nn_layer *l = &net->layers[k];
        const double *t = counts + COUNTS_PER_LAYER * (k - 1);
        for (size_t j = 0; j < l->n_out && status == NN_OK; j++, v += l->n_in)
            status = parse_slot_line(p, kind, slot, k, t[0], v, l->n_in);
        if (status == NN_OK)
            status = parse_slot_line(p, kind, slot, k, t[1], v, nn__bias_count(l));
        v += nn__bias_count(l);
    }
    return status;
}

/* Everything after `kind`, into opt (made for net). */
static nn_status parse_into(struct nn__parser *p, const nn_t *net, int kind, nn_optimizer_t *opt)
{
    struct hp_lines hp;
    memset(&hp, 0, sizeof hp);
    nn_status status = parse_hp_lines(p, kind, &hp);
    if (status == NN_OK)
        status = apply_hps(p, opt, &hp);
    if (status == NN_OK)
        status = parse_state_count(p, opt, kind);
    double *state = nn__optimizer_state_mut(opt);
    if (status == NN_OK)
        status = parse_counts(p, net, state);
    const size_t counts = COUNTS_PER_LAYER * (net->n_layers - 1), n_params = nn__flat_count(net);
    for (size_t slot = 0; slot < nn__opt_kind(kind)->slots && status == NN_OK; slot++)
        status = parse_slot(p, net, kind, slot, state, state + counts + slot * n_params);
    return status;
}

nn_status nn__optimizer_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    int kind = 0;
    nn_status status = nn__expect_choice(p, "kind", "optimizer kind", nn_optimizer_name, &kind);
    if (status != NN_OK)
        return status;
    nn_optimizer_t *opt = NULL;
    status = nn_optimizer_create(&opt, net, kind);
    if (status != NN_OK)
        return status;
    status = parse_into(p, net, kind, opt);
    if (status != NN_OK || x == NULL) {
        nn_optimizer_free(opt);
        return status;
    }
    x->loaded_optimizer = opt;
    return NN_OK;
}
