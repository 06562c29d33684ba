/* `backprop train` through the library's training loop (see train_loop.h).
   The order of the work: the model and its loss, the data set, the
   validation split, then the network's class names and scaling (fitted on
   the training rows only), the loop's options, the run with the progress
   shown by the epoch callback, and last the history, the chart and the
   model. Every number shown or written is the loop's own.

   With --checkpoint the epoch callback stops the loop after every epoch,
   the trainer's state is saved and the loop goes on: the library guarantees
   that stopping and going on (or saving, loading and going on) gives the
   bits of a run that never stopped.

   A run shared by several processes (struct train_parallel) takes the same
   path on every process: after each step that can fail on one process
   alone, agree() makes every process take the same turn, so that none is
   left waiting in an exchange. Only the leader shows and writes. */
#define _POSIX_C_SOURCE 200809L

#include "train_loop.h"

#include "command.h"
#include "data_set.h"
#include "csv.h"
#include "history.h"
#include "plot.h"
#include "progress.h"
#include "quote.h"
#include "schedule_option.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The loop's defaults (nn_train_options_*), for the progress display and
   the schedule. */
#define LOOP_DEFAULT_RATE 0.01
enum { LOOP_DEFAULT_EPOCHS = 10 };

/* The settings given as numbers, checked. */
struct loop_settings {
    size_t epochs, batch, patience, threads, chunks;
    unsigned long seed;
    double rate, validation, min_delta, clip;
};

/* A whole number of at least `least`, for the option `name`. */
static int parse_count(const char *name, const char *text, size_t least, size_t *value)
{
    if (parse_whole_number(text, value) && *value >= least)
        return 0;
    return fail(EXIT_USAGE, "%s: expected a whole number of at least %zu, got '%s'", name, least,
                quote_str(text).text);
}

/* A finite number, above `low` (or at least `low` when `or_equal`), and
   below 1 when `below_one`. */
static int parse_bounded(const char *name, const char *text, double low, int or_equal,
                         int below_one, double *value)
{
    const int ok = csv_parse_number(text, value) && (or_equal ? *value >= low : *value > low) &&
                   (!below_one || *value < 1.0);
    if (ok)
        return 0;
    return fail(EXIT_USAGE, "%s: expected a number %s %g%s, got '%s'", name, or_equal ? ">=" : ">",
                low, below_one ? " and below 1" : "", quote_str(text).text);
}

static int parse_settings(const struct train_request *r, struct loop_settings *s)
{
    size_t seed = 0;
    int status = 0;
    memset(s, 0, sizeof *s);
    if (r->epochs)
        status = parse_count("--epochs", r->epochs, 1, &s->epochs);
    if (status == 0 && r->batch)
        status = parse_count("--batch", r->batch, 1, &s->batch);
    if (status == 0 && r->patience)
        status = parse_count("--patience", r->patience, 0, &s->patience);
    if (status == 0 && r->threads)
        status = parse_count("--threads", r->threads, 1, &s->threads);
    if (status == 0 && r->chunks &&
        (!parse_whole_number(r->chunks, &s->chunks) || s->chunks < 1 || s->chunks > NN_MAX_CHUNKS))
        status = fail(EXIT_USAGE, "--chunks: expected a whole number from 1 to %d, got '%s'",
                      NN_MAX_CHUNKS, quote_str(r->chunks).text);
    if (status == 0 && r->seed && (!parse_whole_number(r->seed, &seed) || seed > 0xffffffffu))
        status = fail(EXIT_USAGE, "--seed: '%s' is not a number from 0 to 4294967295",
                      quote_str(r->seed).text);
    s->seed = (unsigned long)seed;
    if (status == 0 && r->rate)
        status = parse_bounded("--rate", r->rate, 0.0, 0, 0, &s->rate);
    if (status == 0 && r->validation)
        status = parse_bounded("--validation", r->validation, 0.0, 0, 1, &s->validation);
    if (status == 0 && r->min_delta)
        status = parse_bounded("--min-delta", r->min_delta, 0.0, 1, 0, &s->min_delta);
    if (status == 0 && r->clip)
        status = parse_bounded("--clip", r->clip, 0.0, 1, 0, &s->clip);
    if (status == 0 && r->min_delta && !r->patience)
        status = fail(EXIT_USAGE, "--min-delta goes with --patience");
    if (status == 0 && r->patience && !r->validation)
        status = fail(EXIT_USAGE, "--patience needs a validation set (--validation F)");
    return status;
}

