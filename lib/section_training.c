/* The model file's section `training` (model_sections.h): the settings that
   shape training but belong to no layer. Today the batch reduction:

       section training
       reduction mean

   It is carried only when a setting differs from its default, so a network
   with the defaults stays a version-1 file. */
#include "model_sections.h"

#include "internal.h"

/* The file's words for the reductions, indexed by their codes. */
static const char *reduction_word(int code)
{
    static const char *const words[] = {"sum", "mean"};
    return code >= 0 && code < 2 ? words[code] : NULL;
}

int nn__training_carried(const nn_t *net, const struct nn__model_extras *x)
{
    (void)x;
    return net->reduction != NN_REDUCTION_SUM;
}

void nn__training_write(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    (void)x;
    nn__write_str(w, "reduction ");
    nn__write_str(w, reduction_word(net->reduction));
    nn__write_str(w, "\n");
}

nn_status nn__training_read(struct nn__parser *p, nn_t *net, struct nn__model_extras *x)
{
    (void)x;
    int code = 0;
    nn_status status = nn__expect_choice(p, "reduction", "reduction", reduction_word, &code);
    return status == NN_OK ? nn_set_reduction(net, code) : status;
}

/* Two short lines and their comments: as much as a layer's own lines may take. */
uint64_t nn__training_max_bytes(size_t n_layers, const size_t *sizes, uint64_t params)
{
    (void)n_layers;
    (void)sizes;
    (void)params;
    return NN__BYTES_PER_LAYER;
}
