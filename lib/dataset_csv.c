/* Loading a data set from CSV text (docs/data.md): header detection, target
   columns, a class-label column made one-hot with its class names, and a
   "line L, column C:" message for each malformed input. The text is read
   whole into memory first (a file with plain stdio), so that a line of any
   length is one row. */
#include "csv_options.h"
#include "data_read.h"
#include "dataset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROLE_INPUT SIZE_MAX
#define ROLE_CLASS (SIZE_MAX - 1)

/* A class label: where it is in the text, its row, and the order key. */
struct label {
    const char *t;
    size_t n;
    size_t row;
    double value;      /* its number, when every label is one */
    int numeric_order; /* the same in every label: sort by value first */
};

/* A line's text without its end of line. */
struct line {
    const char *t;
    size_t n;
    size_t number; /* 1-based */
};

struct csv_load {
    const struct nn_csv_options *o;
    char *message;
    size_t message_size;
    size_t columns;  /* fields on every line */
    size_t *role;    /* per column: ROLE_INPUT, ROLE_CLASS or the target's place */
    size_t n_inputs;
    size_t n_targets; /* numeric targets; the class targets come at the end */
    double *row_targets;
    struct nn__doubles inputs, targets;
    struct label *labels;
    size_t n_labels, labels_capacity;
    size_t rows;
};

static void trim(const char **t, size_t *n)
{
    while (*n > 0 && (**t == ' ' || **t == '\t')) {
        (*t)++;
        (*n)--;
    }
    while (*n > 0 && ((*t)[*n - 1] == ' ' || (*t)[*n - 1] == '\t'))
        (*n)--;
}

/* The next line of the text at *pos, or 0 at its end. */
static int next_line(const char *data, size_t size, size_t *pos, struct line *line)
{
    if (*pos >= size)
        return 0;
    const char *start = data + *pos;
    const char *newline = memchr(start, '\n', size - *pos);
    size_t n = newline != NULL ? (size_t)(newline - start) : size - *pos;
    *pos += n + (newline != NULL);
    line->number++;
    if (line->number == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3; /* a UTF-8 byte order mark */
        n -= 3;
    }
    if (n > 0 && start[n - 1] == '\r')
        n--;
    line->t = start;
    line->n = n;
    return 1;
}

/* Field k's text (0-based) of a line, blanks around trimmed; call with k
   ascending from the previous field's *cursor (0 for the first field). */
static void field(const struct line *line, char delimiter, size_t *cursor, const char **t,
                  size_t *n)
{
    const char *start = line->t + *cursor;
    const size_t left = line->n - *cursor;
    const char *end = memchr(start, delimiter, left);
    *n = end != NULL ? (size_t)(end - start) : left;
    *cursor += *n + (end != NULL);
    *t = start;
    trim(t, n);
}

static size_t count_fields(const struct line *line, char delimiter)
{
    size_t n = 1;
    for (size_t i = 0; i < line->n; i++)
        n += line->t[i] == delimiter;
    return n;
}

/* A column index written in decimal (all digits), or SIZE_MAX. */
static size_t index_of(const char *text)
{
    size_t index = 0;
    if (text[0] == '\0')
        return SIZE_MAX;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c < '0' || *c > '9' || index > (SIZE_MAX - 10) / 10)
            return SIZE_MAX;
        index = index * 10 + (size_t)(*c - '0');
    }
    return index;
}

/* Whether the first line is a header: by the option, or (auto) when any of
   its fields but a class column given by index is not a number. */
static int is_header(const struct csv_load *c, const struct line *line)
{
    if (c->o->header != NN_CSV_HEADER_AUTO)
        return c->o->header == NN_CSV_HEADER_YES;
    const size_t class_index =
        c->o->targets == NN__CSV_CLASS ? index_of(c->o->class_column) : SIZE_MAX;
    size_t cursor = 0;
    for (size_t k = 0; k < c->columns; k++) {
        const char *t;
        size_t n;
        double ignored;
        field(line, c->o->delimiter, &cursor, &t, &n);
        if (k != class_index && !nn__read_number(t, n, &ignored))
            return 1;
    }
    return 0;
}

