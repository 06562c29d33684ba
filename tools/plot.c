/* The SVG line chart of plot.h. The picture is a fixed 760 x 460 canvas:
   the title on top, the plot area in the middle with the left axis, the
   right axis (when a series uses it) and the x axis around it, and the
   legend in a row between the title and the plot area. */
#include "plot.h"

#include <math.h>
#include <string.h>

enum { WIDTH = 760, HEIGHT = 460, LEFT = 80, RIGHT_MARGIN = 80, TOP = 76, BOTTOM = 60 };

/* Series colours in legend order; right-axis series are also dashed. */
static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
#define N_COLOURS (sizeof colours / sizeof colours[0])

/* One axis: its ticks and the range they span. */
struct axis {
    double ticks[PLOT_MAX_TICKS];
    size_t n;
    double step;
};

/* The smallest of 1, 2, 5 and 10 times a power of ten that is >= `raw`. */
static double nice_step(double raw)
{
    const double magnitude = pow(10.0, floor(log10(raw)));
    const double fraction = raw / magnitude;
    const double factor = fraction <= 1.0 ? 1.0 : fraction <= 2.0 ? 2.0 : fraction <= 5.0 ? 5.0 : 10.0;
    return factor * magnitude;
}

double plot_ticks(double lo, double hi, size_t max_ticks, double *ticks, size_t *count)
{
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > PLOT_MAX_TICKS)
        max_ticks = PLOT_MAX_TICKS;
    if (!(hi > lo)) {
        const double half = lo != 0.0 ? fabs(lo) * 0.5 : 1.0;
        lo -= half;
        hi += half;
    }
    double step = nice_step((hi - lo) / (double)(max_ticks - 1));
    double first = floor(lo / step), last = ceil(hi / step);
    while (last - first + 1.0 > (double)max_ticks) {
        step = nice_step(step * 1.5); /* the next round step */
        first = floor(lo / step);
        last = ceil(hi / step);
    }
    *count = (size_t)(last - first + 1.0);
    for (size_t i = 0; i < *count; i++) {
        ticks[i] = (first + (double)i) * step;
        if (fabs(ticks[i]) < step * 1e-9)
            ticks[i] = 0.0; /* no "-0" label */
    }
    return step;
}

/* Writes `text` with XML's special characters escaped. */
static void put_escaped(FILE *f, const char *text)
{
    for (const char *c = text; *c != '\0'; c++) {
        switch (*c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*c >= 0x20 || *c == '\t')
                fputc(*c, f); /* control characters are not allowed in XML */
        }
    }
}

/* A tick value with as many decimals as the step between ticks needs. */
static void format_tick(char *buffer, size_t size, double value, double step)
{
    if (fabs(value) >= 1e6 || step < 1e-4) {
        snprintf(buffer, size, "%g", value);
        return;
    }
    const int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(buffer, size, "%.*f", decimals, value);
}

/* The lowest and highest finite value of the series on one side. */
static int series_range(const struct plot *p, int right, double *lo, double *hi)
{
    int found = 0;
    for (size_t s = 0; s < p->n_series; s++) {
        if (p->series[s].right_axis != right)
            continue;
        for (size_t i = 0; i < p->n; i++) {
            const double v = p->series[s].y[i * p->series[s].stride];
            if (!isfinite(v))
                continue;
            *lo = found && *lo < v ? *lo : v;
            *hi = found && *hi > v ? *hi : v;
            found = 1;
        }
    }
    return found;
}

/* Maps `v` from the axis range onto pixels from `from` to `to`. */
static double to_pixel(const struct axis *a, double v, double from, double to)
{
    const double lo = a->ticks[0], hi = a->ticks[a->n - 1];
    return from + (v - lo) / (hi - lo) * (to - from);
}

static int uses_right_axis(const struct plot *p)
{
    for (size_t s = 0; s < p->n_series; s++)
        if (p->series[s].right_axis)
            return 1;
    return 0;
}

