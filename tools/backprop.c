/* backprop: the command-line face of libbackprop. It parses arguments and
   calls the library; every number it reports is the library's own. */
#define _POSIX_C_SOURCE 200809L

#include <backprop.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: backprop COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  init     --sizes N,N,... --activations NAME,... [--seed S] [--bias neuron|shared]\n"
    "           [--init uniform|xavier|he] [--range LO,HI] [--loss half-sse|mse] -o MODEL\n"
    "      Creates a network with seeded random parameters and saves it. The default\n"
    "      initialisation is uniform on [0,1) (numpy's seed + rand draws) in the flat\n"
    "      parameter order; --range changes the interval.\n"
    "  explain  MODEL --input X --target T --rate R [--steps N] [--rule standard|sequential]\n"
    "           [--format text|markdown|json] [--digits D] [--names UNITS]\n"
    "           [--param-names NAMES] [-o MODEL_OUT]\n"
    "      Writes the first training step as a worked calculation: net inputs, activations,\n"
    "      loss, deltas, chain-rule products and updated parameters. With --steps N the\n"
    "      remaining N-1 steps run silently and text and markdown end with the loss and\n"
    "      outputs after N steps. -o saves the network after the N steps.\n"
    "  train    MODEL --data FILE.csv --rate R --epochs N [--batch B] [--rule standard|sequential]\n"
    "           [--loss-csv FILE] -o MODEL_OUT\n"
    "      Gradient descent over the CSV samples (each row: the inputs, then the targets;\n"
    "      a first row that is not numeric is a header). --batch B sums the gradients of\n"
    "      B samples before each step (default 1: online training). The loss over the\n"
    "      whole data set after every epoch goes to --loss-csv as 'epoch,loss'; a\n"
    "      progress line is shown when standard error is a terminal.\n"
    "  run      MODEL (--input X | --data FILE.csv)\n"
    "      Prints the outputs, one sample a line.\n"
    "  dot      MODEL [--input X [--target T]] [--digits D] [--names UNITS]\n"
    "           [--param-names NAMES] [-o FILE.dot]\n"
    "      Writes a Graphviz graph of the network, annotated with the forward values\n"
    "      and gradients when an input (and target) is given.\n"
    "\n"
    "Vectors are comma-separated numbers; several samples are separated by ';'\n"
    "(e.g. --input '0,0;0,1' --target '0;1'). UNITS names every unit, layers separated\n"
    "by ':' (e.g. i1,i2:h1,h2:o1,o2). NAMES names every parameter in the flat order\n"
    "(layer by layer, the weights row-major, then the biases).\n"
    "Options: -h, --help shows this text; --version prints the library version.\n"
    "Exit status: 0 on success, 1 when the library refuses a model or data, 2 for bad usage.\n";

/* Reports a problem on one line and gives the exit status. */
static int fail(int status, const char *fmt, ...)
{
    va_list ap;
    fputs("backprop: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

/* ---- argument parsing ---- */

struct options {
    const char *model;
    const char *output;
    const char *sizes, *activations, *bias, *init, *range, *loss;
    const char *input, *target, *data, *rule, *format, *names, *param_names, *loss_csv;
    const char *seed, *rate, *steps, *epochs, *batch, *digits;
};

/* Every option and the field it fills; '-o' and '--output' fill the same one. */
static const struct {
    const char *name;
    size_t offset;
} option_table[] = {
    {"-o", offsetof(struct options, output)},
    {"--output", offsetof(struct options, output)},
    {"--sizes", offsetof(struct options, sizes)},
    {"--activations", offsetof(struct options, activations)},
    {"--bias", offsetof(struct options, bias)},
    {"--init", offsetof(struct options, init)},
    {"--range", offsetof(struct options, range)},
    {"--loss", offsetof(struct options, loss)},
    {"--input", offsetof(struct options, input)},
    {"--target", offsetof(struct options, target)},
    {"--data", offsetof(struct options, data)},
    {"--rule", offsetof(struct options, rule)},
    {"--format", offsetof(struct options, format)},
    {"--names", offsetof(struct options, names)},
    {"--param-names", offsetof(struct options, param_names)},
    {"--loss-csv", offsetof(struct options, loss_csv)},
    {"--seed", offsetof(struct options, seed)},
    {"--rate", offsetof(struct options, rate)},
    {"--steps", offsetof(struct options, steps)},
    {"--epochs", offsetof(struct options, epochs)},
    {"--batch", offsetof(struct options, batch)},
    {"--digits", offsetof(struct options, digits)},
};

#define N_OPTIONS (sizeof option_table / sizeof option_table[0])

static const char **option_slot(struct options *o, const char *name)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(option_table[i].name, name) == 0)
            return (const char **)((char *)o + option_table[i].offset);
    return NULL;
}

