/* The model file's section `scaling` (model_sections.h): the network's input
   and target scaling (scaling.c), x' = (x - offset) / scale.

       section scaling
       inputs 3
       # offsets, then scales
       0x1.8p+0 -0x1p-2 0x0p+0
       0x1p+1 0x1.4p+0 0x1p+0
       targets 0

   `inputs` gives 0 (no input scaling) or the network's input count, which
   is followed by a line of offsets and a line of scales; `targets` likewise
   with the output count. Numbers are hexadecimal floating-point constants,
   so the scaling comes back exactly. Carried only when the network has a
   scaling, so that a network without one writes the file it wrote before. */
#include "model_sections.h"

#include "hexfloat.h"
#include "internal.h"
#include "scaling.h"

#include <string.h>

/* The section's lines besides its numbers, each within NN__BYTES_PER_LAYER. */
#define HEAD_LINES 8

int nn__scaling_carried(const nn_t *net, const struct nn__model_extras *x)
{
    (void)x;
    return nn_has_input_scaling(net) || nn_has_target_scaling(net);
}

/* "<word> <count>" and, for a nonzero count, the offsets and the scales. */
static void write_part(struct nn__writer *w, const char *word, int has, const double *offset,
                       const double *scale, size_t count)
{
    nn__write_str(w, word);
    nn__write_str(w, " ");
    nn__write_size(w, has ? count : 0);
    nn__write_str(w, "\n");
    if (!has)
        return;
    nn__write_str(w, "# offsets, then scales\n");
    nn__write_number_line(w, offset, count);
    nn__write_number_line(w, scale, count);
}

void nn__scaling_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    (void)x;
    const struct nn__scaling *s = net->scaling;
    write_part(w, "inputs", s->has_input, s->input_offset, s->input_scale, nn_input_count(net));
    write_part(w, "targets", s->has_target, s->target_offset, s->target_scale,
               nn_output_count(net));
}

/* The line "<word> <count>": *given is 1 when the count is `expected`, 0 when 0. */
static nn_status parse_count_line(struct nn__parser *p, const char *word, size_t expected,
                                  const char *unit, int *given)
{
    uint64_t count = 0;
    nn_status status = nn__expect_line(p, word);
    if (status == NN_OK)
        status = nn__expect_count(p, "count", &count);
    if (status == NN_OK)
        status = nn__expect_end_of_line(p);
    if (status != NN_OK)
        return status;
    if (count != 0 && count != expected)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "'%s %llu' disagrees with the network's %zu %s (give 0 or %zu)",
                              word, (unsigned long long)count, expected, unit, expected);
    *given = count != 0;
    return NN_OK;
}

/* One part: its count line and, when given, its two lines of numbers,
   applied with set(). `layer` names the layer in the readers' messages. */
static nn_status parse_part(struct nn__parser *p, nn_t *net, const char *word, size_t count,
                            size_t layer, double *values,
                            nn_status (*set)(nn_t *, const double *, const double *, size_t))
{
    int given = 0;
    nn_status status = parse_count_line(p, word, count, word, &given);
    if (status != NN_OK || !given)
        return status;
    char what[32];
    strcpy(what, word);
    strcat(what, " offsets");
    status = nn__read_number_line(p, values, count, what, layer);
    if (status != NN_OK)
        return status;
    strcpy(what, word);
    strcat(what, " scales");
    status = nn__read_number_line(p, values + count, count, what, layer);
    if (status != NN_OK)
        return status;
    status = set(net, values, values + count, count);
    if (status == NN_ERR_ARGUMENT)
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line, "the %s scales must be above 0", word);
    return status;
}

nn_status nn__scaling_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    (void)x;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    const size_t most = n_in > n_out ? n_in : n_out;
    double *values = nn__alloc(net, 2 * most * sizeof(double));
    if (values == NULL)
        return NN_ERR_NO_MEMORY;
    nn_status status =
        parse_part(p, net, "inputs", n_in, 0, values, nn_set_input_scaling);
    if (status == NN_OK)
        status = parse_part(p, net, "targets", n_out, nn_layer_count(net) - 1, values,
                            nn_set_target_scaling);
    nn__dealloc(net, values);
    if (status == NN_OK && !nn_has_input_scaling(net) && !nn_has_target_scaling(net))
        return nn__parse_fail(p, NN_ERR_FORMAT, p->line,
                              "section scaling gives neither inputs nor targets");
    return status;
}

/* Two numbers per input and per output, and the head lines. */
uint64_t nn__scaling_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    (void)params;
    const uint64_t numbers = 2 * ((uint64_t)sizes[0] + sizes[n_layers - 1]);
    return NN__BYTES_PER_NUMBER * numbers + NN__BYTES_PER_LAYER * HEAD_LINES;
}
