/* Saving and loading a trainer's state (nn_trainer_save(),
   nn_trainer_load()): a checkpoint of the network and its optimiser with
   the section `trainer` (section_trainer.c) after it. */
#include "io.h"
#include "trainer.h"

#include <stdlib.h>
#include <string.h>

nn_status nn_trainer_save(const nn_trainer_t *t, const char *path)
{
    if (t == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    struct nn__train_state state = t->state;
    nn__rng_get_state(t->rng, &state.rng);
    const struct nn__model_extras x = {t->optimizer, NULL, &state, NULL};
    return nn__save_extras(t->net, &x, path);
}

/* The file's network has the trainer's layer sizes and bias conventions. */
static int same_layout(const nn_t *a, const nn_t *b)
{
    if (nn_layer_count(a) != nn_layer_count(b) || nn_param_count(a) != nn_param_count(b))
        return 0;
    for (size_t k = 0; k < nn_layer_count(a); k++)
        if (nn_layer_size(a, k) != nn_layer_size(b, k))
            return 0;
    return 1;
}

/* Checks everything the file gives against the trainer, then replaces the
   parameters, the optimiser's state and the trainer's state. */
static nn_status take_state(nn_trainer_t *t, const nn_t *saved, const nn_optimizer_t *opt,
                            struct nn__train_state *s)
{
    int kind = 0, own_kind = 0;
    size_t count = 0;
    if (opt == NULL || s == NULL)
        return NN_ERR_FORMAT;
    if (!same_layout(t->net, saved))
        return NN_ERR_COUNT;
    (void)nn_optimizer_get_kind(opt, &kind);
    (void)nn_optimizer_get_kind(t->optimizer, &own_kind);
    if (kind != own_kind || s->epoch > t->state.n_history)
        return NN_ERR_ARGUMENT;
    nn_status status = nn_optimizer_state_count(opt, &count);
    double *values = malloc(count * sizeof *values);
    double *params = malloc(s->n_params * sizeof *params);
    if (values == NULL || params == NULL)
        status = NN_ERR_NO_MEMORY;
    if (status == NN_OK)
        status = nn_optimizer_get_state(opt, values, count);
    if (status == NN_OK)
        status = nn_get_params(saved, params, s->n_params);
    if (status == NN_OK) /* the last call that can fail: what follows cannot */
        status = nn_optimizer_set_state(t->optimizer, values, count);
    if (status == NN_OK) {
        (void)nn_set_params(t->net, params, s->n_params);
        (void)nn__rng_set_state(t->rng, &s->rng);
        memcpy(t->state.best, s->best, s->n_params * sizeof *s->best);
        if (s->epoch > 0)
            memcpy(t->state.history, s->history,
                   s->epoch * NN_HISTORY_COLUMNS * sizeof *s->history);
        t->state.epoch = s->epoch;
        t->state.position = s->position;
        /* ended by the loading trainer's options: a run that stopped at its own
           epochs goes on to more, one that stopped early stays stopped */
        t->state.finished = s->epoch >= t->options.epochs ||
                            (t->options.patience > 0 && s->waited >= t->options.patience);
        t->state.best_epoch = s->best_epoch;
        t->state.best_score = s->best_score;
        t->state.waited = s->waited;
        t->state.rng = s->rng;
    }
    free(values);
    free(params);
    return status;
}

nn_status nn_trainer_load(nn_trainer_t *t, const char *path)
{
    if (t == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    struct nn__model_extras x = {NULL, NULL, NULL, NULL};
    nn_t *saved = NULL;
    nn_status status = nn__load_extras(&saved, path, &x);
    if (status == NN_OK)
        status = take_state(t, saved, x.loaded_optimizer, x.loaded_train_state);
    nn__release_extras(&x);
    nn_free(saved);
    return status;
}
