/* backprop: the command-line face of libbackprop. It parses arguments and
   calls the library; every number it reports is the library's own. */
#define _POSIX_C_SOURCE 200809L

#include <backprop.h>

#include "command.h"
#include "csv.h"
#include "data_set.h"
#include "evaluation.h"
#include "optimizer_options.h"
#include "quote.h"
#include "schedule_option.h"
#include "train_loop.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the names options take ---- */

struct name_code {
    const char *name;
    int code;
};

/* The valid names of one option: --help, the error for an unknown name and
   the parser all read them from here. The library's own choices come from
   its lookups (which also take '-' for '_' and older spellings); the
   command's own from a table. */
struct choice {
    const char *key;  /* the placeholder {key} in the usage text */
    const char *what; /* the thing named, for messages */
    const char *(*name_of)(int code);                    /* the library's names */
    nn_status (*from_name)(const char *name, int *code); /* and their lookup */
    const struct name_code *names;                       /* or the command's own */
    size_t count;
};

static const struct name_code init_names[] = {
    {"uniform", NN_INIT_UNIFORM},
    {"xavier", NN_INIT_XAVIER},
    {"he", NN_INIT_HE},
};
static const struct name_code rule_names[] = {
    {"standard", NN_RULE_STANDARD},
    {"sequential", NN_RULE_SEQUENTIAL},
};
static const struct name_code eval_format_names[] = {
    {"text", EVAL_TEXT},
    {"json", EVAL_JSON},
};
static const struct name_code reduction_names[] = {
    {"mean", NN_REDUCTION_MEAN},
    {"sum", NN_REDUCTION_SUM},
};
#define LIBRARY_CHOICE(key, what, name_of, from_name) {key, what, name_of, from_name, NULL, 0}
#define COMMAND_CHOICE(key, what, table) \
    {key, what, NULL, NULL, table, sizeof table / sizeof table[0]}

static const struct choice choices[] = {
    LIBRARY_CHOICE("activation", "activation", nn_activation_name, nn_activation_from_name),
    LIBRARY_CHOICE("bias", "bias convention", nn_bias_mode_name, nn_bias_mode_from_name),
    COMMAND_CHOICE("init", "initialisation", init_names),
    LIBRARY_CHOICE("loss", "loss", nn_loss_name, nn_loss_from_name),
    COMMAND_CHOICE("rule", "rule", rule_names),
    LIBRARY_CHOICE("format", "format", nn_explain_format_name, nn_explain_format_from_name),
    COMMAND_CHOICE("reduction", "reduction", reduction_names),
    LIBRARY_CHOICE("optimizer", "optimizer", nn_optimizer_name, nn_optimizer_from_name),
    COMMAND_CHOICE("report", "report format", eval_format_names),
    LIBRARY_CHOICE("scale", "scaling", nn_scale_name, nn_scale_from_name),
};

enum {
    CHOICE_ACTIVATION,
    CHOICE_BIAS,
    CHOICE_INIT,
    CHOICE_LOSS,
    CHOICE_RULE,
    CHOICE_FORMAT,
    CHOICE_REDUCTION,
    CHOICE_OPTIMIZER,
    CHOICE_EVAL_FORMAT,
    CHOICE_SCALE
};

/* The i-th name of `c` (its code for the library's choices); NULL past the last. */
static const char *choice_name(const struct choice *c, size_t i)
{
    if (c->name_of != NULL)
        return i <= (size_t)INT32_MAX ? c->name_of((int)i) : NULL;
    return i < c->count ? c->names[i].name : NULL;
}

/* Writes the names of `c` separated by `sep`. */
static void put_names(FILE *f, const struct choice *c, const char *sep)
{
    for (size_t i = 0; choice_name(c, i) != NULL; i++)
        fprintf(f, "%s%s", i ? sep : "", choice_name(c, i));
}

/* {key} stands for the names of choices[key], separated by '|'. In parts,
   since C compilers need to take string literals of up to 4095 bytes only. */
