/* The communication side of data-parallel training on this machine: how
   long MPI's all-reduce takes, and what it costs a step of the W3 network
   (bench/scaling_model.py, docs/distributed.md).

   Usage: mpirun -np 2 bench_allreduce [--reps N]

   (a) MPI_Allreduce (MPI_SUM, doubles, in place) of 8 B to 16 MiB: per
       message size, --reps blocks (default 21) of back-to-back calls, each
       block's time per call the slowest rank's; min and median over the
       blocks. From the minima, the latency alpha and bandwidth beta of the
       ring model T(S) = 2(p-1)/p S/beta + 2(p-1) alpha, fitted by least
       squares on the relative error, so that small and large messages
       count alike.
   (b) The W3 network's step (bench.c: 784-256-256-10, 269,322 parameters,
       batch 64): the fast mode's all-reduce of its gradient sums, loss and
       row count (269,324 doubles, 2.15 MB); the status agreement (one
       MPI_MINLOC of two ints); the reproducible mode's MPI_Allgatherv of 16
       chunk slots of 269,323 doubles; against the compute time of the
       step (nn_forward_batch, nn_backward_batch, nn_step, 1 thread) on
       rank 0 alone while the other ranks sleep; and a whole data-parallel
       step of the global batch of 64 on every rank, in both modes.

   Rank 0 prints "key value" lines (bench/scaling_figures.txt keeps a run)
   and comment lines starting with '#'. */
#define _POSIX_C_SOURCE 200809L
#include "steps.h"

#include <mpi.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BYTES (16u << 20)
#define W3_BATCH 64
#define CHUNKS 16 /* NN_MPI_DEFAULT_CHUNKS */
#define MAX_REPS 64

struct ctx {
    int rank, size, reps;
};