/* Fills `o`; returns 0, or prints the problem and returns EXIT_USAGE. */
static int parse_args(int argc, char **argv, int takes_model, struct options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1] != '\0') {
            const char **slot = option_slot(o, arg);
            if (slot == NULL)
                return fail(EXIT_USAGE, "unknown option '%s' (see backprop --help)", arg);
            if (i + 1 >= argc)
                return fail(EXIT_USAGE, "option '%s' needs a value", arg);
            if (*slot != NULL)
                return fail(EXIT_USAGE, "option '%s' given twice", arg);
            *slot = argv[++i];
        } else if (takes_model && o->model == NULL) {
            o->model = arg;
        } else {
            return fail(EXIT_USAGE, "unexpected argument '%s'", arg);
        }
    }
    if (takes_model && o->model == NULL)
        return fail(EXIT_USAGE, "missing the model file argument");
    return 0;
}

/* Only the options a command uses may be given. */
static int reject_others(const struct options *o, const char *const *allowed, const char *command)
{
    struct options *fields = (struct options *)o;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const char **slot = option_slot(fields, option_table[i].name);
        if (*slot == NULL || (i > 0 && option_table[i - 1].offset == option_table[i].offset))
            continue; /* unset, or an alias of the option before it */
        int ok = 0;
        for (size_t k = 0; allowed[k] != NULL; k++)
            ok |= option_slot(fields, allowed[k]) == slot;
        if (!ok)
            return fail(EXIT_USAGE, "option '%s' does not apply to '%s'", option_table[i].name,
                        command);
    }
    return 0;
}

static int parse_double(const char *text, double *value)
{
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    return end != text && *end == '\0' && errno == 0 && isfinite(*value);
}

static int parse_size(const char *text, size_t *value)
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

/* Splits `text` at `sep` into a newly allocated array of fields (the text is copied). */
static char **split(const char *text, char sep, size_t *count, char **storage)
{
    *storage = strdup(text);
    if (*storage == NULL)
        return NULL;
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == sep;
    char **fields = malloc(n * sizeof *fields);
    if (fields == NULL) {
        free(*storage);
        return NULL;
    }
    char *p = *storage;
    for (size_t i = 0; i < n; i++) {
        fields[i] = p;
        char *next = strchr(p, sep);
        if (next != NULL) {
            *next = '\0';
            p = next + 1;
        }
    }
    *count = n;
    return fields;
}

/* Parses samples "a,b;c,d" of `width` numbers each into a new array. */
static int parse_samples(const char *what, const char *text, size_t width, double **values,
                         size_t *n_samples)
{
    char *storage;
    size_t n_rows;
    char **rows = split(text, ';', &n_rows, &storage);
    if (rows == NULL)
        return fail(1, "out of memory");
    double *v = malloc(n_rows * width * sizeof *v);
    int status = v == NULL ? fail(1, "out of memory") : 0;
    for (size_t r = 0; status == 0 && r < n_rows; r++) {
        char *row_storage;
        size_t n_fields;
        char **fields = split(rows[r], ',', &n_fields, &row_storage);
        if (fields == NULL) {
            status = fail(1, "out of memory");
            break;
        }
        if (n_fields != width)
            status = fail(EXIT_USAGE, "%s: sample %zu has %zu values, the network needs %zu",
                          what, r + 1, n_fields, width);
        for (size_t i = 0; status == 0 && i < n_fields; i++)
            if (!parse_double(fields[i], &v[r * width + i]))
                status = fail(EXIT_USAGE, "%s: '%s' is not a finite number", what, fields[i]);
        free(fields);
        free(row_storage);
    }
    free(rows);
    free(storage);
    if (status != 0) {
        free(v);
        return status;
    }
    *values = v;
    *n_samples = n_rows;
    return 0;
}

