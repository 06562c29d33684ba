/* The model format's numbers: C99 hexadecimal floating-point constants,
   written and read without the C library so that the locale plays no part
   and a round trip restores every bit (hexfloat.c). */
#ifndef BACKPROP_HEXFLOAT_H
#define BACKPROP_HEXFLOAT_H

#include <stddef.h>
#include <stdint.h>

/* The longest text nn__format_hex_double() writes. */
#define NN_HEX_DOUBLE_MAX 25

enum nn_number_result {
    NN_NUMBER_OK,
    NN_NUMBER_SYNTAX,     /* not a hexadecimal floating-point constant */
    NN_NUMBER_NOT_FINITE, /* a spelling of NaN or infinity */
    NN_NUMBER_RANGE       /* beyond the largest finite double */
};

/* Writes the finite x as printf("%a") does in the "C" locale with glibc,
   without a NUL; returns the length (at most NN_HEX_DOUBLE_MAX). */
size_t nn__format_hex_double(double x, char *out);

/* Reads the n bytes at t, all of them, as one constant correctly rounded to
   the nearest double; *out is set only on NN_NUMBER_OK. */
enum nn_number_result nn__parse_hex_double(const char *t, size_t n, double *out);

/* n numbers as the model format writes a line of them: separated by single
   spaces, then a newline (nn__read_number_line() reads them back). */
struct nn__writer;
void nn__write_number_line(struct nn__writer *w, const double *x, size_t n);

#endif
