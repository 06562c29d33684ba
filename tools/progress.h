/* What `backprop train` shows while the training loop runs: a progress bar
   redrawn in place on a terminal, one line per epoch elsewhere (a log file,
   a pipe), or nothing (--quiet). Each shows the epoch, the training loss,
   the validation loss and metric, and an estimate of the time left. */
#ifndef BACKPROP_TOOLS_PROGRESS_H
#define BACKPROP_TOOLS_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

enum progress_mode { PROGRESS_NONE, PROGRESS_LINES, PROGRESS_BAR };

/* One epoch as the loop reports it; NaN where not measured. */
struct progress_epoch {
    size_t epoch;           /* from 1 */
    double train_loss;
    double validation_loss;
    double metric;          /* the validation metric */
};

struct progress {
    FILE *f;
    enum progress_mode mode;
    size_t epochs;      /* the number planned */
    const char *metric; /* the metric's name ("accuracy"), NULL for none */
    int bar_shown;      /* a bar is on the line, to be ended by progress_end */
    double drawn;       /* when the bar was last drawn (seconds) */
    struct progress_epoch pending; /* an epoch not drawn yet (epoch 0: none) */
    double pending_elapsed;
};

/* The bar is redrawn at most this often (seconds), so that a fast loop does
   not spend its time on the terminal; the last epoch is always drawn. */
#define PROGRESS_BAR_INTERVAL 0.1

/* Starts showing the progress of `epochs` epochs on `f`. */
void progress_start(struct progress *p, FILE *f, enum progress_mode mode, size_t epochs,
                    const char *metric);

/* Shows epoch `e`, `elapsed` seconds after the start of training. */
void progress_show(struct progress *p, const struct progress_epoch *e, double elapsed);

/* Draws an epoch the bar skipped, then ends the bar's line, if any. */
void progress_end(struct progress *p);

/* The seconds the remaining epochs should take, at the pace so far. */
double progress_time_left(double elapsed, size_t done, size_t total);

/* `seconds` as M:SS or H:MM:SS (rounded to the second; "--:--" when not a
   number or beyond 999 hours). */
void progress_format_duration(char *buffer, size_t size, double seconds);

/* The text of one epoch's line, without a newline: "epoch E/N loss L
   validation_loss V METRIC M left T", the validation parts only when
   measured. */
void progress_format_line(char *buffer, size_t size, const struct progress *p,
                          const struct progress_epoch *e, double elapsed);

#endif