static int load_model(const char *path, nn_t **net)
{
    char msg[256];
    nn_status s = nn_load_ex(net, path, 0, NULL, NULL, NULL, NULL, msg, sizeof msg);
    if (s != NN_OK)
        return fail(1, "%s: %s", path, msg[0] ? msg : nn_strerror(s));
    return 0;
}

static int save_model(const nn_t *net, const char *path)
{
    nn_status s = nn_save(net, path);
    return s == NN_OK ? 0 : fail(1, "%s: %s", path, nn_strerror(s));
}

static int lookup(const char *what, const char *value, const char *const *names, int *code)
{
    for (int i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], value) == 0) {
            *code = i;
            return 0;
        }
    }
    return fail(EXIT_USAGE, "unknown %s '%s'", what, value);
}

static const char *const rule_names[] = {"standard", "sequential", NULL};

/* ---- init ---- */

static int cmd_init(const struct options *o)
{
    static const char *const allowed[] = {"--sizes", "--activations", "--seed", "--bias", "--init",
                                          "--range", "--loss", "-o", NULL};
    static const char *const act_names[] = {"linear", "sigmoid", "tanh", "relu",
                                            "leaky_relu", "softplus", NULL};
    static const char *const bias_names[] = {"neuron", "shared", NULL};
    static const char *const init_names[] = {"uniform", "xavier", "he", NULL};
    static const char *const loss_names[] = {"half-sse", "mse", NULL};
    int status = reject_others(o, allowed, "init");
    if (status)
        return status;
    if (o->sizes == NULL || o->activations == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "init needs --sizes, --activations and -o");
    char *size_storage, *act_storage;
    size_t n_layers = 0, n_acts = 0;
    char **size_fields = split(o->sizes, ',', &n_layers, &size_storage);
    char **act_fields = split(o->activations, ',', &n_acts, &act_storage);
    size_t *sizes = malloc(n_layers * sizeof *sizes);
    int *acts = malloc(n_acts * sizeof *acts);
    nn_t *net = NULL;
    if (size_fields == NULL || act_fields == NULL || sizes == NULL || acts == NULL)
        status = fail(1, "out of memory");
    for (size_t i = 0; status == 0 && i < n_layers; i++)
        if (!parse_size(size_fields[i], &sizes[i]))
            status = fail(EXIT_USAGE, "--sizes: '%s' is not a layer size", size_fields[i]);
    if (status == 0 && n_acts + 1 != n_layers)
        status = fail(EXIT_USAGE, "--activations needs %zu names (one per layer after the inputs), got %zu",
                      n_layers > 0 ? n_layers - 1 : 0, n_acts);
    for (size_t i = 0; status == 0 && i < n_acts; i++)
        status = lookup("activation", act_fields[i], act_names, &acts[i]);
    int bias = NN_BIAS_PER_NEURON, scheme = NN_INIT_UNIFORM, loss = NN_LOSS_HALF_SSE;
    double lo = 0.0, hi = 1.0;
    size_t seed = 0;
    if (status == 0 && o->bias)
        status = lookup("bias convention", o->bias, bias_names, &bias);
    if (status == 0 && o->init)
        status = lookup("initialisation", o->init, init_names, &scheme);
    if (status == 0 && o->loss)
        status = lookup("loss", o->loss, loss_names, &loss);
    if (status == 0 && o->seed && (!parse_size(o->seed, &seed) || seed > 0xffffffffu))
        status = fail(EXIT_USAGE, "--seed: '%s' is not a number from 0 to 4294967295", o->seed);
    if (status == 0 && o->range) {
        char *end;
        lo = strtod(o->range, &end);
        if (*end != ',' || !parse_double(end + 1, &hi) || !isfinite(lo) || !(lo < hi))
            status = fail(EXIT_USAGE, "--range: expected LO,HI with LO < HI, got '%s'", o->range);
    }
    if (status == 0) {
        nn_status s = nn_create(&net, n_layers, sizes, acts);
        if (s != NN_OK)
            status = fail(EXIT_USAGE, "cannot create the network: %s", nn_strerror(s));
    }
    for (size_t k = 1; status == 0 && k < n_layers; k++)
        nn_set_bias_mode(net, k, bias);
    if (status == 0) {
        nn_set_loss(net, loss);
        nn_status s = nn_init_random(net, (unsigned long)seed, scheme, lo, hi);
        status = s == NN_OK ? save_model(net, o->output)
                            : fail(EXIT_USAGE, "initialisation: %s", nn_strerror(s));
    }
    nn_free(net);
    free(sizes);
    free(acts);
    free(size_fields);
    free(act_fields);
    free(size_storage);
    free(act_storage);
    return status;
}

