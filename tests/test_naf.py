import numpy as np
import pytest
import tensorflow as tf

from flow_checks import check_flow_layer, perturb_weights
from nfzoo.bijectors.naf import NeuralAutoregressive


def data(dim, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("order,dim", [("left-to-right", 2), ("right-to-left", 4)])
def test_naf_checks(order, dim):
    check_flow_layer(NeuralAutoregressive(num_units=4, hidden_units=[16], input_order=order), data(dim), 4)


def test_transformer_is_monotone_and_stable_far_out():
    layer = NeuralAutoregressive(num_units=5, hidden_units=[8])
    x = np.linspace(-60.0, 60.0, 241, dtype="float32")[:, None]
    params = tf.constant(np.random.default_rng(0).normal(scale=2.0, size=(241, 1, 15)).astype("float32"))
    params = tf.tile(params[:1], [241, 1, 1])  # one transformer, evaluated on a grid
    y, log_derivative = layer.transform(tf.constant(x), params)
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(log_derivative.numpy()))
    assert np.all(np.diff(y.numpy()[:, 0]) > 0)
    np.testing.assert_allclose(layer.transform_inverse(y, params).numpy(), x, atol=1e-3)


def test_starts_close_to_identity():
    x = data(3)
    y, _ = NeuralAutoregressive(num_units=3, hidden_units=[8])(x)
    np.testing.assert_allclose(y.numpy(), x, atol=0.35 * np.abs(x).max())


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_units"):
        NeuralAutoregressive(num_units=0)
    with pytest.raises(ValueError, match="rank 1..1"):
        NeuralAutoregressive(hidden_units=[8])(tf.zeros((3, 2, 2)))


def test_conditional_round_trip_and_tfp_view():
    x, c = data(3), np.array([[0.5, -1.0]], "float32")
    layer = NeuralAutoregressive(num_units=3, hidden_units=[8], context_size=2)
    layer(x, context=c)
    perturb_weights(layer)
    y, log_det = layer(x, context=c)
    assert np.abs(y.numpy() - layer(x, context=-c)[0].numpy()).max() > 1e-3
    np.testing.assert_allclose(layer.inverse(y, context=c).numpy(), x, atol=1e-4)
    bij = layer.bijector
    np.testing.assert_allclose(bij.forward(x, context=c).numpy(), y.numpy(), atol=1e-6)
    np.testing.assert_allclose(bij.forward_log_det_jacobian(x, event_ndims=1, context=c).numpy(), log_det.numpy(),
                               atol=1e-5)
