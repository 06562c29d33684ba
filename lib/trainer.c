/* The training loop: nn_train() and the trainer (nn_trainer_*). Every batch
   is a sequence of public calls, written out in docs/training.md and
   checked bit for bit by tests/test_trainer.c; the file is kept small and
   flat so that it can be read in one go, copied and adapted. Saving and
   loading the state are in trainer_file.c. */
#include "trainer.h"

#include "dataset.h"
#include "trainer_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What one run needs beside the trainer: the sets it reads and its
   buffers, all allocated before the first epoch. */
struct run {
    const nn_dataset_t *train, *validation;
    nn_dataset_t *held_in, *held_out; /* the sets a validation fraction made */
    nn_dataset_t *scaled_train, *scaled_validation; /* copies with targets in network units */
    size_t *order;        /* the epoch's order of the training rows */
    size_t *source;       /* the training rows' source indices, then ... */
    size_t *order_line;   /* ... the order file's line: the source rows in the epoch's order */
    double *inputs;       /* a shuffled batch, gathered */
    double *targets;
    double *outputs;      /* a validation batch's outputs */
    int classify;         /* the validation metric is the accuracy, not the MSE */
};

static double seconds_now(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) == 0)
        return NAN;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the trainer ---- */

nn_status nn_trainer_create(nn_trainer_t **out, nn_t *net, const nn_train_options_t *options)
{
    if (out == NULL || net == NULL)
        return NN_ERR_NULL_ARG;
    nn_train_options_t *defaults = NULL;
    if (options == NULL) {
        nn_status status = nn_train_options_create(&defaults);
        if (status != NN_OK)
            return status;
        options = defaults;
    }
    nn_trainer_t *t = calloc(1, sizeof *t);
    const size_t n_params = nn_param_count(net);
    nn_status status = t != NULL ? NN_OK : NN_ERR_NO_MEMORY;
    if (status == NN_OK) {
        t->net = net;
        t->options = *options;
        t->options.order_file = NULL;
        t->state.n_params = n_params;
        t->state.n_history = options->epochs;
        t->state.best_score = INFINITY;
        status = nn_optimizer_create(&t->optimizer, net, options->optimizer);
    }
    for (int h = 0; status == NN_OK && h < NN_HP_COUNT; h++)
        if (options->hp_given & (1u << h))
            status = nn_optimizer_set(t->optimizer, h, options->hp[h]);
    if (status == NN_OK && options->threads > 1) {
        const size_t own = nn_get_threads(net); /* asks whether the build runs threads */
        status = nn_set_threads(net, options->threads);
        (void)nn_set_threads(net, own);
    }
    if (status == NN_OK && options->shards > 1 &&
        (options->sum == NULL || (options->chunks > 0 && options->shards > options->chunks)))
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK && options->chunks > SIZE_MAX / sizeof(double) / (n_params + 1))
        status = NN_ERR_TOO_LARGE;
    if (status == NN_OK && options->chunks > 0) {
        t->slots = malloc(options->chunks * (n_params + 1) * sizeof *t->slots);
        status = t->slots != NULL ? NN_OK : NN_ERR_NO_MEMORY;
    }
    if (status == NN_OK)
        status = nn_rng_create(&t->rng, options->seed);
    if (status == NN_OK) {
        t->grads = malloc((n_params + 2) * sizeof *t->grads);
        t->state.best = malloc(n_params * sizeof *t->state.best);
        t->state.history = malloc(options->epochs * NN_HISTORY_COLUMNS * sizeof(double));
        if (options->order_file != NULL)
            t->options.order_file = malloc(strlen(options->order_file) + 1);
        if (t->grads == NULL || t->state.best == NULL || t->state.history == NULL ||
            (options->order_file != NULL && t->options.order_file == NULL))
            status = NN_ERR_NO_MEMORY;
        else if (options->order_file != NULL)
            strcpy(t->options.order_file, options->order_file);
    }
    nn_train_options_free(defaults);
    if (status != NN_OK) {
        nn_trainer_free(t);
        return status;
    }
    *out = t;
    return NN_OK;
}

void nn_trainer_free(nn_trainer_t *t)
{
    if (t == NULL)
        return;
    nn_optimizer_free(t->optimizer);
    nn_rng_free(t->rng);
    free(t->grads);
    free(t->slots);
    free(t->state.best);
    free(t->state.history);
    free(t->options.order_file);
    free(t);
}

