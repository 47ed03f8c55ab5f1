"""Conditional `FlowModel`s: log p(x | c) by the change of variables, the context changes the density, the
class mixture, encode/decode/sample with a context, (x, c) fits, save/load, and context errors."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.coupling import Coupling
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.glow import glow
from nfzoo.testing import perturb_weights

K = 3


def tiny_glow(**kwargs):
    return glow((4, 4, 1), levels=2, steps=1, hidden=4, n_bits=5, num_classes=K, **kwargs)


def images(n, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, size=(n, 4, 4, 1)).astype("float32")


@pytest.fixture(scope="module")
def model():
    """A tiny class-conditional Glow with every weight (context maps included) moved off its initialisation."""
    flow = tiny_glow()
    flow.initialize(images(8), np.arange(8) % K)
    perturb_weights(flow, scale=0.2)
    return flow


def test_log_prob_is_the_change_of_variables_at_every_label(model):
    """log p(x | y) = log N(encode(x, y)) + log|det d encode / dx|, the Jacobian by autodiff, for each label."""
    x = tf.constant(images(2, seed=1))
    for label in range(K):
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = model.encode(x, label)
        jacobian = tape.batch_jacobian(z, x).numpy().reshape(2, 16, 16).astype(np.float64)
        expected = np.linalg.slogdet(jacobian)[1] - 0.5 * np.sum(z.numpy() ** 2, 1) - 8 * np.log(2 * np.pi)
        np.testing.assert_allclose(model.log_prob(x, label), expected, rtol=1e-4, atol=1e-3)


def test_the_label_changes_the_density_and_the_mixture_averages_it(model):
    x = images(4, seed=2)
    per_class = np.stack([model.log_prob(x, label).numpy() for label in range(K)], axis=1)
    assert np.abs(per_class - per_class[:, :1]).max() > 1e-2, "the density ignores the label"
    mixture = np.log(np.mean(np.exp(per_class.astype(np.float64)), axis=1))
    np.testing.assert_allclose(model.log_prob(x), mixture, rtol=1e-5)
    one_hot = np.eye(K, dtype="float32")[[0, 1, 2, 0]]
    np.testing.assert_allclose(model.log_prob(x, one_hot), per_class[np.arange(4), [0, 1, 2, 0]], rtol=1e-6)


def test_encode_decode_and_sample_with_a_context(model):
    x = images(3, seed=3)
    labels = np.array([2, 0, 1])
    z = model.encode(x, labels)
    np.testing.assert_allclose(model.decode(z, labels), x, atol=1e-5)
    assert np.abs(model.decode(z, (labels + 1) % K) - x).max() > 1e-3, "decode ignores the label"
    twos = model.sample(4, temperature=0.7, seed=0, context=2)
    np.testing.assert_allclose(twos, model.decode(0.7 * model.latent_noise(4, seed=0), [2, 2, 2, 2]), atol=1e-6)
    # without a label: the classes in turn, by position, for sample, encode and decode alike
    np.testing.assert_allclose(model.sample(4, seed=0), model.decode(model.latent_noise(4, seed=0), [0, 1, 2, 0]),
                               atol=1e-6)
    np.testing.assert_allclose(model.encode(x), model.encode(x, [0, 1, 2]), atol=1e-6)
    np.testing.assert_allclose(model.decode(model.encode(x)), x, atol=1e-5)


def test_the_tfp_view_takes_the_context_as_a_conditional_keyword(model):
    x = images(2, seed=4)
    flat = tf.reshape(x, [2, -1])
    dist = model.distribution()
    np.testing.assert_allclose(dist.log_prob(flat, bijector_kwargs={"context": tf.constant([1, 2])}),
                               model.log_prob(x, [1, 2]), rtol=1e-5)


def test_save_and_load_keep_the_conditional_model(model, tmp_path):
    model.save(tmp_path / "cond.keras")
    loaded = keras.models.load_model(tmp_path / "cond.keras")
    assert loaded.num_classes == K and loaded.context_size == K
    x = images(3, seed=5)
    for label in range(K):
        np.testing.assert_array_equal(loaded.log_prob(x, label), model.log_prob(x, label))
    np.testing.assert_array_equal(loaded.sample(3, seed=1, context=1), model.sample(3, seed=1, context=1))


def test_fit_and_evaluate_on_an_x_y_dataset():
    """Two classes of images that differ only in brightness: a fit on (x, one-hot y) pairs must learn to tell
    them apart (the held-out label is the argmax of p(x | y))."""
    rng = np.random.default_rng(6)
    labels = np.arange(64) % 2
    x = (np.where(labels[:, None, None, None] == 1, 0.25, -0.25) + 0.05 * rng.standard_normal((64, 4, 4, 1)))
    x = x.astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, np.eye(2, dtype="float32")[labels])).batch(16)
    flow = glow((4, 4, 1), levels=1, steps=1, hidden=8, n_bits=None, num_classes=2)
    flow.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = flow.evaluate(data, verbose=0, return_dict=True)["loss"]
    flow.fit(data, epochs=15, verbose=0, shuffle=False)
    after = flow.evaluate(data, verbose=0, return_dict=True)["loss"]
    assert after < before - 5.0
    scores = np.stack([flow.log_prob(x, label).numpy() for label in (0, 1)], axis=1)
    assert np.mean(scores.argmax(1) == labels) > 0.95


def test_a_vector_context_model():
    """A flow conditioned on float vectors (attributes): rows [C] or [batch, C]; integer labels are refused."""
    flow = FlowModel([ActNorm(), Coupling(hidden=4, context_size=2), Coupling(hidden=4, parity=1, context_size=2)],
                     event_shape=(4,), context_size=2)
    x = np.random.default_rng(7).normal(size=(3, 4)).astype("float32")
    c = np.array([1.0, -1.0], "float32")
    flow.initialize(x, c)
    perturb_weights(flow)
    np.testing.assert_allclose(flow.log_prob(x, c), flow.log_prob(x, np.tile(c, (3, 1))), rtol=1e-6)
    assert np.abs(flow.log_prob(x, c) - flow.log_prob(x, -c)).max() > 1e-3
    with pytest.raises(ValueError, match=r"float context rows \[batch, 2\], not integer labels"):
        flow.log_prob(x, [0, 1, 0])
    with pytest.raises(ValueError, match="is conditional"):
        flow.log_prob(x)
    with pytest.raises(ValueError, match="is conditional"):
        flow.sample(2)


def test_context_errors_are_one_clear_line(model):
    x = images(2)
    with pytest.raises(ValueError, match=r"labels must be integers in 0..2.*got \[3\]"):
        model.log_prob(x, [0, 3])
    with pytest.raises(ValueError, match=r"expects a context of shape \[3\], \[1, 3\] or \[batch, 3\]"):
        model.log_prob(x, np.zeros((2, 5), "float32"))
    unconditional = glow((4, 4, 1), levels=1, steps=1, hidden=4)
    with pytest.raises(ValueError, match="unconditional"):
        unconditional.log_prob(x, [0, 1])
    with pytest.raises(ValueError, match="not both"):
        FlowModel([Coupling(hidden=4, context_size=2)], event_shape=(4,), num_classes=2, context_size=2)
    with pytest.raises(ValueError, match="context_size"):
        FlowModel([Coupling(hidden=4, context_size=2)], event_shape=(4,))


def test_an_unconditional_glow_is_unchanged():
    """No context layers, no context keys in its config: the shipped models' architecture."""
    flow = glow((4, 4, 1), levels=2, steps=1, hidden=4)
    assert flow.context_size == 0 and flow.num_classes is None
    assert all(layer.context_size == 0 for layer in flow.flow_layers)
    config = flow.get_config()
    assert "num_classes" not in config and "context_size" not in config


