/* The model format's reader, line by line and word by word (model_parser.c):
   what the loader (model_read.c) and every section's reader
   (model_sections.c) use to read docs/format.md's text. Written for
   untrusted input: every access is bounded by the input's length (which need
   not be NUL-terminated), a file is read through a window of
   NN__MODEL_WINDOW_BYTES, and the caps on the input's length are kept while
   reading. Not installed. */
#ifndef BACKPROP_MODEL_PARSER_H
#define BACKPROP_MODEL_PARSER_H

#include "backprop.h"

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define NN__PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define NN__PRINTF(fmt_index, first_arg)
#endif

/* The caps on an input's length (docs/format.md): the lines before `sizes`
   and the `sizes` line itself each hold at most NN__HEADER_BYTES; the
   network ends within NN__HEADER_BYTES of the start of the `sizes` line plus
   NN__BYTES_PER_NUMBER per number and NN__BYTES_PER_LAYER per layer the
   sizes declare, and a version-2 file's sections within what each section
   allows (model_sections.c). A saved number takes at most 25 bytes with its
   separator, a layer's other lines at most 141 (CRLF line ends included), so
   every network the library can create loads. */
#define NN__HEADER_BYTES 65536
#define NN__BYTES_PER_NUMBER 32
#define NN__BYTES_PER_LAYER 256

/* The longest word (number, name, count) an input may hold, and the window
   through which a file is read: a word cut by the window's end moves to its
   front, so there is always room for more. */
#define NN__MAX_WORD 65536
#define NN__MODEL_WINDOW_BYTES (2 * NN__MAX_WORD + 2)

/* Reads up to n bytes of an input into buf; *got is 0 only at its end. */
typedef nn_status (*nn__read_fn)(void *input, char *buf, size_t n, size_t *got);

/* An input read a window at a time (see refill() in model_parser.c). */
struct nn__stream {
    nn__read_fn read;
    void *input;
    char *buf;
    size_t cap;  /* bytes at buf */
    int at_end;  /* the input has no more bytes */
};

struct nn__parser {
    const char *data;  /* the bytes at hand: the whole input, or a stream's window */
    size_t size;       /* bytes at data */
    size_t base;       /* offset in the input of data[0] */
    size_t total;      /* bytes of the whole input; 0: not known (a pipe) */
    struct nn__stream *stream; /* NULL when data is the whole input */
    nn_status stream_status;   /* reading the stream failed */
    uint64_t limit;    /* the most bytes the input may hold (0 until the sizes are read) */
    int have_sizes;    /* the `sizes` line was read */
    size_t sizes_line; /* its number */
    int over;          /* a line before `sizes` begins beyond NN__HEADER_BYTES */
    int too_long;      /* the input holds more than `limit` bytes */
    size_t max_bytes;  /* the caller's cap (nn_load_options_set_max_bytes()); SIZE_MAX: none */
    int over_max;      /* the input holds more than `max_bytes` bytes */
    size_t long_word;  /* the line of the first word longer than NN__MAX_WORD (0: none) */
    int partial;       /* the current line goes on past `end`, in the stream */
    size_t line_offset; /* offset in the input of the current line */
    size_t next;       /* offset in data of the first byte of the next line */
    size_t line;     /* number of the current line, from 1 */
    const char *cur; /* next unread byte of the current line */
    const char *end; /* end of the current line (its '\n' or the end of the input) */
    char *msg;
    size_t msg_size;
    /* The first activation name that could not be resolved. It is reported
       only if the rest of the input is well formed: a malformed input is a
       format error even when it also names an unknown activation. */
    size_t unknown_line; /* 0: none */
    int unknown_custom;  /* written "activation custom NAME" */
    char unknown_name[48];
};

/* A token made printable for an error message, shortened if long. */
struct nn__quoted {
    char text[48];
};

struct nn__quoted nn__quote(const char *t, size_t n);
/* Copies text into the caller's message buffer (cut to fit); NULL: nothing. */
void nn__set_message(char *msg, size_t msg_size, const char *text);
/* Writes "line N: <reason>" to the caller's message buffer and returns
   status; when the parser stopped at a cap or a read error, reports that. */
nn_status nn__parse_fail(struct nn__parser *p, nn_status status, size_t line, const char *fmt,
                         ...) NN__PRINTF(4, 5);

/* Moves to the next physical line; 0 at the end of the input. */
int nn__advance_line(struct nn__parser *p);
/* Moves to the next line that holds more than blanks and a comment. */
int nn__next_content_line(struct nn__parser *p);
/* The next word of the current line; 0 at its end or at a comment. */
int nn__next_token(struct nn__parser *p, const char **tok, size_t *len);
int nn__token_is(const char *t, size_t n, const char *word);
/* Decimal digits only; saturates at UINT64_MAX. */
int nn__parse_count(const char *t, size_t n, uint64_t *value);

/* Reads the next content line, which must begin with `keyword`. */
nn_status nn__expect_line(struct nn__parser *p, const char *keyword);
/* Reads a word of the current line (`what` names the value in messages). */
nn_status nn__expect_word(struct nn__parser *p, const char *what, const char **t, size_t *n);
nn_status nn__expect_count(struct nn__parser *p, const char *what, uint64_t *value);
nn_status nn__expect_end_of_line(struct nn__parser *p);
/* A line "<keyword> <word>" whose word is one of those name_of() gives for
   0, 1, ... until NULL; *index receives the word's number. */
nn_status nn__expect_choice(struct nn__parser *p, const char *keyword, const char *what,
                            const char *(*name_of)(int), int *index);
/* Reads exactly n numbers, which fill one line, into x (`what` of `layer`
   names them in messages). */
nn_status nn__read_number_line(struct nn__parser *p, double *x, size_t n, const char *what,
                               size_t layer);

#endif