/* The axes of the chart: x, left and right (right.n == 0 when unused). */
static void make_axes(const struct plot *p, struct axis *x, struct axis *left, struct axis *right)
{
    double lo = 0.0, hi = 1.0;
    const double x_span = p->n > 0 ? p->x[p->n - 1] - p->x[0] : 0.0;
    const size_t x_ticks = x_span >= 1.0 && x_span < 10.0 ? (size_t)x_span + 1 : 11;
    x->step = plot_ticks(p->n > 0 ? p->x[0] : 0.0, p->n > 0 ? p->x[p->n - 1] : 1.0, x_ticks,
                         x->ticks, &x->n);
    if (!series_range(p, 0, &lo, &hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    left->step = plot_ticks(lo, hi, 7, left->ticks, &left->n);
    right->n = 0;
    if (!uses_right_axis(p))
        return;
    if (!series_range(p, 1, &lo, &hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    right->step = plot_ticks(lo, hi, 7, right->ticks, &right->n);
}

/* The x axis: the line, the ticks with their values, the vertical grid and the label. */
static void put_x_axis(FILE *f, const struct plot *p, const struct axis *x)
{
    const double bottom = HEIGHT - BOTTOM, left = LEFT, right = WIDTH - RIGHT_MARGIN;
    char label[64];
    fputs("<g class=\"x-axis\" stroke=\"#000\">\n", f);
    for (size_t i = 0; i < x->n; i++) {
        const double px = to_pixel(x, x->ticks[i], left, right);
        format_tick(label, sizeof label, x->ticks[i], x->step);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", px,
                TOP, px, bottom);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px, bottom, px,
                bottom + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\">%s</text>\n",
                px, bottom + 19, label);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left, bottom, right,
            bottom);
    fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\">",
            (left + right) / 2, HEIGHT - 16);
    put_escaped(f, p->x_label ? p->x_label : "");
    fputs("</text>\n</g>\n", f);
}

/* A vertical axis on the left (right == 0) or right side, with its label
   turned along it; the left axis also draws the horizontal grid. */
static void put_y_axis(FILE *f, const struct axis *a, int right, const char *name)
{
    const double x = right ? WIDTH - RIGHT_MARGIN : LEFT, tick = right ? 5 : -5;
    const double top = TOP, bottom = HEIGHT - BOTTOM;
    char label[64];
    fprintf(f, "<g class=\"%s-axis\" stroke=\"#000\">\n", right ? "right" : "left");
    for (size_t i = 0; i < a->n; i++) {
        const double py = to_pixel(a, a->ticks[i], bottom, top);
        format_tick(label, sizeof label, a->ticks[i], a->step);
        if (!right)
            fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n",
                    LEFT, py, WIDTH - RIGHT_MARGIN, py);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, py, x + tick, py);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" stroke=\"none\">%s</text>\n",
                x + 2 * tick, py + 4, right ? "start" : "end", label);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, top, x, bottom);
    const double lx = right ? WIDTH - 14 : 20, ly = (top + bottom) / 2;
    fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" stroke=\"none\" "
               "transform=\"rotate(%d %.1f %.1f)\">",
            lx, ly, right ? 90 : -90, lx, ly);
    put_escaped(f, name ? name : "");
    fputs("</text>\n</g>\n", f);
}

/* The style of series `s`: its colour, dashed on the right axis. */
static void put_stroke(FILE *f, size_t s, int right)
{
    fprintf(f, "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s", colours[s % N_COLOURS],
            right ? " stroke-dasharray=\"6 4\"" : "");
}

/* One series as polylines broken at its missing values; a lone point gets a dot. */
static void put_series(FILE *f, const struct plot *p, size_t s, const struct axis *x,
                       const struct axis *y)
{
    const struct plot_series *ser = &p->series[s];
    size_t run = 0;
    for (size_t i = 0; i <= p->n; i++) {
        const double v = i < p->n ? ser->y[i * ser->stride] : NAN;
        if (isfinite(v)) {
            const double px = to_pixel(x, p->x[i], LEFT, WIDTH - RIGHT_MARGIN);
            const double py = to_pixel(y, v, HEIGHT - BOTTOM, TOP);
            if (run++ == 0) {
                fputs("<polyline ", f);
                put_stroke(f, s, ser->right_axis);
                fputs(" points=\"", f);
            }
            fprintf(f, "%s%.2f,%.2f", run > 1 ? " " : "", px, py);
            continue;
        }
        if (run > 0)
            fputs("\"/>\n", f);
        if (run == 1) /* a single point draws no line */
            fprintf(f, "<circle r=\"3\" fill=\"%s\" cx=\"%.2f\" cy=\"%.2f\"/>\n",
                    colours[s % N_COLOURS], to_pixel(x, p->x[i - 1], LEFT, WIDTH - RIGHT_MARGIN),
                    to_pixel(y, ser->y[(i - 1) * ser->stride], HEIGHT - BOTTOM, TOP));
        run = 0;
    }
}

/* The legend: one row between the title and the plot area, centred, so
   that it never hides a curve. */
static void put_legend(FILE *f, const struct plot *p)
{
    double width = 0.0;
    for (size_t s = 0; s < p->n_series; s++)
        width += 52.0 + 7.0 * (double)strlen(p->series[s].name);
    double x = (WIDTH - width) / 2;
    const double y = TOP - 16;
    fputs("<g class=\"legend\">\n", f);
    for (size_t s = 0; s < p->n_series; s++) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" ", x, y - 4, x + 28,
                y - 4);
        put_stroke(f, s, p->series[s].right_axis);
        fprintf(f, "/>\n<text x=\"%.1f\" y=\"%.1f\">", x + 34, y);
        put_escaped(f, p->series[s].name);
        fputs("</text>\n", f);
        x += 52.0 + 7.0 * (double)strlen(p->series[s].name);
    }
    fputs("</g>\n", f);
}

int plot_write_svg(FILE *f, const struct plot *p)
{
    struct axis x, left, right;
    make_axes(p, &x, &left, &right);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">\n<title>",
            WIDTH, HEIGHT, WIDTH, HEIGHT);
    put_escaped(f, p->title ? p->title : "");
    fprintf(f, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", WIDTH, HEIGHT);
    fprintf(f, "<text class=\"title\" x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"17\">",
            WIDTH / 2);
    put_escaped(f, p->title ? p->title : "");
    fputs("</text>\n", f);
    put_x_axis(f, p, &x);
    put_y_axis(f, &left, 0, p->left_label);
    if (right.n > 0)
        put_y_axis(f, &right, 1, p->right_label);
    for (size_t s = 0; s < p->n_series; s++)
        put_series(f, p, s, &x, p->series[s].right_axis ? &right : &left);
    if (p->n_series > 0)
        put_legend(f, p);
    fputs("</svg>\n", f);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
