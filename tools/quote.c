/* Data from a file or an argument goes into error messages only through
   quote(): a hostile CSV cannot send escape sequences to the terminal, and
   a 100 MB field still gives a short line. The model loader's messages
   follow the same rule. */
#include "quote.h"

#include <string.h>

static struct quoted quote_up_to(const char *t, size_t n, size_t limit, int keep_high)
{
    struct quoted q;
    const size_t keep = n > limit ? limit : n;
    for (size_t i = 0; i < keep; i++) {
        const unsigned char c = (unsigned char)t[i];
        q.text[i] = (c >= 0x20 && c != 0x7f && (c < 0x80 || keep_high)) ? t[i] : '?';
    }
    if (keep < n)
        memcpy(q.text + keep, "...", 4);
    else
        q.text[keep] = '\0';
    return q;
}

struct quoted quote(const char *t, size_t n)
{
    return quote_up_to(t, n, QUOTE_KEEP, 0);
}

struct quoted quote_str(const char *s)
{
    return quote(s, strlen(s));
}

struct quoted quote_path(const char *path)
{
    return quote_up_to(path, strlen(path), QUOTE_KEEP_PATH, 1);
}
