/* The optimiser options of the command (see optimizer_options.h). */
#include "optimizer_options.h"

#include "csv.h"
#include "quote.h"

#include <stdarg.h>
#include <string.h>

const char *optimizer_options_name(int code, char *buffer, size_t size)
{
    const char *name = nn_hyperparameter_name(code);
    snprintf(buffer, size, "--%s", name ? name : "?");
    for (char *p = buffer; *p != '\0'; p++)
        if (*p == '_')
            *p = '-';
    return buffer;
}

const char **optimizer_options_slot(struct optimizer_options *o, const char *option)
{
    int code;
    if (strncmp(option, "--", 2) != 0 || nn_hyperparameter_from_name(option + 2, &code) != NN_OK ||
        code < 0 || code >= OPTIMIZER_OPTIONS_MAX)
        return NULL;
    return &o->values[code];
}

int optimizer_options_first_given(const struct optimizer_options *o)
{
    for (int code = 0; code < OPTIMIZER_OPTIONS_MAX; code++)
        if (o->values[code] != NULL)
            return code;
    return -1;
}

void optimizer_options_put_hyperparameters(FILE *f, const char *sep)
{
    char name[64];
    for (int code = 0; nn_hyperparameter_name(code) != NULL; code++)
        fprintf(f, "%s%s", code ? sep : "", optimizer_options_name(code, name, sizeof name));
}

/* Appends printf-style text to the message, cut at its size. */
static void append(char *message, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void append(char *message, size_t size, const char *fmt, ...)
{
    const size_t used = strlen(message);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message + used, size - used, fmt, ap);
    va_end(ap);
}

static int unknown_kind(const char *name, char *message, size_t size)
{
    snprintf(message, size, "unknown optimizer '%s'; valid names: ", quote_str(name).text);
    for (int kind = 0; nn_optimizer_name(kind) != NULL; kind++)
        append(message, size, "%s%s", kind ? ", " : "", nn_optimizer_name(kind));
    return 2;
}

/* The hyperparameter `code` is not one of the kind's: name those it takes. */
static int not_taken(const nn_optimizer_t *opt, int kind, int code, char *message, size_t size)
{
    char name[64];
    double unused;
    snprintf(message, size, "%s does not take %s; it takes", nn_optimizer_name(kind),
             optimizer_options_name(code, name, sizeof name));
    for (int c = 0; nn_hyperparameter_name(c) != NULL; c++)
        if (nn_optimizer_get(opt, c, &unused) == NN_OK)
            append(message, size, " %s", optimizer_options_name(c, name, sizeof name));
    return 2;
}

/* Sets every hyperparameter given. One refused because of another's value
   (--step-min above the default --step-max) is set again after the others,
   so that the order of the options does not matter. */
static int set_hyperparameters(const struct optimizer_options *o, nn_optimizer_t *opt, int kind,
                               char *message, size_t size)
{
    char name[64];
    double value, current;
    int refused = -1;
    for (int pass = 0; pass < 2; pass++) {
        refused = -1;
        for (int code = 0; code < OPTIMIZER_OPTIONS_MAX; code++) {
            if (o->values[code] == NULL)
                continue;
            if (!csv_parse_number(o->values[code], &value)) {
                snprintf(message, size, "%s: '%s' is not a finite number",
                         optimizer_options_name(code, name, sizeof name),
                         quote_str(o->values[code]).text);
                return 2;
            }
            if (nn_optimizer_get(opt, code, &current) != NN_OK)
                return not_taken(opt, kind, code, message, size);
            if (nn_optimizer_set(opt, code, value) != NN_OK && refused < 0)
                refused = code;
        }
    }
    if (refused >= 0)
        snprintf(message, size, "%s: %s is out of range for %s (see backprop(1))",
                 optimizer_options_name(refused, name, sizeof name),
                 quote_str(o->values[refused]).text, nn_optimizer_name(kind));
    return refused >= 0 ? 2 : 0;
}

int optimizer_options_make(const struct optimizer_options *o, const nn_t *net,
                           nn_optimizer_t **out, char *message, size_t size)
{
    char name[64];
    int kind, first = optimizer_options_first_given(o);
    *out = NULL;
    message[0] = '\0';
    if (o->kind == NULL) {
        if (first < 0)
            return 0;
        snprintf(message, size, "%s needs --optimizer (e.g. --optimizer sgd)",
                 optimizer_options_name(first, name, sizeof name));
        return 2;
    }
    if (nn_optimizer_from_name(o->kind, &kind) != NN_OK)
        return unknown_kind(o->kind, message, size);
    nn_status s = nn_optimizer_create(out, net, kind);
    if (s != NN_OK) {
        snprintf(message, size, "--optimizer %s: %s", nn_optimizer_name(kind), nn_strerror(s));
        return s == NN_ERR_NO_MEMORY ? 1 : 2;
    }
    const int status = set_hyperparameters(o, *out, kind, message, size);
    if (status != 0) {
        nn_optimizer_free(*out);
        *out = NULL;
    }
    return status;
}
