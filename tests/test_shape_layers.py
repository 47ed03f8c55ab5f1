"""Squeeze, Split, Permute, Reshape and Logit."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.logit import Logit
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.reshape import Reshape
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.testing import check_flow_layer

rng = np.random.default_rng(0)


def test_squeeze():
    x = rng.normal(size=(2, 4, 2, 3)).astype("float32")
    check_flow_layer(Squeeze, x, expected_trainable=0)
    y, _ = Squeeze()(x)
    assert y.shape == (2, 2, 1, 12)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0, :3], x[0, 0, 0])  # top-left pixel first
    np.testing.assert_array_equal(y.numpy()[0, 0, 0, 3:6], x[0, 0, 1])  # then its right neighbour


def test_split():
    x = rng.normal(size=(2, 2, 2, 4))
    layer = check_flow_layer(Split, x, expected_trainable=2)  # a float64 layer
    kept, eps = layer.factor_out(layer(x)[0])
    assert kept.shape == (2, 2, 2, 2) and eps.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(kept.numpy(), x[..., :2])


def test_split_prior_log_sigma_is_clipped():
    layer = Split()
    layer(tf.zeros((1, 2, 2, 4)))
    layer.prior.output_layer.bias.assign([0.0, 0.0, -50.0, 50.0])  # log_sigma of the two factored channels
    _, log_sigma = layer._mean_log_sigma(tf.zeros((1, 2, 2, 2)))
    np.testing.assert_array_equal(log_sigma.numpy()[..., 0], -10.0)
    np.testing.assert_array_equal(log_sigma.numpy()[..., 1], 10.0)


@pytest.mark.parametrize("mode", ["reverse", "shuffle", "odd_even"])
@pytest.mark.parametrize("shape", [(2, 6), (2, 2, 2, 5)])
def test_permute(mode, shape):
    check_flow_layer(functools.partial(Permute, mode=mode, seed=3), rng.normal(size=shape), expected_trainable=0)


def test_odd_even_permutation_puts_the_even_units_first():
    x = np.arange(7, dtype="float32")[None]
    y, _ = Permute("odd_even")(x)
    np.testing.assert_array_equal(y.numpy()[0], [0, 2, 4, 6, 1, 3, 5])


def test_logit():
    x = rng.uniform(-0.5, 0.5, size=(3, 2, 2, 3))
    check_flow_layer(Logit, x, expected_trainable=0, extreme_scale=None, out_of_domain=np.full((1, 2, 2, 3), 0.6))


def test_split_with_standard_prior_has_no_weights():
    x = rng.normal(size=(2, 2, 2, 4))
    layer = check_flow_layer(functools.partial(Split, learned=False), x, expected_trainable=0)
    np.testing.assert_allclose(layer(x)[0].numpy(), x)


def test_reshape():
    x = rng.normal(size=(2, 2, 3, 2))
    check_flow_layer(Reshape, x, expected_trainable=0)
    check_flow_layer(functools.partial(Reshape, target_shape=(6, 2)), x, expected_trainable=0)