static const char *const usage_text[] = {
    "usage: backprop COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  init     --sizes N,N,... --activations NAME,... [--seed S]\n"
    "           [--bias {bias}[,...]] [--init {init}] [--range LO,HI]\n"
    "           [--loss {loss}] [--reduction {reduction}]\n"
    "           [--class-names NAME,...] -o MODEL\n"
    "      Creates a network with seeded random parameters and saves it. One activation\n"
    "      per layer after the inputs (e.g. relu,softmax), NAMEs: {activation}.\n"
    "      The default initialisation is uniform on [0,1) (numpy's seed + rand draws) in\n"
    "      the flat parameter order; --range changes the interval; xavier and he draw\n"
    "      the weights from the layer sizes and set the biases to 0. --bias takes one\n"
    "      convention for every layer or one per layer; --reduction is what a batch adds\n"
    "      up (kept in the model); --class-names names the classes of the outputs (one\n"
    "      per output, or two for one output), which run --classes and eval print.\n"
    "  explain  MODEL --input X --target T --rate R [--steps N] [--rule {rule}]\n"
    "           [--format {format}] [--digits D] [--names UNITS]\n"
    "           [--param-names NAMES] [--optimizer NAME [HYPERPARAMETERS]] [-o MODEL_OUT]\n"
    "      Writes the first training step as a worked calculation: net inputs, activations,\n"
    "      loss, deltas, chain-rule products and updated parameters. With --steps N the\n"
    "      remaining N-1 steps run silently and text and markdown end with the loss and\n"
    "      outputs after N steps. -o saves the network after the N steps. With\n"
    "      --optimizer (standard rule) the steps are the optimiser's, and the first is\n"
    "      written out with every value of its state (for adam: m, v, the corrections).\n"
    "  train    MODEL --data FILE.csv --rate R --epochs N [--batch B] [--rule {rule}]\n"
    "           [--reduction {reduction}] [--optimizer {optimizer}]\n"
    "           [--HYPERPARAMETER V ...] [--clip MAX_NORM] [--schedule SPEC]\n"
    "           [--loss-csv FILE] -o MODEL_OUT\n"
    "      Gradient descent over the CSV samples (each row: the inputs, then the targets;\n"
    "      a first row that is not numeric is a header). --batch B steps once per B\n"
    "      samples (default 1: online training) with the mean of their gradients, or\n"
    "      their sum with --reduction sum (then the rate must shrink as B grows); the\n"
    "      saved model keeps its own reduction setting. The loss over the\n"
    "      whole data set after every epoch goes to --loss-csv as 'epoch,loss'; a\n"
    "      progress line is shown when standard error is a terminal. When the loss or a\n"
    "      parameter stops being a finite number the training stops with status 1 and\n"
    "      nothing is saved (try a lower rate).\n"
    "      --optimizer steps with one of the library's optimisers instead of plain\n"
    "      gradient descent, once per sample or per batch, with the options of the\n"
    "      hyperparameters it takes (see backprop(1) for which and their ranges):\n"
    "      {hyperparameter}.\n"
    "      --clip scales the gradients down to a global norm of at most MAX_NORM\n"
    "      before every step. --schedule sets the rate of every epoch from R; SPEC is\n"
    "      " SCHEDULE_SPECS "\n"
    "      (N in epochs).\n",
    "  train    MODEL --data FILE.csv [--target-columns N,... | --class-column NAME]\n"
    "           [--loss {loss}]\n"
    "           [--optimizer {optimizer}]\n"
    "           [--rate R] [--batch B] [--epochs N] [--validation F] [--patience P]\n"
    "           [--min-delta D]\n"
    "           [--scale {scale}] [--seed S] [--threads N]\n"
    "           [--clip MAX_NORM] [--schedule SPEC] [--history FILE.csv]\n"
    "           [--plot FILE.svg] [--quiet] [--chunks C] [--checkpoint FILE]\n"
    "           [--resume FILE] -o MODEL_OUT\n"
    "      The same command with the library's training loop, taken when --rate is left\n"
    "      out or any of these options is given (--loss, --target-columns, --class-column,\n"
    "      --validation, --patience, --min-delta, --scale, --seed, --threads, --history,\n"
    "      --plot, --quiet, --chunks, --checkpoint, --resume); --rule, --reduction and\n"
    "      --loss-csv are then refused.\n"
    "      Minibatches of B rows (default 32; the mean of their gradients) in an order\n"
    "      shuffled every epoch from seed S (default 0), N epochs (default 10), the\n"
    "      optimizer (default sgd) at rate R (default 0.01), --schedule per epoch.\n"
    "      --validation F holds out that share of the rows (stratified by class with\n"
    "      --class-column) and reports their loss and a metric every epoch (accuracy for\n"
    "      classifiers, the mean squared error otherwise); --patience P stops after P\n"
    "      epochs in which the validation loss did not fall by more than D (default 0),\n"
    "      and the model keeps the best epoch's parameters. --scale standardises the\n"
    "      inputs (or maps them to [0, 1]) with statistics of the training rows only,\n"
    "      and the targets too when the output layer is linear; the saved model keeps\n"
    "      the scaling and the class names and takes raw inputs. The rows hold the\n"
    "      inputs and then the targets (as many as the network has outputs), or the\n"
    "      targets are the columns numbered (from 1) by --target-columns, or a column of\n"
    "      class labels named by --class-column (its header name or its number from 1)\n"
    "      is turned into one-hot targets. Progress: a bar on a terminal, one line per\n"
    "      epoch on standard error otherwise, nothing with --quiet. --history writes\n"
    "      one CSV row per epoch (epoch, losses, metric, rate, seconds), --plot the loss\n"
    "      curves and the metric as an SVG chart. --loss sets the loss the model trains\n"
    "      with and keeps.\n",
    "      --chunks C (1 to 4096) cuts every batch into C chunks whose gradient sums are\n"
    "      added in chunk order: the bits of backprop-mpi --mode reproducible --chunks C\n"
    "      on any number of processes. --checkpoint writes the trainer's state (the\n"
    "      model, the optimizer's state, the epochs done, the shuffling) to FILE after\n"
    "      every epoch, replacing it whole; --resume FILE goes on from such a file, with\n"
    "      the same model, data and options, to the bits of a run never interrupted.\n"
    "  run      MODEL (--input X | --data FILE.csv) [--classes] [--threads N]\n"
    "      Prints the outputs, one sample a line, in the targets' units (a model with\n"
    "      target scaling un-scales them). The CSV rows hold the inputs, or the inputs\n"
    "      and the targets (which are not used). --classes prints the predicted class of\n"
    "      each sample instead: its name in the model, or its number (the largest output;\n"
    "      for one output, 1 at 0.5 and above, else 0). --threads N runs the samples in\n"
    "      up to N threads (1 to 64; builds with thread support only).\n",
    "  eval     MODEL --data FILE.csv [--target-columns N,... | --class-column NAME]\n"
    "           [--format {report}] [--threads N]\n"
    "      Measures the model on the CSV rows (the inputs, then as many targets as the\n"
    "      model has outputs; or the columns numbered from 1 by --target-columns; or a\n"
    "      column of class labels, named by its header or number, made one-hot): the mean\n"
    "      loss per row, the mean squared and absolute errors, R^2 and the bit-fail count\n"
    "      (outputs off by 0.35 or more); for a classifier (one-hot or 0/1 targets, or\n"
    "      class names) also the accuracy, each class's precision, recall, F1 and\n"
    "      support, their macro averages and the confusion matrix (rows: true class).\n"
    "      --format json writes one object with the metrics at its top level (e.g.\n"
    "      \"accuracy\") and in \"metrics\", the classes and the matrix.\n"
    "  dot      MODEL [--input X [--target T]] [--digits D] [--names UNITS]\n"
    "           [--param-names NAMES] [-o FILE.dot]\n"
    "      Writes a Graphviz graph of the network, annotated with the forward values\n"
    "      and gradients when an input (and target) is given.\n"
    "\n"
    "Vectors are comma-separated numbers; several samples are separated by ';'\n"
    "(e.g. --input '0,0;0,1' --target '0;1'). UNITS names every unit, layers separated\n"
    "by ':' (e.g. i1,i2:h1,h2:o1,o2). NAMES names every parameter in the flat order\n"
    "(layer by layer, the weights row-major, then the biases). R is a number above 0.\n"
    "Names are those of the model file; '-' may stand for '_' (half-sse), and the\n"
    "older bias name 'neuron' means per_neuron.\n"
    "FILE.csv may be '-' for standard input. -o - writes to standard output (not for\n"
    "explain, whose walk-through goes there).\n"
    "Options: -h, --help shows this text; --version prints the library version.\n"
    "Exit status: 0 on success, 1 when the library refuses a model or data (or memory\n"
    "runs out), 2 for bad usage.\n",
};

/* The names a placeholder {key} of the usage text stands for. */
static void put_key(const char *key, size_t length)
{
    if (length == strlen("hyperparameter") && strncmp(key, "hyperparameter", length) == 0)
        optimizer_options_put_hyperparameters(stdout, " ");
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        if (strlen(choices[i].key) == length && strncmp(choices[i].key, key, length) == 0)
            put_names(stdout, &choices[i], "|");
}

static void print_usage_part(const char *text)
{
    for (const char *p = text; *p != '\0';) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (close == NULL) {
            fputs(p, stdout);
            break;
        }
        fwrite(p, 1, (size_t)(open - p), stdout);
        put_key(open + 1, (size_t)(close - open - 1));
        p = close + 1;
    }
}

static void print_usage(void)
{
    for (size_t part = 0; part < sizeof usage_text / sizeof usage_text[0]; part++)
        print_usage_part(usage_text[part]);
}

/* Finds `value` among the names of choices[which]; an unknown name is bad
   usage, and the message lists the valid ones. */
static int lookup(size_t which, const char *value, int *code)
{
    const struct choice *c = &choices[which];
    if (c->from_name != NULL && c->from_name(value, code) == NN_OK)
        return 0;
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->names[i].name, value) == 0) {
            *code = c->names[i].code;
            return 0;
        }
    }
    fprintf(stderr, "backprop: unknown %s '%s'; valid names: ", c->what, quote_str(value).text);
    put_names(stderr, c, ", ");
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* ---- argument parsing ---- */

