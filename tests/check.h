/* Shared by the CMocka suites: a relative-tolerance assertion for doubles
   (Debian's CMocka 1.1.5 has no assert_double_equal, and assert_float_equal
   rounds to float). */
#ifndef BACKPROP_TEST_CHECK_H
#define BACKPROP_TEST_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

/* |actual - expected| <= rel * max(|expected|, tiny): fails with both values printed. */
#define assert_rel(actual, expected, rel) \
    check_rel_impl((actual), (expected), (rel), #actual, __FILE__, __LINE__)

static inline void check_rel_impl(double actual, double expected, double rel, const char *what,
                                  const char *file, int line)
{
    const double scale = fabs(expected) > 1e-300 ? fabs(expected) : 1e-300;
    if (!(fabs(actual - expected) <= rel * scale)) {
        print_error("%s = %.17g, expected %.17g (relative error %.3g > %.3g)\n", what, actual,
                    expected, fabs(actual - expected) / scale, rel);
        _fail(file, line);
    }
}

/* |actual - expected| <= abs_tol */
#define assert_abs(actual, expected, abs_tol) \
    check_abs_impl((actual), (expected), (abs_tol), #actual, __FILE__, __LINE__)

static inline void check_abs_impl(double actual, double expected, double tol, const char *what,
                                  const char *file, int line)
{
    if (!(fabs(actual - expected) <= tol)) {
        print_error("%s = %.17g, expected %.17g (difference %.3g > %.3g)\n", what, actual,
                    expected, fabs(actual - expected), tol);
        _fail(file, line);
    }
}

/* A published figure printed with `decimals` digits after the point matches the
   exact value when the exact value rounds to it. */
#define assert_rounds_to(exact, published, decimals) \
    check_abs_impl((exact), (published), 0.5 * pow(10.0, -(decimals)) * (1.0 + 1e-9), #exact, \
                   __FILE__, __LINE__)

#endif
