"""Squeeze, Split, Permute and Logit."""
import numpy as np
import pytest
import tensorflow as tf

from flow_checks import check_flow_layer
from nfzoo.bijectors.logit import Logit
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.reshape import Reshape
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze

rng = np.random.default_rng(0)


def test_squeeze():
    x = rng.normal(size=(2, 4, 2, 3)).astype("float32")
    check_flow_layer(Squeeze(), x, 0)
    y, _ = Squeeze()(x)
    assert y.shape == (2, 2, 1, 12)
    np.testing.assert_array_equal(y.numpy()[0, 0, 0, :3], x[0, 0, 0])  # top-left pixel first
    np.testing.assert_array_equal(y.numpy()[0, 0, 0, 3:6], x[0, 0, 1])  # then its right neighbour


def test_split():
    x = rng.normal(size=(2, 2, 2, 4)).astype("float32")
    layer = Split()
    check_flow_layer(layer, x, 2)
    kept, eps = layer.factor_out(layer(x)[0])
    assert kept.shape == (2, 2, 2, 2) and eps.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(kept.numpy(), x[..., :2])


@pytest.mark.parametrize("mode", ["reverse", "shuffle"])
@pytest.mark.parametrize("shape", [(2, 6), (2, 2, 2, 5)])
def test_permute(mode, shape):
    check_flow_layer(Permute(mode=mode, seed=3), rng.normal(size=shape).astype("float32"), 0)


def test_logit():
    x = rng.uniform(-0.5, 0.5, size=(3, 2, 2, 3)).astype("float32")
    check_flow_layer(Logit(), x, 0)


@pytest.mark.parametrize("layer,shape,match", [
    (Squeeze(), (1, 3, 4, 3), "even image height"),
    (Squeeze(), (1, 4), "rank 3"),
    (Split(), (1, 2, 2, 1), "at least 2 channels"),
])
def test_bad_shapes(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(tf.zeros(shape))


def test_split_with_standard_prior_has_no_weights():
    x = rng.normal(size=(2, 2, 2, 4)).astype("float32")
    layer = Split(learned=False)
    check_flow_layer(layer, x, 0)
    np.testing.assert_allclose(layer(x)[0].numpy(), x)


def test_reshape():
    x = rng.normal(size=(2, 2, 3, 2)).astype("float32")
    check_flow_layer(Reshape(), x, 0)
    check_flow_layer(Reshape((6, 2)), x, 0)
    with pytest.raises(ValueError, match="sizes differ"):
        Reshape((5,))(x)