/* ---- names for explain and dot ---- */

static int apply_names(const nn_t *net, nn_explain_options_t *eo, const char *units,
                       const char *params)
{
    int status = 0;
    if (units) {
        char *storage;
        size_t n_layers;
        char **layers = split(units, ':', &n_layers, &storage);
        if (layers == NULL)
            return fail(1, "out of memory");
        if (n_layers != nn_layer_count(net))
            status = fail(EXIT_USAGE, "--names: %zu layers named, the network has %zu",
                          n_layers, nn_layer_count(net));
        for (size_t k = 0; status == 0 && k < n_layers; k++) {
            char *layer_storage;
            size_t n_units;
            char **names = split(layers[k], ',', &n_units, &layer_storage);
            if (names == NULL) {
                status = fail(1, "out of memory");
                break;
            }
            if (n_units != nn_layer_size(net, k))
                status = fail(EXIT_USAGE, "--names: layer %zu has %zu units, %zu names given", k,
                              nn_layer_size(net, k), n_units);
            for (size_t j = 0; status == 0 && j < n_units; j++) {
                nn_status s = nn_explain_options_set_unit_name(eo, k, j, names[j]);
                if (s != NN_OK)
                    status = fail(EXIT_USAGE, "--names: '%s': %s", names[j], nn_strerror(s));
            }
            free(names);
            free(layer_storage);
        }
        free(layers);
        free(storage);
    }
    if (status == 0 && params) {
        char *storage;
        size_t n;
        char **names = split(params, ',', &n, &storage);
        if (names == NULL)
            return fail(1, "out of memory");
        if (n != nn_param_count(net))
            status = fail(EXIT_USAGE, "--param-names: %zu names given, the network has %zu parameters",
                          n, nn_param_count(net));
        for (size_t i = 0; status == 0 && i < n; i++) {
            nn_status s = nn_explain_options_set_param_name(eo, i, names[i]);
            if (s != NN_OK)
                status = fail(EXIT_USAGE, "--param-names: '%s': %s", names[i], nn_strerror(s));
        }
        free(names);
        free(storage);
    }
    return status;
}

static int write_to_file(void *context, const char *bytes, size_t n)
{
    return fwrite(bytes, 1, n, (FILE *)context) == n ? 0 : 1;
}

static int parse_digits(const struct options *o, nn_explain_options_t *eo)
{
    size_t digits;
    if (o->digits == NULL)
        return 0;
    if (!parse_size(o->digits, &digits) || digits < 1 || digits > 17 ||
        nn_explain_options_set_digits(eo, (int)digits) != NN_OK)
        return fail(EXIT_USAGE, "--digits: expected 1 to 17, got '%s'", o->digits);
    return 0;
}