nn_status nn_trainer_history(const nn_trainer_t *t, double *rows, size_t count,
                             size_t *n_epochs)
{
    if (t == NULL || (rows == NULL && count > 0))
        return NN_ERR_NULL_ARG;
    const size_t needed = t->state.epoch * NN_HISTORY_COLUMNS;
    if (n_epochs != NULL)
        *n_epochs = t->state.epoch;
    if (count < needed)
        return NN_ERR_BUFFER_SIZE;
    if (needed > 0)
        memcpy(rows, t->state.history, needed * sizeof *rows);
    return NN_OK;
}

/* ---- one run's sets and buffers ---- */

static nn_status check_set(const nn_t *net, const nn_dataset_t *data)
{
    if (nn_dataset_input_count(data) != nn_input_count(net) ||
        nn_dataset_target_count(data) != nn_output_count(net))
        return NN_ERR_COUNT;
    return NN_OK;
}

static void run_free(struct run *r)
{
    nn_dataset_free(r->held_in);
    nn_dataset_free(r->held_out);
    nn_dataset_free(r->scaled_train);
    nn_dataset_free(r->scaled_validation);
    free(r->order);
    free(r->source);
    free(r->inputs);
    free(r->targets);
    free(r->outputs);
}

/* A copy of data (a subset of every row: class names and source rows
   kept) whose targets are in the network's units (nn_scale_targets()). */
static nn_status scaled_copy(const nn_t *net, const nn_dataset_t *data, nn_dataset_t **out)
{
    const size_t n = nn_dataset_row_count(data);
    size_t *rows = malloc(n * sizeof *rows);
    nn_status status = rows != NULL ? NN_OK : NN_ERR_NO_MEMORY;
    for (size_t i = 0; status == NN_OK && i < n; i++)
        rows[i] = i;
    if (status == NN_OK)
        status = nn_dataset_subset(data, rows, n, out);
    free(rows);
    if (status == NN_OK) { /* the copy owns its values, the targets after the inputs */
        double *targets = (*out)->owned + n * nn_dataset_input_count(data);
        status = nn_scale_targets(net, n, targets, targets);
    }
    return status;
}

/* The sets (holding out the validation fraction), the buffers, and the
   batch buffer of the network for a batch of the options' size. */
static nn_status run_prepare(nn_trainer_t *t, struct run *r, const nn_dataset_t *train,
                             const nn_dataset_t *validation)
{
    const struct nn_train_options *o = &t->options;
    nn_status status = check_set(t->net, train);
    if (status == NN_OK && validation != NULL)
        status = check_set(t->net, validation);
    if (status == NN_OK && validation != NULL && o->validation_fraction > 0.0)
        status = NN_ERR_ARGUMENT;
    r->train = train;
    r->validation = validation;
    if (status == NN_OK && o->validation_fraction > 0.0) {
        const int stratify = o->stratify && nn_dataset_class_count(train) > 0;
        status = nn_dataset_split(train, o->validation_fraction, o->seed, stratify, &r->held_out,
                                  &r->held_in);
        r->train = r->held_in;
        r->validation = r->held_out;
    }
    if (status != NN_OK)
        return status;
    const size_t n = nn_dataset_row_count(r->train), batch = o->batch;
    const size_t n_in = nn_input_count(t->net), n_out = nn_output_count(t->net);
    const size_t rows = batch < n ? batch : n;
    r->order = malloc(n * sizeof *r->order);
    r->source = malloc(2 * n * sizeof *r->source);
    r->inputs = malloc(rows * n_in * sizeof *r->inputs);
    r->targets = malloc(rows * n_out * sizeof *r->targets);
    r->outputs = malloc(batch * n_out * sizeof *r->outputs);
    if (r->order == NULL || r->source == NULL || r->inputs == NULL || r->targets == NULL ||
        r->outputs == NULL)
        return NN_ERR_NO_MEMORY;
    r->order_line = r->source + n;
    for (size_t i = 0; i < n; i++)
        r->order[i] = i;
    const int loss = nn_get_loss(t->net);
    r->classify = nn_dataset_class_count(r->train) > 0 || loss == NN_LOSS_CROSS_ENTROPY ||
                  loss == NN_LOSS_BINARY_CROSS_ENTROPY;
    status = nn_dataset_source_rows(r->train, r->source, n);
    if (status == NN_OK && nn_has_target_scaling(t->net)) { /* once, before the epochs */
        status = scaled_copy(t->net, r->train, &r->scaled_train);
        if (status == NN_OK && r->validation != NULL)
            status = scaled_copy(t->net, r->validation, &r->scaled_validation);
        r->train = r->scaled_train;
        r->validation = r->validation != NULL ? r->scaled_validation : NULL;
    }
    if (status == NN_OK && o->threads > 0)
        status = nn_set_threads(t->net, o->threads);
    if (status == NN_OK)
        status = nn_reserve_batch(t->net, batch);
    return status;
}

