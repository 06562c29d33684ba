/* --schedule SPEC (see schedule_option.h). */
#define _POSIX_C_SOURCE 200809L
#include "schedule_option.h"

#include "command.h"
#include "csv.h"
#include "quote.h"

#include <backprop.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    enum schedule_kind kind;
    size_t min_fields, max_fields; /* the name included */
} schedule_forms[] = {
    {"step", SCHEDULE_STEP, 3, 3},
    {"exponential", SCHEDULE_EXPONENTIAL, 2, 2},
    {"cosine", SCHEDULE_COSINE, 2, 3},
    {"linear", SCHEDULE_LINEAR, 2, 4},
};

/* A whole number from 1, written without a leading 0. */
static int parse_count(const char *text, size_t *value)
{
    return text[0] >= '1' && text[0] <= '9' && parse_whole_number(text, value);
}

/* The fields after the name: a count, then numbers, as the kind takes them. */
static int parse_fields(char **fields, size_t n, struct schedule *s)
{
    s->a = s->kind == SCHEDULE_LINEAR ? 1.0 / 3.0 : 0.0; /* PyTorch's LinearLR start */
    s->b = 1.0;
    if (s->kind == SCHEDULE_EXPONENTIAL)
        return csv_parse_number(fields[1], &s->a) && s->a > 0.0;
    if (!parse_count(fields[1], &s->steps))
        return 0;
    if (n > 2 && !csv_parse_number(fields[2], &s->a))
        return 0;
    if (n > 3 && !csv_parse_number(fields[3], &s->b))
        return 0;
    /* a rate that reaches 0 or below never descends */
    return s->kind == SCHEDULE_COSINE ? s->a >= 0.0 : s->a > 0.0;
}

int schedule_parse(const char *text, double base_rate, struct schedule *s, char *message,
                   size_t size)
{
    char *copy = strdup(text);
    char *fields[4];
    size_t n = 0;
    if (copy == NULL) {
        snprintf(message, size, "out of memory");
        return 1;
    }
    for (char *p = copy; p != NULL && n < 5; n++) {
        char *next = strchr(p, ':');
        if (next != NULL)
            *next++ = '\0';
        if (n < 4)
            fields[n] = p;
        p = next;
    }
    int ok = 0;
    for (size_t i = 0; !ok && i < sizeof schedule_forms / sizeof schedule_forms[0]; i++) {
        if (strcmp(fields[0], schedule_forms[i].name) != 0 || n < schedule_forms[i].min_fields ||
            n > schedule_forms[i].max_fields)
            continue;
        s->kind = schedule_forms[i].kind;
        double rate;
        ok = parse_fields(fields, n, s) && schedule_rate(s, base_rate, 0, &rate) == NN_OK;
    }
    free(copy);
    if (!ok)
        snprintf(message, size, "--schedule: expected " SCHEDULE_SPECS
                 " (N a positive whole number), got '%s'", quote_str(text).text);
    return ok ? 0 : 2;
}

int schedule_rate(const struct schedule *s, double base_rate, size_t epoch, double *rate)
{
    switch (s->kind) {
    case SCHEDULE_STEP:
        return nn_schedule_step(base_rate, epoch, s->steps, s->a, rate);
    case SCHEDULE_EXPONENTIAL:
        return nn_schedule_exponential(base_rate, epoch, s->a, rate);
    case SCHEDULE_COSINE:
        return nn_schedule_cosine(base_rate, epoch, s->steps, s->a, rate);
    case SCHEDULE_LINEAR:
        return nn_schedule_linear(base_rate, epoch, s->steps, s->a, s->b, rate);
    case SCHEDULE_NONE:
        break;
    }
    *rate = base_rate;
    return NN_OK;
}