/* ---- explain ---- */

static int print_after(const nn_t *net, const double *input, const double *target, size_t steps,
                       int markdown)
{
    nn_t *probe;
    if (nn_clone(net, &probe) != NN_OK)
        return fail(1, "out of memory");
    const size_t n_out = nn_output_count(net);
    double *out = malloc(n_out * sizeof *out);
    double loss = 0.0;
    if (out == NULL) {
        nn_free(probe);
        return fail(1, "out of memory");
    }
    nn_forward(probe, input, out);
    nn_loss(probe, target, &loss);
    printf("%sAfter %zu steps: E = %.12g, outputs", markdown ? "\n**" : "\n", steps, loss);
    for (size_t i = 0; i < n_out; i++)
        printf("%s%.12g", i ? ", " : " ", out[i]);
    printf("%s\n", markdown ? "**" : "");
    free(out);
    nn_free(probe);
    return 0;
}

static int cmd_explain(const struct options *o)
{
    static const char *const allowed[] = {"--input", "--target", "--rate", "--steps", "--rule",
                                          "--format", "--digits", "--names", "--param-names",
                                          "-o", NULL};
    static const char *const format_names[] = {"text", "markdown", "json", NULL};
    int status = reject_others(o, allowed, "explain");
    if (status)
        return status;
    if (o->input == NULL || o->target == NULL || o->rate == NULL)
        return fail(EXIT_USAGE, "explain needs --input, --target and --rate");
    double rate;
    size_t steps = 1;
    int rule = NN_RULE_STANDARD, format = NN_EXPLAIN_TEXT;
    if (!parse_double(o->rate, &rate))
        return fail(EXIT_USAGE, "--rate: '%s' is not a finite number", o->rate);
    if (o->steps && (!parse_size(o->steps, &steps) || steps == 0))
        return fail(EXIT_USAGE, "--steps: expected a positive whole number, got '%s'", o->steps);
    if (o->rule && (status = lookup("rule", o->rule, rule_names, &rule)) != 0)
        return status;
    if (o->format && (status = lookup("format", o->format, format_names, &format)) != 0)
        return status;

    nn_t *net = NULL;
    nn_explain_options_t *eo = NULL;
    double *inputs = NULL, *targets = NULL;
    size_t n_in_samples = 0, n_target_samples = 0;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if (nn_explain_options_create(&eo) != NN_OK) {
        nn_free(net);
        return fail(1, "out of memory");
    }
    nn_explain_options_set_format(eo, format);
    nn_explain_options_set_rule(eo, rule);
    nn_explain_options_set_apply(eo, 1);
    status = parse_digits(o, eo);
    if (status == 0)
        status = apply_names(net, eo, o->names, o->param_names);
    if (status == 0)
        status = parse_samples("--input", o->input, nn_input_count(net), &inputs, &n_in_samples);
    if (status == 0)
        status = parse_samples("--target", o->target, nn_output_count(net), &targets,
                               &n_target_samples);
    if (status == 0 && n_in_samples != n_target_samples)
        status = fail(EXIT_USAGE, "%zu input samples but %zu target samples", n_in_samples,
                      n_target_samples);
    if (status == 0 && rule == NN_RULE_SEQUENTIAL && n_in_samples != 1)
        status = fail(EXIT_USAGE, "the sequential rule takes exactly one sample");
    const size_t in_count = n_in_samples * nn_input_count(net);
    const size_t target_count = n_target_samples * nn_output_count(net);
    if (status == 0) {
        nn_status s = nn_explain(net, eo, inputs, in_count, targets, target_count, rate,
                                 write_to_file, stdout);
        if (s != NN_OK)
            status = fail(1, "explain: %s", nn_strerror(s));
    }
    /* the remaining steps, silently, with the same rule */
    for (size_t step = 1; status == 0 && step < steps; step++) {
        nn_status s = NN_OK;
        if (rule == NN_RULE_SEQUENTIAL) {
            s = nn_train_sequential(net, inputs, targets, rate);
        } else {
            for (size_t i = 0; s == NN_OK && i < n_in_samples; i++) {
                s = nn_forward(net, inputs + i * nn_input_count(net), NULL);
                if (s == NN_OK)
                    s = nn_backward(net, targets + i * nn_output_count(net));
            }
            if (s == NN_OK)
                s = nn_step(net, rate);
        }
        if (s != NN_OK)
            status = fail(1, "step %zu: %s", step + 1, nn_strerror(s));
    }
    if (status == 0 && steps > 1 && format != NN_EXPLAIN_JSON && n_in_samples == 1)
        status = print_after(net, inputs, targets, steps, format == NN_EXPLAIN_MARKDOWN);
    if (status == 0 && o->output)
        status = save_model(net, o->output);
    free(inputs);
    free(targets);
    nn_explain_options_free(eo);
    nn_free(net);
    return status;
}

