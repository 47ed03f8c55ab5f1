import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.sos import SumOfSquares
from nfzoo.testing import check_flow_layer, perturb_weights


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("order,dim,squares,degree", [("left-to-right", 2, 3, 2), ("right-to-left", 4, 2, 3)])
def test_sos_checks(order, dim, squares, degree):
    factory = functools.partial(SumOfSquares, num_squares=squares, degree=degree, hidden_units=[16], input_order=order)
    check_flow_layer(factory, data(dim), expected_trainable=4)


def test_polynomial_inside_the_domain_linear_outside_matches_numerical_integral():
    layer = SumOfSquares(num_squares=3, degree=2, epsilon=0.05, domain=2.0, hidden_units=[8])
    params = tf.constant(np.random.default_rng(0).normal(size=(1, 1, 10)).astype("float32"))
    grid = np.linspace(-4.0, 4.0, 4001)  # the domain is [-2, 2]
    y, log_derivative = layer.transform(tf.constant(grid[:, None], tf.float32), tf.tile(params, [4001, 1, 1]))
    shift, a = (t.numpy()[0, 0].astype(np.float64) for t in layer.coefficients(params))
    s = np.clip(grid, -2.0, 2.0) / 2.0
    slope = 0.05 + sum(np.polyval(a[k, ::-1], s) ** 2 for k in range(3))  # constant beyond the domain
    np.testing.assert_allclose(np.exp(log_derivative.numpy()[:, 0]), slope, rtol=1e-4)
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (slope[1:] + slope[:-1]) * np.diff(grid))])
    expected = shift + cumulative - cumulative[2000]  # T(0) = c
    np.testing.assert_allclose(y.numpy()[:, 0], expected, atol=1e-3 * np.abs(expected).max())
    assert np.all(slope >= 0.05)


def test_far_inputs_stay_finite_and_invert():
    layer = SumOfSquares(num_squares=2, degree=3, hidden_units=[8])
    far = tf.constant([[-1e6, 3.0, 1e6]])
    layer(far)
    perturb_weights(layer, scale=1.0)
    y, log_det = layer(far)
    assert np.all(np.isfinite(y.numpy())) and np.isfinite(log_det.numpy()).all()
    x = tf.constant([[0.5, -1.0, 50.0], [-2.0, 0.3, -80.0]])  # last dimension far beyond the domain [-5, 5]
    np.testing.assert_allclose(layer.inverse(layer(x)[0]).numpy(), x.numpy(), rtol=1e-5, atol=1e-5)


def test_slope_is_bounded_however_large_the_conditioner_output():
    layer = SumOfSquares(num_squares=2, degree=2, coefficient_bound=1.5, hidden_units=[8])
    rng = np.random.default_rng(0)
    params = tf.constant(1e4 * rng.normal(size=(5, 3, 7)).astype("float32"))
    x = tf.constant(10.0 * rng.normal(size=(5, 3)).astype("float32"))
    _, log_derivative = layer.transform(x, params)
    assert np.exp(log_derivative.numpy()).max() <= 1e-3 + 2 * (3 * 1.5) ** 2 + 1e-3


def test_starts_as_x_plus_small_cubic():
    x = data(3)
    y, _ = SumOfSquares(num_squares=4, degree=3, hidden_units=[8])(x)
    np.testing.assert_allclose(y.numpy(), x + 0.01 * x**3 / (3 * 5.0**2), rtol=1e-5, atol=1e-6)  # domain 5


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_squares >= 1"):
        SumOfSquares(num_squares=0)
    with pytest.raises(ValueError, match="epsilon"):
        SumOfSquares(epsilon=0.0)
    with pytest.raises(ValueError, match="domain > 0"):
        SumOfSquares(domain=-1.0)
    with pytest.raises(ValueError, match="coefficient_bound must exceed"):
        SumOfSquares(num_squares=1, coefficient_bound=0.5)