/* ---- the data ---- */

/* The data set of the request, read as `eval` reads its own (data_set.h),
   its shape checked against the network's. */
static int load_data(const struct train_request *r, const nn_t *net, nn_dataset_t **out)
{
    return load_data_set(r->data, r->target_columns, r->class_column, net, out);
}

/* Holds out the share `fraction` of the rows of *all for validation
   (stratified by class for a set with class names). With no fraction the
   training set is *all itself and there is no validation set. *all goes to
   the parts (NULL after). */
static int split_validation(nn_dataset_t **all, double fraction, unsigned long seed,
                            nn_dataset_t **train, nn_dataset_t **validation)
{
    if (fraction == 0.0) {
        *train = *all;
        *all = NULL;
        return 0;
    }
    const int stratify = nn_dataset_class_count(*all) > 0;
    nn_status s = nn_dataset_split(*all, fraction, seed, stratify, train, validation);
    if (s != NN_OK) {
        return fail(refusal_status(s), "--validation %g: cannot hold out that share of %zu rows%s",
                    fraction, nn_dataset_row_count(*all),
                    stratify ? " in every class" : "");
    }
    nn_dataset_free(*all);
    *all = NULL;
    return 0;
}

/* ---- the network ---- */

/* The class names of a class-label column go into the network, so that the
   saved model names its outputs. */
static int set_class_names(nn_t *net, const nn_dataset_t *d)
{
    const size_t k = nn_dataset_class_count(d);
    if (k == 0)
        return 0;
    const char **names = malloc(k * sizeof *names);
    if (names == NULL)
        return fail(1, "out of memory");
    for (size_t i = 0; i < k; i++)
        names[i] = nn_dataset_class_name(d, i);
    const nn_status s = nn_set_class_names(net, k, names);
    free(names);
    return s == NN_OK ? 0 : fail(refusal_status(s), "the class names: %s", nn_strerror(s));
}

/* The targets are scaled too when the output layer is linear (a regression:
   outputs of any size); bounded outputs (sigmoid, softmax) take raw targets. */
static int scales_targets(const nn_t *net, const nn_dataset_t *d)
{
    return nn_dataset_class_count(d) == 0 &&
           nn_get_activation(net, nn_layer_count(net) - 1) == NN_ACT_LINEAR;
}

/* Scaling fitted on the training rows `d` (none clears the model's). */
static int fit_scaling(nn_t *net, int scheme, const nn_dataset_t *d)
{
    const size_t n = nn_dataset_row_count(d);
    nn_status s = nn_fit_input_scaling(net, scheme, n, nn_dataset_inputs(d));
    if (s == NN_OK)
        s = nn_fit_target_scaling(net, scales_targets(net, d) ? scheme : NN_SCALE_NONE, n,
                                  nn_dataset_targets(d));
    return s == NN_OK ? 0 : fail(refusal_status(s), "--scale: %s", nn_strerror(s));
}

/* ---- the loop's options ---- */

/* The optimiser of --optimizer and its hyperparameters (checked by the
   command's optimizer_options_make, which names what is wrong), for the loop. */
static int set_optimizer(const struct train_request *r, const nn_t *net, nn_train_options_t *to)
{
    nn_optimizer_t *opt = NULL;
    char message[512];
    int kind, status = optimizer_options_make(r->optimizer, net, &opt, message, sizeof message);
    if (status)
        return fail(status, "%s", message);
    if (opt == NULL)
        return 0; /* the loop's default */
    nn_status s = nn_optimizer_get_kind(opt, &kind);
    if (s == NN_OK)
        s = nn_train_options_set_optimizer(to, kind);
    for (int code = 0; s == NN_OK && nn_hyperparameter_name(code) != NULL; code++) {
        double value;
        if (nn_optimizer_get(opt, code, &value) == NN_OK)
            s = nn_train_options_set_hyperparameter(to, code, value);
    }
    nn_optimizer_free(opt);
    return s == NN_OK ? 0 : fail(refusal_status(s), "--optimizer: %s", nn_strerror(s));
}

