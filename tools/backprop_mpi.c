/* backprop-mpi: `backprop train` with the library's training loop, run by
   every process that mpirun starts, each computing its share of every batch
   (libbackprop-mpi). The training itself is train_loop.c's, the same as
   backprop train's; this file parses the command line, starts and ends MPI
   and supplies the struct train_parallel functions: the options of this
   process's share, the network shared from rank 0, and the agreement after
   every step that can fail on one process alone. That agreement names the
   failing process and carries its message to rank 0, so every process ends
   with the same decision and rank 0 says which process failed and why. */
#define _POSIX_C_SOURCE 200809L

#include <backprop_mpi.h>

#include "command.h"
#include "optimizer_options.h"
#include "quote.h"
#include "train_loop.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the command line ---- */

struct mpi_options {
    const char *model, *output, *data, *target_columns, *class_column, *loss, *scale;
    const char *rate, *batch, *epochs, *seed, *threads, *clip, *schedule;
    const char *validation, *patience, *min_delta, *history, *plot, *quiet;
    const char *checkpoint, *resume, *mode, *chunks;
    struct optimizer_options optimizer; /* --optimizer and one option per hyperparameter */
};

/* Every option and the field it fills; '-o' and '--output' fill the same one. */
static const struct {
    const char *name;
    size_t offset;
} option_table[] = {
    {"-o", offsetof(struct mpi_options, output)},
    {"--output", offsetof(struct mpi_options, output)},
    {"--data", offsetof(struct mpi_options, data)},
    {"--target-columns", offsetof(struct mpi_options, target_columns)},
    {"--class-column", offsetof(struct mpi_options, class_column)},
    {"--loss", offsetof(struct mpi_options, loss)},
    {"--scale", offsetof(struct mpi_options, scale)},
    {"--optimizer", offsetof(struct mpi_options, optimizer.kind)},
    {"--rate", offsetof(struct mpi_options, rate)},
    {"--batch", offsetof(struct mpi_options, batch)},
    {"--epochs", offsetof(struct mpi_options, epochs)},
    {"--seed", offsetof(struct mpi_options, seed)},
    {"--threads", offsetof(struct mpi_options, threads)},
    {"--clip", offsetof(struct mpi_options, clip)},
    {"--schedule", offsetof(struct mpi_options, schedule)},
    {"--validation", offsetof(struct mpi_options, validation)},
    {"--patience", offsetof(struct mpi_options, patience)},
    {"--min-delta", offsetof(struct mpi_options, min_delta)},
    {"--history", offsetof(struct mpi_options, history)},
    {"--plot", offsetof(struct mpi_options, plot)},
    {"--quiet", offsetof(struct mpi_options, quiet)},
    {"--checkpoint", offsetof(struct mpi_options, checkpoint)},
    {"--resume", offsetof(struct mpi_options, resume)},
    {"--mode", offsetof(struct mpi_options, mode)},
    {"--chunks", offsetof(struct mpi_options, chunks)},
};

static const char usage_text[] =
    "usage: mpirun -np N backprop-mpi train MODEL --data FILE.csv [options] -o MODEL_OUT\n"
    "       backprop-mpi --help | --version\n"
    "\n"
    "Trains MODEL as `backprop train` does with the library's training loop, on N\n"
    "processes that share every batch: rank 0's parameters and scaling go to every\n"
    "rank, each rank computes its part of every batch of the shared shuffled order,\n"
    "and the gradient sums are combined over MPI. Every process reads MODEL, the\n"
    "data and --resume; rank 0 alone shows the progress and writes -o, --history,\n"
    "--plot and --checkpoint. A failure on any rank stops every rank with a non-zero\n"
    "status, and rank 0 says which rank failed and why.\n"
    "\n"
    "The options of backprop train's training loop (see backprop --help):\n"
    "  --target-columns N,... | --class-column NAME, --loss NAME, --optimizer NAME and\n"
    "  its hyperparameters, --rate R, --batch B (the global batch), --epochs N,\n"
    "  --validation F, --patience P, --min-delta D, --scale NAME, --seed S,\n"
    "  --threads N (per process), --clip MAX_NORM, --schedule SPEC, --history FILE.csv,\n"
    "  --plot FILE.svg, --quiet, --checkpoint FILE, --resume FILE\n"
    "and:\n"
    "  --mode reproducible  (the default) every batch cut into C chunks, added in\n"
    "                       chunk order: the same bits on any number of processes up\n"
    "                       to C, and as backprop train --chunks C\n"
    "  --mode fast          MPI's own all-reduce of the gradient sums: the result may\n"
    "                       differ in the last bits with the number of processes\n"
    "  --chunks C           the chunks of reproducible mode (default 16, at least N)\n";