struct options {
    const char *model;
    const char *output;
    const char *sizes, *activations, *bias, *init, *range, *loss;
    const char *input, *target, *data, *rule, *format, *names, *param_names, *loss_csv;
    const char *seed, *rate, *steps, *epochs, *batch, *digits, *threads, *reduction;
    const char *clip, *schedule;
    /* train with the library's training loop (train_loop.c) */
    const char *target_columns, *class_column, *validation, *patience, *min_delta, *scale;
    const char *history, *plot, *quiet;
    const char *chunks, *checkpoint, *resume;
    const char *classes, *class_names; /* run --classes; init --class-names */
    struct optimizer_options optimizer; /* --optimizer and one option per hyperparameter */
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
    {"--threads", offsetof(struct options, threads)},
    {"--reduction", offsetof(struct options, reduction)},
    {"--optimizer", offsetof(struct options, optimizer.kind)},
    {"--clip", offsetof(struct options, clip)},
    {"--schedule", offsetof(struct options, schedule)},
    {"--target-columns", offsetof(struct options, target_columns)},
    {"--class-column", offsetof(struct options, class_column)},
    {"--validation", offsetof(struct options, validation)},
    {"--patience", offsetof(struct options, patience)},
    {"--min-delta", offsetof(struct options, min_delta)},
    {"--scale", offsetof(struct options, scale)},
    {"--history", offsetof(struct options, history)},
    {"--plot", offsetof(struct options, plot)},
    {"--quiet", offsetof(struct options, quiet)},
    {"--chunks", offsetof(struct options, chunks)},
    {"--checkpoint", offsetof(struct options, checkpoint)},
    {"--resume", offsetof(struct options, resume)},
    {"--classes", offsetof(struct options, classes)},
    {"--class-names", offsetof(struct options, class_names)},
};

/* The options that take no value: given, their field holds the option itself. */
static int is_flag(const char *name)
{
    return strcmp(name, "--quiet") == 0 || strcmp(name, "--classes") == 0;
}

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
                slot = optimizer_options_slot(&o->optimizer, arg);
            if (slot == NULL)
                return fail(EXIT_USAGE, "unknown option '%s' (see backprop --help)",
                            quote_str(arg).text);
            if (i + 1 >= argc && !is_flag(arg))
                return fail(EXIT_USAGE, "option '%s' needs a value", arg);
            if (*slot != NULL)
                return fail(EXIT_USAGE, "option '%s' given twice", arg);
            *slot = is_flag(arg) ? arg : argv[++i];
        } else if (takes_model && o->model == NULL) {
            o->model = arg;
        } else {
            return fail(EXIT_USAGE, "unexpected argument '%s'", quote_str(arg).text);
        }
    }
    if (takes_model && o->model == NULL)
        return fail(EXIT_USAGE, "missing the model file argument");
    return 0;
}

/* Only the options a command uses may be given; the hyperparameter options
   go with --optimizer. */
