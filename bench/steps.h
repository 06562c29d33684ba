/* The time of one training step of the benchmark's W2 and W3 networks at a
   given batch size, for the scaling model of data-parallel training
   (bench/steps_main.c, bench/allreduce.c, docs/distributed.md). */
#ifndef BENCH_STEPS_H
#define BENCH_STEPS_H

#include "backprop.h"

#include <stddef.h>

/* A network of bench.c: its layers, activations and the seed of its initial
   weights (uniform on [-0.05, 0.05)) and of its data (seed + 1000). */
struct step_net {
    const char *name;
    size_t n_layers;
    size_t sizes[4];
    int acts[3];
    unsigned long seed;
};

/* bench.c's W2 (784-128-10 sigmoid) and W3 (784-256-256-10 sigmoid,
   sigmoid, linear) */
extern const struct step_net step_w2, step_w3;

/* A network and `rows` rows of synthetic data (inputs uniform on [0, 1),
   one-hot targets), as bench.c makes them. */
struct step_run {
    nn_t *net;
    size_t rows, n_in, n_out, n_params;
    double *x, *t;
    double *grads, *slots; /* for the chunked step: n_slots slots of n_params */
    size_t n_slots;
};

/* Creates the network with one thread and room for batches of `rows` rows;
   exits with a message on failure (a benchmark, not a library). */
void step_setup(struct step_run *r, const struct step_net *w, size_t rows);
void step_free(struct step_run *r);

/* One step as bench.c's W3 takes it: nn_forward_batch(),
   nn_backward_batch(), nn_step() on `batch` rows starting at row `first`. */
void step_plain(struct step_run *r, size_t first, size_t batch);

/* One step as the reproducible mode computes it on one process: `chunks`
   contiguous chunks, each through its own batched pass into a slot
   (nn_zero_grads, nn_forward_batch, nn_backward_batch, nn_get_grads), the
   slots added in chunk order, nn_set_grads(), nn_step(). */
void step_chunked(struct step_run *r, size_t first, size_t batch, size_t chunks);

/* The number of steps of `batch` rows that last about 50 ms (after two
   steps to warm up), and the seconds per step of a run of that many. */
size_t step_calibrate(struct step_run *r, size_t batch, size_t chunks);
double step_run_timed(struct step_run *r, size_t batch, size_t chunks, size_t steps);

/* Seconds per step of `batch` rows (chunks 0: step_plain, else
   step_chunked): `reps` timed runs of enough steps to last about 50 ms
   each; *min and *median over the runs. */
void step_time(struct step_run *r, size_t batch, size_t chunks, int reps, double *min,
               double *median);

/* The monotonic clock, in seconds. */
double step_now(void);

/* The minimum and median of n values (sorted in place). */
void step_min_median(double *v, size_t n, double *min, double *median);

#endif