/* The order file's first lines: the training and validation rows. */
static nn_status write_split(const nn_trainer_t *t, const struct run *r)
{
    const size_t n = nn_dataset_row_count(r->train);
    nn_status status = nn_write_rows_file(t->options.order_file, "train", r->source, n, 0);
    if (status == NN_OK && r->validation != NULL) {
        const size_t m = nn_dataset_row_count(r->validation);
        size_t *rows = malloc(m * sizeof *rows);
        status = rows == NULL ? NN_ERR_NO_MEMORY
                              : nn_dataset_source_rows(r->validation, rows, m);
        if (status == NN_OK)
            status = nn_write_rows_file(t->options.order_file, "validation", rows, m, 1);
        free(rows);
    }
    return status;
}

/* The order file's line of one epoch. */
static nn_status write_order(const nn_trainer_t *t, const struct run *r)
{
    const size_t n = nn_dataset_row_count(r->train);
    char label[32];
    snprintf(label, sizeof label, "epoch%zu", t->state.epoch + 1);
    for (size_t i = 0; i < n; i++)
        r->order_line[i] = r->source[r->order[i]];
    return nn_write_rows_file(t->options.order_file, label, r->order_line, n, 1);
}

/* ---- the loop ---- */

/* The batch's mean gradient, clipped, and the step, after the hook. */
static nn_status step_batch(nn_trainer_t *t, size_t count, double rate)
{
    const struct nn_train_options *o = &t->options;
    const size_t n_params = t->state.n_params;
    nn_status status = NN_OK;
    if (o->batch_fn != NULL)
        status = o->batch_fn(o->batch_context, t->grads, n_params, &count);
    if (status == NN_OK && count == 0)
        status = NN_ERR_ARGUMENT;
    if (status == NN_OK) {
        for (size_t i = 0; i < n_params; i++)
            t->grads[i] /= (double)count;
        status = nn_set_grads(t->net, t->grads, n_params);
    }
    if (status == NN_OK && o->clip > 0.0)
        status = nn_clip_grad_norm(t->net, o->clip, NULL);
    if (status == NN_OK)
        status = nn_optimizer_step(t->optimizer, t->net, rate);
    return status;
}

/* One epoch's batches: *loss_sum receives the summed loss of its rows.
   status is the status so far: with shards, a process that failed still
   meets the others at the next exchange, so that all stop there; the
   status returned is the same on every process. */
static nn_status run_epoch(nn_trainer_t *t, struct run *r, double rate, double *loss_sum,
                           nn_status status)
{
    const struct nn_train_options *o = &t->options;
    nn_t *net = t->net;
    const size_t n = nn_dataset_row_count(r->train), batch = o->batch;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    const double *inputs = nn_dataset_inputs(r->train), *targets = nn_dataset_targets(r->train);
    *loss_sum = 0.0;
    for (size_t start = 0; start < n; start += batch) {
        const size_t m = n - start < batch ? n - start : batch;
        size_t lo = 0, hi = m;
        nn__batch_share(o, m, &lo, &hi);
        const double *x = inputs + (start + lo) * n_in, *y = targets + (start + lo) * n_out;
        if (o->shuffle) { /* gather this process's rows of the batch in the epoch's order */
            for (size_t i = lo; i < hi; i++) {
                const size_t row = r->order[start + i];
                memcpy(r->inputs + (i - lo) * n_in, inputs + row * n_in, n_in * sizeof *x);
                memcpy(r->targets + (i - lo) * n_out, targets + row * n_out, n_out * sizeof *y);
            }
            x = r->inputs;
            y = r->targets;
        }
        double loss = 0.0;
        size_t count = 0;
        status = nn__batch_gradient(net, o, m, x, y, t->grads, t->slots, t->state.n_params, &loss,
                                    &count, status);
        if (status != NN_OK)
            return status; /* every process has it */
        *loss_sum += loss;
        status = step_batch(t, count, rate);
    }
    return nn__agree(o, status); /* a failed last step reaches every process */
}

