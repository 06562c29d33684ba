/* The compute time of one training step of bench.c's W2 and W3 networks at
   batch sizes 1 to 1024, one thread: the compute side of the scaling model
   of data-parallel training (bench/scaling_model.py, docs/distributed.md).

   Usage: bench_steps [--reps N]

   Prints "key value" lines (bench/scaling_figures.txt keeps a run):
     params.W3 269322                  the network's parameters
     compute_min.W3.64 0.00201         seconds per step of 64 rows: nn_forward_batch,
     compute_median.W3.64 0.00205      nn_backward_batch, nn_step (bench.c's W3 step)
     chunked_min.W3.64.16 0.00300      the same step in 16 chunks, as the reproducible
     chunked_median.W3.64.16 0.00310   mode computes it on one process
   min and median over --reps rounds (default 9); each round times every
   figure once, for about 50 ms, so that a burst of load on a shared machine
   spoils one round of every figure rather than every round of one. */
#include "steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH 1024
#define CHUNKS 16 /* NN_MPI_DEFAULT_CHUNKS */
#define MAX_REPS 64
#define MAX_FIGURES 64

/* one figure: a network, a batch size, chunks (0: the plain step) */
struct figure {
    struct step_run *run;
    const char *net;
    size_t batch, chunks, steps;
    double seconds[MAX_REPS];
};

int main(int argc, char **argv)
{
    int reps = 9;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_steps [--reps N]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "bench_steps: --reps must be 1..%d\n", MAX_REPS);
        return 2;
    }
    const struct step_net *nets[] = {&step_w2, &step_w3};
    static struct step_run runs[2];
    static struct figure figures[MAX_FIGURES];
    size_t n = 0;
    for (size_t k = 0; k < 2; k++) {
        step_setup(&runs[k], nets[k], MAX_BATCH);
        for (size_t batch = 1; batch <= MAX_BATCH; batch *= 2)
            figures[n++] = (struct figure){&runs[k], nets[k]->name, batch, 0, 0, {0}};
        for (size_t batch = CHUNKS; batch <= MAX_BATCH; batch *= 4)
            figures[n++] = (struct figure){&runs[k], nets[k]->name, batch, CHUNKS, 0, {0}};
    }
    for (size_t f = 0; f < n; f++)
        figures[f].steps = step_calibrate(figures[f].run, figures[f].batch, figures[f].chunks);
    for (int rep = 0; rep < reps; rep++)
        for (size_t f = 0; f < n; f++)
            figures[f].seconds[rep] = step_run_timed(figures[f].run, figures[f].batch,
                                                     figures[f].chunks, figures[f].steps);

    printf("# bench_steps: seconds per training step, 1 thread, min and median of %d rounds\n",
           reps);
    for (size_t k = 0; k < 2; k++)
        printf("params.%s %zu\n", nets[k]->name, runs[k].n_params);
    for (size_t f = 0; f < n; f++) {
        const struct figure *g = &figures[f];
        double v[MAX_REPS], min, median;
        memcpy(v, g->seconds, (size_t)reps * sizeof *v);
        step_min_median(v, (size_t)reps, &min, &median);
        if (g->chunks == 0)
            printf("compute_min.%s.%zu %.6e\ncompute_median.%s.%zu %.6e\n", g->net, g->batch,
                   min, g->net, g->batch, median);
        else
            printf("chunked_min.%s.%zu.%zu %.6e\nchunked_median.%s.%zu.%zu %.6e\n", g->net,
                   g->batch, g->chunks, min, g->net, g->batch, g->chunks, median);
    }
    for (size_t k = 0; k < 2; k++)
        step_free(&runs[k]);
    return 0;
}