static int reject_others(const struct options *o, const char *const *allowed, const char *command)
{
    struct options *fields = (struct options *)o;
    const int hyperparameter = optimizer_options_first_given(&o->optimizer);
    int takes_optimizer = 0;
    for (size_t k = 0; allowed[k] != NULL; k++)
        takes_optimizer |= strcmp(allowed[k], "--optimizer") == 0;
    if (hyperparameter >= 0 && !takes_optimizer) {
        char name[64];
        return fail(EXIT_USAGE, "option '%s' does not apply to '%s'",
                    optimizer_options_name(hyperparameter, name, sizeof name), command);
    }
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

/* --rate: a finite number above 0 (nn_step takes any finite rate, but a rate
   of 0 or below never descends). */
static int parse_rate(const char *text, double *rate)
{
    if (!csv_parse_number(text, rate))
        return fail(EXIT_USAGE, "--rate: '%s' is not a finite number", quote_str(text).text);
    if (!(*rate > 0.0))
        return fail(EXIT_USAGE, "--rate: %s is not above 0; the rate must be positive",
                    quote_str(text).text);
    return 0;
}

/* Splits `text` at `sep` into a newly allocated array of fields (the text is
   copied to *storage). On failure returns NULL with *storage NULL. */
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
        *storage = NULL;
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
            if (!csv_parse_number(fields[i], &v[r * width + i]))
                status = fail(EXIT_USAGE, "%s: '%s' is not a finite number", what,
                              quote_str(fields[i]).text);
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

/* ---- init ---- */

/* What init makes: the layers, and the settings applied after nn_create. */
struct init_plan {
    size_t n_layers;
    size_t *sizes;
    int *acts;
    int *biases; /* per layer after the inputs */
    int scheme, loss, reduction;
    double lo, hi;
    size_t seed;
};

/* --sizes and --activations into plan->sizes and plan->acts (allocated). */
static int parse_layers(const struct options *o, struct init_plan *plan)
{
    char *size_storage = NULL, *act_storage = NULL;
    size_t n_acts = 0;
    char **size_fields = split(o->sizes, ',', &plan->n_layers, &size_storage);
    char **act_fields = split(o->activations, ',', &n_acts, &act_storage);
    plan->sizes = malloc((plan->n_layers ? plan->n_layers : 1) * sizeof *plan->sizes);
    plan->acts = malloc((n_acts ? n_acts : 1) * sizeof *plan->acts);
    int status = 0;
    if (size_fields == NULL || act_fields == NULL || plan->sizes == NULL || plan->acts == NULL)
        status = fail(1, "out of memory");
    for (size_t i = 0; status == 0 && i < plan->n_layers; i++)
        if (!parse_whole_number(size_fields[i], &plan->sizes[i]))
            status = fail(EXIT_USAGE, "--sizes: '%s' is not a layer size",
                          quote_str(size_fields[i]).text);
    if (status == 0 && n_acts + 1 != plan->n_layers)
        status = fail(EXIT_USAGE, "--activations needs %zu names (one per layer after the inputs), got %zu",
                      plan->n_layers > 0 ? plan->n_layers - 1 : 0, n_acts);
    for (size_t i = 0; status == 0 && i < n_acts; i++)
        status = lookup(CHOICE_ACTIVATION, act_fields[i], &plan->acts[i]);
    free(size_fields);
    free(act_fields);
    free(size_storage);
    free(act_storage);
    return status;
}

/* --range LO,HI with LO < HI. */
static int parse_range(const char *text, double *lo, double *hi)
{
    const char *comma = strchr(text, ',');
    char *lo_text = comma ? strndup(text, (size_t)(comma - text)) : NULL;
    int status = 0;
    if (comma != NULL && lo_text == NULL)
        status = fail(1, "out of memory");
    else if (comma == NULL || !csv_parse_number(lo_text, lo) || !csv_parse_number(comma + 1, hi) ||
             !(*lo < *hi))
        status = fail(EXIT_USAGE, "--range: expected LO,HI with LO < HI, got '%s'",
                      quote_str(text).text);
    free(lo_text);
    return status;
}

/* --bias: one convention for every layer, or one per layer after the
   inputs, into plan->biases (allocated); per neuron when not given. */
static int parse_biases(const char *text, struct init_plan *plan)
{
    const size_t n = plan->n_layers - 1;
    char *storage = NULL;
    size_t n_names = 1;
    char **names = text ? split(text, ',', &n_names, &storage) : NULL;
    plan->biases = malloc(n * sizeof *plan->biases);
    int status = plan->biases == NULL || (text && names == NULL) ? fail(1, "out of memory") : 0;
    if (status == 0 && text && n_names != 1 && n_names != n)
        status = fail(EXIT_USAGE, "--bias needs 1 name or %zu (one per layer after the inputs), "
                                  "got %zu", n, n_names);
    for (size_t k = 0; status == 0 && k < n; k++) {
        plan->biases[k] = NN_BIAS_PER_NEURON;
        if (text)
            status = lookup(CHOICE_BIAS, names[n_names == 1 ? 0 : k], &plan->biases[k]);
    }
    free(names);
    free(storage);
    return status;
}

/* --bias, --init, --loss, --reduction, --seed and --range, or their defaults. */
static int parse_init_settings(const struct options *o, struct init_plan *plan)
{
    plan->scheme = NN_INIT_UNIFORM;
    plan->loss = NN_LOSS_HALF_SSE;
    plan->reduction = -1; /* the network's own default */
    plan->lo = 0.0;
    plan->hi = 1.0;
    plan->seed = 0;
    int status = parse_biases(o->bias, plan);
    if (status == 0 && o->reduction)
        status = lookup(CHOICE_REDUCTION, o->reduction, &plan->reduction);
    if (status == 0 && o->init)
        status = lookup(CHOICE_INIT, o->init, &plan->scheme);
    if (status == 0 && o->loss)
        status = lookup(CHOICE_LOSS, o->loss, &plan->loss);
    if (status == 0 && o->seed && (!parse_whole_number(o->seed, &plan->seed) || plan->seed > 0xffffffffu))
        status = fail(EXIT_USAGE, "--seed: '%s' is not a number from 0 to 4294967295",
                      quote_str(o->seed).text);
    if (status == 0 && o->range)
        status = parse_range(o->range, &plan->lo, &plan->hi);
    return status;
}

/* --class-names: one name per output (two for one output). */
static int set_class_names(nn_t *net, const char *text)
{
    char *storage;
    size_t n;
    char **names = split(text, ',', &n, &storage);
    if (names == NULL)
        return fail(1, "out of memory");
    nn_status s = nn_set_class_names(net, n, (const char *const *)names);
    int status = 0;
    if (s == NN_ERR_COUNT)
        status = fail(EXIT_USAGE, "--class-names: %zu names given; the network needs %zu", n,
                      nn_output_count(net) > 1 ? nn_output_count(net) : 2);
    else if (s != NN_OK)
        status = fail(refusal_status(s), "--class-names: %s", nn_strerror(s));
    free(names);
    free(storage);
    return status;
}

/* The settings of the plan on a new network. */
static int apply_init_settings(nn_t *net, const struct init_plan *plan, const struct options *o)
{
    for (size_t k = 1; k < plan->n_layers; k++)
        nn_set_bias_mode(net, k, plan->biases[k - 1]);
    nn_status s = nn_set_loss(net, plan->loss);
    if (s != NN_OK)
        return fail(EXIT_USAGE, "--loss %s: %s", nn_loss_name(plan->loss), nn_strerror(s));
    if (plan->reduction >= 0 && (s = nn_set_reduction(net, plan->reduction)) != NN_OK)
        return fail(refusal_status(s), "--reduction: %s", nn_strerror(s));
    if (o->class_names)
        return set_class_names(net, o->class_names);
    return 0;
}

/* Creates the planned network, initialises it and saves it. */
static int make_network(const struct init_plan *plan, const struct options *o)
{
    nn_t *net = NULL;
    nn_status s = nn_create(&net, plan->n_layers, plan->sizes, plan->acts);
    if (s != NN_OK)
        return fail(refusal_status(s), "cannot create the network: %s", nn_strerror(s));
    int status = apply_init_settings(net, plan, o);
    if (status == 0) {
        s = nn_init_random(net, (unsigned long)plan->seed, plan->scheme, plan->lo, plan->hi);
        status = s == NN_OK ? save_model(net, o->output)
                            : fail(refusal_status(s), "initialisation: %s", nn_strerror(s));
    }
    nn_free(net);
    return status;
}

static int cmd_init(const struct options *o)
{
    static const char *const allowed[] = {"--sizes", "--activations", "--seed", "--bias",
                                          "--init", "--range", "--loss", "--reduction",
                                          "--class-names", "-o", NULL};
    int status = reject_others(o, allowed, "init");
    if (status)
        return status;
    if (o->sizes == NULL || o->activations == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "init needs --sizes, --activations and -o");
    struct init_plan plan = {0, NULL, NULL, NULL, 0, 0, 0, 0.0, 0.0, 0};
    status = parse_layers(o, &plan);
    if (status == 0)
        status = parse_init_settings(o, &plan);
    if (status == 0)
        status = make_network(&plan, o);
    free(plan.sizes);
    free(plan.acts);
    free(plan.biases);
    return status;
}

/* ---- names for explain and dot ---- */

/* --names: every unit of every layer, layers separated by ':'. */
static int name_units(const nn_t *net, nn_explain_options_t *eo, const char *units)
{
    char *storage;
    size_t n_layers;
    char **layers = split(units, ':', &n_layers, &storage);
    if (layers == NULL)
        return fail(1, "out of memory");
    int status = 0;
    if (n_layers != nn_layer_count(net))
        status = fail(EXIT_USAGE, "--names: %zu layers named, the network has %zu", n_layers,
                      nn_layer_count(net));
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
                status = fail(refusal_status(s), "--names: '%s': %s", quote_str(names[j]).text,
                              nn_strerror(s));
        }
        free(names);
        free(layer_storage);
    }
    free(layers);
    free(storage);
    return status;
}

/* --param-names: every parameter in the flat order. */
static int name_params(const nn_t *net, nn_explain_options_t *eo, const char *params)
{
    char *storage;
    size_t n;
    char **names = split(params, ',', &n, &storage);
    if (names == NULL)
        return fail(1, "out of memory");
    int status = 0;
    if (n != nn_param_count(net))
        status = fail(EXIT_USAGE, "--param-names: %zu names given, the network has %zu parameters",
                      n, nn_param_count(net));
    for (size_t i = 0; status == 0 && i < n; i++) {
        nn_status s = nn_explain_options_set_param_name(eo, i, names[i]);
        if (s != NN_OK)
            status = fail(refusal_status(s), "--param-names: '%s': %s",
                          quote_str(names[i]).text, nn_strerror(s));
    }
    free(names);
    free(storage);
    return status;
}

