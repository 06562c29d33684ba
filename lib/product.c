/* The matrix products of the batched passes.

   Every product goes to the gemm of the network's kernel level (kernels.c),
   except in builds with the Meson option 'cblas': there the system's CBLAS
   (cblas_dgemm) takes the products whose every dimension reaches
   NN_BLAS_MIN_DIM and whose multiply-adds reach NN_BLAS_MIN_WORK. Below that
   the call costs more than it gains. The CBLAS sums in its own order, so its
   results agree with the built-in kernels to rounding, not bit for bit. */
#include "internal.h"

#ifdef NN_HAVE_CBLAS
#include <cblas.h>
#include <limits.h>
#endif


int nn__product_uses_blas(const nn_t *net, size_t m, size_t n, size_t k)
{
#ifdef NN_HAVE_CBLAS
    if (net->blas_off)
        return 0;
    if (m < NN_BLAS_MIN_DIM || n < NN_BLAS_MIN_DIM || k < NN_BLAS_MIN_DIM)
        return 0;
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
        return 0;
    return (double)m * (double)n * (double)k >= NN_BLAS_MIN_WORK;
#else
    (void)net;
    (void)m;
    (void)n;
    (void)k;
    return 0;
#endif
}

void nn__product(const nn_t *net, struct nn_matrix a, struct nn_matrix b, double *c, size_t ldc,
                 int accumulate, double *pack)
{
    const size_t m = a.rows, n = b.cols, k = a.cols;
#ifdef NN_HAVE_CBLAS
    /* (the strides of the passes always cover their rows: the CBLAS checks
       that, and only the built-in gemm takes other strides) */
    if (nn__product_uses_blas(net, m, n, k) && ldc <= INT_MAX && ldc >= n &&
        a.stride <= INT_MAX && a.stride >= (a.transposed ? m : k) && b.stride <= INT_MAX &&
        b.stride >= (b.transposed ? k : n)) {
        cblas_dgemm(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans,
                    b.transposed ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0, a.data,
                    (int)a.stride, b.data, (int)b.stride, accumulate ? 1.0 : 0.0, c, (int)ldc);
        return;
    }
#endif
    /* the gemm reads element (i, p) of A at a[i * rsa + p * csa], likewise B */
    const size_t rsa = a.transposed ? 1 : a.stride, csa = a.transposed ? a.stride : 1;
    const size_t rsb = b.transposed ? 1 : b.stride, csb = b.transposed ? b.stride : 1;
    net->kernels->gemm(m, n, k, a.data, rsa, csa, b.data, rsb, csb, c, ldc, accumulate, pack);
}
