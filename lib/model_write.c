/* The writer of the model format (docs/format.md), through the text
   toolkit's writer (text.h): to a caller's buffer here (nn_save_buffer()),
   to a file in io.c. Numbers are C99 hexadecimal floating-point constants
   (hexfloat.h), so a round trip restores every bit of every double. */
#include "model_format.h"

#include "hexfloat.h"
#include "model_sections.h"

#include <stdint.h>

/* The loss, activation and bias words are the library's names
   (nn_loss_name() and the others), so the file and the API cannot disagree.
   The frozen words are the file's own. */
const char *nn__frozen_word(int index)
{
    static const char *const words[] = {"none", "weights", "biases", "both"};
    return index >= 0 && index < 4 ? words[index] : NULL;
}

nn_status nn__check_savable(const nn_t *net)
{
    if (nn_loss_name(net->loss) == NULL)
        return NN_ERR_LOSS;
    for (size_t k = 1; k < net->n_layers; k++) {
        const struct nn_layer *l = &net->layers[k];
        if (nn_get_activation_name(net, k) == NULL)
            return NN_ERR_ACTIVATION;
        if (!nn__all_finite(l->w, l->n_out * l->n_in) || !nn__all_finite(l->b, nn__bias_count(l)))
            return NN_ERR_PARAMS_NOT_FINITE;
    }
    return NN_OK;
}

/* "<keyword> <word>\n" */
static void write_setting(struct nn__writer *w, const char *keyword, const char *word)
{
    nn__write_str(w, keyword);
    nn__write_str(w, " ");
    nn__write_str(w, word);
    nn__write_str(w, "\n");
}

static void write_header(const nn_t *net, struct nn__writer *w, int version)
{
    nn__write_str(w, NN__MODEL_MAGIC " ");
    nn__write_size(w, (size_t)version);
    nn__write_str(w, "\n# libbackprop model; numbers are C99 hexadecimal floating-point "
                     "constants\nlayers ");
    nn__write_size(w, net->n_layers);
    nn__write_str(w, "\nsizes");
    for (size_t k = 0; k < net->n_layers; k++) {
        nn__write_str(w, " ");
        nn__write_size(w, net->layers[k].n_out);
    }
    nn__write_str(w, "\n");
    write_setting(w, "loss", nn_loss_name(net->loss));
}

static void write_layer(const nn_t *net, struct nn__writer *w, size_t k)
{
    const struct nn_layer *l = &net->layers[k];
    nn__write_str(w, "\nlayer ");
    nn__write_size(w, k);
    nn__write_str(w, "\nactivation ");
    if (l->activation == NN_ACT_CUSTOM)
        nn__write_str(w, "custom ");
    nn__write_str(w, nn_get_activation_name(net, k));
    nn__write_str(w, "\n");
    write_setting(w, "bias", nn_bias_mode_name(l->bias_mode));
    write_setting(w, "frozen",
                  nn__frozen_word((l->frozen_weights != 0) + 2 * (l->frozen_biases != 0)));
    nn__write_str(w, "weights ");
    nn__write_size(w, l->n_out);
    nn__write_str(w, " ");
    nn__write_size(w, l->n_in);
    nn__write_str(w, "\n");
    for (size_t j = 0; j < l->n_out; j++)
        nn__write_number_line(w, l->w + j * l->n_in, l->n_in);
    nn__write_str(w, "biases ");
    nn__write_size(w, nn__bias_count(l));
    nn__write_str(w, "\n");
    nn__write_number_line(w, l->b, nn__bias_count(l));
}

void nn__write_model(const nn_t *net, const struct nn__model_extras *x, struct nn__writer *w)
{
    const int sections = nn__sections_carried(net, x);
    write_header(net, w, sections ? NN__MODEL_VERSION_SECTIONS : NN__MODEL_VERSION_PLAIN);
    for (size_t k = 1; k < net->n_layers; k++)
        write_layer(net, w, k);
    nn__write_str(w, "end\n");
    if (sections)
        nn__write_sections(net, x, w);
}

/* The model text of net and x into the caller's buffer, as nn_save_buffer()
   describes. */
static nn_status save_buffer(const nn_t *net, const struct nn__model_extras *x, char *buf,
                             size_t size, size_t *length)
{
    struct nn__writer w;
    nn__writer_count(&w);
    nn__write_model(net, x, &w);
    if (nn__writer_finish(&w) != NN_OK) {
        *length = SIZE_MAX;
        return NN_ERR_BUFFER_SIZE;
    }
    *length = w.len;
    if (w.len >= size)
        return NN_ERR_BUFFER_SIZE;
    nn__writer_buffer(&w, buf, size);
    nn__write_model(net, x, &w);
    buf[w.len] = '\0';
    return NN_OK;
}

nn_status nn_save_buffer(const nn_t *net, char *buf, size_t size, size_t *length)
{
    if (net == NULL || length == NULL || (buf == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    nn_status status = nn__check_savable(net);
    if (status != NN_OK) {
        *length = 0;
        return status;
    }
    return save_buffer(net, NULL, buf, size, length);
}

nn_status nn_save_checkpoint_buffer(const nn_t *net, const nn_optimizer_t *opt, char *buf,
                                    size_t size, size_t *length)
{
    if (net == NULL || opt == NULL || length == NULL || (buf == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    nn_status status = nn__check_savable(net);
    if (status == NN_OK)
        status = nn__check_checkpoint(net, opt);
    if (status != NN_OK) {
        *length = 0;
        return status;
    }
    const struct nn__model_extras x = {opt, NULL, NULL, NULL};
    return save_buffer(net, &x, buf, size, length);
}