@pytest.mark.parametrize("flow_layer", [
    lambda i: MaskedAutoregressive(hidden_units=[32], input_order=("left-to-right", "right-to-left")[i % 2],
                                   context_size=2),
    lambda i: Coupling(hidden=32, parity=i % 2, context_size=2),
], ids=["MAF", "Real NVP"])
def test_conditional_vector_flows_learn_class_conditional_moons(flow_layer):
    """p(x | moon) of a conditional MAF / Real NVP fitted on (x, one-hot moon) pairs tells the moons apart."""
    from sklearn.datasets import make_moons

    keras.utils.set_random_seed(0)
    x, y = make_moons(n_samples=1024, noise=0.1, random_state=0)
    x_test, y_test = make_moons(n_samples=500, noise=0.1, random_state=1)
    flow = FlowModel([layer for i in range(3) for layer in (ActNorm(), flow_layer(i))], event_shape=(2,),
                     num_classes=2)
    data = tf.data.Dataset.from_tensor_slices((x.astype("float32"), np.eye(2, dtype="float32")[y])).batch(64)
    flow.compile(optimizer=keras.optimizers.Adam(3e-3))
    flow.fit(data, epochs=12, verbose=0, shuffle=False)
    per_label = np.stack([flow.log_prob(x_test.astype("float32"), label).numpy() for label in (0, 1)], axis=1)
    assert np.mean(per_label.argmax(1) == y_test) > 0.9  # a label-blind model: 0.5
