/* The progress display of progress.h. The bar is redrawn with a carriage
   return and "erase to the end of the line" (ESC [ K), which every terminal
   emulator in use understands; it is never written to anything but a
   terminal. */
#include "progress.h"

#include <math.h>
#include <string.h>

enum { BAR_WIDTH = 24 };

void progress_start(struct progress *p, FILE *f, enum progress_mode mode, size_t epochs,
                    const char *metric)
{
    p->f = f;
    p->mode = mode;
    p->epochs = epochs;
    p->metric = metric;
    p->bar_shown = 0;
    p->drawn = -1.0;
    p->pending.epoch = 0;
    p->pending_elapsed = 0.0;
}

double progress_time_left(double elapsed, size_t done, size_t total)
{
    if (done == 0 || done >= total || !(elapsed >= 0.0))
        return done >= total ? 0.0 : NAN;
    return elapsed / (double)done * (double)(total - done);
}

void progress_format_duration(char *buffer, size_t size, double seconds)
{
    if (!(seconds >= 0.0) || seconds >= 999.0 * 3600.0) {
        snprintf(buffer, size, "--:--");
        return;
    }
    const unsigned long whole = (unsigned long)(seconds + 0.5);
    const unsigned long h = whole / 3600, m = whole / 60 % 60, s = whole % 60;
    if (h > 0)
        snprintf(buffer, size, "%lu:%02lu:%02lu", h, m, s);
    else
        snprintf(buffer, size, "%lu:%02lu", m, s);
}

/* Appends to the text in `buffer` as snprintf would (never past `size`). */
static void append(char *buffer, size_t size, const char *label, double value)
{
    const size_t used = strlen(buffer);
    if (used + 1 < size && !isnan(value))
        snprintf(buffer + used, size - used, " %s %.6g", label, value);
}

void progress_format_line(char *buffer, size_t size, const struct progress *p,
                          const struct progress_epoch *e, double elapsed)
{
    char left[32], metric[64];
    if (size == 0)
        return;
    snprintf(buffer, size, "epoch %zu/%zu", e->epoch, p->epochs);
    append(buffer, size, "loss", e->train_loss);
    append(buffer, size, "validation_loss", e->validation_loss);
    snprintf(metric, sizeof metric, "validation_%s", p->metric ? p->metric : "metric");
    append(buffer, size, metric, e->metric);
    progress_format_duration(left, sizeof left, progress_time_left(elapsed, e->epoch, p->epochs));
    const size_t used = strlen(buffer);
    if (used + 1 < size)
        snprintf(buffer + used, size - used, " left %s", left);
}

/* The bar: "[#####.....] " as far as epoch `e` of the planned ones. */
static void put_bar(FILE *f, size_t epoch, size_t epochs)
{
    const size_t filled = epochs > 0 ? (epoch >= epochs ? BAR_WIDTH : epoch * BAR_WIDTH / epochs)
                                     : BAR_WIDTH;
    fputs("\r[", f);
    for (size_t i = 0; i < BAR_WIDTH; i++)
        fputc(i < filled ? '#' : '.', f);
    fputs("] ", f);
}

/* Draws the bar of epoch `e`. */
static void draw_bar(struct progress *p, const struct progress_epoch *e, double elapsed)
{
    char line[256];
    progress_format_line(line, sizeof line, p, e, elapsed);
    put_bar(p->f, e->epoch, p->epochs);
    fprintf(p->f, "%s\033[K", line);
    fflush(p->f);
    p->bar_shown = 1;
    p->drawn = elapsed;
    p->pending.epoch = 0;
}

void progress_show(struct progress *p, const struct progress_epoch *e, double elapsed)
{
    char line[256];
    if (p->mode == PROGRESS_LINES) {
        progress_format_line(line, sizeof line, p, e, elapsed);
        fprintf(p->f, "%s\n", line);
        fflush(p->f);
    } else if (p->mode == PROGRESS_BAR) {
        if (p->drawn < 0.0 || elapsed - p->drawn >= PROGRESS_BAR_INTERVAL || e->epoch >= p->epochs) {
            draw_bar(p, e, elapsed);
        } else {
            p->pending = *e;
            p->pending_elapsed = elapsed;
        }
    }
}

void progress_end(struct progress *p)
{
    if (p->mode == PROGRESS_BAR && p->pending.epoch > 0) {
        const struct progress_epoch last = p->pending;
        draw_bar(p, &last, p->pending_elapsed);
    }
    if (p->bar_shown)
        fputc('\n', p->f);
    p->bar_shown = 0;
}
