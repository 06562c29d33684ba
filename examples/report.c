/* The printing shared by the worked-example programs; see report.h. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative agreement demanded between the library and the exact reference. */
#define REPORT_REL_TOL 1e-10

#define ROW_FORMAT "  %-36s %-20s %-14s %s"

/* Notes are wrapped to this many characters per line. */
#define NOTE_WIDTH 64

/* Prints one table row without trailing blanks. */
static void print_row(const char *name, const char *computed, const char *published,
                      const char *status)
{
    char line[400];
    int n = snprintf(line, sizeof line, ROW_FORMAT, name, computed, published, status);
    if (n < 0)
        return;
    size_t len = strlen(line);
    while (len > 0 && line[len - 1] == ' ')
        line[--len] = '\0';
    printf("%s\n", line);
}

/* Prints text word-wrapped, every line indented under the "computed" column. */
static void print_note(const char *text)
{
    const char *lead = "why: ";
    while (*text != '\0') {
        size_t take = strlen(text);
        if (take > NOTE_WIDTH) {
            take = NOTE_WIDTH;
            while (take > 0 && text[take] != ' ')
                take--;
            if (take == 0)
                take = NOTE_WIDTH;
        }
        printf("  %-36s %s%.*s\n", "", lead, (int)take, text);
        lead = "     ";
        text += take;
        while (*text == ' ')
            text++;
    }
}

void report_init(report *r, const char *title, const report_published *published,
                 size_t n_published, const report_note *notes, size_t n_notes)
{
    memset(r, 0, sizeof *r);
    r->published = published;
    r->n_published = n_published;
    r->notes = notes;
    r->n_notes = n_notes;
    if (n_published > REPORT_MAX_PUBLISHED) {
        fprintf(stderr, "report: %zu published figures, at most %d supported\n", n_published,
                REPORT_MAX_PUBLISHED);
        exit(EXIT_FAILURE);
    }
    printf("%s\n", title);
    for (size_t i = 0; title[i] != '\0'; i++)
        putchar('=');
    printf("\n\"computed\" is what libbackprop %s computes. Where the tutorial printed a figure,\n"
           "it is shown as \"published\", and the status compares it with the computed value\n"
           "rounded to the same number of decimals. Every computed value that has an exact\n"
           "reference value is also checked against it; a difference beyond 1e-10 relative\n"
           "would be marked LIBRARY DISAGREES and make the program fail.\n",
           nn_version_string());
}

void report_section(const char *heading)
{
    printf("\n%s\n", heading);
    print_row("quantity", "computed", "published", "status");
}

void report_text(const char *text)
{
    printf("  %s\n", text);
}

static const report_published *find_published(report *r, const char *name)
{
    for (size_t i = 0; i < r->n_published; i++) {
        if (strcmp(r->published[i].name, name) == 0) {
            r->used[i] = 1;
            return &r->published[i];
        }
    }
    return NULL;
}

static const char *find_note(const report *r, const char *name)
{
    for (size_t i = 0; i < r->n_notes; i++)
        if (strcmp(r->notes[i].name, name) == 0)
            return r->notes[i].text;
    return NULL;
}

void report_row(report *r, const char *name, double computed, double exact)
{
    char computed_text[32];
    char published_text[32] = "";
    char status[160] = "";
    const char *note = NULL;

    snprintf(computed_text, sizeof computed_text, "%.12g", computed);

    const report_published *pub = find_published(r, name);
    if (pub != NULL) {
        /* The tutorial's figure and ours, both rounded to the digits it shows. */
        char ours[32];
        snprintf(published_text, sizeof published_text, "%.*f", pub->decimals, pub->value);
        snprintf(ours, sizeof ours, "%.*f", pub->decimals, computed);
        if (strcmp(ours, published_text) == 0) {
            r->matched++;
            snprintf(status, sizeof status, "ok");
        } else {
            r->errata++;
            snprintf(status, sizeof status, "ERRATUM: tutorial prints %s, library computes %s",
                     published_text, ours);
            note = find_note(r, name);
        }
    }

    if (!isnan(exact)) {
        r->checked++;
        if (!(fabs(computed - exact) <= REPORT_REL_TOL * fabs(exact))) {
            r->failures++;
            size_t used = strlen(status);
            snprintf(status + used, sizeof status - used, "%sLIBRARY DISAGREES with reference %.12g",
                     used > 0 ? "; " : "", exact);
        }
    }

    print_row(name, computed_text, published_text, status);
    if (note != NULL)
        print_note(note);
}

void report_rows(report *r, const char *prefix, const char *const *names, const double *computed,
                 const double *exact, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", prefix, names[i]);
        report_row(r, name, computed[i], exact != NULL ? exact[i] : REPORT_NO_REF);
    }
}

void report_after(report *r, const char *what, int count, const char *unit, double computed,
                  double exact)
{
    char name[64];
    snprintf(name, sizeof name, "%s after %d %s%s", what, count, unit, count == 1 ? "" : "s");
    report_row(r, name, computed, exact);
}

int report_finish(report *r)
{
    int unused = 0;
    for (size_t i = 0; i < r->n_published; i++) {
        if (!r->used[i]) {
            printf("\nprogram error: the published figure \"%s\" was never compared\n",
                   r->published[i].name);
            unused++;
        }
    }
    printf("\nSummary: %d comparison%s with the tutorial's figures match, %d flag%s an erratum; "
           "%d of %d values agree with the exact reference (1e-10 relative).\n",
           r->matched, r->matched == 1 ? "" : "s", r->errata, r->errata == 1 ? "s" : "",
           r->checked - r->failures, r->checked);
    if (r->failures > 0 || unused > 0) {
        printf("FAILED: %s.\n", r->failures > 0 ? "the library disagrees with the reference values"
                                                : "the program's table of figures is out of date");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

void report_call(nn_status status, const char *call, const char *file, int line)
{
    if (status != NN_OK) {
        fprintf(stderr, "%s:%d: %s failed: %s\n", file, line, call, nn_strerror(status));
        exit(EXIT_FAILURE);
    }
}