static void print_usage(void)
{
    fputs(usage_text, stdout);
}

static const char **option_slot(struct mpi_options *o, const char *name)
{
    for (size_t i = 0; i < sizeof option_table / sizeof option_table[0]; i++)
        if (strcmp(option_table[i].name, name) == 0)
            return (const char **)((char *)o + option_table[i].offset);
    return optimizer_options_slot(&o->optimizer, name);
}

/* Fills `o` from the arguments after "train"; 0, or EXIT_USAGE reported. */
static int parse_args(int argc, char **argv, struct mpi_options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const int flag = strcmp(arg, "--quiet") == 0;
        if (arg[0] == '-' && arg[1] != '\0') {
            const char **slot = option_slot(o, arg);
            if (slot == NULL)
                return fail(EXIT_USAGE, "unknown option '%s' (see backprop-mpi --help)",
                            quote_str(arg).text);
            if (i + 1 >= argc && !flag)
                return fail(EXIT_USAGE, "option '%s' needs a value", arg);
            if (*slot != NULL)
                return fail(EXIT_USAGE, "option '%s' given twice", arg);
            *slot = flag ? arg : argv[++i];
        } else if (o->model == NULL) {
            o->model = arg;
        } else {
            return fail(EXIT_USAGE, "unexpected argument '%s'", quote_str(arg).text);
        }
    }
    if (o->model == NULL)
        return fail(EXIT_USAGE, "missing the model file argument");
    if (o->data == NULL || o->output == NULL)
        return fail(EXIT_USAGE, "train needs --data and -o");
    if (strcmp(o->data, "-") == 0)
        return fail(EXIT_USAGE, "--data -: standard input reaches rank 0 only; give a file");
    if (o->target_columns && o->class_column)
        return fail(EXIT_USAGE, "give --target-columns or --class-column, not both");
    return 0;
}

/* A name of the library's lookup `from_name`; an unknown one is bad usage
   and the message lists the valid names. */
static int lookup(const char *what, const char *value, nn_status (*from_name)(const char *, int *),
                  const char *(*name_of)(int), int *code)
{
    if (from_name(value, code) == NN_OK)
        return 0;
    char names[512] = "";
    for (int i = 0; name_of(i) != NULL; i++) {
        const size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", name_of(i));
    }
    return fail(EXIT_USAGE, "unknown %s '%s'; valid names: %s", what, quote_str(value).text, names);
}

/* The mode and the chunks of the run. */
static int parse_mode(const struct mpi_options *o, int size, int *mode, size_t *chunks)
{
    *mode = NN_MPI_REPRODUCIBLE;
    *chunks = 0; /* the library's default, NN_MPI_DEFAULT_CHUNKS or the process count */
    if (o->mode && strcmp(o->mode, "fast") == 0)
        *mode = NN_MPI_FAST;
    else if (o->mode && strcmp(o->mode, "reproducible") != 0)
        return fail(EXIT_USAGE, "unknown mode '%s'; valid names: reproducible, fast",
                    quote_str(o->mode).text);
    if (o->chunks == NULL)
        return 0;
    if (*mode == NN_MPI_FAST)
        return fail(EXIT_USAGE, "--chunks goes with --mode reproducible");
    if (!parse_whole_number(o->chunks, chunks) || *chunks < 1 || *chunks > NN_MAX_CHUNKS)
        return fail(EXIT_USAGE, "--chunks: expected a whole number from 1 to %d, got '%s'",
                    NN_MAX_CHUNKS, quote_str(o->chunks).text);
    if (*chunks < (size_t)size)
        return fail(EXIT_USAGE, "--chunks %zu: reproducible mode needs at least as many chunks "
                                "as processes (%d)", *chunks, size);
    return 0;
}

