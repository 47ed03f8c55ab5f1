import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.invconv import InvertibleConv1x1, constant_matrices
from nfzoo.testing import check_flow_layer, perturb_weights


@pytest.mark.parametrize("lu,n_vars", [(True, 3), (False, 1)])
@pytest.mark.parametrize("shape", [(2, 3, 3, 4), (3, 5)])
def test_invconv_checks(lu, n_vars, shape):
    x = np.random.default_rng(0).normal(size=shape)
    check_flow_layer(functools.partial(InvertibleConv1x1, lu=lu, seed=1), x, expected_trainable=n_vars)


def test_lu_log_det_is_positions_times_sum_log_s():
    layer = InvertibleConv1x1(seed=3)
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype("float32")
    _, log_det = layer(x)
    _, logabsdet = np.linalg.slogdet(layer.matrix().numpy())
    np.testing.assert_allclose(log_det.numpy(), 20 * logabsdet, atol=1e-4)
    np.testing.assert_allclose(np.abs(logabsdet), 0.0, atol=1e-4)  # starts as a rotation


def test_seed_makes_init_reproducible():
    a, b = InvertibleConv1x1(seed=7), InvertibleConv1x1(seed=7)
    x = np.ones((1, 2, 2, 3), "float32")
    np.testing.assert_allclose(a(x)[0].numpy(), b(x)[0].numpy())


@pytest.mark.parametrize("lu", [True, False])
def test_constant_matrices_trace_the_same_map_and_follow_no_later_change(lu):
    """Inside `constant_matrices` a traced function computes the layer's map with W, W^-1 and log|det W| frozen as
    constants (what the serving export does); outside, the layer reads its weights again."""
    layer = InvertibleConv1x1(lu=lu, seed=2)
    x = np.random.default_rng(0).normal(size=(2, 3, 3, 4)).astype("float32")
    layer(x)
    perturb_weights(layer, scale=0.3)
    forward, inverse = tf.function(lambda x: layer(x)), tf.function(layer.inverse)
    expected_y, expected_log_det = (t.numpy() for t in layer(x))
    with constant_matrices(layer):
        y, log_det = forward(x)
        x_back = inverse(y)
    np.testing.assert_allclose(y.numpy(), expected_y, atol=1e-6)
    np.testing.assert_allclose(log_det.numpy(), expected_log_det, atol=1e-5)
    np.testing.assert_allclose(x_back.numpy(), x, atol=1e-5)
    graph_ops = {op.type for op in forward.get_concrete_function(x).graph.get_operations()}
    assert "ReadVariableOp" not in graph_ops  # W came in as a constant, not from the weights
    perturb_weights(layer, scale=0.3, seed=1)
    assert not np.allclose(forward(x)[0].numpy(), layer(x)[0].numpy(), atol=1e-3)  # the trace kept the old W
    assert layer._constants is None
