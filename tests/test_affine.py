import numpy as np
import pytest
import tensorflow as tf

from flow_checks import check_flow_layer
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.affine import ElementwiseAffine


@pytest.mark.parametrize("per,shift,shape,n_vars", [
    ("channel", True, (2, 3, 3, 2), 2),
    ("element", False, (3, 4), 1),
    ("element", True, (2, 2, 2, 3), 2),
])
def test_elementwise_affine(per, shift, shape, n_vars):
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    check_flow_layer(ElementwiseAffine(per=per, shift=shift), x, n_vars)


def test_actnorm_checks():
    x = np.random.default_rng(2).normal(size=(2, 4, 4, 3)).astype("float32")
    check_flow_layer(ActNorm(), x, 2)


def test_actnorm_data_init_normalises_and_survives_constant_channel():
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 5.0, size=(16, 4, 4, 3)).astype("float32")
    x[..., 1] = 7.0  # a constant channel must not give NaN
    layer = ActNorm()
    y0, _ = layer(x)
    np.testing.assert_allclose(y0.numpy(), x)  # identity (and usable) before initialisation
    assert not layer.is_initialized
    layer.initialize(x)
    assert layer.is_initialized
    y, log_det = layer(x)
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(log_det.numpy()))
    np.testing.assert_allclose(y.numpy()[..., [0, 2]].mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.numpy()[..., [0, 2]].std(axis=(0, 1, 2)), 1.0, atol=1e-3)


def test_int_input_rejected():
    with pytest.raises(ValueError, match="floating-point"):
        ActNorm()(tf.zeros((1, 2, 2, 3), tf.int32))
