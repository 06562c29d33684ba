/* The training options handle (train_options.h): defaults, and a check of
   every value as it is set, so that a trainer made from the handle has
   nothing left to refuse but what depends on the network. */
#include "train_options.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

nn_status nn_train_options_create(nn_train_options_t **out)
{
    if (out == NULL)
        return NN_ERR_NULL_ARG;
    nn_train_options_t *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NN_ERR_NO_MEMORY;
    o->epochs = 10;
    o->batch = 32;
    o->shuffle = 1;
    o->optimizer = NN_OPT_SGD;
    o->rate = 0.01;
    o->schedule = NN_SCHEDULE_NONE;
    o->linear_end = 1.0;
    o->restore_best = 1;
    o->shards = 1;
    *out = o;
    return NN_OK;
}

void nn_train_options_free(nn_train_options_t *o)
{
    if (o == NULL)
        return;
    free(o->order_file);
    free(o);
}

nn_status nn_train_options_copy(nn_train_options_t **out, const nn_train_options_t *o)
{
    if (out == NULL || o == NULL)
        return NN_ERR_NULL_ARG;
    nn_train_options_t *copy = malloc(sizeof *copy);
    if (copy == NULL)
        return NN_ERR_NO_MEMORY;
    *copy = *o;
    copy->order_file = NULL;
    if (nn_train_options_set_order_file(copy, o->order_file) != NN_OK) {
        free(copy);
        return NN_ERR_NO_MEMORY;
    }
    *out = copy;
    return NN_OK;
}

nn_status nn_train_options_set_epochs(nn_train_options_t *o, size_t epochs)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (epochs == 0 || epochs > NN_MAX_EPOCHS)
        return NN_ERR_ARGUMENT;
    o->epochs = epochs;
    return NN_OK;
}

nn_status nn_train_options_set_batch_size(nn_train_options_t *o, size_t batch)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (batch == 0)
        return NN_ERR_BATCH_SIZE;
    o->batch = batch;
    return NN_OK;
}

nn_status nn_train_options_set_seed(nn_train_options_t *o, unsigned long seed)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    o->seed = seed;
    return NN_OK;
}

nn_status nn_train_options_set_shuffle(nn_train_options_t *o, int shuffle)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (shuffle != 0 && shuffle != 1)
        return NN_ERR_ARGUMENT;
    o->shuffle = shuffle;
    return NN_OK;
}

nn_status nn_train_options_set_optimizer(nn_train_options_t *o, int kind)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (nn_optimizer_name(kind) == NULL)
        return NN_ERR_ARGUMENT;
    o->optimizer = kind;
    return NN_OK;
}

/* The kind's own ranges are checked by nn_trainer_create(), when the kind
   is known for certain (the calls may come in any order). */
nn_status nn_train_options_set_hyperparameter(nn_train_options_t *o, int hyperparameter,
                                              double value)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&value, 1))
        return NN_ERR_NOT_FINITE;
    if (nn_hyperparameter_name(hyperparameter) == NULL || !nn__hp_in_range(hyperparameter, value))
        return NN_ERR_ARGUMENT;
    o->hp[hyperparameter] = value;
    o->hp_given |= 1u << hyperparameter;
    return NN_OK;
}

nn_status nn_train_options_set_learning_rate(nn_train_options_t *o, double rate)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&rate, 1))
        return NN_ERR_NOT_FINITE;
    if (!(rate > 0.0))
        return NN_ERR_ARGUMENT;
    o->rate = rate;
    return NN_OK;
}

/* A count of epochs given as a double: a whole number from 1 to 2^53. */
static int whole_epochs(double x)
{
    return x >= 1.0 && x <= 9007199254740992.0 && x == (double)(size_t)x;
}

nn_status nn__scheduled_rate(const struct nn_train_options *o, size_t epoch, double *rate)
{
    const double a = o->schedule_a, b = o->schedule_b;
    switch (o->schedule) {
    case NN_SCHEDULE_STEP:
        return nn_schedule_step(o->rate, epoch, (size_t)a, b, rate);
    case NN_SCHEDULE_EXPONENTIAL:
        return nn_schedule_exponential(o->rate, epoch, a, rate);
    case NN_SCHEDULE_COSINE:
        return nn_schedule_cosine(o->rate, epoch, (size_t)a, b, rate);
    case NN_SCHEDULE_LINEAR:
        return nn_schedule_linear(o->rate, epoch, (size_t)a, b, o->linear_end, rate);
    default:
        *rate = o->rate;
        return NN_OK;
    }
}

/* The schedule's numbers must give a positive rate at its start; the
   schedule functions check the rest. */