/* --schedule SPEC (parsed as for the classic training) as the loop's schedule. */
static int set_schedule(const char *spec, double rate, nn_train_options_t *to)
{
    struct schedule sc;
    char message[256];
    const int status = schedule_parse(spec, rate, &sc, message, sizeof message);
    if (status)
        return fail(status, "%s", message);
    const double steps = (double)sc.steps;
    nn_status s = NN_OK;
    if (sc.kind == SCHEDULE_STEP)
        s = nn_train_options_set_schedule(to, NN_SCHEDULE_STEP, steps, sc.a);
    else if (sc.kind == SCHEDULE_EXPONENTIAL)
        s = nn_train_options_set_schedule(to, NN_SCHEDULE_EXPONENTIAL, sc.a, 0.0);
    else if (sc.kind == SCHEDULE_COSINE)
        s = nn_train_options_set_schedule(to, NN_SCHEDULE_COSINE, steps, sc.a);
    else if (sc.kind == SCHEDULE_LINEAR) {
        s = nn_train_options_set_schedule(to, NN_SCHEDULE_LINEAR, steps, sc.a);
        if (s == NN_OK)
            s = nn_train_options_set_linear_end_factor(to, sc.b);
    }
    return s == NN_OK ? 0 : fail(refusal_status(s), "--schedule: %s", nn_strerror(s));
}

/* The loop's options from the request; the defaults where nothing was given. */
static int set_options(const struct train_request *r, const struct loop_settings *st,
                       nn_train_options_t *to)
{
    nn_status s = nn_train_options_set_seed(to, st->seed);
    if (s == NN_OK && r->epochs)
        s = nn_train_options_set_epochs(to, st->epochs);
    if (s == NN_OK && r->batch)
        s = nn_train_options_set_batch_size(to, st->batch);
    if (s == NN_OK && r->rate)
        s = nn_train_options_set_learning_rate(to, st->rate);
    if (s == NN_OK && r->clip)
        s = nn_train_options_set_clip(to, st->clip);
    if (s == NN_OK && r->chunks)
        s = nn_train_options_set_chunks(to, st->chunks);
    if (s == NN_OK && r->patience)
        s = nn_train_options_set_patience(to, st->patience, st->min_delta);
    if (s == NN_OK && r->schedule) {
        const int status = set_schedule(r->schedule, r->rate ? st->rate : LOOP_DEFAULT_RATE, to);
        if (status)
            return status;
    }
    if (s == NN_OK && r->threads) {
        s = nn_train_options_set_threads(to, st->threads);
        if (s != NN_OK)
            return fail(refusal_status(s), "--threads %zu: %s", st->threads, nn_strerror(s));
    }
    return s == NN_OK ? 0 : fail(refusal_status(s), "the training options: %s", nn_strerror(s));
}

/* ---- the run ---- */

/* What the epoch callback needs: the display, the start time, the epoch
   the run started from (after --resume) and whether it stops the loop after
   every epoch (for --checkpoint). */
struct epoch_watch {
    struct progress progress;
    double start; /* seconds */
    size_t first_epoch;
    int stop_every_epoch;
};