/* ---- CSV data ---- */

struct dataset {
    size_t n;
    double *inputs;
    double *targets;
};

static int read_csv(const char *path, size_t n_in, size_t n_out, struct dataset *d)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(1, "%s: %s", path, strerror(errno));
    size_t cap = 0, line_no = 0;
    char *line = NULL;
    size_t line_cap = 0;
    int status = 0;
    memset(d, 0, sizeof *d);
    while (status == 0 && getline(&line, &line_cap, f) != -1) {
        line_no++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *storage;
        size_t n_fields;
        char **fields = split(line, ',', &n_fields, &storage);
        if (fields == NULL) {
            status = fail(1, "out of memory");
            break;
        }
        double first;
        if (d->n == 0 && line_no == 1 && !parse_double(fields[0], &first)) {
            free(fields);
            free(storage);
            continue; /* a header row */
        }
        if (n_fields != n_in + n_out)
            status = fail(1, "%s:%zu: %zu values, expected %zu inputs and %zu targets", path,
                          line_no, n_fields, n_in, n_out);
        if (status == 0 && d->n == cap) {
            cap = cap ? 2 * cap : 64;
            double *in = realloc(d->inputs, cap * n_in * sizeof *in);
            if (in)
                d->inputs = in;
            double *t = realloc(d->targets, cap * n_out * sizeof *t);
            if (t)
                d->targets = t;
            if (!in || !t)
                status = fail(1, "out of memory");
        }
        for (size_t i = 0; status == 0 && i < n_fields; i++) {
            double *slot = i < n_in ? &d->inputs[d->n * n_in + i]
                                    : &d->targets[d->n * n_out + (i - n_in)];
            if (!parse_double(fields[i], slot))
                status = fail(1, "%s:%zu: '%s' is not a finite number", path, line_no, fields[i]);
        }
        if (status == 0)
            d->n++;
        free(fields);
        free(storage);
    }
    free(line);
    fclose(f);
    if (status == 0 && d->n == 0)
        status = fail(1, "%s: no samples", path);
    if (status != 0) {
        free(d->inputs);
        free(d->targets);
        memset(d, 0, sizeof *d);
    }
    return status;
}

static double dataset_loss(nn_t *net, const struct dataset *d)
{
    double total = 0.0, loss;
    for (size_t i = 0; i < d->n; i++) {
        nn_forward(net, d->inputs + i * nn_input_count(net), NULL);
        nn_loss(net, d->targets + i * nn_output_count(net), &loss);
        total += loss;
    }
    return total;
}

/* ---- train ---- */