/* The class column: a header field equal to the option's text, else the
   text as a 0-based index. */
static nn_status find_class_column(struct csv_load *c, const struct line *first, int header,
                                   size_t *column)
{
    const char *wanted = c->o->class_column;
    if (header) {
        size_t cursor = 0;
        for (size_t k = 0; k < c->columns; k++) {
            const char *t;
            size_t n;
            field(first, c->o->delimiter, &cursor, &t, &n);
            if (n == strlen(wanted) && memcmp(t, wanted, n) == 0) {
                *column = k;
                return NN_OK;
            }
        }
    }
    *column = index_of(wanted);
    if (*column == SIZE_MAX)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, header ? first->number : 0,
                             0, header ? "no column is named '%s'"
                                       : "the class column '%s' is a name, but there is no header line",
                             nn__quote(wanted, strlen(wanted)).text);
    return NN_OK;
}

/* Gives each column its role, from the options and the first line. */
static nn_status assign_roles(struct csv_load *c, const struct line *first, int header)
{
    const struct nn_csv_options *o = c->o;
    c->role = malloc(c->columns * sizeof *c->role);
    if (c->role == NULL)
        return nn__data_fail(c->message, c->message_size, NN_ERR_NO_MEMORY, 0, 0, "out of memory");
    for (size_t k = 0; k < c->columns; k++)
        c->role[k] = ROLE_INPUT;
    size_t bad = SIZE_MAX;
    if (o->targets == NN__CSV_COLUMNS) {
        for (size_t i = 0; i < o->n_columns; i++) {
            if (o->columns[i] >= c->columns)
                bad = o->columns[i];
            else
                c->role[o->columns[i]] = i;
        }
        c->n_targets = o->n_columns;
    } else if (o->targets == NN__CSV_LAST) {
        if (o->target_count >= c->columns)
            return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, first->number, 0,
                                 "%zu target columns of %zu leave no input column",
                                 o->target_count, c->columns);
        for (size_t i = 0; i < o->target_count; i++)
            c->role[c->columns - o->target_count + i] = i;
        c->n_targets = o->target_count;
    } else if (o->targets == NN__CSV_CLASS) {
        size_t column;
        nn_status status = find_class_column(c, first, header, &column);
        if (status != NN_OK)
            return status;
        if (column >= c->columns)
            bad = column;
        else
            c->role[column] = ROLE_CLASS;
    }
    if (bad != SIZE_MAX)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, first->number, 0,
                             "column %zu (0-based) was chosen, but the lines have %zu columns",
                             bad, c->columns);
    c->n_inputs = 0;
    for (size_t k = 0; k < c->columns; k++)
        c->n_inputs += c->role[k] == ROLE_INPUT;
    if (c->n_inputs == 0)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, first->number, 0,
                             "no column is left for the inputs");
    c->row_targets = malloc((c->n_targets > 0 ? c->n_targets : 1) * sizeof(double));
    if (c->row_targets == NULL)
        return nn__data_fail(c->message, c->message_size, NN_ERR_NO_MEMORY, 0, 0, "out of memory");
    return NN_OK;
}

static nn_status out_of_memory(struct csv_load *c)
{
    return nn__data_fail(c->message, c->message_size, NN_ERR_NO_MEMORY, 0, 0, "out of memory");
}

static nn_status add_label(struct csv_load *c, const struct line *line, size_t k, const char *t,
                           size_t n)
{
    if (n == 0)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, line->number, k + 1,
                             "the class label is empty");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
            return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, line->number, k + 1,
                                 "the class label '%s' holds a control character",
                                 nn__quote(t, n).text);
    if (c->n_labels == c->labels_capacity) {
        const size_t grown = c->labels_capacity ? 2 * c->labels_capacity : 64;
        struct label *bigger =
            grown < SIZE_MAX / sizeof *bigger ? realloc(c->labels, grown * sizeof *bigger) : NULL;
        if (bigger == NULL)
            return out_of_memory(c);
        c->labels = bigger;
        c->labels_capacity = grown;
    }
    c->labels[c->n_labels++] = (struct label){t, n, c->rows, 0.0, 0};
    return NN_OK;
}

