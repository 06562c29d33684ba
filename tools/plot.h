/* A line chart as a self-contained SVG file: `backprop train --plot` draws
   the training curves with it. Up to two vertical axes (the left one for
   losses, the right one for a metric of another scale), ticks at round
   numbers with their values, axis labels, a title and a legend. No library
   beyond the C library. */
#ifndef BACKPROP_TOOLS_PLOT_H
#define BACKPROP_TOOLS_PLOT_H

#include <stddef.h>
#include <stdio.h>

/* One curve: a value for every x of the chart; NaN leaves a gap. */
struct plot_series {
    const char *name;  /* in the legend */
    const double *y;   /* plot.n values */
    size_t stride;     /* the distance between two values in doubles (1: contiguous) */
    int right_axis;    /* 1: measured on the right axis */
};

struct plot {
    const char *title;
    const char *x_label, *left_label, *right_label; /* right_label: NULL for no right axis */
    const double *x; /* n increasing values */
    size_t n;
    const struct plot_series *series;
    size_t n_series;
};

/* Room for the ticks of one axis. */
enum { PLOT_MAX_TICKS = 16 };

/* Round tick values (1, 2 or 5 times a power of ten apart) covering
   [lo, hi] with at most `max_ticks` (2 to PLOT_MAX_TICKS) of them: the axis
   runs from ticks[0] to ticks[*count - 1]. Returns the distance between two
   ticks. lo == hi is widened around the value. */
double plot_ticks(double lo, double hi, size_t max_ticks, double *ticks, size_t *count);

/* Writes the chart to `f`. Returns 0, or -1 when writing failed. Text is
   escaped for XML; a chart without any finite value gets empty axes. */
int plot_write_svg(FILE *f, const struct plot *p);

#endif
