/* The parts of the commands backprop (backprop.c) and backprop-mpi
   (backprop_mpi.c) that their other sources share (command.c): the exit
   statuses, the one-line messages, numbers and model files. */
#ifndef BACKPROP_TOOLS_COMMAND_H
#define BACKPROP_TOOLS_COMMAND_H

#include <backprop.h>

#include <stddef.h>

/* Exit status 1 is a refused model or data set (or no memory), 2 bad usage. */
enum { EXIT_USAGE = 2 };

/* The longest message kept by command_last_message(), its end included. */
enum { COMMAND_MESSAGE_SIZE = 512 };

/* Reports a problem on one line of standard error, "PREFIX: message", and
   gives `status`. The message is kept (command_last_message()) even when
   messages are not shown. */
int fail(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The prefix of the messages: "backprop" unless set. */
void command_set_prefix(const char *prefix);

/* 1: fail() keeps its messages without showing them; gives the setting before. */
int command_set_quiet(int quiet);

/* The last message of fail() (cut to COMMAND_MESSAGE_SIZE - 1 bytes); "" before the first. */
const char *command_last_message(void);

/* The exit status of a library refusal of what the user asked for: bad
   usage (2), or 1 when memory ran out. */
int refusal_status(nn_status s);

/* A whole number without sign; 1 and *value, or 0. */
int parse_whole_number(const char *text, size_t *value);

/* "-" names standard input or output. */
int is_standard_stream(const char *path);

/* Loads the model at `path` into *net; 0, or 1 with the reason reported. */
int load_model(const char *path, nn_t **net);

/* Saves `net` at `path` ("-": standard output); 0, or 1 with the reason reported. */
int save_model(const nn_t *net, const char *path);

#endif
