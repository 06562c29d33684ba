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
   min and median over --reps runs (default 7) of about 50 ms each. */
#include "steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH 1024
#define CHUNKS 16 /* NN_MPI_DEFAULT_CHUNKS */

int main(int argc, char **argv)
{
    int reps = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench_steps [--reps N]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 64) {
        fprintf(stderr, "bench_steps: --reps must be 1..64\n");
        return 2;
    }
    const struct step_net *nets[] = {&step_w2, &step_w3};
    printf("# bench_steps: seconds per training step, 1 thread, min and median of %d runs\n",
           reps);
    for (size_t k = 0; k < 2; k++) {
        struct step_run r;
        step_setup(&r, nets[k], MAX_BATCH);
        printf("params.%s %zu\n", nets[k]->name, r.n_params);
        for (size_t batch = 1; batch <= MAX_BATCH; batch *= 2) {
            double min, median;
            step_time(&r, batch, 0, reps, &min, &median);
            printf("compute_min.%s.%zu %.6e\ncompute_median.%s.%zu %.6e\n", nets[k]->name,
                   batch, min, nets[k]->name, batch, median);
            fflush(stdout);
        }
        for (size_t batch = CHUNKS; batch <= MAX_BATCH; batch *= 4) {
            double min, median;
            step_time(&r, batch, CHUNKS, reps, &min, &median);
            printf("chunked_min.%s.%zu.%d %.6e\nchunked_median.%s.%zu.%d %.6e\n",
                   nets[k]->name, batch, CHUNKS, min, nets[k]->name, batch, CHUNKS, median);
            fflush(stdout);
        }
        step_free(&r);
    }
    return 0;
}
