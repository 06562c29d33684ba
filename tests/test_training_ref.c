/* Whole training runs against PyTorch 1.13 (float64, foreach off; the values
   in tests/ref/training_ref.h come from tests/ref/training_ref.py): random
   networks with softmax on hidden and output layers, cross-entropy, half the
   sum of squares and binary cross-entropy, every optimiser with its defaults
   and with other hyperparameters, blocks frozen at some steps, trained ten
   steps by single-sample passes and by batches with the sum and the mean
   reduction. Every parameter must end within 1e-12 max(1, |torch|). */
#include "check.h"
#include "testnet.h"

#include <backprop.h>

#include <stdlib.h>

#include "ref/training_ref.h"

#define REF_TOL 1e-12
#define N_KINDS 5
#define N_MODES 3

static nn_t *build(const struct ref_train_net *rn)
{
    nn_t *net = create_net(rn->n_layers, rn->sizes, rn->acts);
    assert_int_equal(nn_set_loss(net, rn->loss), NN_OK);
    if (rn->shared != 0)
        assert_int_equal(nn_set_bias_mode(net, rn->shared, NN_BIAS_SHARED), NN_OK);
    assert_int_equal(nn_param_count(net), rn->n_params);
    assert_int_equal(nn_set_params(net, rn->params0, rn->n_params), NN_OK);
    return net;
}

static void set_frozen_mask(nn_t *net, unsigned mask)
{
    for (size_t k = 1; k < nn_layer_count(net); k++) {
        const unsigned bits = mask >> (2 * (k - 1));
        assert_int_equal(nn_set_frozen(net, k, (int)(bits & 1u), (int)((bits >> 1) & 1u)), NN_OK);
    }
}

/* Adds the gradients of the REF_ROWS rows of step `step`, the case's way. */
static void accumulate(nn_t *net, const struct ref_train_net *rn, int mode, size_t step)
{
    const size_t n_in = rn->sizes[0], n_out = rn->sizes[rn->n_layers - 1];
    const double *x = rn->x + step * REF_ROWS * n_in, *t = rn->t + step * REF_ROWS * n_out;
    if (mode == REF_SINGLE) {
        for (size_t r = 0; r < REF_ROWS; r++) {
            assert_int_equal(nn_forward(net, x + r * n_in, NULL), NN_OK);
            assert_int_equal(nn_backward(net, t + r * n_out), NN_OK);
        }
        return;
    }
    assert_int_equal(nn_forward_batch(net, REF_ROWS, x, NULL), NN_OK);
    assert_int_equal(nn_backward_batch(net, REF_ROWS, t), NN_OK);
}

static void test_training_against_torch(void **unused)
{
    (void)unused;
    const size_t n_cases = sizeof ref_train_cases / sizeof ref_train_cases[0];
    unsigned seen[N_KINDS] = {0}; /* per kind, a bit per way */
    for (size_t c = 0; c < n_cases; c++) {
        const struct ref_train_case *rc = &ref_train_cases[c];
        const struct ref_train_net *rn = &ref_train_nets[rc->net];
        nn_t *net = build(rn);
        /* the single-sample passes run with the mean set too: it must not touch them */
        const int reduction = rc->mode == REF_BATCH_SUM ? NN_REDUCTION_SUM : NN_REDUCTION_MEAN;
        assert_int_equal(nn_set_reduction(net, reduction), NN_OK);
        nn_optimizer_t *opt = NULL;
        assert_int_equal(nn_optimizer_create(&opt, net, rc->kind), NN_OK);
        for (size_t h = 0; h < rc->n_hp; h++)
            assert_int_equal(nn_optimizer_set(opt, rc->hp_codes[h], rc->hp_values[h]), NN_OK);
        for (size_t s = 0; s < REF_STEPS; s++) {
            set_frozen_mask(net, rn->frozen[s]);
            accumulate(net, rn, rc->mode, s);
            assert_int_equal(nn_optimizer_step(opt, net, rc->rate * (1.0 - 0.05 * (double)s)),
                             NN_OK);
        }
        double *p = params_of(net);
        for (size_t i = 0; i < rn->n_params; i++) {
            const double ref = rc->params[i], scale = fabs(ref) > 1.0 ? fabs(ref) : 1.0;
            if (!(fabs(p[i] - ref) <= REF_TOL * scale)) {
                print_error("case %zu (network %zu, way %d, kind %d): param[%zu] = %.17g, "
                            "torch %.17g\n",
                            c, rc->net, rc->mode, rc->kind, i, p[i], ref);
                fail();
            }
        }
        /* the run moved the network: the comparison above is not of two starts */
        double moved = 0.0;
        for (size_t i = 0; i < rn->n_params; i++)
            moved = fmax(moved, fabs(rc->params[i] - rn->params0[i]));
        assert_true(moved > 1e-3);
        seen[rc->kind] |= 1u << rc->mode;
        free(p);
        nn_optimizer_free(opt);
        nn_free(net);
    }
    /* the cover: every kind was run every way */
    for (int k = 0; k < N_KINDS; k++)
        assert_int_equal(seen[k], (1u << N_MODES) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_training_against_torch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
