/* The hexadecimal floating-point codec of the model format (hexfloat.h). */
#include "hexfloat.h"

#include "text.h"

#include <string.h>

/* Writes x the way C's printf("%a") does in the "C" locale with glibc:
   [-]0x1.<hex>p<+|-><exp> for normal numbers, [-]0x0.<hex>p-1022 for subnormal
   ones, [-]0x0p+0 for zero, with trailing zero hex digits dropped. Needs at
   most 25 bytes; x must be finite. */
size_t nn__format_hex_double(double x, char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const unsigned biased = (unsigned)((bits >> 52) & 0x7ff);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    size_t n = 0;
    if (bits >> 63)
        out[n++] = '-';
    out[n++] = '0';
    out[n++] = 'x';
    long exponent;
    if (biased == 0) {
        out[n++] = '0';
        exponent = frac == 0 ? 0 : -1022;
    } else {
        out[n++] = '1';
        exponent = (long)biased - 1023;
    }
    if (frac != 0) {
        size_t digits = 13;
        while ((frac & 0xf) == 0) {
            frac >>= 4;
            digits--;
        }
        out[n++] = '.';
        for (size_t i = digits; i > 0; i--) {
            out[n + i - 1] = hex[frac & 0xf];
            frac >>= 4;
        }
        n += digits;
    }
    out[n++] = 'p';
    out[n++] = exponent < 0 ? '-' : '+';
    n += nn__format_size((size_t)(exponent < 0 ? -exponent : exponent), out + n);
    return n;
}

/* ---- parsing ---- */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int equals_ignoring_case(const char *t, size_t n, const char *word)
{
    if (strlen(word) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Number of significant bits of m (m > 0). */
static int bit_length(uint64_t m)
{
    int n = 0;
    for (int step = 32; step > 0; step /= 2) {
        if (m >> step) {
            m >>= step;
            n += step;
        }
    }
    return n + 1;
}

/* The double nearest to (m + s) * 2^e, where s is a fraction in [0, 1) that
   is nonzero exactly when sticky is set; ties go to the even neighbour. */
static enum nn_number_result compose_double(int negative, uint64_t m, int sticky, int64_t e,
                                            double *out)
{
    uint64_t bits = 0;
    if (m != 0) {
        const int64_t top = e + bit_length(m) - 1; /* exponent of the leading bit */
        if (top > 1023)
            return NN_NUMBER_RANGE;
        if (top >= -1100) { /* anything smaller rounds to zero */
            int64_t q = top - 52;                  /* exponent of the last kept bit */
            if (q < -1074)
                q = -1074;
            const int64_t shift = q - e; /* between -52 and 89 */
            uint64_t r;
            if (shift <= 0) {
                r = m << -shift;
            } else if (shift > 64) {
                r = 0; /* below half of the smallest subnormal */
            } else {
                const uint64_t rem = shift == 64 ? m : m & ((UINT64_C(1) << shift) - 1);
                const uint64_t half = UINT64_C(1) << (shift - 1);
                r = shift == 64 ? 0 : m >> shift;
                if (rem > half || (rem == half && (sticky || (r & 1))))
                    r++;
            }
            if (r == UINT64_C(1) << 53) {
                r >>= 1;
                q++;
            }
            if (r >= UINT64_C(1) << 52) {
                const int64_t biased = q + 52 + 1023;
                if (biased >= 2047)
                    return NN_NUMBER_RANGE;
                bits = ((uint64_t)biased << 52) | (r & ((UINT64_C(1) << 52) - 1));
            } else {
                bits = r; /* subnormal (q is -1074) or zero */
            }
        }
    }
    if (negative)
        bits |= UINT64_C(1) << 63;
    memcpy(out, &bits, sizeof bits);
    return NN_NUMBER_OK;
}

/* [+|-] 0x <hex digits> [. <hex digits>] p [+|-] <decimal digits>, at least one
   hex digit, correctly rounded to the nearest double. */
enum nn_number_result nn__parse_hex_double(const char *t, size_t n, double *out)
{
    size_t i = 0;
    int negative = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        negative = t[i] == '-';
        i++;
    }
    if (equals_ignoring_case(t + i, n - i, "nan") || equals_ignoring_case(t + i, n - i, "inf") ||
        equals_ignoring_case(t + i, n - i, "infinity") ||
        (n - i >= 4 && equals_ignoring_case(t + i, 4, "nan(")))
        return NN_NUMBER_NOT_FINITE;
    if (n - i < 2 || t[i] != '0' || (t[i + 1] != 'x' && t[i + 1] != 'X'))
        return NN_NUMBER_SYNTAX;
    i += 2;
    /* value = (m + fraction) * 2^e2; digits past 60 significant bits only
       set the sticky bit */
    uint64_t m = 0;
    int sticky = 0;
    int64_t e2 = 0;
    size_t digits = 0;
    for (int fraction = 0; fraction < 2; fraction++) {
        if (fraction) {
            if (i >= n || t[i] != '.')
                break;
            i++;
        }
        for (; i < n && hex_digit(t[i]) >= 0; i++, digits++) {
            const int d = hex_digit(t[i]);
            if (m < UINT64_C(1) << 60) {
                m = m * 16 + (uint64_t)d;
                if (fraction)
                    e2 -= 4;
            } else {
                sticky |= d != 0;
                if (!fraction)
                    e2 += 4;
            }
        }
    }
    if (digits == 0 || i >= n || (t[i] != 'p' && t[i] != 'P'))
        return NN_NUMBER_SYNTAX;
    i++;
    int exp_negative = 0;
    if (i < n && (t[i] == '+' || t[i] == '-')) {
        exp_negative = t[i] == '-';
        i++;
    }
    if (i >= n || t[i] < '0' || t[i] > '9')
        return NN_NUMBER_SYNTAX;
    int64_t exponent = 0;
    for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
        if (exponent < 1000000000) /* far beyond any double; saturate */
            exponent = exponent * 10 + (t[i] - '0');
    if (i != n)
        return NN_NUMBER_SYNTAX;
    return compose_double(negative, m, sticky, e2 + (exp_negative ? -exponent : exponent), out);
}

/* n numbers separated by single spaces, then a newline. */
void nn__write_number_line(struct nn__writer *w, const double *x, size_t n)
{
    char tmp[1 + NN_HEX_DOUBLE_MAX]; /* a space and a number */
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        if (i > 0)
            tmp[len++] = ' ';
        len += nn__format_hex_double(x[i], tmp + len);
        nn__write_bytes(w, tmp, len);
    }
    nn__write_str(w, "\n");
}
