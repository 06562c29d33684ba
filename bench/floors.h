/* Floors of the benchmark's workloads (floors.c): the least work each one
   needs, written out by hand. Each returns the seconds its loop took. */
#ifndef BENCH_FLOORS_H
#define BENCH_FLOORS_H

#include <stddef.h>

/* W1: `updates` online steps of a 2-2-1 logistic network on the four
   patterns x (two values each) and targets t, every parameter held in a
   register; the final parameters go to params_out, in the flat order. */
double floor_w1(const double init[9], const double *x, const double *t, size_t updates,
                double rate, double params_out[9]);

/* W2: for each of `samples` rows of x (cols values each, a multiple of 8),
   the two passes an online step makes over a rows x cols weight matrix: one
   product, one rank-one update. y receives the last product (rows values);
   x_copy holds cols doubles at a cache-line boundary. */
double floor_w2(double *weights, size_t rows, size_t cols, const double *x, size_t samples,
                double rate, double *y, double *x_copy);

/* W4, batch 1: one sequential read of n parameters for each of `samples`
   samples; *sum receives the total, so that the reads are not dropped. */
double floor_w4(const double *params, size_t n, size_t samples, double *sum);

#endif
