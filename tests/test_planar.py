import numpy as np
import pytest
import tensorflow as tf

from flow_checks import autodiff_log_det, check_flow_layer
from nfzoo.bijectors.planar import Planar


def data(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(3, dim)).astype("float32")


@pytest.mark.parametrize("dim", [2, 5])
def test_planar_checks(dim):
    check_flow_layer(Planar(), data(dim), 3)


def test_invertible_when_raw_u_violates_constraint():
    rng = np.random.default_rng(1)
    layer = Planar()
    x = data(3)
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


def test_bad_rank():
    with pytest.raises(ValueError, match="rank 1..1"):
        Planar()(tf.zeros((3, 4, 4, 2)))
