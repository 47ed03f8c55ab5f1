import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.testing import check_flow_layer, perturb_weights


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("order,dim,hidden", [("left-to-right", 2, [8]), ("right-to-left", 5, [16, 16])])
def test_maf_checks(order, dim, hidden):
    factory = functools.partial(MaskedAutoregressive, hidden_units=hidden, input_order=order)
    check_flow_layer(factory, data(dim), expected_trainable=2 * (len(hidden) + 1))


def test_starts_as_identity():
    x = data(3)
    y, log_det = MaskedAutoregressive(hidden_units=[8])(x)
    np.testing.assert_array_equal(y.numpy(), x)
    np.testing.assert_array_equal(log_det.numpy(), 0.0)


@pytest.mark.parametrize("order,iaf", [("left-to-right", False), ("right-to-left", False), ("left-to-right", True)])
def test_forward_jacobian_is_triangular(order, iaf):
    x = tf.constant(data(4))
    layer = MaskedAutoregressive(hidden_units=[16], input_order=order, iaf=iaf)
    layer(x)
    perturb_weights(layer, scale=0.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        u, _ = layer(x)
    jac = tape.batch_jacobian(u, x).numpy()  # [batch, output, input]
    upper = np.triu(np.ones((4, 4), bool), k=1)
    zero = upper if order == "left-to-right" else upper.T
    np.testing.assert_array_equal(jac[:, zero], 0.0)
    _, log_scale = layer.shift_and_log_scale(x)
    diagonal = np.exp(log_scale.numpy() if iaf else -log_scale.numpy())
    np.testing.assert_allclose(np.diagonal(jac, axis1=1, axis2=2), diagonal, rtol=1e-6)


def test_log_scale_is_bounded():
    x = 100.0 * data(3)
    layer = MaskedAutoregressive(hidden_units=[8], log_scale_bound=2.0)
    layer(x)
    perturb_weights(layer, scale=10.0)
    _, log_scale = layer.shift_and_log_scale(x)
    assert np.abs(log_scale.numpy()).max() > 1.5  # the raw scales are far out, yet:
    assert np.all(np.abs(log_scale.numpy()) <= 2.0)
    y, log_det = layer(x)
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(layer.inverse(y).numpy()))


def test_config_round_trip():
    x = data(3)
    layer = MaskedAutoregressive(hidden_units=[8], activation="tanh", input_order="right-to-left", log_scale_bound=4.0)
    layer(x)
    perturb_weights(layer)
    clone = MaskedAutoregressive.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    for a, b in zip(clone(x), layer(x)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def context_row(size=2, seed=1):
    return np.random.default_rng(seed).normal(size=(1, size)).astype("float32")


def test_iaf_checks():
    factory = functools.partial(MaskedAutoregressive, hidden_units=[16], input_order="right-to-left", iaf=True)
    check_flow_layer(factory, data(4), expected_trainable=4)


@pytest.mark.parametrize("iaf", [False, True])
def test_context_checks(iaf):
    factory = functools.partial(MaskedAutoregressive, hidden_units=[16], iaf=iaf, context_size=2)
    check_flow_layer(factory, data(3), context=context_row(), expected_trainable=6)  # kernels, biases, context


def test_iaf_is_one_pass_forward_with_positive_log_det():
    x = tf.constant(data(4))
    layer = MaskedAutoregressive(hidden_units=[16], iaf=True)
    layer(x)
    perturb_weights(layer, scale=0.5)
    shift, log_scale = layer.shift_and_log_scale(x)  # from the layer's input: the forward is one pass
    y, log_det = layer(x)
    np.testing.assert_allclose(y.numpy(), (x * tf.exp(log_scale) + shift).numpy(), rtol=1e-6)
    np.testing.assert_allclose(log_det.numpy(), tf.reduce_sum(log_scale, -1).numpy(), rtol=1e-6)


def test_context_changes_the_output_and_is_required():
    x, c = data(3), context_row()
    layer = MaskedAutoregressive(hidden_units=[8], context_size=2)
    layer(x, context=c)
    perturb_weights(layer)
    y1, _ = layer(x, context=c)
    y2, _ = layer(x, context=2.0 * c)
    assert np.abs(y1.numpy() - y2.numpy()).max() > 1e-3
    with pytest.raises(ValueError, match="context"):
        layer(x)
    clone = MaskedAutoregressive.from_config(layer.get_config())
    assert clone.made.context_size == 2 and clone.iaf is False