static int apply_names(const nn_t *net, nn_explain_options_t *eo, const char *units,
                       const char *params)
{
    int status = units ? name_units(net, eo, units) : 0;
    if (status == 0 && params)
        status = name_params(net, eo, params);
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
    if (!parse_whole_number(o->digits, &digits) || digits < 1 || digits > 17 ||
        nn_explain_options_set_digits(eo, (int)digits) != NN_OK)
        return fail(EXIT_USAGE, "--digits: expected 1 to 17, got '%s'", quote_str(o->digits).text);
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

/* The settings of explain besides the model and the samples. */
struct explain_plan {
    double rate;
    size_t steps;
    int rule, format;
    nn_optimizer_t *opt; /* --optimizer: takes the steps instead of nn_step() */
};

static int parse_explain_settings(const struct options *o, struct explain_plan *plan)
{
    plan->steps = 1;
    plan->rule = NN_RULE_STANDARD;
    plan->format = NN_EXPLAIN_TEXT;
    plan->opt = NULL;
    int status = parse_rate(o->rate, &plan->rate);
    if (status != 0)
        return status;
    if (o->steps && (!parse_whole_number(o->steps, &plan->steps) || plan->steps == 0))
        return fail(EXIT_USAGE, "--steps: expected a positive whole number, got '%s'",
                    quote_str(o->steps).text);
    if (o->rule && (status = lookup(CHOICE_RULE, o->rule, &plan->rule)) != 0)
        return status;
    if (o->format && (status = lookup(CHOICE_FORMAT, o->format, &plan->format)) != 0)
        return status;
    if (plan->rule == NN_RULE_SEQUENTIAL && o->optimizer.kind)
        return fail(EXIT_USAGE, "--optimizer works with the standard rule only");
    if (o->output && is_standard_stream(o->output))
        return fail(EXIT_USAGE, "explain writes its walk-through to standard output; "
                                "give -o a file name");
    return 0;
}

/* --input and --target: the same number of samples, one for the sequential rule. */
static int parse_explain_samples(const struct options *o, const nn_t *net, int rule,
                                 double **inputs, double **targets, size_t *n_samples)
{
    size_t n_targets = 0;
    int status = parse_samples("--input", o->input, nn_input_count(net), inputs, n_samples);
    if (status == 0)
        status = parse_samples("--target", o->target, nn_output_count(net), targets, &n_targets);
    if (status == 0 && *n_samples != n_targets)
        status = fail(EXIT_USAGE, "%zu input samples but %zu target samples", *n_samples,
                      n_targets);
    if (status == 0 && rule == NN_RULE_SEQUENTIAL && *n_samples != 1)
        status = fail(EXIT_USAGE, "the sequential rule takes exactly one sample");
    return status;
}

/* The steps after the explained one, silently, with the same rule. */
static int run_remaining_steps(nn_t *net, const struct explain_plan *plan, const double *inputs,
                               const double *targets, size_t n_samples)
{
    for (size_t step = 1; step < plan->steps; step++) {
        nn_status s = NN_OK;
        if (plan->rule == NN_RULE_SEQUENTIAL) {
            s = nn_train_sequential(net, inputs, targets, plan->rate);
        } else {
            for (size_t i = 0; s == NN_OK && i < n_samples; i++) {
                s = nn_forward(net, inputs + i * nn_input_count(net), NULL);
                if (s == NN_OK)
                    s = nn_backward(net, targets + i * nn_output_count(net));
            }
            if (s == NN_OK)
                s = plan->opt ? nn_optimizer_step(plan->opt, net, plan->rate)
                              : nn_step(net, plan->rate);
        }
        if (s != NN_OK)
            return fail(1, "step %zu: %s", step + 1, nn_strerror(s));
    }
    return 0;
}

/* The explained step and the rest, on `net` with the options `eo`. */
static int explain_steps(const struct options *o, const struct explain_plan *plan, nn_t *net,
                         const nn_explain_options_t *eo)
{
    double *inputs = NULL, *targets = NULL;
    size_t n = 0;
    int status = parse_explain_samples(o, net, plan->rule, &inputs, &targets, &n);
    if (status == 0) {
        nn_status s = nn_explain(net, eo, inputs, n * nn_input_count(net), targets,
                                 n * nn_output_count(net), plan->rate, write_to_file, stdout);
        if (s != NN_OK)
            status = fail(1, "explain: %s", nn_strerror(s));
    }
    if (status == 0)
        status = run_remaining_steps(net, plan, inputs, targets, n);
    if (status == 0 && plan->steps > 1 && plan->format != NN_EXPLAIN_JSON && n == 1)
        status = print_after(net, inputs, targets, plan->steps,
                             plan->format == NN_EXPLAIN_MARKDOWN);
    free(inputs);
    free(targets);
    return status;
}

static int cmd_explain(const struct options *o)
{
    static const char *const allowed[] = {"--input", "--target", "--rate", "--steps", "--rule",
                                          "--format", "--digits", "--names", "--param-names",
                                          "--optimizer", "-o", NULL};
    int status = reject_others(o, allowed, "explain");
    if (status)
        return status;
    if (o->input == NULL || o->target == NULL || o->rate == NULL)
        return fail(EXIT_USAGE, "explain needs --input, --target and --rate");
    struct explain_plan plan;
    if ((status = parse_explain_settings(o, &plan)) != 0)
        return status;
    nn_t *net = NULL;
    nn_explain_options_t *eo = NULL;
    char message[512];
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if ((status = optimizer_options_make(&o->optimizer, net, &plan.opt, message,
                                         sizeof message)) != 0) {
        nn_free(net);
        return fail(status, "%s", message);
    }
    if (nn_explain_options_create(&eo) != NN_OK) {
        nn_optimizer_free(plan.opt);
        nn_free(net);
        return fail(1, "out of memory");
    }
    nn_explain_options_set_optimizer(eo, plan.opt);
    nn_explain_options_set_format(eo, plan.format);
    nn_explain_options_set_rule(eo, plan.rule);
    nn_explain_options_set_apply(eo, 1);
    status = parse_digits(o, eo);
    if (status == 0)
        status = apply_names(net, eo, o->names, o->param_names);
    if (status == 0)
        status = explain_steps(o, &plan, net, eo);
    if (status == 0 && o->output)
        status = save_model(net, o->output);
    nn_explain_options_free(eo);
    nn_optimizer_free(plan.opt);
    nn_free(net);
    return status;
}

/* ---- CSV data ---- */

/* Reads the CSV file at `path` ("-": standard input) into `t`. `columns` as
   for csv_read(); `expectation` completes a message about a row of the wrong
   width. */
static int read_data(const char *path, size_t columns, const char *expectation,
                     struct csv_table *t)
{
    const int from_stdin = is_standard_stream(path);
    const struct quoted shown = quote_path(from_stdin ? "standard input" : path);
    FILE *f = from_stdin ? stdin : fopen(path, "r");
    if (f == NULL)
        return fail(1, "%s: %s", shown.text, strerror(errno));
    struct csv_error e;
    enum csv_status s = csv_read(f, columns, t, &e);
    if (!from_stdin)
        fclose(f);
    if (s == CSV_OK)
        return 0;
    if (s == CSV_NO_MEMORY)
        return fail(1, "%s: out of memory", shown.text);
    if (e.line == 0)
        return fail(1, "%s: %s", shown.text, e.text);
    return fail(1, "%s:%zu: %s%s", shown.text, e.line, e.text,
                s == CSV_WIDTH ? expectation : "");
}

/* Each row of a training set: the inputs, then the targets. */
static const double *row_inputs(const struct csv_table *t, size_t i)
{
    return t->values + i * t->columns;
}

static const double *row_targets(const struct csv_table *t, size_t i, size_t n_in)
{
    return t->values + i * t->columns + n_in;
}

/* The summed loss over the data set, in *loss. */
static nn_status dataset_loss(nn_t *net, const struct csv_table *d, double *loss)
{
    const size_t n_in = nn_input_count(net);
    double total = 0.0;
    for (size_t i = 0; i < d->rows; i++) {
        double sample;
        nn_status s = nn_forward(net, row_inputs(d, i), NULL);
        if (s == NN_OK)
            s = nn_loss(net, row_targets(d, i, n_in), &sample);
        if (s != NN_OK)
            return s;
        total += sample;
    }
    *loss = total;
    return NN_OK;
}

/* ---- train ---- */

/* The settings of train besides the model and the data. */
struct train_plan {
    double rate; /* the base rate of the schedule */
    size_t epochs, batch;
    int rule, reduction;
    nn_optimizer_t *opt; /* NULL: nn_step */
    int clipping;        /* --clip given: clip to a global norm of max_norm */
    double max_norm;
    struct schedule schedule;
};

/* The update after the gradients of a sample or a batch: the clipping, then
   the optimiser's step or nn_step. */
static nn_status apply_update(nn_t *net, const struct train_plan *plan, double rate)
{
    nn_status s = NN_OK;
    if (plan->clipping) {
        double norm_before;
        s = nn_clip_grad_norm(net, plan->max_norm, &norm_before);
    }
    if (s == NN_OK)
        s = plan->opt ? nn_optimizer_step(plan->opt, net, rate) : nn_step(net, rate);
    return s;
}

/* One sample. Plain gradient descent takes the library's fused step. */
static nn_status train_one(nn_t *net, const double *input, const double *target,
                           const struct train_plan *plan, double rate)
{
    if (plan->opt == NULL && !plan->clipping)
        return nn_train_sample(net, input, target, rate);
    nn_status s = nn_forward(net, input, NULL);
    if (s == NN_OK)
        s = nn_backward(net, target);
    return s == NN_OK ? apply_update(net, plan, rate) : s;
}

/* One batch of rows start .. end-1, copied together into `rows` (room for
   plan->batch rows of inputs, then of targets) for the batched passes, which
   add the mean or the sum of the gradients as the network's reduction says. */
static nn_status train_batch(nn_t *net, const struct csv_table *d, size_t start, size_t end,
                             const struct train_plan *plan, double rate, double *rows)
{
    const size_t batch = plan->batch;
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net), n = end - start;
    double *inputs = rows, *targets = rows + batch * n_in;
    for (size_t i = 0; i < n; i++) {
        memcpy(inputs + i * n_in, row_inputs(d, start + i), n_in * sizeof *inputs);
        memcpy(targets + i * n_out, row_targets(d, start + i, n_in), n_out * sizeof *targets);
    }
    nn_status s = nn_forward_batch(net, n, inputs, NULL);
    if (s == NN_OK)
        s = nn_backward_batch(net, n, targets);
    if (s == NN_OK)
        s = apply_update(net, plan, rate);
    return s;
}

