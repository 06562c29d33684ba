/* The internal state of a network and its one owner each: the blocks of
   (parameters, gradients) that nn_step() and optimisers iterate over
   (grads.c), the deferred weight gradients read without settling them, and
   the versions that say which pass is current (versions.h).

   Built from the library's sources to reach the internal calls. */
#include "internal.h"
#include "check.h"
#include "grads.h"
#include "versions.h"

#include <stdlib.h>
#include <string.h>

/* 3-4-2-3: layer 1 with frozen weights, layer 2 with a shared bias, layer 3
   with frozen biases; parameter i of the flat order is i + 1. */
static nn_t *mixed_net(void)
{
    const size_t sizes[] = {3, 4, 2, 3};
    const int acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_LINEAR};
    nn_t *net = NULL;
    assert_int_equal(nn_create(&net, 4, sizes, acts), NN_OK);
    assert_int_equal(nn_set_bias_mode(net, 2, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_set_frozen(net, 1, 1, 0), NN_OK);
    assert_int_equal(nn_set_frozen(net, 3, 0, 1), NN_OK);
    const size_t n = nn_param_count(net);
    assert_int_equal(n, 3 * 4 + 4 + 4 * 2 + 1 + 2 * 3 + 3);
    double *p = malloc(n * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (double)(i + 1);
    assert_int_equal(nn_set_params(net, p, n), NN_OK);
    free(p);
    return net;
}

/* One block against its expected identity (layer, kind, frozen, count);
   marks the flat positions it covers in `seen`, which none may have yet. */
static void check_block(const nn_t *net, const struct nn_block *b, size_t index,
                        const size_t expect[4], size_t *next_flat, unsigned char *seen)
{
    assert_int_equal(b->index, index);
    assert_int_equal(b->layer, expect[0]);
    assert_int_equal(b->kind, (int)expect[1]);
    assert_int_equal(b->frozen, (int)expect[2]);
    assert_int_equal(b->count, expect[3]);
    assert_int_equal(b->flat, *next_flat); /* an unused block: where the layer ends */
    /* the gradient of params[i] is grads[i] */
    assert_ptr_equal(b->grads, net->grads + (b->params - net->params));
    if (b->kind == NN_BLOCK_UNUSED) {
        const struct nn_layer *l = &net->layers[b->layer];
        assert_ptr_equal(b->params, l->b + nn__bias_count(l));
        for (size_t i = 0; i < b->count; i++)
            assert_true(b->params[i] == 0.0 && b->grads[i] == 0.0);
        return;
    }
    for (size_t i = 0; i < b->count; i++) {
        assert_int_equal(seen[b->flat + i], 0);
        seen[b->flat + i] = 1;
        assert_true(b->params[i] == (double)(b->flat + i + 1));
    }
    *next_flat += b->count;
}

static void blocks_cover_the_flat_order_once(void **state)
{
    (void)state;
    nn_t *net = mixed_net();
    const size_t n = nn_param_count(net);
    unsigned char *seen = calloc(n, 1);
    assert_non_null(seen);
    /* expected identities, in order: (layer, kind, frozen, count) */
    const size_t expect[][4] = {
        {1, NN_BLOCK_WEIGHTS, 1, 12}, {1, NN_BLOCK_BIASES, 0, 4}, {1, NN_BLOCK_UNUSED, 1, 0},
        {2, NN_BLOCK_WEIGHTS, 0, 8},  {2, NN_BLOCK_BIASES, 0, 1}, {2, NN_BLOCK_UNUSED, 1, 1},
        {3, NN_BLOCK_WEIGHTS, 0, 6},  {3, NN_BLOCK_BIASES, 1, 3}, {3, NN_BLOCK_UNUSED, 1, 0},
    };
    size_t visited = 0, next_flat = 0, flat = 0;
    for (size_t k = 1; k < nn_layer_count(net); k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (size_t i = 0; i < NN_BLOCKS_PER_LAYER; i++, visited++)
            check_block(net, &b[i], visited, expect[visited], &next_flat, seen);
        assert_int_equal(flat, next_flat);
    }
    assert_int_equal(visited, sizeof expect / sizeof expect[0]);
    assert_int_equal(next_flat, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(nn__flat_count(net), n);
    free(seen);
    nn_free(net);
}

/* nn_step() through the blocks: frozen blocks keep their values, the others
   move by -rate g, every gradient (the unused slots too) is 0 after. */
static void step_follows_the_blocks(void **state)
{
    (void)state;
    nn_t *net = mixed_net();
    const size_t n = nn_param_count(net);
    double *before = malloc(n * sizeof *before), *g = malloc(n * sizeof *g);
    double *after = malloc(n * sizeof *after);
    assert_true(before && g && after);
    assert_int_equal(nn_get_params(net, before, n), NN_OK);
    for (size_t i = 0; i < n; i++)
        g[i] = 0.25 * (double)(i % 5) - 0.5;
    assert_int_equal(nn_set_grads(net, g, n), NN_OK);
    assert_int_equal(nn_step(net, 0.5), NN_OK);
    assert_int_equal(nn_get_params(net, after, n), NN_OK);
    size_t flat = 0;
    for (size_t k = 1; k < nn_layer_count(net); k++) {
        struct nn_block b[NN_BLOCKS_PER_LAYER];
        flat = nn__layer_blocks(net, k, flat, b);
        for (size_t kind = 0; kind < NN_BLOCKS_PER_LAYER; kind++)
            for (size_t i = 0; i < b[kind].count; i++) {
                assert_true(b[kind].grads[i] == 0.0);
                if (kind == NN_BLOCK_UNUSED)
                    continue;
                const size_t f = b[kind].flat + i;
                assert_true(after[f] == (b[kind].frozen ? before[f] : before[f] - 0.5 * g[f]));
            }
    }
    free(before);
    free(g);
    free(after);
    nn_free(net);
}

/* nn__weight_grad() reads a deferred gradient as settling would write it,
   bit for bit (a -0.0 product included), and leaves it deferred. */
static void weight_grad_reads_deferred_values(void **state)
{
    (void)state;
    nn_t *net = mixed_net();
    const double in[3] = {0.5, -0.0, 2.0}, target[3] = {0.1, -0.2, 0.3};
    assert_int_equal(nn_zero_grads(net), NN_OK);
    assert_int_equal(nn_forward(net, in, NULL), NN_OK);
    assert_int_equal(nn_backward(net, target), NN_OK);
    assert_int_equal(net->grads_state, NN_GRADS_DEFERRED);
    for (size_t k = 1; k < 4; k++) {
        const size_t count = nn_weight_count(net, k), n_in = nn_layer_size(net, k - 1);
        double *g = malloc(count * sizeof *g);
        assert_non_null(g);
        assert_int_equal(nn_get_weight_grads(net, k, g, count), NN_OK);
        for (size_t w = 0; w < count; w++) {
            const double read = nn__weight_grad(net, k, w / n_in, w % n_in);
            assert_memory_equal(&read, &g[w], sizeof read);
        }
        free(g);
    }
    assert_int_equal(net->grads_state, NN_GRADS_DEFERRED);
    nn__grads_settle(net);
    assert_int_equal(net->grads_state, NN_GRADS_WRITTEN);
    const double settled = nn__weight_grad(net, 2, 1, 3);
    assert_true(settled == net->layers[2].gw[1 * 4 + 3]);
    nn_free(net);
}

/* The versions: each pass is current until a later parameter change,
   whichever pass (single or batched) ran last. */
static void versions_track_each_pass(void **state)
{
    (void)state;
    nn_t *net = mixed_net();
    const double in[3] = {0.5, 1.0, 2.0}, target[3] = {0.1, -0.2, 0.3};
    double loss, w[12], d[3];
    assert_int_equal(nn__forward_ready(net), NN_ERR_NO_FORWARD);
    assert_int_equal(nn_forward(net, in, NULL), NN_OK);
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_ERR_NO_BACKWARD);
    assert_int_equal(nn_backward(net, target), NN_OK);
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_OK);
    /* a change after the single pass, then a batch: the single one is stale */
    assert_int_equal(nn_get_weights(net, 1, w, 12), NN_OK);
    assert_int_equal(nn_set_weights(net, 1, w, 12), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_forward_batch(net, 1, in, NULL), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_loss_batch(net, 1, target, &loss), NN_OK);
    /* the deltas stay those of the last forward pass until the next one */
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_OK);
    assert_int_equal(nn_forward(net, in, NULL), NN_OK);
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_ERR_NO_BACKWARD);
    assert_int_equal(nn_loss_batch(net, 1, target, &loss), NN_OK);
    /* a step makes both stale; the deltas stay readable */
    assert_int_equal(nn_backward(net, target), NN_OK);
    assert_int_equal(nn_step(net, 0.1), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_loss_batch(net, 1, target, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_OK);
    /* a fused step: forward current before, stale after, deltas kept */
    assert_int_equal(nn_train_sample(net, in, target, 0.1), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_ERR_STALE_FORWARD);
    assert_int_equal(nn_get_deltas(net, 3, d, 3), NN_OK);
    /* settings the passes read count as changes; the loss function does not */
    assert_int_equal(nn_forward(net, in, NULL), NN_OK);
    assert_int_equal(nn_set_loss(net, NN_LOSS_HALF_SSE), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_OK);
    assert_int_equal(nn_set_activation(net, 2, NN_ACT_RELU), NN_OK);
    assert_int_equal(nn_loss(net, target, &loss), NN_ERR_STALE_FORWARD);
    nn_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_cover_the_flat_order_once),
        cmocka_unit_test(step_follows_the_blocks),
        cmocka_unit_test(weight_grad_reads_deferred_values),
        cmocka_unit_test(versions_track_each_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
