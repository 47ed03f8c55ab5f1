import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.naf import NeuralAutoregressive
from nfzoo.testing import check_flow_layer


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("order,dim", [("left-to-right", 2), ("right-to-left", 4)])
def test_naf_checks(order, dim):
    factory = functools.partial(NeuralAutoregressive, num_units=4, hidden_units=[16], input_order=order)
    check_flow_layer(factory, data(dim), expected_trainable=4, extreme_rtol=None)  # flat far out: see naf.py


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


def test_conditional_checks_and_context_effect():
    x, c = data(3), np.array([[0.5, -1.0]])
    factory = functools.partial(NeuralAutoregressive, num_units=3, hidden_units=[8], context_size=2)
    layer = check_flow_layer(factory, x, context=c, expected_trainable=6, extreme_rtol=None)
    assert np.abs(layer(x, context=c)[0].numpy() - layer(x, context=-c)[0].numpy()).max() > 1e-3
