"""Conditional flow layers: the layer checks at several contexts, the context changes the map, a fresh conditional
layer equals its unconditional twin, and context errors are one clear line."""
import functools

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.context_affine import ContextAffine
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.testing import check_flow_layer, perturb_weights

C = 3


def contexts(batch, seed=0):
    """A shared context [1, C], one context per example [batch, C] and a one-hot class per example."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(1, C)), rng.normal(size=(batch, C)), np.eye(C)[np.arange(batch) % C]]


# (factory, input shape, trainable weights: the unconditional layer's + the context projection's kernel and bias)
LAYERS = {
    "affine channel coupling (image)": (functools.partial(Coupling, kind="affine", hidden=8, context_size=C),
                                        (2, 4, 4, 4), 8),
    "additive channel coupling (vector)": (functools.partial(Coupling, kind="additive", hidden=8, context_size=C),
                                           (3, 5), 8),
    "affine checkerboard coupling": (functools.partial(Coupling, mask="checkerboard", parity=1, hidden=8,
                                                       context_size=C), (2, 4, 4, 1), 8),
    "split prior": (functools.partial(Split, context_size=C), (2, 2, 2, 4), 4),
    "context affine (image)": (functools.partial(ContextAffine, context_size=C), (2, 2, 2, 3), 2),
    "context affine (vector)": (functools.partial(ContextAffine, context_size=C), (3, 4), 2),
    "MAF": (functools.partial(MaskedAutoregressive, hidden_units=[8], context_size=C), (3, 4), 6),
    "IAF": (functools.partial(MaskedAutoregressive, hidden_units=[8], iaf=True, context_size=C), (3, 4), 6),
}


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("which", [0, 1, 2], ids=["shared", "per-example", "one-hot"])
def test_layer_checks_at_several_contexts(name, which):
    factory, shape, trainable = LAYERS[name]
    x = np.random.default_rng(1).normal(size=shape)
    check_flow_layer(factory, x, context=contexts(shape[0])[which], expected_trainable=trainable)


def built(name, dtype="float64"):
    factory, shape, _ = LAYERS[name]
    x = tf.constant(np.random.default_rng(2).normal(size=shape), dtype)
    layer = factory(dtype=dtype)
    layer(x, context=tf.zeros((1, C), dtype))
    return layer, x


@pytest.mark.parametrize("name", list(LAYERS))
def test_the_context_changes_the_map_and_the_density(name):
    layer, x = built(name)
    perturb_weights(layer, scale=0.3)
    c = contexts(x.shape[0], seed=3)
    y0, log_det0 = layer(x, context=c[0])
    y1, log_det1 = layer(x, context=c[0] + 1.0)
    assert np.abs(y0 - y1).max() > 1e-3, "the output ignores the context"
    if name not in ("additive channel coupling (vector)",):  # volume preserving for every context
        assert np.abs(log_det0 - log_det1).max() > 1e-3, "the log-det ignores the context"


@pytest.mark.parametrize("name", ["affine channel coupling (image)", "affine checkerboard coupling", "split prior",
                                  "MAF"])
def test_a_fresh_conditional_layer_is_its_unconditional_twin(name):
    """Zero-initialised context maps: with every other weight copied, the conditional layer computes the
    unconditional layer's map for any context."""
    layer, x = built(name)
    config = {k: v for k, v in layer.get_config().items() if k != "context_size"}
    twin = type(layer).from_config(config)
    twin(x)
    perturb_weights(twin, scale=0.3)
    own = [w for w in layer.weights if "context" not in w.path]
    assert len(own) == len(twin.weights)
    for w, same in zip(own, twin.weights):
        w.assign(same if w.shape == same.shape else _pad_input(same, w.shape))
    c = contexts(x.shape[0], seed=4)[1]
    for got, want in zip(layer(x, context=c), twin(x)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.inverse(x, context=c), twin.inverse(x), rtol=1e-12, atol=1e-12)


def _pad_input(weight, shape):
    """A first-layer kernel of the unconditional network, extended by zero rows for the projected context."""
    value = weight.numpy()
    pad = [(0, s - v) for s, v in zip(shape, value.shape)]
    return np.pad(value, pad)


def test_unconditional_layers_refuse_a_context_and_conditional_ones_need_one():
    x = tf.zeros((2, 4, 4, 4))
    with pytest.raises(ValueError, match="unconditional .*takes no context"):
        Coupling(hidden=4)(x, context=tf.zeros((2, C)))
    with pytest.raises(ValueError, match="unconditional .*takes no context"):
        Squeeze()(x, context=tf.zeros((2, C)))
    layer = Coupling(hidden=4, context_size=C)
    with pytest.raises(ValueError, match=r"conditional \(context_size=3\): pass context"):
        layer(x)
    with pytest.raises(ValueError, match=r"context of shape \[batch or 1, 3\], got shape \(2, 2\)"):
        layer(x, context=tf.zeros((2, 2)))
    with pytest.raises(ValueError, match="float context"):
        layer(x, context=tf.zeros((2, C), tf.int32))
    with pytest.raises(ValueError, match="learned prior"):
        Split(learned=False, context_size=C)
    with pytest.raises(ValueError, match="context_size >= 1"):
        ContextAffine(context_size=0)


def test_unconditional_configs_are_unchanged():
    """An unconditional layer and its network save the configs they saved before conditioning existed (shipped
    models load as they are)."""
    coupling, split = Coupling(hidden=4), Split()
    for layer in (coupling, split):
        layer(tf.zeros((1, 2, 2, 4)))
    for config in (coupling.get_config(), coupling.network.get_config(), split.get_config(),
                   split.prior.get_config()):
        assert "context_size" not in config
