/* The time of one training step of bench.c's W2 and W3 networks (steps.h). */
#define _POSIX_C_SOURCE 200809L
#include "steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct step_net step_w2 = {"W2", 3, {784, 128, 10}, {NN_ACT_SIGMOID, NN_ACT_SIGMOID}, 2};
const struct step_net step_w3 = {"W3", 4, {784, 256, 256, 10},
                                 {NN_ACT_SIGMOID, NN_ACT_SIGMOID, NN_ACT_LINEAR}, 4};

#define STEP_RATE 0.001 /* bench.c's W3 rate, on summed gradients */

double step_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check(nn_status s, const char *what)
{
    if (s != NN_OK) {
        fprintf(stderr, "steps: %s: %s\n", what, nn_strerror(s));
        exit(1);
    }
}

static double *doubles(size_t n)
{
    double *p = malloc(n * sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "steps: out of memory\n");
        exit(1);
    }
    return p;
}

void step_setup(struct step_run *r, const struct step_net *w, size_t rows)
{
    memset(r, 0, sizeof *r);
    check(nn_create(&r->net, w->n_layers, w->sizes, w->acts), "create");
    check(nn_init_random(r->net, w->seed, NN_INIT_UNIFORM, -0.05, 0.05), "init");
    check(nn_set_threads(r->net, 1), "threads");
    check(nn_reserve_batch(r->net, rows), "reserve");
    r->rows = rows;
    r->n_in = w->sizes[0];
    r->n_out = w->sizes[w->n_layers - 1];
    r->n_params = nn_param_count(r->net);
    r->x = doubles(rows * r->n_in);
    r->t = doubles(rows * r->n_out);
    r->grads = doubles(r->n_params);
    nn_rng_t *rng = NULL;
    check(nn_rng_create(&rng, w->seed + 1000), "rng");
    for (size_t i = 0; i < rows * r->n_in; i++)
        r->x[i] = nn_rng_uniform(rng);
    for (size_t s = 0; s < rows; s++) {
        const unsigned long label = nn_rng_next_u32(rng) % r->n_out;
        for (size_t j = 0; j < r->n_out; j++)
            r->t[s * r->n_out + j] = j == label ? 1.0 : 0.0;
    }
    nn_rng_free(rng);
}

void step_free(struct step_run *r)
{
    nn_free(r->net);
    free(r->x);
    free(r->t);
    free(r->grads);
    free(r->slots);
    memset(r, 0, sizeof *r);
}

void step_plain(struct step_run *r, size_t first, size_t batch)
{
    check(nn_forward_batch(r->net, batch, r->x + first * r->n_in, NULL), "forward batch");
    check(nn_backward_batch(r->net, batch, r->t + first * r->n_out), "backward batch");
    check(nn_step(r->net, STEP_RATE), "step");
}

void step_chunked(struct step_run *r, size_t first, size_t batch, size_t chunks)
{
    const size_t n = r->n_params;
    if (chunks > r->n_slots) {
        free(r->slots);
        r->slots = doubles(chunks * n);
        r->n_slots = chunks;
    }
    for (size_t k = 0; k < chunks; k++) {
        const size_t a = first + k * batch / chunks, b = first + (k + 1) * batch / chunks;
        double *slot = r->slots + k * n;
        if (a == b) {
            memset(slot, 0, n * sizeof *slot);
            continue;
        }
        check(nn_zero_grads(r->net), "zero grads");
        check(nn_forward_batch(r->net, b - a, r->x + a * r->n_in, NULL), "forward batch");
        check(nn_backward_batch(r->net, b - a, r->t + a * r->n_out), "backward batch");
        check(nn_get_grads(r->net, slot, n), "get grads");
    }
    memcpy(r->grads, r->slots, n * sizeof *r->grads);
    for (size_t k = 1; k < chunks; k++)
        for (size_t i = 0; i < n; i++)
            r->grads[i] += r->slots[k * n + i];
    check(nn_set_grads(r->net, r->grads, n), "set grads");
    check(nn_step(r->net, STEP_RATE), "step");
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void step_min_median(double *v, size_t n, double *min, double *median)
{
    qsort(v, n, sizeof *v, compare_doubles);
    *min = v[0];
    *median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One step of `batch` rows, the batches taken in turn from the data. */
static void one_step(struct step_run *r, size_t batch, size_t chunks, size_t *first)
{
    if (*first + batch > r->rows)
        *first = 0;
    if (chunks == 0)
        step_plain(r, *first, batch);
    else
        step_chunked(r, *first, batch, chunks);
    *first += batch;
}

size_t step_calibrate(struct step_run *r, size_t batch, size_t chunks)
{
    size_t first = 0;
    const double t0 = step_now();
    one_step(r, batch, chunks, &first); /* warm: caches, the batch buffer, the clock */
    one_step(r, batch, chunks, &first);
    const double estimate = (step_now() - t0) / 2.0;
    const size_t steps = estimate > 0.0 ? (size_t)(0.05 / estimate) : 1000;
    return steps < 1 ? 1 : steps > 1000 ? 1000 : steps;
}

double step_run_timed(struct step_run *r, size_t batch, size_t chunks, size_t steps)
{
    size_t first = 0;
    const double t0 = step_now();
    for (size_t s = 0; s < steps; s++)
        one_step(r, batch, chunks, &first);
    return (step_now() - t0) / (double)steps;
}

void step_time(struct step_run *r, size_t batch, size_t chunks, int reps, double *min,
               double *median)
{
    const size_t steps = step_calibrate(r, batch, chunks);
    double v[64];
    const size_t n = reps < 1 ? 1 : reps > 64 ? 64 : (size_t)reps;
    for (size_t k = 0; k < n; k++)
        v[k] = step_run_timed(r, batch, chunks, steps);
    step_min_median(v, n, min, median);
}