/* The request of train_loop.c from the options (the chunks are the
   library's, through nn_mpi_configure()). */
static int make_request(const struct mpi_options *o, struct train_request *r)
{
    *r = (struct train_request){
        .model = o->model, .data = o->data, .output = o->output,
        .target_columns = o->target_columns, .class_column = o->class_column,
        .loss = -1, .scale = NN_SCALE_NONE,
        .rate = o->rate, .batch = o->batch, .epochs = o->epochs, .seed = o->seed,
        .threads = o->threads, .clip = o->clip, .schedule = o->schedule,
        .validation = o->validation, .patience = o->patience, .min_delta = o->min_delta,
        .history = o->history, .plot = o->plot, .quiet = o->quiet != NULL,
        .optimizer = &o->optimizer, .checkpoint = o->checkpoint, .resume = o->resume};
    int status = 0;
    if (o->loss)
        status = lookup("loss", o->loss, nn_loss_from_name, nn_loss_name, &r->loss);
    if (status == 0 && o->scale)
        status = lookup("scaling", o->scale, nn_scale_from_name, nn_scale_name, &r->scale);
    return status;
}

/* ---- the processes ---- */

/* What the struct train_parallel functions share. */
struct mpi_run {
    nn_mpi_t *mpi;  /* the run's communicator and mode (libbackprop-mpi) */
    MPI_Comm comm;  /* the command's own, for the agreement and the messages */
    int rank, size;
};

/* The agreement: every process gives (how it stands, its rank); the least
   pair, MPI_MINLOC, names the lowest failing process, whose exit status and
   message then go to every process. A process stopped by another's failure
   (TRAIN_PEER_FAILED) ranks after every process that failed itself. */
enum { STANDS_FAILED = 0, STANDS_STOPPED = 1, STANDS_FINE = 2 };

static int agree(void *context, int status)
{
    struct mpi_run *c = context;
    int mine[2] = {status == 0                   ? STANDS_FINE
                   : status == TRAIN_PEER_FAILED ? STANDS_STOPPED
                                                 : STANDS_FAILED,
                   c->rank};
    int least[2];
    if (MPI_Allreduce(mine, least, 1, MPI_2INT, MPI_MINLOC, c->comm) != MPI_SUCCESS)
        return fail(1, "the processes could not agree whether to go on (MPI_Allreduce failed)");
    if (least[0] == STANDS_FINE)
        return 0;
    if (least[0] == STANDS_STOPPED) /* only the library knows who failed */
        return fail(1, "stopped: another process of the run failed");
    const int failed = least[1];
    int exit_status = status;
    char message[COMMAND_MESSAGE_SIZE];
    snprintf(message, sizeof message, "%s", command_last_message());
    if (MPI_Bcast(&exit_status, 1, MPI_INT, failed, c->comm) != MPI_SUCCESS ||
        MPI_Bcast(message, (int)sizeof message, MPI_CHAR, failed, c->comm) != MPI_SUCCESS)
        return fail(1, "rank %d failed; its message could not be had (MPI_Bcast failed)", failed);
    message[sizeof message - 1] = '\0';
    if (c->rank == 0 && failed != 0)
        fprintf(stderr, "backprop-mpi: rank %d failed: %s\n", failed, message);
    return mine[0] == STANDS_FAILED ? status : exit_status;
}

static int configure(void *context, nn_train_options_t *options)
{
    struct mpi_run *c = context;
    const nn_status s = nn_mpi_configure(c->mpi, options);
    return s == NN_OK ? 0 : fail(refusal_status(s), "the options of this process: %s",
                                 nn_strerror(s));
}