/* Reads one data line into the growing arrays. */
static nn_status add_row(struct csv_load *c, const struct line *line)
{
    const size_t n_fields = count_fields(line, c->o->delimiter);
    if (n_fields != c->columns)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, line->number, 0,
                             "%zu fields, but the first line has %zu", n_fields, c->columns);
    size_t cursor = 0;
    for (size_t k = 0; k < c->columns; k++) {
        const char *t;
        size_t n;
        field(line, c->o->delimiter, &cursor, &t, &n);
        if (c->role[k] == ROLE_CLASS) {
            nn_status status = add_label(c, line, k, t, n);
            if (status != NN_OK)
                return status;
            continue;
        }
        double value;
        if (!nn__read_number(t, n, &value))
            return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, line->number, k + 1,
                                 "'%s' is not a finite number", nn__quote(t, n).text);
        if (c->role[k] == ROLE_INPUT) {
            if (!nn__doubles_push(&c->inputs, value))
                return out_of_memory(c);
        } else {
            c->row_targets[c->role[k]] = value;
        }
    }
    for (size_t i = 0; i < c->n_targets; i++)
        if (!nn__doubles_push(&c->targets, c->row_targets[i]))
            return out_of_memory(c);
    c->rows++;
    return NN_OK;
}

static int compare_labels(const void *pa, const void *pb)
{
    const struct label *a = pa, *b = pb;
    if (a->numeric_order && a->value != b->value)
        return a->value < b->value ? -1 : 1;
    const int bytes = memcmp(a->t, b->t, a->n < b->n ? a->n : b->n);
    if (bytes != 0)
        return bytes;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Sorts the labels into class order and numbers the classes: class_of[row]
   and the distinct labels as NUL-terminated names. */
static nn_status number_classes(struct csv_load *c, size_t *class_of, char ***names,
                                size_t *n_classes)
{
    int numeric = 1;
    for (size_t i = 0; i < c->n_labels && numeric; i++)
        numeric = nn__read_number(c->labels[i].t, c->labels[i].n, &c->labels[i].value);
    for (size_t i = 0; i < c->n_labels; i++)
        c->labels[i].numeric_order = numeric;
    qsort(c->labels, c->n_labels, sizeof *c->labels, compare_labels);
    size_t k = 0;
    for (size_t i = 0; i < c->n_labels; i++) {
        const struct label *l = &c->labels[i], *prev = &c->labels[i - (i > 0)];
        if (i > 0 && (l->n != prev->n || memcmp(l->t, prev->t, l->n) != 0))
            k++;
        class_of[l->row] = k;
    }
    *n_classes = k + 1;
    if (*n_classes < 2)
        return nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, 0, 0,
                             "the class column holds one class only ('%s')",
                             nn__quote(c->labels[0].t, c->labels[0].n).text);
    *names = calloc(*n_classes, sizeof **names);
    if (*names == NULL)
        return out_of_memory(c);
    for (size_t i = 0; i < c->n_labels; i++) {
        const struct label *l = &c->labels[i];
        char **name = &(*names)[class_of[l->row]];
        if (*name != NULL)
            continue;
        *name = malloc(l->n + 1);
        if (*name == NULL)
            return out_of_memory(c);
        memcpy(*name, l->t, l->n);
        (*name)[l->n] = '\0';
    }
    return NN_OK;
}

