/* The same start on every process: nn_mpi_share_network() compares each
   network with rank 0's and copies rank 0's parameters and scaling;
   nn_mpi_check_dataset() compares each data set with rank 0's. Each step
   is a broadcast from rank 0 under the status agreement (collectives.c),
   so a process that differs stops every process at the same step. */
#include "comm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- networks ---- */

/* What is compared first, and what says how large the rest is. */
enum { H_LAYERS, H_LOSS, H_PARAMS, H_INPUTS, H_OUTPUTS, H_INPUT_SCALING, H_TARGET_SCALING,
       H_COUNT };

/* One layer as compared, byte for byte (no padding; unused bytes zero). */
struct layer_desc {
    uint64_t size;
    int64_t bias_mode;                /* -1 for layer 0 */
    char activation[NN_MAX_NAME + 1]; /* empty for layer 0 */
};

static void describe_network(const nn_t *net, uint64_t *header)
{
    header[H_LAYERS] = nn_layer_count(net);
    header[H_LOSS] = (uint64_t)nn_get_loss(net);
    header[H_PARAMS] = nn_param_count(net);
    header[H_INPUTS] = nn_input_count(net);
    header[H_OUTPUTS] = nn_output_count(net);
    header[H_INPUT_SCALING] = (uint64_t)nn_has_input_scaling(net);
    header[H_TARGET_SCALING] = (uint64_t)nn_has_target_scaling(net);
}

static void describe_layers(const nn_t *net, struct layer_desc *layers, size_t n_layers)
{
    for (size_t k = 0; k < n_layers; k++) {
        layers[k].size = nn_layer_size(net, k);
        layers[k].bias_mode = nn_get_bias_mode(net, k);
        const char *name = nn_get_activation_name(net, k);
        if (name != NULL)
            strncpy(layers[k].activation, name, NN_MAX_NAME);
    }
}

/* Every layer as rank 0 has it, else NN_ERR_COUNT here. */
static nn_status compare_layers(nn_mpi_t *m, const nn_t *net, size_t n_layers, nn_status status)
{
    struct layer_desc *mine = calloc(2 * n_layers, sizeof *mine);
    if (status == NN_OK && mine == NULL)
        status = NN_ERR_NO_MEMORY;
    struct layer_desc *root = mine != NULL ? mine + n_layers : NULL;
    if (status == NN_OK) {
        describe_layers(net, mine, n_layers);
        memcpy(root, mine, n_layers * sizeof *root);
    }
    status = nn__mpi_broadcast(m, status, root, n_layers * sizeof *root, MPI_BYTE);
    if (status == NN_OK && memcmp(mine, root, n_layers * sizeof *root) != 0)
        status = NN_ERR_COUNT;
    free(mine);
    return status;
}

/* Where each part of the shared values lies: the parameters, then the
   input offsets and scales, then the target offsets and scales. */
struct parts {
    size_t n_params, n_in, n_out;
    int has_input, has_target; /* rank 0's scaling */
};

static size_t parts_doubles(const struct parts *p)
{
    return p->n_params + 2 * p->n_in + 2 * p->n_out;
}

static void pack(const nn_t *net, const struct parts *p, double *v)
{
    double *in = v + p->n_params, *out = in + 2 * p->n_in;
    (void)nn_get_params(net, v, p->n_params);
    (void)nn_get_input_scaling(net, in, in + p->n_in, p->n_in);
    (void)nn_get_target_scaling(net, out, out + p->n_out, p->n_out);
}

static void clear_scaling(nn_t *net, int input)
{
    if (input)
        (void)nn_fit_input_scaling(net, NN_SCALE_NONE, 0, NULL);
    else
        (void)nn_fit_target_scaling(net, NN_SCALE_NONE, 0, NULL);
}

/* Puts back the state saved (with old_input, old_target) before apply():
   the parts that apply() set get their old values back, or are cleared when
   there were none. Setting values over a scaling the network already holds
   allocates nothing, so this cannot fail. */
static void restore(nn_t *net, const struct parts *p, const double *saved, int old_input,
                    int old_target)
{
    const double *in = saved + p->n_params, *out = in + 2 * p->n_in;
    (void)nn_set_params(net, saved, p->n_params);
    if (p->has_input && old_input)
        (void)nn_set_input_scaling(net, in, in + p->n_in, p->n_in);
    if (p->has_target && old_target)
        (void)nn_set_target_scaling(net, out, out + p->n_out, p->n_out);
    if (p->has_input && !old_input)
        clear_scaling(net, 1);
    if (p->has_target && !old_target)
        clear_scaling(net, 0);
}

/* Rank 0's values into this network, after saving its own into saved: the
   scaling rank 0 has first (the first may allocate the network's scaling;
   after it nothing can fail), then the parameters. The scaling rank 0 lacks
   is cleared only once every process has applied (share_values()). */
