/* A program outside the libbackprop tree that uses libbackprop-mpi, built
 * against an installed copy with nothing but `pkg-config --cflags --libs
 * backprop-mpi` (pkgconfig/check-mpi.sh) and run under mpirun. Every process
 * trains the same small network for 3 epochs in reproducible mode; rank 0
 * prints the result. Exits 0 on every process when the run worked and every
 * process holds rank 0's parameters. */
#include <stdio.h>
#include <string.h>

#include <backprop_mpi.h>

#define N_PARAMS 13 /* 2-3-1: 2 * 3 + 3 + 3 * 1 + 1 */

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    const double x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 1, 0};
    const size_t sizes[3] = {2, 3, 1};
    const int activations[2] = {NN_ACT_TANH, NN_ACT_SIGMOID};
    nn_t *net = NULL;
    nn_dataset_t *data = NULL;
    nn_mpi_t *m = NULL;
    nn_train_options_t *o = NULL;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    nn_status status = nn_create(&net, 3, sizes, activations);
    if (status == NN_OK)
        status = nn_init_random(net, 1 + (unsigned long)rank, NN_INIT_UNIFORM, -1.0, 1.0);
    if (status == NN_OK)
        status = nn_dataset_create(&data, 4, 2, 1, x, y);
    if (status == NN_OK)
        status = nn_train_options_create(&o);
    if (status == NN_OK)
        status = nn_train_options_set_epochs(o, 3);
    if (status == NN_OK)
        status = nn_train_options_set_batch_size(o, 4);
    if (status == NN_OK)
        status = nn_mpi_create_world(&m, NN_MPI_REPRODUCIBLE, 0);
    size_t epochs = 0;
    if (status == NN_OK)
        status = nn_mpi_train(m, net, data, NULL, o, NULL, 0, &epochs);
    /* every process's parameters against rank 0's, byte for byte */
    double params[N_PARAMS] = {0}, first[N_PARAMS] = {0};
    if (status == NN_OK)
        status = nn_get_params(net, params, N_PARAMS);
    memcpy(first, params, sizeof first);
    MPI_Bcast(first, N_PARAMS, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int same = memcmp(first, params, sizeof first) == 0, all_same = 0;
    MPI_Allreduce(&same, &all_same, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (rank == 0)
        printf("libbackprop %s, %zu processes, %zu chunks: %s after %zu epochs, %s\n",
               nn_version_string(), nn_mpi_size(m), nn_mpi_chunks(m), nn_strerror(status), epochs,
               all_same ? "the same parameters everywhere" : "DIFFERENT parameters");
    nn_mpi_free(m);
    nn_train_options_free(o);
    nn_dataset_free(data);
    nn_free(net);
    MPI_Finalize();
    return status == NN_OK && epochs == 3 && all_same ? 0 : 1;
}