static void fail(const char *what)
{
    fprintf(stderr, "bench_allreduce: %s\n", what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static double *doubles(size_t n)
{
    double *p = calloc(n, sizeof *p);
    if (p == NULL)
        fail("out of memory");
    return p;
}

/* What a block times: `calls` calls of one operation. */
enum op { OP_ALLREDUCE, OP_AGREE, OP_ALLGATHERV };

struct job {
    enum op op;
    double *buf;
    int count;             /* OP_ALLREDUCE: doubles */
    int *counts, *displs;  /* OP_ALLGATHERV: per rank, in doubles */
};

static void run_op(const struct job *j)
{
    int rc = MPI_SUCCESS;
    if (j->op == OP_ALLREDUCE) {
        rc = MPI_Allreduce(MPI_IN_PLACE, j->buf, j->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    } else if (j->op == OP_AGREE) {
        int mine[2] = {INT_MAX, 0}, agreed[2];
        rc = MPI_Allreduce(mine, agreed, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    } else {
        rc = MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, j->buf, j->counts, j->displs,
                            MPI_DOUBLE, MPI_COMM_WORLD);
    }
    if (rc != MPI_SUCCESS)
        fail("an MPI call failed");
}

/* The slowest rank's time of each block, on rank 0: min and median. */
static void block_stats(const struct ctx *c, double *v, double *min, double *median)
{
    double slowest[MAX_REPS];
    MPI_Reduce(v, slowest, c->reps, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (c->rank == 0)
        step_min_median(slowest, (size_t)c->reps, min, median);
}

/* Seconds per call of a job: reps blocks of `calls` back-to-back calls. */
static void time_job(const struct ctx *c, const struct job *j, int calls, double *min,
                     double *median)
{
    for (int i = 0; i < 3; i++)
        run_op(j);
    double v[MAX_REPS];
    for (int b = 0; b < c->reps; b++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        for (int i = 0; i < calls; i++)
            run_op(j);
        v[b] = (MPI_Wtime() - t0) / calls;
    }
    block_stats(c, v, min, median);
}

/* (a) the sweep of message sizes and the fit of alpha and beta */
static void sweep(const struct ctx *c, double *alpha, double *beta)
{
    double *buf = doubles(MAX_BYTES / sizeof(double));
    double sw = 0, sws = 0, wss = 0, swt = 0, swst = 0;
    double sizes[32], mins[32];
    int n = 0;
    if (c->rank == 0)
        printf("# (a) MPI_Allreduce, MPI_SUM of doubles in place, %d ranks: seconds per call, "
               "min and median of %d blocks\n", c->size, c->reps);
    for (size_t bytes = 8; bytes <= MAX_BYTES; bytes *= 2) {
        const size_t per_block = (size_t)4 << 20; /* about 4 MiB of messages per block */
        int calls = (int)(per_block / bytes);
        calls = calls < 1 ? 1 : calls > 200 ? 200 : calls;
        struct job j = {OP_ALLREDUCE, buf, (int)(bytes / sizeof(double)), NULL, NULL};
        double min = 0, median = 0;
        time_job(c, &j, calls, &min, &median);
        if (c->rank != 0)
            continue;
        printf("allreduce_min.%zu %.6e\nallreduce_median.%zu %.6e\n", bytes, min, bytes, median);
        const double s = (double)bytes, w = 1.0 / (min * min);
        sw += w, sws += w * s, wss += w * s * s, swt += w * min, swst += w * s * min;
        sizes[n] = s, mins[n] = min, n++;
    }
    free(buf);
    if (c->rank != 0)
        return;
    /* T = a + b S, minimising the sum of ((a + b S - T) / T)^2 */
    const double det = sw * wss - sws * sws;
    const double a = (swt * wss - sws * swst) / det, b = (sw * swst - sws * swt) / det;
    const double p = c->size;
    *alpha = a / (2.0 * (p - 1.0));
    *beta = 2.0 * (p - 1.0) / p / b;
    printf("# ring model fitted to the minima: 2(p-1)/p S/beta + 2(p-1) alpha, p = %d\n", c->size);
    printf("alpha_s %.6e\nbeta_bytes_per_s %.6e\n", *alpha, *beta);
    printf("# model / measured minimum:");
    for (int i = 0; i < n; i++)
        printf(" %.0f:%.2f", sizes[i], (a + b * sizes[i]) / mins[i]);
    printf("\n");
}

/* Waits for rank 0 at a barrier without holding a core: rank 0 measures
   compute time alone meanwhile. */
static void sleep_at_barrier(const struct ctx *c)
{
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    if (c->rank == 0) {
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        return;
    }
    int done = 0;
    const struct timespec ms = {0, 1000000};
    while (!done) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (!done)
            nanosleep(&ms, NULL);
    }
}

/* One data-parallel step of the global batch [first, first + 64) on every
   rank. Fast: this rank's rows [i m/p, (i+1) m/p), one all-reduce of the
   gradient sums, the loss and the rows. Reproducible: this rank's chunks
   [i C/p, (i+1) C/p) into their slots, the gather, the slots added in
   chunk order. Then the mean, nn_set_grads(), nn_step(). */
static void dp_step(const struct ctx *c, struct step_run *r, size_t first, int reproducible,
                    double *buf, int *counts, int *displs)
{
    const size_t n = r->n_params, m = W3_BATCH, i = (size_t)c->rank, p = (size_t)c->size;
    double *g = r->grads;
    if (!reproducible) {
        const size_t a = first + i * m / p, b = first + (i + 1) * m / p;
        if (nn_zero_grads(r->net) != NN_OK ||
            nn_forward_batch(r->net, b - a, r->x + a * r->n_in, NULL) != NN_OK ||
            nn_backward_batch(r->net, b - a, r->t + a * r->n_out) != NN_OK ||
            nn_get_grads(r->net, buf, n) != NN_OK)
            fail("the fast step's pass failed");
        buf[n] = 0.0;
        buf[n + 1] = (double)(b - a);
        struct job j = {OP_ALLREDUCE, buf, (int)(n + 2), NULL, NULL};
        run_op(&j);
        memcpy(g, buf, n * sizeof *g);
    } else {
        const size_t w = n + 1;
        for (size_t k = i * CHUNKS / p; k < (i + 1) * CHUNKS / p; k++) {
            const size_t a = first + k * m / CHUNKS, b = first + (k + 1) * m / CHUNKS;
            if (nn_zero_grads(r->net) != NN_OK ||
                nn_forward_batch(r->net, b - a, r->x + a * r->n_in, NULL) != NN_OK ||
                nn_backward_batch(r->net, b - a, r->t + a * r->n_out) != NN_OK ||
                nn_get_grads(r->net, buf + k * w, n) != NN_OK)
                fail("the reproducible step's pass failed");
            buf[k * w + n] = 0.0;
        }
        struct job j = {OP_ALLGATHERV, buf, 0, counts, displs};
        run_op(&j);
        memcpy(g, buf, n * sizeof *g);
        for (size_t k = 1; k < CHUNKS; k++)
            for (size_t q = 0; q < n; q++)
                g[q] += buf[k * w + q];
    }
    for (size_t q = 0; q < n; q++)
        g[q] /= (double)m;
    if (nn_set_grads(r->net, g, n) != NN_OK || nn_step(r->net, 0.001) != NN_OK)
        fail("the step failed");
}

static void time_dp_step(const struct ctx *c, struct step_run *r, int reproducible, double *buf,
                         int *counts, int *displs, double *min, double *median)
{
    const int steps = 10;
    size_t first = 0;
    for (int i = 0; i < 2; i++)
        dp_step(c, r, 0, reproducible, buf, counts, displs);
    double v[MAX_REPS];
    for (int b = 0; b < c->reps; b++) {
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        for (int s = 0; s < steps; s++) {
            first = first + W3_BATCH > r->rows ? 0 : first;
            dp_step(c, r, first, reproducible, buf, counts, displs);
            first += W3_BATCH;
        }
        v[b] = (MPI_Wtime() - t0) / steps;
    }
    block_stats(c, v, min, median);
}

/* (b) the W3 row */
static void w3_row(const struct ctx *c)
{
    struct step_run r;
    step_setup(&r, &step_w3, 4 * W3_BATCH);
    const size_t n = r.n_params, slot = n + 1;
    double *buf = doubles(CHUNKS * slot);
    int *counts = malloc((size_t)c->size * sizeof *counts);
    int *displs = malloc((size_t)c->size * sizeof *displs);
    if (counts == NULL || displs == NULL)
        fail("out of memory");
    for (int i = 0; i < c->size; i++) {
        const size_t lo = (size_t)i * CHUNKS / (size_t)c->size;
        const size_t hi = (size_t)(i + 1) * CHUNKS / (size_t)c->size;
        counts[i] = (int)((hi - lo) * slot);
        displs[i] = (int)(lo * slot);
    }
    double ar_min = 0, ar_med = 0, ag_min = 0, ag_med = 0, st_min = 0, st_med = 0;
    struct job ar = {OP_ALLREDUCE, buf, (int)(n + 2), NULL, NULL};
    time_job(c, &ar, 4, &ar_min, &ar_med);
    struct job agree = {OP_AGREE, NULL, 0, NULL, NULL};
    time_job(c, &agree, 200, &st_min, &st_med);
    struct job ag = {OP_ALLGATHERV, buf, 0, counts, displs};
    time_job(c, &ag, 1, &ag_min, &ag_med);

    double cp_min = 0, cp_med = 0, ch_min = 0, ch_med = 0;
    if (c->rank == 0) {
        step_time(&r, W3_BATCH, 0, c->reps, &cp_min, &cp_med);
        step_time(&r, W3_BATCH, CHUNKS, c->reps, &ch_min, &ch_med);
    }
    sleep_at_barrier(c);

    double fast_min = 0, fast_med = 0, rep_min = 0, rep_med = 0;
    time_dp_step(c, &r, 0, buf, counts, displs, &fast_min, &fast_med);
    time_dp_step(c, &r, 1, buf, counts, displs, &rep_min, &rep_med);

    if (c->rank == 0) {
        const double mb = (double)(n + 2) * sizeof(double) / 1e6;
        printf("# (b) W3 (784-256-256-10), batch 64, %d ranks; seconds, min and median of %d\n",
               c->size, c->reps);
        printf("w3_params %zu\n", n);
        printf("# fast mode: MPI_Allreduce of %zu doubles (%.2f MB): gradient sums, loss, rows\n",
               n + 2, mb);
        printf("w3_allreduce_min %.6e\nw3_allreduce_median %.6e\n", ar_min, ar_med);
        printf("# status agreement: MPI_Allreduce MPI_MINLOC of (rank, status)\n");
        printf("w3_agree_min %.6e\nw3_agree_median %.6e\n", st_min, st_med);
        printf("# reproducible mode: MPI_Allgatherv of %d slots of %zu doubles (%.2f MB in all)\n",
               CHUNKS, slot, (double)CHUNKS * (double)slot * sizeof(double) / 1e6);
        printf("w3_allgatherv16_min %.6e\nw3_allgatherv16_median %.6e\n", ag_min, ag_med);
        printf("# compute of one step of 64 rows on rank 0 alone, 1 thread: "
               "nn_forward_batch + nn_backward_batch + nn_step\n");
        printf("w3_compute64_min %.6e\nw3_compute64_median %.6e\n", cp_min, cp_med);
        printf("# the same step in %d chunks of 4 rows (the reproducible mode's passes)\n", CHUNKS);
        printf("w3_compute64_chunked16_min %.6e\nw3_compute64_chunked16_median %.6e\n", ch_min,
               ch_med);
        printf("# all-reduce / compute (minima)\n");
        printf("w3_allreduce_over_compute %.4f\n", ar_min / cp_min);
        printf("w3_allgatherv16_over_compute %.4f\n", ag_min / cp_min);
        printf("# a whole data-parallel step of the global batch of 64 on %d ranks "
               "(each rank its share, the exchange, the mean, nn_step)\n", c->size);
        printf("w3_dp_step_fast_min %.6e\nw3_dp_step_fast_median %.6e\n", fast_min, fast_med);
        printf("w3_dp_step_reproducible_min %.6e\nw3_dp_step_reproducible_median %.6e\n",
               rep_min, rep_med);
        printf("# one rank's step / the %d-rank step (minima): the speed-up here\n", c->size);
        printf("w3_dp_speedup_fast %.4f\nw3_dp_speedup_reproducible %.4f\n", cp_min / fast_min,
               cp_min / rep_min);
    }
    free(counts);
    free(displs);
    free(buf);
    step_free(&r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    struct ctx c = {0, 1, 21};
    MPI_Comm_rank(MPI_COMM_WORLD, &c.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c.size);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            c.reps = atoi(argv[++i]);
        } else {
            if (c.rank == 0)
                fprintf(stderr, "usage: mpirun -np P bench_allreduce [--reps N]\n");
            MPI_Finalize();
            return 2;
        }
    }
    if (c.reps < 1 || c.reps > MAX_REPS || c.size < 2 || c.size > CHUNKS) {
        if (c.rank == 0)
            fprintf(stderr, "bench_allreduce: needs 2 to %d ranks and --reps 1 to %d\n", CHUNKS,
                    MAX_REPS);
        MPI_Finalize();
        return 2;
    }
    double alpha = 0, beta = 0;
    if (c.rank == 0)
        printf("ranks %d\n", c.size);
    sweep(&c, &alpha, &beta);
    w3_row(&c);
    MPI_Finalize();
    return 0;
}