static double now_seconds(void)
{
    struct timespec t;
    if (timespec_get(&t, TIME_UTC) == 0)
        return 0.0;
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The epoch callback: shows the epoch; stops the loop after every epoch
   for --checkpoint (the loop is then run on). */
static int on_epoch(void *context, size_t epoch, const double *metrics, size_t n_metrics)
{
    struct epoch_watch *w = context;
    struct progress_epoch e = {epoch, NAN, NAN, NAN};
    if (n_metrics > NN_HISTORY_VALIDATION_METRIC) {
        e.epoch = (size_t)metrics[NN_HISTORY_EPOCH];
        e.train_loss = metrics[NN_HISTORY_TRAIN_LOSS];
        e.validation_loss = metrics[NN_HISTORY_VALIDATION_LOSS];
        e.metric = metrics[NN_HISTORY_VALIDATION_METRIC];
    }
    /* the time left counts the epochs of this run only: the time as if the
       epochs before --resume had taken as long */
    double elapsed = now_seconds() - w->start;
    if (w->first_epoch > 0 && e.epoch > w->first_epoch)
        elapsed *= (double)e.epoch / (double)(e.epoch - w->first_epoch);
    progress_show(&w->progress, &e, elapsed);
    return w->stop_every_epoch;
}

/* The validation metric the loop reports (NN_HISTORY_VALIDATION_METRIC):
   the accuracy for a set with class names or a cross-entropy loss, else the
   mean squared error. */
static const char *metric_name(const nn_t *net, const nn_dataset_t *train)
{
    const int loss = nn_get_loss(net);
    if (nn_dataset_class_count(train) > 0 || loss == NN_LOSS_CROSS_ENTROPY ||
        loss == NN_LOSS_BINARY_CROSS_ENTROPY)
        return "accuracy";
    return "mse";
}

/* Why the loop stopped early, as a message (the status is 1). */
static int loop_failed(nn_status s)
{
    if (s == NN_ERR_DIVERGED)
        return fail(1, "training stopped: a loss or a parameter would become NaN or infinite; "
                       "nothing saved (try a lower --rate)");
    if (s == NN_ERR_ARGUMENT)
        return fail(EXIT_USAGE, "the training loop refused the options: %s", nn_strerror(s));
    return fail(1, "training: %s", nn_strerror(s));
}

/* ---- the processes of a shared run ---- */

static int is_leader(const struct train_parallel *p)
{
    return p == NULL || p->leader;
}

/* After a step that can fail on one process alone: the status every
   process goes on with. */
static int settle(const struct train_parallel *p, int status)
{
    if (p != NULL)
        return p->agree(p->context, status);
    return status == TRAIN_PEER_FAILED ? 1 : status;
}

/* ---- checkpoints ---- */

/* The trainer's state of --resume, loaded into the new trainer; a file of
   another network or of other options is refused. */
static int resume(const char *path, size_t epochs, nn_trainer_t *t)
{
    const nn_status s = nn_trainer_load(t, path);
    if (s == NN_OK)
        return 0;
    if (s == NN_ERR_FORMAT)
        return fail(1, "--resume %s: not a checkpoint of train --checkpoint (a model file with "
                       "the optimizer's and the trainer's state)", quote_path(path).text);
    if (s == NN_ERR_COUNT)
        return fail(1, "--resume %s: the checkpoint is of a network with other layer sizes "
                       "than the model's", quote_path(path).text);
    if (s == NN_ERR_ARGUMENT)
        return fail(1, "--resume %s: the checkpoint was made with another --optimizer, or has "
                       "run more than the %zu epochs of --epochs", quote_path(path).text, epochs);
    return fail(1, "--resume %s: %s", quote_path(path).text, nn_strerror(s));
}

/* --checkpoint: the trainer's state, replacing the file as nn_save() does
   (a reader never sees half a file). */
static int save_checkpoint(const nn_trainer_t *t, const char *path)
{
    const nn_status s = nn_trainer_save(t, path);
    return s == NN_OK ? 0 : fail(1, "--checkpoint %s: %s", quote_path(path).text, nn_strerror(s));
}

/* The epochs the trainer has completed. */
static size_t epochs_done(const nn_trainer_t *t)
{
    size_t n = 0;
    (void)nn_trainer_history(t, NULL, 0, &n); /* NN_ERR_BUFFER_SIZE, with n set */
    return n;
}

/* ---- the history and the chart ---- */

/* The column names of the loop's history, in the NN_HISTORY_ order. */
static const char *const history_names[NN_HISTORY_COLUMNS] = {
    "epoch", "train_loss", "validation_loss", "validation_metric", "learning_rate", "seconds"};

/* Opens `path` for writing ("-": standard output). */
static FILE *open_output(const char *path)
{
    FILE *f = is_standard_stream(path) ? stdout : fopen(path, "w");
    if (f == NULL)
        fail(1, "%s: %s", quote_path(path).text, strerror(errno));
    return f;
}

static int close_output(FILE *f, const char *path, int written)
{
    const int closed = f == stdout ? fflush(f) == 0 : fclose(f) == 0;
    return written == 0 && closed ? 0 : fail(1, "%s: write failed", quote_path(path).text);
}

static int write_history(const char *path, const double *rows, size_t n)
{
    FILE *f = open_output(path);
    if (f == NULL)
        return 1;
    return close_output(f, path, history_write_csv(f, history_names, NN_HISTORY_COLUMNS, rows, n));
}

/* 1 when column `c` of the history has a measured value. */
static int measured(const double *rows, size_t n, size_t c)
{
    for (size_t i = 0; i < n; i++)
        if (!isnan(rows[i * NN_HISTORY_COLUMNS + c]))
            return 1;
    return 0;
}

/* The chart: the losses on the left axis, the validation metric on the right. */
static int write_plot(const char *path, const nn_t *net, const char *metric_name, const double *rows,
                      size_t n)
{
    char loss_label[64], metric_label[64];
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (x == NULL)
        return fail(1, "out of memory");
    for (size_t i = 0; i < n; i++)
        x[i] = rows[i * NN_HISTORY_COLUMNS + NN_HISTORY_EPOCH];
    struct plot_series series[3];
    size_t k = 0;
    series[k++] = (struct plot_series){"training loss", rows + NN_HISTORY_TRAIN_LOSS,
                                       NN_HISTORY_COLUMNS, 0};
    if (measured(rows, n, NN_HISTORY_VALIDATION_LOSS))
        series[k++] = (struct plot_series){"validation loss", rows + NN_HISTORY_VALIDATION_LOSS,
                                           NN_HISTORY_COLUMNS, 0};
    snprintf(metric_label, sizeof metric_label, "validation %s", metric_name);
    const int metric = measured(rows, n, NN_HISTORY_VALIDATION_METRIC);
    if (metric)
        series[k++] = (struct plot_series){metric_label, rows + NN_HISTORY_VALIDATION_METRIC,
                                           NN_HISTORY_COLUMNS, 1};
    snprintf(loss_label, sizeof loss_label, "loss (%s)", nn_loss_name(nn_get_loss(net)));
    const struct plot p = {"Training curves", "epoch", loss_label, metric ? metric_label : NULL,
                           x, n, series, k};
    FILE *f = open_output(path);
    const int status = f == NULL ? 1 : close_output(f, path, plot_write_svg(f, &p));
    free(x);
    return status;
}

/* ---- the whole run ---- */

/* Everything a run holds; release_run() frees it all. */
struct run {
    nn_t *net;
    nn_dataset_t *all, *train, *validation;
    nn_train_options_t *options;
    nn_trainer_t *trainer;
    double *history; /* n_epochs rows of NN_HISTORY_COLUMNS */
    size_t n_epochs;
    struct epoch_watch watch;
};

static void release_run(struct run *run)
{
    free(run->history);
    nn_trainer_free(run->trainer);
    nn_train_options_free(run->options);
    nn_dataset_free(run->validation);
    nn_dataset_free(run->train);
    nn_dataset_free(run->all);
    nn_free(run->net);
}

/* The model with its loss, the data split, the class names and the scaling. */
static int prepare(const struct train_request *r, const struct loop_settings *st, struct run *run)
{
    int status = load_model(r->model, &run->net);
    if (status == 0 && r->loss >= 0) {
        const nn_status s = nn_set_loss(run->net, r->loss);
        if (s != NN_OK)
            status = fail(refusal_status(s), "--loss %s: %s", nn_loss_name(r->loss),
                          nn_strerror(s));
    }
    if (status == 0)
        status = load_data(r, run->net, &run->all);
    if (status == 0)
        status = split_validation(&run->all, st->validation, st->seed, &run->train,
                                  &run->validation);
    if (status == 0)
        status = set_class_names(run->net, run->train);
    /* nn_train() scales the targets itself (the network's target scaling). */
    if (status == 0)
        status = fit_scaling(run->net, r->scale, run->train);
    return status;
}

/* The display: none with --quiet or off the leader, the bar on a terminal,
   else lines. */
static enum progress_mode progress_mode(const struct train_request *r)
{
    if (r->quiet || !is_leader(r->parallel))
        return PROGRESS_NONE;
    return isatty(fileno(stderr)) ? PROGRESS_BAR : PROGRESS_LINES;
}

/* The history of the epochs that ran, into run->history (NULL when it
   cannot be had). */
static nn_status fetch_history(struct run *run)
{
    size_t n = 0;
    nn_status s = nn_trainer_history(run->trainer, NULL, 0, &n);
    if (s != NN_OK && s != NN_ERR_BUFFER_SIZE)
        return s;
    run->history = malloc((n ? n : 1) * NN_HISTORY_COLUMNS * sizeof *run->history);
    if (run->history == NULL)
        return NN_ERR_NO_MEMORY;
    s = nn_trainer_history(run->trainer, run->history, n * NN_HISTORY_COLUMNS, &run->n_epochs);
    if (s != NN_OK) {
        free(run->history);
        run->history = NULL;
    }
    return s;
}

/* The loop's options and the trainer, with the state of --resume. */
static int make_trainer(const struct train_request *r, const struct loop_settings *st,
                        struct run *run)
{
    const struct train_parallel *p = r->parallel;
    if (nn_train_options_create(&run->options) != NN_OK)
        return fail(1, "out of memory");
    int status = set_optimizer(r, run->net, run->options);
    if (status == 0)
        status = set_options(r, st, run->options);
    if (status == 0 && p != NULL)
        status = p->configure(p->context, run->options);
    if (status)
        return status;
    const size_t epochs = r->epochs ? st->epochs : LOOP_DEFAULT_EPOCHS;
    progress_start(&run->watch.progress, stderr, progress_mode(r), epochs,
                   metric_name(run->net, run->train));
    run->watch.stop_every_epoch = r->checkpoint != NULL;
    nn_status s = nn_train_options_set_epoch_callback(run->options, on_epoch, &run->watch);
    if (s == NN_OK)
        s = nn_trainer_create(&run->trainer, run->net, run->options);
    if (s != NN_OK)
        return s == NN_ERR_NO_MEMORY ? fail(1, "out of memory") : loop_failed(s);
    if (r->resume)
        status = resume(r->resume, epochs, run->trainer);
    run->watch.first_epoch = epochs_done(run->trainer);
    return status;
}

/* The run to its end: in one call, or with --checkpoint one epoch a call
   (the epoch callback stops the loop) with the state saved after each. A
   trainer that has finished returns at once, having run no epoch. */
static int run_to_end(const struct train_request *r, struct run *run)
{
    const struct train_parallel *p = r->parallel;
    size_t before, after = epochs_done(run->trainer);
    int status = 0;
    do {
        before = after;
        const nn_status s = nn_trainer_run(run->trainer, run->train, run->validation);
        after = epochs_done(run->trainer);
        if (s != NN_OK) /* every process stopped at this point */
            return settle(p, s == NN_ERR_PEER ? TRAIN_PEER_FAILED : loop_failed(s));
        if (r->checkpoint && after > before)
            status = settle(p, is_leader(p) ? save_checkpoint(run->trainer, r->checkpoint) : 0);
    } while (status == 0 && after > before);
    return status;
}

/* The trainer and the run, with the progress shown, and the history of
   the epochs that ran, also after a failed run. */
static int train(const struct train_request *r, const struct loop_settings *st, struct run *run)
{
    int status = settle(r->parallel, make_trainer(r, st, run));
    if (status)
        return status;
    run->watch.start = now_seconds();
    status = run_to_end(r, run);
    progress_end(&run->watch.progress);
    const nn_status h = fetch_history(run);
    if (status == 0) /* agreed by every process: so is the history */
        status = settle(r->parallel, h == NN_OK ? 0 : fail(1, "the history: %s", nn_strerror(h)));
    return status;
}

/* --history and --plot, also after a failed run (the epochs that ran). */
static int write_outputs(const struct train_request *r, const struct run *run)
{
    int status = 0;
    if (r->history)
        status = write_history(r->history, run->history, run->n_epochs);
    if (status == 0 && r->plot)
        status = write_plot(r->plot, run->net, metric_name(run->net, run->train), run->history,
                            run->n_epochs);
    return status;
}

/* The settings, checked on every process; only the leader reports a
   mistake, the same on every process. */
static int check_settings(const struct train_request *r, struct loop_settings *st)
{
    const int quiet = command_set_quiet(!is_leader(r->parallel));
    const int status = parse_settings(r, st);
    (void)command_set_quiet(quiet);
    return status;
}

/* The leader's history, chart and model; nothing on the other processes. */
static int write_results(const struct train_request *r, const struct run *run)
{
    int status = write_outputs(r, run);
    if (status == 0)
        status = save_model(run->net, r->output);
    return status;
}

int train_loop_run(const struct train_request *r)
{
    const struct train_parallel *p = r->parallel;
    struct loop_settings st;
    struct run run;
    memset(&run, 0, sizeof run);
    int status = settle(p, check_settings(r, &st));
    if (status == 0)
        status = settle(p, prepare(r, &st, &run));
    if (status == 0 && p != NULL)
        status = settle(p, p->share(p->context, run.net, run.train, run.validation));
    if (status == 0)
        status = train(r, &st, &run);
    if (status == 0)
        status = settle(p, is_leader(p) ? write_results(r, &run) : 0);
    else if (run.history != NULL && run.n_epochs > 0 && is_leader(p))
        (void)write_outputs(r, &run); /* the epochs of a failed run (one message each) */
    release_run(&run);
    return status;
}