/* One pass over the data set at `rate`; on a refused call, the (first)
   sample it refused. */
static nn_status train_epoch(nn_t *net, const struct csv_table *d, const struct train_plan *plan,
                             double rate, double *rows, size_t *failed_sample)
{
    const size_t n_in = nn_input_count(net);
    nn_status s = NN_OK;
    for (size_t start = 0; start < d->rows && s == NN_OK; start += plan->batch) {
        const size_t end = start + plan->batch < d->rows ? start + plan->batch : d->rows;
        *failed_sample = start + 1;
        if (plan->rule == NN_RULE_SEQUENTIAL)
            s = nn_train_sequential(net, row_inputs(d, start), row_targets(d, start, n_in), rate);
        else if (end - start == 1)
            s = train_one(net, row_inputs(d, start), row_targets(d, start, n_in), plan, rate);
        else
            s = train_batch(net, d, start, end, plan, rate, rows);
    }
    return s;
}

/* 1 when every weight and bias of `net` is a finite number; `params` holds
   nn_param_count(net) doubles. */
static int params_finite(const nn_t *net, double *params)
{
    const size_t n = nn_param_count(net);
    if (nn_get_params(net, params, n) != NN_OK)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(params[i]))
            return 0;
    return 1;
}

/* Training never goes on, nor saves, once a number has stopped being finite:
   every call's status, the loss and the parameters are checked each epoch. */
static int diverged(size_t epoch, const char *what, double rate)
{
    return fail(1, "epoch %zu: %s; training stopped, nothing saved (try a lower --rate than %g)",
                epoch, what, rate);
}

/* --clip MAX_NORM and --schedule SPEC, which need the rate. */
static int parse_clip_and_schedule(const struct options *o, struct train_plan *plan)
{
    char message[256];
    plan->clipping = o->clip != NULL;
    plan->schedule.kind = SCHEDULE_NONE;
    if (o->clip && (!csv_parse_number(o->clip, &plan->max_norm) || plan->max_norm < 0.0))
        return fail(EXIT_USAGE, "--clip: expected a number >= 0, got '%s'",
                    quote_str(o->clip).text);
    int status = o->schedule ? schedule_parse(o->schedule, plan->rate, &plan->schedule, message,
                                              sizeof message)
                             : 0;
    return status ? fail(status, "%s", message) : 0;
}

static int parse_train_settings(const struct options *o, struct train_plan *plan)
{
    plan->batch = 1;
    plan->rule = NN_RULE_STANDARD;
    plan->reduction = NN_REDUCTION_MEAN;
    plan->opt = NULL;
    int status = parse_rate(o->rate, &plan->rate);
    if (status == 0)
        status = parse_clip_and_schedule(o, plan);
    if (status != 0)
        return status;
    if (!parse_whole_number(o->epochs, &plan->epochs))
        return fail(EXIT_USAGE, "--epochs: expected a whole number, got '%s'",
                    quote_str(o->epochs).text);
    if (o->batch && (!parse_whole_number(o->batch, &plan->batch) || plan->batch == 0))
        return fail(EXIT_USAGE, "--batch: expected a positive whole number, got '%s'",
                    quote_str(o->batch).text);
    if (o->rule && (status = lookup(CHOICE_RULE, o->rule, &plan->rule)) != 0)
        return status;
    if (o->reduction && (status = lookup(CHOICE_REDUCTION, o->reduction, &plan->reduction)) != 0)
        return status;
    if (plan->rule == NN_RULE_SEQUENTIAL && plan->batch != 1)
        return fail(EXIT_USAGE, "the sequential rule trains one sample at a time (--batch 1)");
    if (plan->rule == NN_RULE_SEQUENTIAL && (o->optimizer.kind || o->clip))
        return fail(EXIT_USAGE, "the sequential rule updates as it goes back; it takes no "
                                "--optimizer or --clip");
    return 0;
}

/* The loss before training, which must be finite, in *loss. */
static int initial_loss(nn_t *net, const struct csv_table *d, double *loss)
{
    nn_status s = dataset_loss(net, d, loss);
    if (s != NN_OK)
        return fail(1, "the loss before training: %s", nn_strerror(s));
    if (!isfinite(*loss))
        return fail(1, "the loss before training is %g; nothing saved", *loss);
    return 0;
}

/* One epoch and the checks after it; the loss over the data set in *loss.
   *recorded is 0 when the epoch stopped before its loss was computed. */
