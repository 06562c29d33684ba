/* Floors: hand-written loops that do only the work a workload cannot skip,
   with nothing of a library around them (no calls, no checks, no options).
   Their times bound from below what any implementation of the workload's
   calls can reach on the machine at hand, and so bound from above the ratio
   to a peer that any implementation could show. See floors.h. */
#define _POSIX_C_SOURCE 200809L
#include "floors.h"

#include <math.h>
#include <string.h>
#include <time.h>

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double logistic(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

double floor_w1(const double init[9], const double *x, const double *t, size_t updates,
                double rate, double params_out[9])
{
    /* flat order: hidden weights (row-major), hidden biases, output weights,
       output bias */
    double w00 = init[0], w01 = init[1], w10 = init[2], w11 = init[3];
    double b0 = init[4], b1 = init[5], v0 = init[6], v1 = init[7], c = init[8];
    const double t0 = seconds_now();
    for (size_t u = 0; u < updates; u++) {
        const double x0 = x[(u % 4) * 2], x1 = x[(u % 4) * 2 + 1], target = t[u % 4];
        /* each value formed as the library forms it, so that the final
           parameters agree with its run bit for bit */
        const double h0 = logistic(-0.0 + w00 * x0 + w01 * x1 + b0);
        const double h1 = logistic(-0.0 + w10 * x0 + w11 * x1 + b1);
        const double o = logistic(-0.0 + v0 * h0 + v1 * h1 + c);
        const double d = (o - target) * (o * (1.0 - o));
        const double d0 = (-0.0 + v0 * d) * (h0 * (1.0 - h0));
        const double d1 = (-0.0 + v1 * d) * (h1 * (1.0 - h1));
        v0 -= rate * (d * h0);
        v1 -= rate * (d * h1);
        c -= rate * d;
        w00 -= rate * (d0 * x0);
        w01 -= rate * (d0 * x1);
        w10 -= rate * (d1 * x0);
        w11 -= rate * (d1 * x1);
        b0 -= rate * d0;
        b1 -= rate * d1;
    }
    const double elapsed = seconds_now() - t0;
    const double p[9] = {w00, w01, w10, w11, b0, b1, v0, v1, c};
    memcpy(params_out, p, sizeof p);
    return elapsed;
}

/* The sweeps are built for each vector instruction set and the best one the
   processor has is chosen when the program starts, as the library's kernels
   are. They are written with vectors of eight doubles (one AVX-512 register,
   two AVX2 ones) and several sums in flight, so that they run at the speed
   of the cache or memory the weights come from. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define FLOOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef FLOOR_CLONES
#define FLOOR_CLONES
#endif

/* fused multiply-adds in the sweeps (ISO C mode turns contraction off in
   GCC; Clang contracts within an expression anyway); floor_w1() above is
   defined before this line, so that it keeps the library's roundings */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#endif

#define LANES 8
typedef double vec8 __attribute__((vector_size(LANES * sizeof(double))));

#define LOAD(v, p) memcpy(&(v), (p), sizeof(vec8))
#define STORE(p, v) memcpy((p), &(v), sizeof(vec8))

/* y = M x and then M -= rate d x^T: the two passes over the weights of an
   online step's first layer (cols a multiple of LANES). */
static FLOOR_CLONES void two_sweeps(size_t rows, size_t cols, double *m, const double *x,
                                    double rate, double *y)
{
    for (size_t j = 0; j + 4 <= rows; j += 4) {
        const double *r = m + j * cols;
        vec8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, xv, a;
        for (size_t i = 0; i < cols; i += LANES) {
            LOAD(xv, x + i);
            LOAD(a, r + i);
            s0 += a * xv;
            LOAD(a, r + cols + i);
            s1 += a * xv;
            LOAD(a, r + 2 * cols + i);
            s2 += a * xv;
            LOAD(a, r + 3 * cols + i);
            s3 += a * xv;
        }
        y[j] = y[j + 1] = y[j + 2] = y[j + 3] = 0.0;
        for (int l = 0; l < LANES; l++) {
            y[j] += s0[l];
            y[j + 1] += s1[l];
            y[j + 2] += s2[l];
            y[j + 3] += s3[l];
        }
    }
    for (size_t j = 0; j < rows; j++) {
        double *row = m + j * cols;
        /* a small step that depends on the product, so that neither pass
           can be left out */
        const vec8 scale = (vec8){0} + rate * 1e-9 * y[j];
        vec8 xv, a;
        for (size_t i = 0; i < cols; i += LANES) {
            LOAD(xv, x + i);
            LOAD(a, row + i);
            a -= scale * xv;
            STORE(row + i, a);
        }
    }
}

double floor_w2(double *weights, size_t rows, size_t cols, const double *x, size_t samples,
                double rate, double *y, double *x_copy)
{
    const double t0 = seconds_now();
    for (size_t s = 0; s < samples; s++) {
        /* into a buffer at a cache-line boundary first, as the library copies
           its input: two thirds of the loads of the sweeps are loads of x,
           and unaligned they straddle two lines */
        memcpy(x_copy, x + s * cols, cols * sizeof(double));
        two_sweeps(rows, cols, weights, x_copy, rate, y);
    }
    return seconds_now() - t0;
}

static FLOOR_CLONES double read_all(size_t n, const double *p)
{
    vec8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, a;
    size_t i = 0;
    for (; i + 4 * LANES <= n; i += 4 * LANES) {
        LOAD(a, p + i);
        s0 += a;
        LOAD(a, p + i + LANES);
        s1 += a;
        LOAD(a, p + i + 2 * LANES);
        s2 += a;
        LOAD(a, p + i + 3 * LANES);
        s3 += a;
    }
    s0 += s1 + s2 + s3;
    double sum = 0.0;
    for (int l = 0; l < LANES; l++)
        sum += s0[l];
    for (; i < n; i++)
        sum += p[i];
    return sum;
}

double floor_w4(const double *params, size_t n, size_t samples, double *sum)
{
    double s = 0.0;
    const double t0 = seconds_now();
    for (size_t r = 0; r < samples; r++)
        s += read_all(n, params);
    const double elapsed = seconds_now() - t0;
    *sum = s;
    return elapsed;
}
