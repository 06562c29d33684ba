/* The parts that the commands backprop and backprop-mpi share (command.h):
   the one-line messages, whole numbers and model files. */
#define _POSIX_C_SOURCE 200809L

#include "command.h"

#include "quote.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The messages' prefix, whether they are shown, and the last one (a
   process of backprop-mpi hands it to the others). */
static const char *message_prefix = "backprop";
static int messages_quiet;
static char last_message[COMMAND_MESSAGE_SIZE];

void command_set_prefix(const char *prefix)
{
    message_prefix = prefix;
}

int command_set_quiet(int quiet)
{
    const int was = messages_quiet;
    messages_quiet = quiet;
    return was;
}

const char *command_last_message(void)
{
    return last_message;
}

int fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int length = vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    if (messages_quiet)
        return status;
    if (length >= 0 && (size_t)length < sizeof last_message) {
        /* one write, so that the lines of several processes do not mix */
        fprintf(stderr, "%s: %s\n", message_prefix, last_message);
    } else { /* whole, however long */
        fprintf(stderr, "%s: ", message_prefix);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
    }
    return status;
}

/* A library refusal of what the user asked for is bad usage (2); running
   out of memory is not the user's fault (1). */
int refusal_status(nn_status s)
{
    return s == NN_ERR_NO_MEMORY ? 1 : EXIT_USAGE;
}

int parse_whole_number(const char *text, size_t *value)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno != 0 || v > (unsigned long long)SIZE_MAX)
        return 0;
    *value = (size_t)v;
    return 1;
}

int is_standard_stream(const char *path)
{
    return strcmp(path, "-") == 0;
}

int load_model(const char *path, nn_t **net)
{
    char msg[256];
    nn_status s = nn_load_with(net, path, NULL, msg, sizeof msg);
    if (s != NN_OK)
        return fail(1, "%s: %s", quote_path(path).text, msg[0] ? msg : nn_strerror(s));
    return 0;
}

/* The model text to standard output, through the library's buffer writer. */
static int save_to_stdout(const nn_t *net)
{
    size_t length = 0;
    nn_status s = nn_save_buffer(net, NULL, 0, &length);
    if (s != NN_OK && s != NN_ERR_BUFFER_SIZE)
        return fail(1, "standard output: %s", nn_strerror(s));
    char *text = malloc(length + 1);
    if (text == NULL)
        return fail(1, "out of memory");
    s = nn_save_buffer(net, text, length + 1, &length);
    int status = 0;
    if (s != NN_OK)
        status = fail(1, "standard output: %s", nn_strerror(s));
    else if (fwrite(text, 1, length, stdout) != length || fflush(stdout) != 0)
        status = fail(1, "standard output: write failed");
    free(text);
    return status;
}

int save_model(const nn_t *net, const char *path)
{
    if (is_standard_stream(path))
        return save_to_stdout(net);
    nn_status s = nn_save(net, path);
    return s == NN_OK ? 0 : fail(1, "%s: %s", quote_path(path).text, nn_strerror(s));
}