static int train_checked_epoch(nn_t *net, const struct csv_table *d,
                               const struct train_plan *plan, size_t epoch, double *params,
                               double *loss, int *recorded)
{
    char what[160];
    size_t sample = 0;
    double rate;
    nn_status s = schedule_rate(&plan->schedule, plan->rate, epoch - 1, &rate);
    if (s != NN_OK) {
        *recorded = 0;
        snprintf(what, sizeof what, "the scheduled rate: %s", nn_strerror(s));
        return diverged(epoch, what, plan->rate);
    }
    /* params holds room for a batch's rows after the parameters */
    s = train_epoch(net, d, plan, rate, params + nn_param_count(net), &sample);
    *recorded = s == NN_OK;
    if (s == NN_ERR_ARGUMENT && plan->opt != NULL) /* the only rule across hyperparameters */
        return fail(EXIT_USAGE, "--optimizer: the hyperparameters do not go together "
                                "(--nesterov 1 needs --momentum above 0 and --dampening 0); "
                                "nothing saved");
    if (s == NN_ERR_DIVERGED) /* its nn_strerror advice is the --rate hint below */
        snprintf(what, sizeof what, "sample %zu: a value would become NaN or infinite", sample);
    else if (s != NN_OK)
        snprintf(what, sizeof what, "sample %zu: %s", sample, nn_strerror(s));
    if (s != NN_OK)
        return diverged(epoch, what, plan->rate);
    s = dataset_loss(net, d, loss);
    if (s != NN_OK) {
        snprintf(what, sizeof what, "the loss: %s", nn_strerror(s));
        return diverged(epoch, what, plan->rate);
    }
    if (!isfinite(*loss))
        return diverged(epoch, isnan(*loss) ? "the loss became NaN (not a number)"
                                            : "the loss became infinite",
                        plan->rate);
    if (!params_finite(net, params))
        return diverged(epoch, "a weight or bias became NaN or infinite", plan->rate);
    return 0;
}

/* Every epoch, with the loss to `csv` (if any) and progress on a terminal. */
static int train_epochs(nn_t *net, const struct csv_table *d, const struct train_plan *plan,
                        double *params, double loss, FILE *csv)
{
    const int progress = isatty(STDERR_FILENO);
    int status = 0, recorded = 1;
    for (size_t epoch = 1; status == 0 && epoch <= plan->epochs; epoch++) {
        status = train_checked_epoch(net, d, plan, epoch, params, &loss, &recorded);
        if (!recorded)
            break;
        if (csv)
            fprintf(csv, "%zu,%.17g\n", epoch, loss);
        if (progress && (epoch == plan->epochs || epoch % 10 == 0))
            fprintf(stderr, "\repoch %zu/%zu  loss %.6g   ", epoch, plan->epochs, loss);
    }
    return status;
}

/* Trains `net` on `d` and writes the --loss-csv file. */
static int train_on(nn_t *net, const struct csv_table *d, const struct train_plan *plan,
                    const char *loss_csv)
{
    FILE *csv = NULL;
    double loss = 0.0;
    /* the parameters, then a batch's rows of inputs and targets */
    const size_t n_rows = plan->batch * (nn_input_count(net) + nn_output_count(net));
    double *params = malloc((nn_param_count(net) + n_rows) * sizeof *params);
    int status = params == NULL ? fail(1, "out of memory") : initial_loss(net, d, &loss);
    if (status == 0 && loss_csv) {
        csv = fopen(loss_csv, "w");
        if (csv == NULL)
            status = fail(1, "%s: %s", quote_path(loss_csv).text, strerror(errno));
        else
            fprintf(csv, "epoch,loss\n%d,%.17g\n", 0, loss);
    }
    if (status == 0) {
        /* this run's reduction; the model keeps its own */
        const int saved_reduction = nn_get_reduction(net);
        (void)nn_set_reduction(net, plan->reduction);
        status = train_epochs(net, d, plan, params, loss, csv);
        (void)nn_set_reduction(net, saved_reduction);
        if (isatty(STDERR_FILENO) && plan->epochs > 0)
            fputc('\n', stderr); /* after the progress line */
    }
    if (csv && fclose(csv) != 0 && status == 0)
        status = fail(1, "%s: write failed", quote_path(loss_csv).text);
    free(params);
    return status;
}

/* ---- train with the library's training loop ---- */

/* The options only the loop takes; --rate left out also means the loop. */
static const char *const loop_only[] = {
    "--target-columns", "--class-column", "--validation", "--patience", "--min-delta",
    "--scale",          "--seed",         "--threads",    "--history",  "--plot",
    "--quiet",          "--loss",         "--chunks",     "--checkpoint", "--resume",
    NULL};

static int uses_training_loop(const struct options *o)
{
    struct options *fields = (struct options *)o;
    int any = o->rate == NULL;
    for (size_t k = 0; loop_only[k] != NULL; k++)
        any |= *option_slot(fields, loop_only[k]) != NULL;
    return any;
}

/* The classic training's own options, refused with the loop's. */
static int reject_classic(const struct options *o)
{
    const char *option = o->rule        ? "--rule"
                         : o->reduction ? "--reduction"
                         : o->loss_csv  ? "--loss-csv"
                                        : NULL;
    if (option == NULL)
        return 0;
    return fail(EXIT_USAGE, "%s belongs to the classic training (--rate and none of the "
                            "training loop's options)%s", option,
                o->loss_csv ? "; the loop writes --history" : "");
}

static int cmd_train_loop(const struct options *o)
{
    static const char *const allowed[] = {
        "--data", "--target-columns", "--class-column", "--loss", "--optimizer", "--rate",
        "--batch", "--epochs", "--validation", "--patience", "--min-delta", "--scale", "--seed",
        "--threads", "--clip", "--schedule", "--history", "--plot", "--quiet", "--chunks",
        "--checkpoint", "--resume", "-o", NULL};
    int status = reject_classic(o);
    if (status == 0)
        status = reject_others(o, allowed, "train");
    if (status)
        return status;
    if (o->data == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "train needs --data and -o");
    if (o->target_columns && o->class_column)
        return fail(EXIT_USAGE, "give --target-columns or --class-column, not both");
    struct train_request r = {o->model, o->data, o->output, o->target_columns, o->class_column,
                              -1, NN_SCALE_NONE, o->rate, o->batch, o->epochs, o->seed,
                              o->threads, o->clip, o->schedule, o->validation, o->patience, o->min_delta,
                              o->history, o->plot, o->quiet != NULL, &o->optimizer,
                              o->chunks, o->checkpoint, o->resume, NULL};
    if (o->loss && (status = lookup(CHOICE_LOSS, o->loss, &r.loss)) != 0)
        return status;
    if (o->scale && (status = lookup(CHOICE_SCALE, o->scale, &r.scale)) != 0)
        return status;
    return train_loop_run(&r);
}

static int cmd_train(const struct options *o)
{
    if (uses_training_loop(o))
        return cmd_train_loop(o);
    static const char *const allowed[] = {"--data",      "--rate",      "--epochs",
                                          "--batch",     "--rule",      "--reduction",
                                          "--optimizer", "--clip",      "--schedule",
                                          "--loss-csv",  "-o",          NULL};
    int status = reject_others(o, allowed, "train");
    if (status)
        return status;
    if (o->data == NULL || o->rate == NULL || o->epochs == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "train needs --data, --rate, --epochs and -o");
    struct train_plan plan;
    if ((status = parse_train_settings(o, &plan)) != 0)
        return status;
    nn_t *net = NULL;
    struct csv_table d = {0, 0, NULL};
    char message[512];
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if ((status = optimizer_options_make(&o->optimizer, net, &plan.opt, message,
                                         sizeof message)) != 0) {
        nn_free(net);
        return fail(status, "%s", message);
    }
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    char expectation[96];
    snprintf(expectation, sizeof expectation, " (%zu inputs and %zu targets)", n_in, n_out);
    status = read_data(o->data, n_in + n_out, expectation, &d);
    if (plan.batch > d.rows) /* a batch is at most the whole data set */
        plan.batch = d.rows > 0 ? d.rows : 1;
    if (status == 0)
        status = train_on(net, &d, &plan, o->loss_csv);
    if (status == 0)
        status = save_model(net, o->output);
    csv_free(&d);
    nn_optimizer_free(plan.opt);
    nn_free(net);
    return status;
}