static int train_epoch(nn_t *net, const struct dataset *d, double rate, size_t batch, int rule)
{
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    nn_status s = NN_OK;
    for (size_t start = 0; s == NN_OK && start < d->n; start += batch) {
        const size_t end = start + batch < d->n ? start + batch : d->n;
        if (rule == NN_RULE_SEQUENTIAL) {
            s = nn_train_sequential(net, d->inputs + start * n_in, d->targets + start * n_out, rate);
        } else if (end - start == 1) {
            s = nn_train_sample(net, d->inputs + start * n_in, d->targets + start * n_out, rate);
        } else {
            for (size_t i = start; s == NN_OK && i < end; i++) {
                s = nn_forward(net, d->inputs + i * n_in, NULL);
                if (s == NN_OK)
                    s = nn_backward(net, d->targets + i * n_out);
            }
            if (s == NN_OK)
                s = nn_step(net, rate);
        }
    }
    return s == NN_OK ? 0 : fail(1, "training: %s", nn_strerror(s));
}

static int cmd_train(const struct options *o)
{
    static const char *const allowed[] = {"--data", "--rate", "--epochs", "--batch", "--rule",
                                          "--loss-csv", "-o", NULL};
    int status = reject_others(o, allowed, "train");
    if (status)
        return status;
    if (o->data == NULL || o->rate == NULL || o->epochs == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "train needs --data, --rate, --epochs and -o");
    double rate;
    size_t epochs, batch = 1;
    int rule = NN_RULE_STANDARD;
    if (!parse_double(o->rate, &rate))
        return fail(EXIT_USAGE, "--rate: '%s' is not a finite number", o->rate);
    if (!parse_size(o->epochs, &epochs))
        return fail(EXIT_USAGE, "--epochs: expected a whole number, got '%s'", o->epochs);
    if (o->batch && (!parse_size(o->batch, &batch) || batch == 0))
        return fail(EXIT_USAGE, "--batch: expected a positive whole number, got '%s'", o->batch);
    if (o->rule && (status = lookup("rule", o->rule, rule_names, &rule)) != 0)
        return status;
    if (rule == NN_RULE_SEQUENTIAL && batch != 1)
        return fail(EXIT_USAGE, "the sequential rule trains one sample at a time (--batch 1)");

    nn_t *net = NULL;
    struct dataset d;
    FILE *csv = NULL;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    status = read_csv(o->data, nn_input_count(net), nn_output_count(net), &d);
    if (status == 0 && o->loss_csv) {
        csv = fopen(o->loss_csv, "w");
        if (csv == NULL)
            status = fail(1, "%s: %s", o->loss_csv, strerror(errno));
        else
            fprintf(csv, "epoch,loss\n%d,%.17g\n", 0, dataset_loss(net, &d));
    }
    const int progress = isatty(STDERR_FILENO);
    for (size_t epoch = 1; status == 0 && epoch <= epochs; epoch++) {
        status = train_epoch(net, &d, rate, batch, rule);
        if (status != 0)
            break;
        const int report = csv || (progress && (epoch == epochs || epoch % 10 == 0));
        const double loss = report ? dataset_loss(net, &d) : 0.0;
        if (csv)
            fprintf(csv, "%zu,%.17g\n", epoch, loss);
        if (progress && (epoch == epochs || epoch % 10 == 0))
            fprintf(stderr, "\repoch %zu/%zu  loss %.6g   ", epoch, epochs, loss);
    }
    if (progress && epochs > 0)
        fputc('\n', stderr);
    if (csv && fclose(csv) != 0 && status == 0)
        status = fail(1, "%s: write failed", o->loss_csv);
    if (status == 0)
        status = save_model(net, o->output);
    free(d.inputs);
    free(d.targets);
    nn_free(net);
    return status;
}

/* ---- run ---- */

