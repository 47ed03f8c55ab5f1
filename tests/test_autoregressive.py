import numpy as np
import pytest
import tensorflow as tf

from flow_checks import check_flow_layer, perturb_weights
from nfzoo.bijectors.autoregressive import MaskedAutoregressive


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("order,dim,hidden", [("left-to-right", 2, [8]), ("right-to-left", 5, [16, 16])])
def test_maf_checks(order, dim, hidden):
    check_flow_layer(MaskedAutoregressive(hidden_units=hidden, input_order=order), data(dim), 2 * (len(hidden) + 1))


def test_starts_as_identity():
    x = data(3)
    y, log_det = MaskedAutoregressive(hidden_units=[8])(x)
    np.testing.assert_array_equal(y.numpy(), x)
    np.testing.assert_array_equal(log_det.numpy(), 0.0)


@pytest.mark.parametrize("order", ["left-to-right", "right-to-left"])
def test_forward_jacobian_is_triangular(order):
    x = tf.constant(data(4))
    layer = MaskedAutoregressive(hidden_units=[16], input_order=order)
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
    np.testing.assert_allclose(np.diagonal(jac, axis1=1, axis2=2), np.exp(-log_scale.numpy()), rtol=1e-6)


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


def test_config_round_trip_and_bad_rank():
    x = data(3)
    layer = MaskedAutoregressive(hidden_units=[8], activation="tanh", input_order="right-to-left", log_scale_bound=4.0)
    layer(x)
    perturb_weights(layer)
    clone = MaskedAutoregressive.from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    for a, b in zip(clone(x), layer(x)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="rank 1..1"):
        MaskedAutoregressive(hidden_units=[8])(tf.zeros((3, 2, 2)))