/* The validation loss (mean over the rows) and metric, in batches. */
static nn_status validate(nn_trainer_t *t, struct run *r, double *loss, double *metric)
{
    nn_t *net = t->net;
    const nn_dataset_t *v = r->validation;
    const size_t n = nn_dataset_row_count(v), batch = t->options.batch;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    const double *inputs = nn_dataset_inputs(v), *targets = nn_dataset_targets(v);
    double loss_sum = 0.0, measured = 0.0;
    nn_status status = NN_OK;
    for (size_t start = 0; status == NN_OK && start < n; start += batch) {
        const size_t m = n - start < batch ? n - start : batch;
        const double *y = targets + start * n_out;
        double part = 0.0;
        status = nn_forward_batch(net, m, inputs + start * n_in, r->outputs);
        if (status == NN_OK)
            status = nn_loss_batch(net, m, y, &part);
        loss_sum += part;
        for (size_t i = 0; status == NN_OK && i < m; i++) {
            const double *out = r->outputs + i * n_out, *target = y + i * n_out;
            if (r->classify) {
                size_t truth = 0, guess = 0;
                status = nn_dataset_row_class(v, start + i, &truth);
                for (size_t k = 1; k < n_out; k++)
                    guess = out[k] > out[guess] ? k : guess;
                if (n_out == 1)
                    guess = out[0] >= 0.5;
                measured += guess == truth;
            } else {
                for (size_t k = 0; k < n_out; k++)
                    measured += (out[k] - target[k]) * (out[k] - target[k]);
            }
        }
    }
    *loss = loss_sum / (double)n;
    *metric = measured / (double)(r->classify ? n : n * n_out);
    return status;
}

/* The best score so far and the early-stopping count, after an epoch. */
static void keep_best(nn_trainer_t *t, double score)
{
    struct nn__train_state *s = &t->state;
    if (score < s->best_score - t->options.min_delta) {
        s->best_score = score;
        s->best_epoch = s->epoch;
        s->waited = 0;
        (void)nn_get_params(t->net, s->best, s->n_params);
    } else {
        s->waited++;
    }
}

/* The validation loss and metric into row: with shards, process 0's,
   broadcast, so that every process decides the same. */
static nn_status validate_shared(nn_trainer_t *t, struct run *r, double *row)
{
    const struct nn_train_options *o = &t->options;
    nn_status status = NN_OK;
    if (o->shard == 0)
        status = validate(t, r, &row[NN_HISTORY_VALIDATION_LOSS],
                          &row[NN_HISTORY_VALIDATION_METRIC]);
    if (o->shards > 1) /* the loss and the metric are adjacent columns */
        status = o->broadcast(o->collective_context, status, &row[NN_HISTORY_VALIDATION_LOSS], 2);
    return status;
}

/* Whether the epoch callback stops training: with shards, process 0's
   callback decides for every process. */
static nn_status callback_stops(nn_trainer_t *t, const double *row, int *stop)
{
    const struct nn_train_options *o = &t->options;
    *stop = 0;
    if (o->epoch_fn != NULL && o->shard == 0)
        *stop = o->epoch_fn(o->epoch_context, t->state.epoch, row, NN_HISTORY_COLUMNS) != 0;
    if (o->shards == 1)
        return NN_OK;
    double decision = *stop;
    nn_status status = o->broadcast(o->collective_context, NN_OK, &decision, 1);
    *stop = decision != 0.0;
    return status;
}

/* The epochs, from where the trainer stands to the end or a stop. Every
   status that ends the loop is the same on every process of a shared run:
   a failure on one process is carried into the next exchange. */
