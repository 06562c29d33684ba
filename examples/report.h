/* The printing shared by the worked-example programs.
 *
 * Each program keeps, as plain data, the figures its tutorial printed (name,
 * value, number of decimals shown) and short notes for figures the reference
 * explains as errata. It then reports every value the library computed with
 * report_row(), which
 *   - looks the name up among the published figures and, if it is there,
 *     rounds the computed value to the published number of decimals and says
 *     "ok" or "ERRATUM" (the verdict comes from that comparison alone);
 *   - compares the computed value with the exact reference value at 1e-10
 *     relative, which makes the program a smoke test of the library.
 * report_finish() prints the summary and returns the program's exit status:
 * EXIT_FAILURE if the library disagreed with a reference value, never because
 * of a tutorial's erratum.
 */
#ifndef BACKPROP_EXAMPLE_REPORT_H
#define BACKPROP_EXAMPLE_REPORT_H

#include <math.h>
#include <stddef.h>

#include "backprop.h"

/* A figure as the tutorial printed it: 0.0008 shown with 4 decimals. */
typedef struct {
    const char *name;
    double value;
    int decimals;
} report_published;

/* Printed under a row whose published figure turned out to be an erratum. */
typedef struct {
    const char *name;
    const char *text;
} report_note;

/* The largest number of published figures one program may list. */
#define REPORT_MAX_PUBLISHED 64

typedef struct {
    const report_published *published;
    size_t n_published;
    const report_note *notes;
    size_t n_notes;
    unsigned char used[REPORT_MAX_PUBLISHED]; /* published figure compared at least once */
    int matched;  /* published figures the library reproduces */
    int errata;   /* published figures it does not */
    int checked;  /* values compared with the exact reference */
    int failures; /* of those, values the library got wrong */
} report;

/* Passed as `exact` when the reference gives no value to check against. */
#define REPORT_NO_REF NAN

/* Starts a report and prints the program's title and the column legend. */
void report_init(report *r, const char *title, const report_published *published,
                 size_t n_published, const report_note *notes, size_t n_notes);

/* Prints a section heading, then the column headings. */
void report_section(const char *heading);

/* Prints a free line of explanation, indented like the rows. */
void report_text(const char *text);

/* Reports one computed value: see the comment at the top of this file. */
void report_row(report *r, const char *name, double computed, double exact);

/* Reports n values named prefix + names[i] (e.g. "dE/d" + "w1"); exact may be NULL. */
void report_rows(report *r, const char *prefix, const char *const *names, const double *computed,
                 const double *exact, size_t n);

/* Reports one value named after a count: "E after 1 step", "h21 after 10 steps". */
void report_after(report *r, const char *what, int count, const char *unit, double computed,
                  double exact);

/* Prints the summary line and returns EXIT_SUCCESS or EXIT_FAILURE. */
int report_finish(report *r);

/* Stops the program with a message if a library call failed. */
void report_call(nn_status status, const char *call, const char *file, int line);
#define CALL(expr) report_call((expr), #expr, __FILE__, __LINE__)

#endif