/* Makes the set from the arrays read. */
static nn_status build(struct csv_load *c, nn_dataset_t **out)
{
    const int classes = c->o->targets == NN__CSV_CLASS;
    size_t *class_of = NULL, n_classes = 0;
    char **names = NULL;
    nn_status status = NN_OK;
    if (classes) {
        class_of = malloc(c->rows * sizeof *class_of);
        status = class_of != NULL ? number_classes(c, class_of, &names, &n_classes)
                                  : out_of_memory(c);
    }
    nn_dataset_t *data = NULL;
    const size_t n_targets = classes ? n_classes : c->n_targets;
    if (status == NN_OK) {
        status = nn__dataset_alloc(&data, c->rows, c->n_inputs, n_targets);
        if (status != NN_OK)
            nn__data_fail(c->message, c->message_size, status, 0, 0, "%s", nn_strerror(status));
    }
    if (status == NN_OK && classes)
        status = nn__dataset_copy_class_names(data, n_classes, (const char *const *)names);
    if (status == NN_OK) {
        memcpy(data->owned, c->inputs.values, c->rows * c->n_inputs * sizeof(double));
        double *targets = data->owned + c->rows * c->n_inputs;
        for (size_t i = 0; i < c->rows; i++) {
            data->source[i] = i;
            for (size_t j = 0; classes && j < n_classes; j++)
                targets[i * n_classes + j] = class_of[i] == j ? 1.0 : 0.0;
        }
        if (!classes && n_targets > 0)
            memcpy(targets, c->targets.values, c->rows * n_targets * sizeof(double));
        *out = data;
        data = NULL;
    } else if (status == NN_ERR_NO_MEMORY) {
        out_of_memory(c);
    }
    nn_dataset_free(data);
    for (size_t k = 0; names != NULL && k < n_classes; k++)
        free(names[k]);
    free(names);
    free(class_of);
    return status;
}

static nn_status load(struct csv_load *c, const char *data, size_t size, nn_dataset_t **out)
{
    size_t pos = 0;
    struct line line = {NULL, 0, 0};
    int first = 1;
    nn_status status = NN_OK;
    while (status == NN_OK && next_line(data, size, &pos, &line)) {
        if (line.n == 0 || line.t[0] == '#')
            continue;
        if (first) {
            first = 0;
            c->columns = count_fields(&line, c->o->delimiter);
            const int header = is_header(c, &line);
            status = assign_roles(c, &line, header);
            if (header || status != NN_OK)
                continue;
        }
        status = add_row(c, &line);
    }
    if (status == NN_OK && c->rows == 0)
        status = nn__data_fail(c->message, c->message_size, NN_ERR_FORMAT, 0, 0, "no data rows");
    if (status == NN_OK)
        status = build(c, out);
    return status;
}

nn_status nn_dataset_load_csv_buffer(nn_dataset_t **out, const char *data, size_t size,
                                     const nn_csv_options_t *options, char *message,
                                     size_t message_size)
{
    if (message != NULL && message_size > 0)
        message[0] = '\0';
    if (out == NULL || (data == NULL && size > 0))
        return NN_ERR_NULL_ARG;
    struct nn_csv_options defaults;
    nn__csv_options_defaults(&defaults);
    struct csv_load c;
    memset(&c, 0, sizeof c);
    c.o = options != NULL ? options : &defaults;
    c.message = message;
    c.message_size = message_size;
    const nn_status status = load(&c, data != NULL ? data : "", size, out);
    free(c.role);
    free(c.row_targets);
    free(c.inputs.values);
    free(c.targets.values);
    free(c.labels);
    return status;
}

nn_status nn_dataset_load_csv(nn_dataset_t **out, const char *path,
                              const nn_csv_options_t *options, char *message, size_t message_size)
{
    if (message != NULL && message_size > 0)
        message[0] = '\0';
    if (out == NULL || path == NULL)
        return NN_ERR_NULL_ARG;
    char *data = NULL;
    size_t size = 0;
    nn_status status = nn__read_whole_file(path, &data, &size, message, message_size);
    if (status != NN_OK)
        return status;
    status = nn_dataset_load_csv_buffer(out, data, size, options, message, message_size);
    free(data);
    return status;
}
