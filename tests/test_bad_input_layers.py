"""Bad input to flow layers, in one place: wrong dtype, wrong rank or shape, missing or malformed context, inputs
outside a layer's domain, extreme values. Each gets one clear error naming what was expected, or (extreme values)
a finite answer. Add a case for a new layer here."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors import (
    MADE, ActNorm, Coupling, ElementwiseAffine, InvertibleConv1x1, Logit, MaskedAutoregressive, NeuralAutoregressive,
    Permute, Planar, Radial, Reshape, Split, Squeeze, SumOfSquares,
)
from nfzoo.testing import check_extreme_inputs, perturb_weights

IMAGE, VECTOR = (2, 4, 4, 2), (2, 3)
LAYERS = {  # name: (factory, an input shape it accepts)
    "actnorm": (ActNorm, IMAGE),
    "elementwise_affine": (functools.partial(ElementwiseAffine, per="element"), VECTOR),
    "invconv": (InvertibleConv1x1, IMAGE),
    "invconv_full": (functools.partial(InvertibleConv1x1, lu=False), VECTOR),
    "coupling": (functools.partial(Coupling, hidden=8), IMAGE),
    "coupling_vector": (functools.partial(Coupling, hidden=8), VECTOR),
    "coupling_checkerboard": (functools.partial(Coupling, mask="checkerboard", hidden=8), IMAGE),
    "maf": (functools.partial(MaskedAutoregressive, hidden_units=[8]), VECTOR),
    "iaf": (functools.partial(MaskedAutoregressive, hidden_units=[8], iaf=True), VECTOR),
    "naf": (functools.partial(NeuralAutoregressive, num_units=3, hidden_units=[8]), VECTOR),
    "sos": (functools.partial(SumOfSquares, num_squares=2, degree=2, hidden_units=[8]), VECTOR),
    "planar": (Planar, VECTOR),
    "radial": (Radial, VECTOR),
    "split": (Split, IMAGE),
    "squeeze": (Squeeze, IMAGE),
    "permute": (Permute, VECTOR),
    "reshape": (Reshape, IMAGE),
    "logit": (Logit, VECTOR),
}


def built(name, dtype="float32", scale=0.5):
    """Layer ``name`` built on its input shape, every trainable weight moved by N(0, scale^2)."""
    factory, shape = LAYERS[name]
    layer = factory(dtype=dtype)
    layer(tf.zeros(shape, dtype))
    perturb_weights(layer, scale=scale)
    return layer, shape


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_integer_input_is_rejected(name):
    factory, shape = LAYERS[name]
    with pytest.raises(ValueError, match="expects a floating-point tensor"):
        factory()(tf.zeros(shape, tf.int32))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_input_of_another_shape_than_the_layer_was_built_for_is_rejected(name):
    layer, shape = built(name)
    wrong = (*shape[:-1], shape[-1] + 2)
    with pytest.raises(ValueError, match=r"was built for inputs of shape \[batch, "):
        layer(tf.zeros(wrong))


@pytest.mark.parametrize("factory,shape,match", [
    (Planar, (3, 4, 4, 2), "rank 1..1"),
    (Radial, (3, 4, 4), "rank 1..1"),
    (functools.partial(MaskedAutoregressive, hidden_units=[8]), (3, 2, 2), "rank 1..1"),
    (functools.partial(NeuralAutoregressive, hidden_units=[8]), (3, 2, 2), "rank 1..1"),
    (Squeeze, (1, 4), "rank 3"),
    (Squeeze, (1, 3, 4, 3), "even image height"),
    (Split, (1, 2, 2, 1), "at least 2 channels"),
    (functools.partial(Coupling, hidden=4), (1, 4, 4, 1), "at least 2 channels"),
    (functools.partial(Coupling, mask="checkerboard", hidden=4), (1, 4), "checkerboard coupling needs images"),
    (functools.partial(Reshape, target_shape=(5,)), (2, 2, 3, 2), "sizes differ"),
    (ActNorm, (2,), "rank 1..3"),
])
def test_wrong_rank_or_shape_is_rejected(factory, shape, match):
    with pytest.raises(ValueError, match=match):
        factory()(tf.zeros(shape))


def test_made_context_must_match_its_context_size():
    x, context = tf.zeros((3, 4)), tf.zeros((3, 3))
    with pytest.raises(ValueError, match=r"made\(x, context\)"):
        MADE(2, [8], context_size=3)(x)
    with pytest.raises(ValueError, match="without a context"):
        MADE(2, [8])(x, context)
    with pytest.raises(ValueError, match=r"context of shape \[batch, 2\]"):
        MADE(2, [8], context_size=2)(x, context)
    with pytest.raises(ValueError, match=r"\[batch, event_size\]"):
        MADE(2, [8])(tf.zeros((3, 2, 2)))
    made = MADE(2, [8])
    made(x)
    with pytest.raises(ValueError, match=r"MADE expects inputs of shape \[batch, 4\], got \(2, 3, 4\)"):
        made(tf.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="context"):
        MaskedAutoregressive(hidden_units=[8], context_size=2)(x)


@pytest.mark.parametrize("value", [0.56, -0.6, 3.0, float("nan")])
def test_logit_outside_its_domain_raises_in_eager_and_in_graphs(value):
    layer = Logit()  # alpha = 0.05: the domain is |x| < 0.5556
    x = tf.constant([[0.1, value, -0.2]])
    message = r"Logit\(alpha=0.05\) expects inputs x with \|x\| < 0.5556"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        layer(x)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.function(layer)(x)


@pytest.mark.parametrize("name", sorted(set(LAYERS) - {"logit"}))
def test_extreme_inputs_give_finite_outputs_that_invert_in_float32(name):
    layer, shape = built(name)
    x = np.random.default_rng(0).normal(size=shape).astype("float32")
    rtol = None if name == "naf" else 1e-4  # a saturated NAF is numerically flat far out: finite, not invertible
    check_extreme_inputs(layer, x, scale=1e3, rtol=rtol)


def test_glow_coupling_inverse_of_far_inputs_is_finite():
    """Glow's scale sigmoid(h + 2) had no floor: a far input made h very negative and the inverse overflowed."""
    layer = Coupling(hidden=8)
    layer(tf.zeros(IMAGE))
    perturb_weights(layer, scale=1.0)
    y = tf.constant(1e3 * np.random.default_rng(1).normal(size=IMAGE).astype("float32"))
    assert float(tf.reduce_min(layer.shift_and_log_scale(y[..., :1])[1])) <= -10.0  # the floor is in use here
    assert np.all(np.isfinite(layer.inverse(y).numpy()))
