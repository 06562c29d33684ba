/* Untrusted text made safe to print in a one-line error message. */
#ifndef BACKPROP_TOOLS_QUOTE_H
#define BACKPROP_TOOLS_QUOTE_H

#include <stddef.h>

/* At most QUOTE_KEEP bytes of the text are kept, then "..." */
enum { QUOTE_KEEP = 32 };

/* Paths keep more, and bytes from 0x80 up (UTF-8 names stay readable). */
enum { QUOTE_KEEP_PATH = 200 };

struct quoted {
    char text[QUOTE_KEEP_PATH + 4];
};

/* The first QUOTE_KEEP bytes of `n` bytes at `t`, every byte that is not
   printable ASCII (control characters, escape sequences, NUL, UTF-8) shown
   as '?', followed by "..." when bytes were dropped. */
struct quoted quote(const char *t, size_t n);

/* quote() of a NUL-terminated string. */
struct quoted quote_str(const char *s);

/* A file name given by the user: control characters (bytes below 0x20 and
   0x7f) shown as '?', at most QUOTE_KEEP_PATH bytes kept. */
struct quoted quote_path(const char *path);

#endif
