/* Every loop over a matrix or vector, shared by the forward and backward passes.
   Matrices are row-major, `rows` x `cols`. Loops run over contiguous memory in
   the innermost position so that the compiler can vectorise them. */
#include "internal.h"

/* y = M x. Each row is summed left to right, the order the tutorials use. */
void nn__gemv(size_t rows, size_t cols, const double *m, const double *x, double *y)
{
    for (size_t j = 0; j < rows; j++) {
        const double *row = m + j * cols;
        double sum = 0.0;
        for (size_t i = 0; i < cols; i++)
            sum += row[i] * x[i];
        y[j] = sum;
    }
}

/* y = M^T x, walking M row by row so that the inner loop stays contiguous. */
void nn__gemv_t(size_t rows, size_t cols, const double *m, const double *x, double *y)
{
    for (size_t i = 0; i < cols; i++)
        y[i] = 0.0;
    for (size_t j = 0; j < rows; j++)
        nn__axpy(cols, x[j], m + j * cols, y);
}

/* M += d x^T (gradient accumulation). */
void nn__ger_add(size_t rows, size_t cols, const double *d, const double *x, double *m)
{
    for (size_t j = 0; j < rows; j++) {
        double *row = m + j * cols;
        const double dj = d[j];
        for (size_t i = 0; i < cols; i++)
            row[i] += dj * x[i];
    }
}

/* M -= rate * (d x^T). The product d[j] * x[i] is formed first so that a fused
   step rounds exactly like accumulating a gradient and then stepping. */
void nn__ger_step(size_t rows, size_t cols, double rate, const double *d, const double *x,
                  double *m)
{
    for (size_t j = 0; j < rows; j++) {
        double *row = m + j * cols;
        const double dj = d[j];
        for (size_t i = 0; i < cols; i++)
            row[i] -= rate * (dj * x[i]);
    }
}

/* y += alpha x */
void nn__axpy(size_t n, double alpha, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

/* y += x */
void nn__vec_add(size_t n, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* y *= x, element by element */
void nn__vec_mul(size_t n, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] *= x[i];
}

double nn__sum(size_t n, const double *x)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum;
}