static nn_status run_epochs(nn_trainer_t *t, struct run *r)
{
    const struct nn_train_options *o = &t->options;
    struct nn__train_state *s = &t->state;
    nn_status status = NN_OK;
    int stop = 0;
    while (status == NN_OK && !s->finished && !stop) {
        const double started = seconds_now();
        double rate = 0.0, loss_sum = 0.0;
        double row[NN_HISTORY_COLUMNS] = {(double)(s->epoch + 1), NAN, NAN, NAN, NAN, NAN};
        status = nn__scheduled_rate(o, s->epoch, &rate);
        if (status == NN_OK && o->shuffle)
            status = nn_rng_permutation(t->rng, nn_dataset_row_count(r->train), r->order);
        if (status == NN_OK && o->order_file != NULL && o->shard == 0)
            status = write_order(t, r);
        status = run_epoch(t, r, rate, &loss_sum, status);
        row[NN_HISTORY_TRAIN_LOSS] = loss_sum / (double)nn_dataset_row_count(r->train);
        if (status == NN_OK && r->validation != NULL)
            status = validate_shared(t, r, row);
        const double score = r->validation != NULL ? row[NN_HISTORY_VALIDATION_LOSS]
                                                   : row[NN_HISTORY_TRAIN_LOSS];
        if (status == NN_OK && !isfinite(score))
            status = NN_ERR_DIVERGED;
        if (status != NN_OK)
            break;
        row[NN_HISTORY_LEARNING_RATE] = rate;
        row[NN_HISTORY_SECONDS] = seconds_now() - started;
        memcpy(s->history + s->epoch * NN_HISTORY_COLUMNS, row, sizeof row);
        s->epoch++;
        keep_best(t, score);
        s->finished = s->epoch == o->epochs || (o->patience > 0 && s->waited >= o->patience);
        status = callback_stops(t, row, &stop);
    }
    return status;
}

nn_status nn_trainer_run(nn_trainer_t *t, const nn_dataset_t *train,
                         const nn_dataset_t *validation)
{
    if (t == NULL)
        return NN_ERR_NULL_ARG;
    if (t->state.finished)
        return train == NULL ? NN_ERR_NULL_ARG : NN_OK;
    if (train == NULL) /* the other processes wait for this one at the start */
        return nn__agree(&t->options, NN_ERR_NULL_ARG);
    nn_t *net = t->net;
    const int reduction = nn_get_reduction(net);
    const size_t threads = nn_get_threads(net);
    struct run r;
    memset(&r, 0, sizeof r);
    nn_status status = run_prepare(t, &r, train, validation);
    const int starting = t->state.epoch == 0;
    if (status == NN_OK && starting) /* the parameters to fall back on */
        status = nn_get_params(net, t->state.best, t->state.n_params);
    if (status == NN_OK && starting && t->options.order_file != NULL && t->options.shard == 0)
        status = write_split(t, &r);
    status = nn__agree(&t->options, status); /* every process ready, or none goes on */
    if (status == NN_OK) {
        (void)nn_set_reduction(net, NN_REDUCTION_SUM);
        (void)nn_zero_grads(net);
        status = run_epochs(t, &r);
        (void)nn_set_reduction(net, reduction);
        (void)nn_zero_grads(net);
    }
    const struct nn__train_state *s = &t->state;
    if (status == NN_ERR_DIVERGED ||
        (status == NN_OK && s->finished && t->options.patience > 0 && t->options.restore_best))
        (void)nn_set_params(net, s->best, s->n_params);
    (void)nn_set_threads(net, threads);
    run_free(&r);
    return status;
}

nn_status nn_train(nn_t *net, const nn_dataset_t *train, const nn_dataset_t *validation,
                   const nn_train_options_t *options, double *history, size_t history_count,
                   size_t *n_epochs)
{
    nn_status status = NN_OK;
    if (net == NULL || train == NULL || (history == NULL && history_count > 0))
        status = NN_ERR_NULL_ARG;
    nn_trainer_t *t = NULL;
    if (status == NN_OK)
        status = nn_trainer_create(&t, net, options);
    if (status != NN_OK) /* the other processes wait for this one at the start */
        return options != NULL && options->broadcast != NULL ? nn__agree(options, status) : status;
    status = nn_trainer_run(t, train, validation);
    const size_t rows = history_count / NN_HISTORY_COLUMNS;
    const size_t kept = t->state.epoch < rows ? t->state.epoch : rows;
    if (kept > 0)
        memcpy(history, t->state.history, kept * NN_HISTORY_COLUMNS * sizeof *history);
    if (n_epochs != NULL)
        *n_epochs = t->state.epoch;
    nn_trainer_free(t);
    return status;
}
