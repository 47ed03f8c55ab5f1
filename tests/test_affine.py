import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.testing import check_flow_layer


@pytest.mark.parametrize("per,shift,shape,n_vars", [
    ("channel", True, (2, 3, 3, 2), 2),
    ("element", False, (3, 4), 1),
    ("element", True, (2, 2, 2, 3), 2),
])
def test_elementwise_affine(per, shift, shape, n_vars):
    x = np.random.default_rng(1).normal(size=shape)
    check_flow_layer(functools.partial(ElementwiseAffine, per=per, shift=shift), x, expected_trainable=n_vars)


def test_actnorm_checks():
    x = np.random.default_rng(2).normal(size=(2, 4, 4, 3))
    check_flow_layer(ActNorm, x, expected_trainable=2)


def test_view_built_before_a_weight_change_follows_it():
    """The issue's reproduction: the view used to hold the weights read when it was made."""
    layer = ElementwiseAffine(per="element", shift=False)
    layer(tf.ones([2, 3]))
    bijector = layer.bijector
    layer.log_scale.assign([1.0, 2.0, 3.0])
    np.testing.assert_allclose(bijector.forward(tf.ones([2, 3])).numpy(), np.exp([[1.0, 2.0, 3.0]] * 2), rtol=1e-6)
    assert [v.ref() for v in bijector.trainable_variables] == [layer.log_scale.value.ref()]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_actnorm_data_init_normalises_and_survives_constant_channel(dtype):
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 5.0, size=(16, 4, 4, 3)).astype(dtype)
    x[..., 1] = 7.0  # a constant channel must not give NaN
    layer = ActNorm(dtype=dtype)
    y0, _ = layer(x)
    np.testing.assert_allclose(y0.numpy(), x)  # identity (and usable) before initialisation
    assert not layer.is_initialized
    layer.initialize(x)
    assert layer.is_initialized
    y, log_det = layer(x)
    assert y.dtype == dtype and np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(log_det.numpy()))
    np.testing.assert_allclose(y.numpy()[..., [0, 2]].mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.numpy()[..., [0, 2]].std(axis=(0, 1, 2)), 1.0, atol=1e-3)