static int cmd_run(const struct options *o)
{
    static const char *const allowed[] = {"--input", "--data", NULL};
    int status = reject_others(o, allowed, "run");
    if (status)
        return status;
    if ((o->input == NULL) == (o->data == NULL))
        return fail(EXIT_USAGE, "run needs exactly one of --input and --data");
    nn_t *net = NULL;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    double *inputs = NULL, *out = malloc(n_out * sizeof *out);
    size_t n = 0;
    struct dataset d = {0, NULL, NULL};
    if (out == NULL) {
        status = fail(1, "out of memory");
    } else if (o->input) {
        status = parse_samples("--input", o->input, n_in, &inputs, &n);
    } else {
        /* the CSV may hold targets too; only the inputs are used */
        FILE *f = fopen(o->data, "r");
        int with_targets = 0;
        if (f) {
            char first[4096];
            size_t commas = 0;
            while (fgets(first, sizeof first, f)) {
                if (first[0] == '#' || first[0] == '\n')
                    continue;
                for (char *p = first; *p; p++)
                    commas += *p == ',';
                break;
            }
            fclose(f);
            with_targets = commas + 1 == n_in + n_out;
        }
        status = read_csv(o->data, n_in, with_targets ? n_out : 0, &d);
        inputs = d.inputs;
        n = d.n;
    }
    for (size_t i = 0; status == 0 && i < n; i++) {
        nn_status s = nn_forward(net, inputs + i * n_in, out);
        if (s != NN_OK) {
            status = fail(1, "sample %zu: %s", i + 1, nn_strerror(s));
            break;
        }
        for (size_t j = 0; j < n_out; j++)
            printf("%s%.17g", j ? "," : "", out[j]);
        printf("\n");
    }
    free(inputs);
    free(d.targets);
    free(out);
    nn_free(net);
    return status;
}

/* ---- dot ---- */

static int cmd_dot(const struct options *o)
{
    static const char *const allowed[] = {"--input", "--target", "--digits", "--names",
                                          "--param-names", "-o", NULL};
    int status = reject_others(o, allowed, "dot");
    if (status)
        return status;
    if (o->target && !o->input)
        return fail(EXIT_USAGE, "--target needs --input");
    nn_t *net = NULL;
    nn_explain_options_t *eo = NULL;
    double *input = NULL, *target = NULL;
    size_t n = 0, n_t = 0;
    FILE *f = stdout;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if (nn_explain_options_create(&eo) != NN_OK)
        status = fail(1, "out of memory");
    if (status == 0)
        status = parse_digits(o, eo);
    if (status == 0)
        status = apply_names(net, eo, o->names, o->param_names);
    if (status == 0 && o->input)
        status = parse_samples("--input", o->input, nn_input_count(net), &input, &n);
    if (status == 0 && o->target)
        status = parse_samples("--target", o->target, nn_output_count(net), &target, &n_t);
    if (status == 0 && (n > 1 || n_t > 1))
        status = fail(EXIT_USAGE, "dot takes one sample");
    if (status == 0 && o->output && (f = fopen(o->output, "w")) == NULL)
        status = fail(1, "%s: %s", o->output, strerror(errno));
    if (status == 0) {
        nn_status s = nn_export_dot(net, eo, input, input ? nn_input_count(net) : 0, target,
                                    target ? nn_output_count(net) : 0, write_to_file, f);
        if (s != NN_OK)
            status = fail(1, "dot: %s", nn_strerror(s));
    }
    if (f != NULL && f != stdout && fclose(f) != 0 && status == 0)
        status = fail(1, "%s: write failed", o->output);
    free(input);
    free(target);
    nn_explain_options_free(eo);
    nn_free(net);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fail(EXIT_USAGE, "missing command (see backprop --help)");
    const char *command = argv[1];
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("backprop %s\n", nn_version_string());
        return 0;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
    }
    static const struct {
        const char *name;
        int takes_model;
        int (*run)(const struct options *);
    } commands[] = {
        {"init", 0, cmd_init}, {"explain", 1, cmd_explain}, {"train", 1, cmd_train},
        {"run", 1, cmd_run},   {"dot", 1, cmd_dot},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, command) == 0) {
            struct options o;
            int status = parse_args(argc - 2, argv + 2, commands[i].takes_model, &o);
            if (status)
                return status;
            status = commands[i].run(&o);
            if (fflush(stdout) != 0 && status == 0)
                status = fail(1, "cannot write the output");
            return status;
        }
    }
    return fail(EXIT_USAGE, "unknown command '%s' (see backprop --help)", command);
}
