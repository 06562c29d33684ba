/* The library's text toolkit: a writer that sends bytes to one sink (count
   only, a caller's buffer, a FILE or an ::nn_write_fn callback) and numbers
   written without the process locale. The one rule for names is
   nn__valid_name() (names.h). Used by explain and DOT; written so that the
   model saver can use it too. Not installed. */
#ifndef BACKPROP_TEXT_H
#define BACKPROP_TEXT_H

#include "backprop.h"

#include <stddef.h>
#include <stdio.h>

/* ---- the writer ----
   Every sink counts the bytes produced (`len`, also when nothing is kept).
   The file and callback sinks collect bytes in a staging area the caller
   owns and pass them on when it is full and at nn__writer_finish(), so the
   writer itself never allocates. Once a write fails nothing more is sent. */

typedef int (*nn__sink_fn)(void *context, const char *bytes, size_t n); /* 0: written */

struct nn__writer {
    char *buf;          /* buffer sink: the caller's memory (cap bytes); else the stage */
    size_t cap;
    size_t staged;      /* bytes waiting in the stage */
    nn__sink_fn send;   /* file and callback sinks: where the stage goes; NULL otherwise */
    void *context;
    int keeps;          /* 1 when buf is a buffer sink's memory (bytes stay there) */
    size_t len;         /* bytes produced so far */
    int overflow;       /* len no longer fits in size_t, or a buffer sink ran out of room */
    int failed;         /* the sink refused a write */
};

/* Counts the bytes only (to size a buffer before writing into it). */
void nn__writer_count(struct nn__writer *w);
/* Writes into buf[0 .. cap); more than cap bytes is an overflow (NN_ERR_BUFFER_SIZE). */
void nn__writer_buffer(struct nn__writer *w, char *buf, size_t cap);
/* Writes to a stdio stream through stage[0 .. stage_size). */
void nn__writer_file(struct nn__writer *w, FILE *file, char *stage, size_t stage_size);
/* Writes through the caller's callback, stage_size bytes at a time at most. */
void nn__writer_callback(struct nn__writer *w, nn_write_fn write, void *context, char *stage,
                         size_t stage_size);

void nn__write_bytes(struct nn__writer *w, const char *s, size_t n);
void nn__write_str(struct nn__writer *w, const char *s);
/* A size in decimal. */
void nn__write_size(struct nn__writer *w, size_t n);
/* n in decimal at out, without a NUL (room for 20 digits); returns the
   count of digits. */
size_t nn__format_size(size_t n, char *out);
/* A number as nn__fmt_num() and nn__fmt_exact() write it. */
void nn__write_num(struct nn__writer *w, double x, int digits);
void nn__write_exact(struct nn__writer *w, double x);
/* Sends what is staged. NN_OK; NN_ERR_IO if the sink refused a write;
   NN_ERR_BUFFER_SIZE if a buffer sink ran out of room or the count overflowed. */
nn_status nn__writer_finish(struct nn__writer *w);

/* ---- numbers ---- */

/* Room for any number nn__fmt_num() and nn__fmt_exact() write. */
#define NN__NUM_BUF 40

/* Like printf's %.<digits>g (digits 1..17) but always with '.' as the decimal
   point, whatever LC_NUMERIC says, and a value that `digits` digits hold
   exactly is written exactly ("0.15", not "0.150000"). Non-finite values
   give "nan", "inf", "-inf". */
void nn__fmt_num(char *buf, double x, int digits);
/* The fewest significant digits (at most 17) that read back as exactly x. */
void nn__fmt_exact(char *buf, double x);

#endif