/* A refusal of nn_mpi_share_network() or nn_mpi_check_dataset(): the
   message where this process differs, TRAIN_PEER_FAILED where another does. */
static int refused(nn_status s, const char *what)
{
    if (s == NN_ERR_PEER)
        return TRAIN_PEER_FAILED;
    if (s == NN_ERR_COUNT || s == NN_ERR_ARGUMENT)
        return fail(1, "%s", what);
    return fail(1, "sharing the network and the rows: %s", nn_strerror(s));
}

static int share(void *context, nn_t *net, const nn_dataset_t *train,
                 const nn_dataset_t *validation)
{
    struct mpi_run *c = context;
    nn_status s = nn_mpi_share_network(c->mpi, net);
    if (s != NN_OK)
        return refused(s, "the model differs from rank 0's (the layer sizes, the activations "
                          "or the loss)");
    s = nn_mpi_check_dataset(c->mpi, train);
    if (s == NN_OK && validation != NULL)
        s = nn_mpi_check_dataset(c->mpi, validation);
    if (s != NN_OK)
        return refused(s, "the training or validation rows are not the same on every process "
                          "(--data, the columns, --validation, --seed)");
    return 0;
}

/* The command line, the run's communicator and the training; the same exit
   status on every process. */
static int run(int argc, char **argv, struct mpi_run *c)
{
    struct mpi_options o;
    struct train_request r;
    memset(&r, 0, sizeof r);
    int mode = NN_MPI_REPRODUCIBLE;
    size_t chunks = 0;
    /* the same arguments on every process: rank 0 reports a mistake */
    const int quiet = command_set_quiet(c->rank != 0);
    int status = argc < 2 || strcmp(argv[1], "train") != 0
                     ? fail(EXIT_USAGE, "the command is 'train' (see backprop-mpi --help)")
                     : parse_args(argc - 2, argv + 2, &o);
    if (status == 0)
        status = parse_mode(&o, c->size, &mode, &chunks);
    if (status == 0)
        status = make_request(&o, &r);
    (void)command_set_quiet(quiet);
    status = agree(c, status);
    if (status == 0) {
        const nn_status s = nn_mpi_create(&c->mpi, MPI_COMM_WORLD, mode, chunks);
        status = agree(c, s == NN_OK ? 0 : fail(refusal_status(s), "MPI: %s", nn_strerror(s)));
    }
    if (status == 0) {
        const struct train_parallel parallel = {c, c->rank == 0, configure, share, agree};
        r.parallel = &parallel;
        status = train_loop_run(&r);
    }
    if (c->mpi != NULL)
        nn_mpi_free(c->mpi);
    return status;
}

int main(int argc, char **argv)
{
    command_set_prefix("backprop-mpi");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            print_usage();
            return fflush(stdout) == 0 ? 0 : fail(1, "cannot write the output");
        }
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("backprop-mpi %s\n", nn_version_string());
        return fflush(stdout) == 0 ? 0 : fail(1, "cannot write the output");
    }
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
        return fail(1, "MPI_Init failed");
    struct mpi_run c = {NULL, MPI_COMM_NULL, 0, 1};
    char prefix[64];
    int status = 0;
    if (MPI_Comm_rank(MPI_COMM_WORLD, &c.rank) != MPI_SUCCESS ||
        MPI_Comm_size(MPI_COMM_WORLD, &c.size) != MPI_SUCCESS ||
        MPI_Comm_dup(MPI_COMM_WORLD, &c.comm) != MPI_SUCCESS ||
        MPI_Comm_set_errhandler(c.comm, MPI_ERRORS_RETURN) != MPI_SUCCESS)
        status = fail(1, "MPI: cannot set up the processes' communicator");
    if (status == 0) {
        if (c.size > 1) {
            snprintf(prefix, sizeof prefix, "backprop-mpi: rank %d", c.rank);
            command_set_prefix(prefix);
        }
        status = run(argc, argv, &c);
        if (fflush(stdout) != 0 && status == 0)
            status = fail(1, "cannot write the output");
        MPI_Comm_free(&c.comm);
    }
    MPI_Finalize();
    return status;
}