static nn_status check_schedule(const struct nn_train_options *o)
{
    const int counted = o->schedule == NN_SCHEDULE_STEP || o->schedule == NN_SCHEDULE_COSINE ||
                        o->schedule == NN_SCHEDULE_LINEAR;
    if (o->schedule < NN_SCHEDULE_NONE || o->schedule > NN_SCHEDULE_LINEAR ||
        (counted && !whole_epochs(o->schedule_a)))
        return NN_ERR_ARGUMENT;
    if (o->schedule == NN_SCHEDULE_EXPONENTIAL && !(o->schedule_a > 0.0))
        return NN_ERR_ARGUMENT;
    if (o->schedule == NN_SCHEDULE_COSINE && !(o->schedule_b >= 0.0))
        return NN_ERR_ARGUMENT;
    double rate = 0.0;
    return nn__scheduled_rate(o, 0, &rate);
}

nn_status nn_train_options_set_schedule(nn_train_options_t *o, int schedule, double a, double b)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    const double values[2] = {a, b};
    if (!nn__all_finite(values, 2))
        return NN_ERR_NOT_FINITE;
    struct nn_train_options trial = *o;
    trial.schedule = schedule;
    trial.schedule_a = a;
    trial.schedule_b = b;
    const nn_status status = check_schedule(&trial);
    if (status == NN_OK) {
        o->schedule = schedule;
        o->schedule_a = a;
        o->schedule_b = b;
    }
    return status;
}

nn_status nn_train_options_set_linear_end_factor(nn_train_options_t *o, double end_factor)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&end_factor, 1))
        return NN_ERR_NOT_FINITE;
    if (!(end_factor >= 0.0 && end_factor <= 1.0))
        return NN_ERR_ARGUMENT;
    o->linear_end = end_factor;
    return NN_OK;
}

nn_status nn_train_options_set_clip(nn_train_options_t *o, double max_norm)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&max_norm, 1))
        return NN_ERR_NOT_FINITE;
    if (max_norm < 0.0)
        return NN_ERR_ARGUMENT;
    o->clip = max_norm;
    return NN_OK;
}

nn_status nn_train_options_set_validation_fraction(nn_train_options_t *o, double fraction,
                                                   int stratify)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&fraction, 1))
        return NN_ERR_NOT_FINITE;
    if (!(fraction >= 0.0 && fraction < 1.0) || (stratify != 0 && stratify != 1))
        return NN_ERR_ARGUMENT;
    o->validation_fraction = fraction;
    o->stratify = stratify;
    return NN_OK;
}

nn_status nn_train_options_set_patience(nn_train_options_t *o, size_t epochs, double min_delta)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (!nn__all_finite(&min_delta, 1))
        return NN_ERR_NOT_FINITE;
    if (min_delta < 0.0)
        return NN_ERR_ARGUMENT;
    o->patience = epochs;
    o->min_delta = min_delta;
    return NN_OK;
}

nn_status nn_train_options_set_restore_best(nn_train_options_t *o, int restore)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (restore != 0 && restore != 1)
        return NN_ERR_ARGUMENT;
    o->restore_best = restore;
    return NN_OK;
}

nn_status nn_train_options_set_threads(nn_train_options_t *o, size_t n)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (n > 64)
        return NN_ERR_ARGUMENT;
    o->threads = n;
    return NN_OK;
}

nn_status nn_train_options_set_order_file(nn_train_options_t *o, const char *path)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (path != NULL && path[0] == '\0')
        return NN_ERR_ARGUMENT;
    char *copy = NULL;
    if (path != NULL) {
        copy = malloc(strlen(path) + 1);
        if (copy == NULL)
            return NN_ERR_NO_MEMORY;
        strcpy(copy, path);
    }
    free(o->order_file);
    o->order_file = copy;
    return NN_OK;
}

nn_status nn_train_options_set_epoch_callback(nn_train_options_t *o, nn_epoch_fn f,
                                              void *context)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    o->epoch_fn = f;
    o->epoch_context = context;
    return NN_OK;
}

nn_status nn_train_options_set_batch_hook(nn_train_options_t *o, nn_batch_grads_fn f,
                                          void *context)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    o->batch_fn = f;
    o->batch_context = context;
    return NN_OK;
}

nn_status nn_train_options_set_chunks(nn_train_options_t *o, size_t chunks)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (chunks > NN_MAX_CHUNKS)
        return NN_ERR_ARGUMENT;
    o->chunks = chunks;
    return NN_OK;
}

nn_status nn_train_options_set_shard(nn_train_options_t *o, size_t index, size_t count)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    if (count == 0 || count > ((size_t)1 << 20) || index >= count)
        return NN_ERR_ARGUMENT;
    o->shard = index;
    o->shards = count;
    return NN_OK;
}

nn_status nn_train_options_set_collectives(nn_train_options_t *o, nn_collective_sum_fn sum,
                                           nn_collective_gather_fn gather,
                                           nn_collective_broadcast_fn broadcast, void *context)
{
    if (o == NULL)
        return NN_ERR_NULL_ARG;
    const int given = (sum != NULL) + (gather != NULL) + (broadcast != NULL);
    if (given != 0 && given != 3)
        return NN_ERR_NULL_ARG;
    o->sum = sum;
    o->gather = gather;
    o->broadcast = broadcast;
    o->collective_context = context;
    return NN_OK;
}
