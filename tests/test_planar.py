import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.bijectors.planar import Planar
from nfzoo.testing import autodiff_log_det, check_flow_layer

tfd = tfp.distributions


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim))


@pytest.mark.parametrize("dim", [2, 5])
def test_planar_checks(dim):
    check_flow_layer(Planar, data(dim), expected_trainable=3)


def test_invertible_when_raw_u_violates_constraint():
    rng = np.random.default_rng(1)
    layer = Planar()
    x = data(3).astype("float32")
    layer(x)
    w = rng.normal(size=3).astype("float32")
    w /= np.linalg.norm(w)
    layer.w.assign(w)
    layer.u.assign(-5.0 * w)  # w^T u = -5 < -1: the raw planar map would fold space
    layer.b.assign(0.3)
    u_hat, _ = layer._params()
    assert float(tf.reduce_sum(u_hat * layer.w)) > -1.0
    on_plane = x - (x @ w + 0.3)[:, None] * w  # w^T z + b = 0: where the map contracts most
    for z in (x, 3.0 * x, on_plane):
        y, log_det = layer(z)
        assert np.all(np.isfinite(log_det.numpy()))
        np.testing.assert_allclose(log_det.numpy(), autodiff_log_det(layer, z), atol=1e-3)
        np.testing.assert_allclose(layer.inverse(y).numpy(), z, atol=1e-4)


def test_log_prob_gradient_through_the_bisection_matches_finite_differences():
    """The issue's case: gradients of a TransformedDistribution's log_prob followed the bisection bracket."""
    layer = Planar(dtype="float64")
    y = tf.constant(data(3, seed=2))
    layer(y)
    layer.u.assign([0.9, -0.4, 0.3])
    layer.w.assign([0.5, 0.8, -0.6])
    layer.b.assign(0.2)
    dist = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(tf.constant(0.0, tf.float64), 1.0), 3), layer.bijector)
    with tf.GradientTape() as tape:
        log_prob = tf.reduce_sum(dist.log_prob(y))
    autodiff = tape.gradient(log_prob, layer.u.value).numpy()
    finite = []
    for i in range(3):
        values = []
        for step in (1e-6, -1e-6):
            u = np.array([0.9, -0.4, 0.3])
            u[i] += step
            layer.u.assign(u)
            values.append(float(tf.reduce_sum(dist.log_prob(tf.identity(y)))))
        finite.append((values[0] - values[1]) / 2e-6)
    np.testing.assert_allclose(autodiff, finite, rtol=1e-6, atol=1e-8)
