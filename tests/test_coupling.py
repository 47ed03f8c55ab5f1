import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.coupling import Coupling
from nfzoo.testing import check_flow_layer

# trainable variables: (kernel + bias) per hidden layer and for the zero-init output layer
CASES = [
    ("affine", "channel", 0, (2, 4, 4, 4)),
    ("affine", "channel", 1, (2, 4, 4, 3)),
    ("additive", "channel", 0, (2, 4, 4, 4)),
    ("affine", "checkerboard", 0, (2, 4, 4, 1)),
    ("additive", "checkerboard", 1, (2, 4, 4, 2)),
    ("affine", "channel", 0, (3, 5)),
    ("additive", "channel", 1, (3, 4)),
]


@pytest.mark.parametrize("kind,mask,parity,shape", CASES)
def test_coupling_checks(kind, mask, parity, shape):
    x = np.random.default_rng(0).normal(size=shape)
    factory = functools.partial(Coupling, kind=kind, mask=mask, parity=parity, hidden=8, num_hidden=2)
    check_flow_layer(factory, x, expected_trainable=6)


def test_conditioning_half_is_copied():
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 4)).astype("float32")
    layer = Coupling(parity=1, hidden=4)
    layer(x)
    for w in layer.trainable_weights:
        w.assign(w + 0.3)
    y, _ = layer(x)
    np.testing.assert_array_equal(y.numpy()[..., 2:], x[..., 2:])
    assert not np.allclose(y.numpy()[..., :2], x[..., :2])


def test_starts_as_glow_scale():
    x = np.random.default_rng(2).normal(size=(1, 2, 2, 2)).astype("float32")
    y, log_det = Coupling(hidden=4)(x)
    np.testing.assert_allclose(y.numpy()[..., 1], x[..., 1] * (1 / (1 + np.exp(-2.0))), rtol=1e-5)
    np.testing.assert_allclose(log_det.numpy(), 4 * np.log(1 / (1 + np.exp(-2.0))), rtol=1e-5)


def test_log_scale_is_glows_above_the_floor_and_floored_below():
    layer = Coupling(hidden=4)
    cond = tf.zeros((3, 2))
    layer(tf.zeros((3, 4)))
    out = layer.network.output_layer
    out.bias.assign([0.0, 0.0, -3.0, -50.0])  # raw h of the two log-scales: -3 (trained range) and -50
    _, log_scale = layer.shift_and_log_scale(cond)
    np.testing.assert_allclose(log_scale.numpy()[:, 0], np.log(1 / (1 + np.exp(1.0))), rtol=1e-6)  # log_sigmoid(-1)
    np.testing.assert_allclose(log_scale.numpy()[:, 1], -10.0)


@pytest.mark.parametrize("mask,shape", [("channel", (2, 4, 4, 4)), ("checkerboard", (2, 4, 4, 1))])
def test_a_tight_log_scale_bound_keeps_the_layer_a_bijection_where_the_floor_acts(mask, shape):
    """With b = 0.5 most log-scales of randomised networks sit on the floor: round trip, autodiff log-det, TFP view
    and gradients must still hold there."""
    x = np.random.default_rng(5).normal(size=shape)
    factory = functools.partial(Coupling, mask=mask, hidden=8, num_hidden=2, log_scale_bound=0.5)
    check_flow_layer(factory, x, expected_trainable=6)


def test_log_scale_bound_sets_the_floor_and_the_inverses_largest_factor():
    layer = Coupling(hidden=4, log_scale_bound=3.0)
    layer(tf.zeros((3, 4)))
    layer.network.output_layer.bias.assign([0.0, 0.0, -50.0, -50.0])  # both log-scales far below the floor
    _, log_scale = layer.shift_and_log_scale(tf.zeros((3, 2)))
    np.testing.assert_allclose(log_scale.numpy(), -3.0)
    y = tf.constant([[0.0, 0.0, 1.0, -2.0]])
    np.testing.assert_allclose(layer.inverse(y).numpy()[0, 2:], [np.exp(3.0), -2 * np.exp(3.0)], rtol=1e-5)
    restored = Coupling.from_config(layer.get_config())
    assert restored.log_scale_bound == 3.0
    assert "log_scale_bound" not in Coupling(hidden=4).get_config()  # the default (10) keeps older configs as they were


@pytest.mark.parametrize("kind,mask,parity,shape", CASES)
def test_log_scale_is_the_forwards_and_sums_to_its_log_det(kind, mask, parity, shape):
    x = tf.constant(np.random.default_rng(6).normal(size=shape), tf.float32)
    layer = Coupling(kind=kind, mask=mask, parity=parity, hidden=8, num_hidden=2)
    layer(x)
    for w in layer.trainable_weights:  # randomised: a fresh coupling's log-scales are all log_sigmoid(2)
        w.assign(tf.random.stateless_normal(w.shape, [7, 0]) * 0.3)
    log_scale, (_, log_det) = layer.log_scale(x), layer(x)
    if kind == "additive":
        assert log_scale is None
        return
    assert np.ptp(log_scale.numpy()) > 0.01
    np.testing.assert_allclose(tf.reduce_sum(tf.reshape(log_scale, [shape[0], -1]), 1).numpy(), log_det.numpy(),
                               rtol=1e-5, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        Coupling(kind="spline")
    with pytest.raises(ValueError, match="log_scale_bound must be a positive number"):
        Coupling(log_scale_bound=0)


def test_dropout_acts_in_training_only():
    """Dropout in the conditioner makes the training forward pass random; outside training the coupling is
    deterministic and exactly invertible (encode/decode never see dropout)."""
    x = np.random.default_rng(3).normal(size=(2, 4, 4, 4)).astype("float32")
    layer = Coupling(hidden=16, dropout=0.5)
    layer(x)
    for w in layer.trainable_weights:
        w.assign(tf.random.stateless_normal(w.shape, seed=[4, 0], stddev=0.3))
    y, log_det = layer(x)
    y_again, _ = layer(x)
    np.testing.assert_array_equal(y.numpy(), y_again.numpy())
    np.testing.assert_allclose(layer.inverse(y).numpy(), x, atol=1e-5)
    y_train, log_det_train = layer(x, training=True)
    assert not np.allclose(y_train.numpy(), y.numpy())
    assert not np.allclose(log_det_train.numpy(), log_det.numpy())
    restored = Coupling.from_config(layer.get_config())
    assert restored.dropout == 0.5


def test_dropout_rate_is_checked():
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        Coupling(hidden=4, dropout=1.0)(tf.zeros((1, 4, 4, 2)))
