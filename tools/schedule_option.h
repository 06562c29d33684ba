/* --schedule SPEC: a learning-rate schedule of the library (nn_schedule_*),
   applied per epoch by `backprop train`. */
#ifndef BACKPROP_TOOLS_SCHEDULE_OPTION_H
#define BACKPROP_TOOLS_SCHEDULE_OPTION_H

#include <stddef.h>

enum schedule_kind { SCHEDULE_NONE, SCHEDULE_STEP, SCHEDULE_EXPONENTIAL, SCHEDULE_COSINE,
                     SCHEDULE_LINEAR };

/* A parsed SPEC: the kind, its whole-number argument and its factors. */
struct schedule {
    enum schedule_kind kind;
    size_t steps; /* step: epochs between decays; cosine: period; linear: warm-up epochs */
    double a, b;  /* step, exponential: gamma; cosine: a the lowest rate;
                     linear: a the start factor, b the end factor */
};

/* The SPECs, as --help shows them. */
#define SCHEDULE_SPECS "step:N:GAMMA|exponential:GAMMA|cosine:N[:MIN_RATE]|linear:N[:START[:END]]"

/* Parses `text` into *s. Returns 0, or the exit status (1: out of memory,
   2: bad usage) with a one-line message in `message`. */
int schedule_parse(const char *text, double base_rate, struct schedule *s, char *message,
                   size_t size);

/* The rate of epoch `epoch` (from 0) into *rate; the library's status. */
int schedule_rate(const struct schedule *s, double base_rate, size_t epoch, double *rate);

#endif