static nn_status apply(nn_t *net, const struct parts *p, const double *v, double *saved)
{
    const double *in = v + p->n_params, *out = in + 2 * p->n_in;
    pack(net, p, saved);
    const int old_input = nn_has_input_scaling(net), old_target = nn_has_target_scaling(net);
    nn_status status = NN_OK;
    if (p->has_input)
        status = nn_set_input_scaling(net, in, in + p->n_in, p->n_in);
    if (status == NN_OK && p->has_target)
        status = nn_set_target_scaling(net, out, out + p->n_out, p->n_out);
    if (status == NN_OK)
        status = nn_set_params(net, v, p->n_params);
    if (status != NN_OK)
        restore(net, p, saved, old_input, old_target);
    return status;
}

/* Rank 0's parameters and scaling to every process; on a failure anywhere
   every network is put back as it was. */
static nn_status share_values(nn_mpi_t *m, nn_t *net, const struct parts *p, nn_status status)
{
    const size_t n = parts_doubles(p);
    double *values = NULL;
    if (status == NN_OK) {
        values = malloc(2 * n * sizeof *values);
        status = values != NULL ? NN_OK : NN_ERR_NO_MEMORY;
    }
    double *saved = values != NULL ? values + n : NULL;
    if (status == NN_OK && m->rank == 0)
        pack(net, p, values);
    status = nn__mpi_broadcast(m, status, values, n, MPI_DOUBLE);
    int old_input = 0, old_target = 0, applied = 0;
    if (status == NN_OK && m->rank != 0) {
        old_input = nn_has_input_scaling(net);
        old_target = nn_has_target_scaling(net);
        status = apply(net, p, values, saved);
        applied = status == NN_OK;
    }
    status = nn__mpi_agree(m, status);
    if (applied && status != NN_OK)
        restore(net, p, saved, old_input, old_target);
    if (applied && status == NN_OK) {
        if (!p->has_input)
            clear_scaling(net, 1);
        if (!p->has_target)
            clear_scaling(net, 0);
    }
    free(values);
    return status;
}

nn_status nn__mpi_share_network(nn_mpi_t *m, nn_t *net, nn_status status)
{
    uint64_t mine[H_COUNT] = {0}, root[H_COUNT];
    if (status == NN_OK)
        describe_network(net, mine);
    memcpy(root, mine, sizeof root);
    status = nn__mpi_broadcast(m, status, root, H_COUNT, MPI_UINT64_T);
    if (status != NN_OK)
        return status; /* agreed: every process returns here */
    for (int h = H_LAYERS; h <= H_OUTPUTS; h++)
        if (mine[h] != root[h])
            status = NN_ERR_COUNT;
    /* a difference found here is this process's alone: it reaches the
       others through the agreement of the next broadcast */
    status = compare_layers(m, net, (size_t)root[H_LAYERS], status);
    const struct parts p = {(size_t)root[H_PARAMS], (size_t)root[H_INPUTS],
                            (size_t)root[H_OUTPUTS], root[H_INPUT_SCALING] != 0,
                            root[H_TARGET_SCALING] != 0};
    return share_values(m, net, &p, status);
}

nn_status nn_mpi_share_network(nn_mpi_t *m, nn_t *net)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG;
    return nn__mpi_share_network(m, net, net != NULL ? NN_OK : NN_ERR_NULL_ARG);
}

/* ---- data sets ---- */

enum { D_PRESENT, D_ROWS, D_INPUTS, D_TARGETS, D_CLASSES, D_CHECKSUM, D_COUNT };

/* A 64-bit checksum of n doubles' bits (FNV-1a over 64-bit words: each step
   is a bijection of the hash, so a single changed value always changes it). */
static uint64_t checksum(const double *values, size_t n, uint64_t hash)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t word;
        memcpy(&word, &values[i], sizeof word);
        hash = (hash ^ word) * UINT64_C(0x100000001b3);
    }
    return hash;
}

static void describe_dataset(const nn_dataset_t *data, uint64_t *d)
{
    const size_t rows = nn_dataset_row_count(data);
    d[D_PRESENT] = 1;
    d[D_ROWS] = rows;
    d[D_INPUTS] = nn_dataset_input_count(data);
    d[D_TARGETS] = nn_dataset_target_count(data);
    d[D_CLASSES] = nn_dataset_class_count(data);
    uint64_t hash = UINT64_C(0xcbf29ce484222325);
    hash = checksum(nn_dataset_inputs(data), rows * nn_dataset_input_count(data), hash);
    d[D_CHECKSUM] = checksum(nn_dataset_targets(data), rows * nn_dataset_target_count(data), hash);
}

nn_status nn__mpi_check_dataset(nn_mpi_t *m, const nn_dataset_t *data, nn_status status)
{
    uint64_t mine[D_COUNT] = {0}, root[D_COUNT];
    if (status == NN_OK && data != NULL)
        describe_dataset(data, mine);
    memcpy(root, mine, sizeof root);
    status = nn__mpi_broadcast(m, status, root, D_COUNT, MPI_UINT64_T);
    if (status != NN_OK)
        return status;
    if (memcmp(mine, root, sizeof root) != 0)
        status = NN_ERR_ARGUMENT;
    return nn__mpi_agree(m, status);
}

nn_status nn_mpi_check_dataset(nn_mpi_t *m, const nn_dataset_t *data)
{
    if (m == NULL)
        return NN_ERR_NULL_ARG;
    return nn__mpi_check_dataset(m, data, data != NULL ? NN_OK : NN_ERR_NULL_ARG);
}
