/* Every speed threshold of the library in one place, each with what chose
   it. The figures behind them are in docs/performance.md (machines of
   2026-11: 2 vCPUs, 1 MiB of L2 a core). A threshold that decides the order
   of a sum depends on the network alone, never on addresses or timing, so
   that results stay reproducible. Not installed. */
#ifndef BACKPROP_TUNING_H
#define BACKPROP_TUNING_H

#include <stddef.h>

/* nn_train_sample on networks whose layers have at most this many units
   takes nn__train_tiny(), which keeps each layer in registers (loops
   written out to 2, 4 or 8 units): 63 -> 47 ns for the 2-2-1 step. */
#define NN_TINY_LAYER 8

/* Single-sample passes apply the logistic function of a layer of at least
   this many units through the kernels (vectorised, within 3 ulps of
   activation.c's); smaller layers, those of every worked example among
   them, keep activation.c's bits (the vector form took W4 batch 1 from 29
   to 26 us). */
#define NN_VECTOR_SIGMOID_MIN 16

/* The single-sample passes read the weights one row at a time with four
   sums in flight (gemv_stream) when the parameters are larger than a
   second-level cache (1 MiB on the machines measured): a pass then finds
   none of them there from the one before and streams them all from the
   last-level cache or memory (W4 batch 1: 26.9 -> 24.6 us). */
#define NN_STREAM_BYTES ((size_t)1 << 20)

/* Multiply-adds (rows times weights) that make one more thread worth
   creating: about 20 to 40 microseconds of work, as long as creating and
   joining a thread takes. Smaller passes use fewer threads. */
#define NN_THREAD_MIN_WORK ((double)(1 << 18))

/* The CBLAS (-Dcblas=enabled) serves a product only when every dimension
   is at least NN_BLAS_MIN_DIM and it has at least NN_BLAS_MIN_WORK
   multiply-adds: below that the call's overhead outweighs OpenBLAS's
   speed, which on these shapes is within 10% of the built-in kernels. */
#define NN_BLAS_MIN_DIM 32
#define NN_BLAS_MIN_WORK ((double)(1 << 20))

/* The built-in matrix product's blocks: KC rows of the packed right
   operand (a panel that stays in L1 with the register tile's rows), NC
   columns of it (in L2), MC rows of a packed left operand. With them a
   1024^3 product runs at 84 to 89% of OpenBLAS's dgemm (AVX-512). */
#define NN_GEMM_KC 256
#define NN_GEMM_MC 128
#define NN_GEMM_NC 480

#endif