/* ---- run ---- */

/* Samples go through nn_predict in chunks of about this many values (8 MiB
   of inputs and outputs), large enough for threads to pay. */
enum { RUN_CHUNK_VALUES = 1 << 20 };

/* --threads: 1 to 64, and more than 1 only in a build with thread support. */
static int set_threads(nn_t *net, const char *text)
{
    size_t n;
    if (!parse_whole_number(text, &n) || n == 0)
        return fail(EXIT_USAGE, "--threads: expected a whole number from 1 to 64, got '%s'",
                    quote_str(text).text);
    nn_status s = nn_set_threads(net, n);
    if (s == NN_OK)
        return 0;
    if (n <= 64 && nn_set_threads(net, 2) != NN_OK)
        return fail(EXIT_USAGE, "--threads: this build has no thread support (use --threads 1)");
    nn_set_threads(net, 1);
    return fail(refusal_status(s), "--threads: expected a whole number from 1 to 64, got '%s'",
                quote_str(text).text);
}

/* Prints the outputs of `n` samples whose inputs start every `stride`
   values of `rows`. */
static int run_samples(const nn_t *net, const double *rows, size_t stride, size_t n)
{
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    const size_t rows_per_chunk = RUN_CHUNK_VALUES / (n_in + n_out);
    const size_t chunk = rows_per_chunk == 0 ? 1 : n < rows_per_chunk ? n : rows_per_chunk;
    const size_t work_size = nn_inference_workspace_size(net, chunk);
    double *in = malloc(chunk * n_in * sizeof *in);
    double *out = malloc(chunk * n_out * sizeof *out);
    double *work = malloc(work_size * sizeof *work);
    int status = in && out && work && work_size ? 0 : fail(1, "out of memory");
    for (size_t first = 0; status == 0 && first < n; first += chunk) {
        const size_t m = n - first < chunk ? n - first : chunk;
        for (size_t i = 0; i < m; i++)
            memcpy(in + i * n_in, rows + (first + i) * stride, n_in * sizeof *in);
        nn_status s = nn_predict(net, m, in, out, work, work_size);
        if (s != NN_OK) {
            status = fail(1, "samples %zu to %zu: %s", first + 1, first + m, nn_strerror(s));
            break;
        }
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n_out; j++)
                printf("%s%.17g%s", j ? "," : "", out[i * n_out + j], j + 1 == n_out ? "\n" : "");
    }
    free(in);
    free(out);
    free(work);
    return status;
}

/* Prints the class of each of `n` samples whose inputs start every
   `stride` values of `rows`: the network's name for it, or its number. */
static int run_classes(const nn_t *net, const double *rows, size_t stride, size_t n)
{
    char number[32];
    for (size_t i = 0; i < n; i++) {
        size_t k;
        nn_status s = nn_predict_class(net, rows + i * stride, &k, NULL);
        if (s != NN_OK)
            return fail(1, "sample %zu: %s", i + 1, nn_strerror(s));
        puts(eval_class_label(net, NULL, k, number, sizeof number));
    }
    return 0;
}

static int cmd_run(const struct options *o)
{
    static const char *const allowed[] = {"--input", "--data", "--threads", "--classes", NULL};
    int status = reject_others(o, allowed, "run");
    if (status)
        return status;
    if ((o->input == NULL) == (o->data == NULL))
        return fail(EXIT_USAGE, "run needs exactly one of --input and --data");
    nn_t *net = NULL;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if (o->threads)
        status = set_threads(net, o->threads);
    const size_t n_in = nn_input_count(net), n_out = nn_output_count(net);
    double *inputs = NULL;
    size_t n = 0;
    struct csv_table d = {0, 0, NULL};
    if (status == 0 && o->input) {
        status = parse_samples("--input", o->input, n_in, &inputs, &n);
        if (status == 0)
            status = o->classes ? run_classes(net, inputs, n_in, n)
                                : run_samples(net, inputs, n_in, n);
    } else if (status == 0) {
        /* the rows hold the inputs, or the inputs and the targets */
        status = read_data(o->data, 0, "", &d);
        if (status == 0 && d.columns != n_in && d.columns != n_in + n_out)
            status = fail(1, "%s: %zu values a row; the network takes %zu inputs (and %zu targets)",
                          is_standard_stream(o->data) ? "standard input"
                                                      : quote_path(o->data).text,
                          d.columns, n_in, n_out);
        if (status == 0)
            status = o->classes ? run_classes(net, d.values, d.columns, d.rows)
                                : run_samples(net, d.values, d.columns, d.rows);
    }
    free(inputs);
    csv_free(&d);
    nn_free(net);
    return status;
}

/* ---- eval ---- */

static int cmd_eval(const struct options *o)
{
    static const char *const allowed[] = {"--data", "--target-columns", "--class-column",
                                          "--format", "--threads", NULL};
    int status = reject_others(o, allowed, "eval");
    if (status)
        return status;
    if (o->data == NULL)
        return fail(EXIT_USAGE, "eval needs --data");
    int format = EVAL_TEXT;
    if (o->format && (status = lookup(CHOICE_EVAL_FORMAT, o->format, &format)) != 0)
        return status;
    nn_t *net = NULL;
    nn_dataset_t *data = NULL;
    nn_metrics_t *m = NULL;
    if ((status = load_model(o->model, &net)) != 0)
        return status;
    if (o->threads)
        status = set_threads(net, o->threads);
    if (status == 0)
        status = load_data_set(o->data, o->target_columns, o->class_column, net, &data);
    if (status == 0) {
        nn_status s = nn_evaluate(net, data, &m);
        status = s == NN_OK ? eval_report(stdout, net, data, m, format)
                            : fail(1, "eval: %s", nn_strerror(s));
    }
    nn_metrics_free(m);
    nn_dataset_free(data);
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
    if (status == 0 && o->output && !is_standard_stream(o->output) &&
        (f = fopen(o->output, "w")) == NULL)
        status = fail(1, "%s: %s", quote_path(o->output).text, strerror(errno));
    if (status == 0) {
        nn_status s = nn_export_dot(net, eo, input, input ? nn_input_count(net) : 0, target,
                                    target ? nn_output_count(net) : 0, write_to_file, f);
        if (s != NN_OK)
            status = fail(1, "dot: %s", nn_strerror(s));
    }
    if (f != NULL && f != stdout && fclose(f) != 0 && status == 0)
        status = fail(1, "%s: write failed", quote_path(o->output).text);
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
        print_usage();
        return fflush(stdout) == 0 ? 0 : fail(1, "cannot write the output");
    }
    if (strcmp(command, "--version") == 0) {
        printf("backprop %s\n", nn_version_string());
        return fflush(stdout) == 0 ? 0 : fail(1, "cannot write the output");
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_usage();
            return fflush(stdout) == 0 ? 0 : fail(1, "cannot write the output");
        }
    }
    static const struct {
        const char *name;
        int takes_model;
        int (*run)(const struct options *);
    } commands[] = {
        {"init", 0, cmd_init}, {"explain", 1, cmd_explain}, {"train", 1, cmd_train},
        {"run", 1, cmd_run},     {"eval", 1, cmd_eval},   {"dot", 1, cmd_dot},
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
    return fail(EXIT_USAGE, "unknown command '%s' (see backprop --help)",
                quote_str(command).text);
}
