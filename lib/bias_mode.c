/* The names of the bias conventions. The conventions themselves (layout of
   the bias slots, the shared bias's gradient) live with the network. */
#include "internal.h"
#include "names.h"

/* Indexed by the NN_BIAS_* code (contiguous from 0); the name is the model
   file's word, `neuron` the command's old one, `per_unit` explain's old one. */
struct nn_bias_mode_desc {
    int mode;
    struct nn_names names;
};

static const char *const per_neuron_aliases[] = {"neuron", "per_unit", NULL};

static const struct nn_bias_mode_desc bias_modes[] = {
    {NN_BIAS_PER_NEURON, {"per_neuron", per_neuron_aliases}},
    {NN_BIAS_SHARED, {"shared", NULL}},
};

#define N_BIAS_MODES (sizeof bias_modes / sizeof bias_modes[0])

const char *nn_bias_mode_name(int mode)
{
    return mode >= 0 && (size_t)mode < N_BIAS_MODES ? bias_modes[mode].names.name : NULL;
}

nn_status nn_bias_mode_from_name(const char *name, int *mode)
{
    if (name == NULL || mode == NULL)
        return NN_ERR_NULL_ARG;
    for (size_t i = 0; i < N_BIAS_MODES; i++) {
        if (nn__names_match(&bias_modes[i].names, name)) {
            *mode = bias_modes[i].mode;
            return NN_OK;
        }
    }
    return NN_ERR_BIAS_MODE;
}
