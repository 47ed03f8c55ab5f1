import numpy as np
import pytest

from nfzoo.bijectors.radial import Radial
from nfzoo.testing import autodiff_log_det, check_flow_layer


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim))


@pytest.mark.parametrize("dim", [2, 5])
def test_radial_checks(dim):
    check_flow_layer(Radial, data(dim), expected_trainable=3)


def test_starts_as_identity():
    x = data(3).astype("float32")
    y, log_det = Radial()(x)
    np.testing.assert_allclose(y.numpy(), x, atol=1e-6)
    np.testing.assert_allclose(log_det.numpy(), 0.0, atol=1e-6)


@pytest.mark.parametrize("beta_raw", [-30.0, -200.0])  # beta -> -alpha; at -200 softplus underflows to 0
def test_invertible_at_strongest_contraction(beta_raw):
    x = data(3).astype("float32")
    layer = Radial()
    layer(x)
    layer.alpha_raw.assign(1.0)
    layer.beta_raw.assign(beta_raw)
    for z in (x, 0.01 * x):
        y, log_det = layer(z)
        assert np.all(np.isfinite(log_det.numpy()))
        np.testing.assert_allclose(log_det.numpy(), autodiff_log_det(layer, z), atol=1e-3)
        np.testing.assert_allclose(layer.inverse(y).numpy(), z, atol=1e-4)
