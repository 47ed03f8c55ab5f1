"""FlowModel: log_prob, encode/decode, sampling, TFP view, fit/evaluate, saving, errors."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import make_moons

from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.invconv import InvertibleConv1x1
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.models.flow_model import FlowModel
from flow_checks import autodiff_log_det, perturb_weights


def tiny_image_flow(n_bits=5):
    """4x4x2 images: squeeze -> step -> split -> step (two latent levels)."""
    step = lambda parity: [ActNorm(), InvertibleConv1x1(seed=parity), Coupling(hidden=8, parity=parity)]  # noqa: E731
    layers = [Squeeze(), *step(0), Split(), *step(1)]
    return FlowModel(layers, event_shape=(4, 4, 2), n_bits=n_bits)


def moons_flow():
    layers = []
    for i in range(6):
        layers += [ActNorm(), Coupling(hidden=32, parity=i % 2)]
    return FlowModel(layers, event_shape=(2,))


def images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, size=(n, 4, 4, 2)).astype("float32")


def test_encode_decode_exact_and_latent_levels():
    model = tiny_image_flow()
    model.initialize(images(16))
    perturb_weights(model)
    x = images()
    levels = model.encode_levels(x)
    assert [tuple(z.shape[1:]) for z in levels] == [(2, 2, 4), (2, 2, 4)]
    z = model.encode(x)
    assert z.shape == (8, 32)
    np.testing.assert_allclose(model.decode(z).numpy(), x, atol=1e-4)


def test_log_prob_is_change_of_variables():
    """log p(x) = log N(encode(x)) + log|det d encode/dx| with the determinant from autodiff."""
    model = tiny_image_flow()
    model.initialize(images(16))
    perturb_weights(model)
    x = images(2)

    class Encoder(keras.layers.Layer):
        def call(self, x):
            return model.encode(x), None

    z = model.encode(x).numpy()
    expected = -0.5 * (z**2).sum(1) - 16 * math.log(2 * math.pi) + autodiff_log_det(Encoder(), x)
    np.testing.assert_allclose(model.log_prob(x).numpy(), expected, atol=1e-3)
    np.testing.assert_allclose(model.distribution().log_prob(x.reshape(2, -1)).numpy(), expected, atol=1e-3)


def test_sample_seed_and_temperature():
    model = tiny_image_flow()
    model.initialize(images(16))
    a, b = model.sample(4, seed=3), model.sample(4, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == (4, 4, 4, 2)
    zero_t = model.sample(2, temperature=0.0, seed=1)
    np.testing.assert_allclose(zero_t.numpy()[0], zero_t.numpy()[1], atol=1e-6)  # the mode of every level


def test_bits_per_dim_of_a_uniform_model_is_n_bits():
    """An empty flow on [-0.5, 0.5)^D is N(0, I); bits/dim follows the formula exactly."""
    model = FlowModel([], event_shape=(3,), n_bits=4)
    x = np.zeros((1, 3), "float32")
    log_p = -1.5 * math.log(2 * math.pi)
    expected = -(log_p - 3 * 4 * math.log(2)) / (3 * math.log(2))
    np.testing.assert_allclose(model.bits_per_dim(x).numpy(), [expected], rtol=1e-6)


def test_fit_lowers_nll_on_two_moons():
    data, _ = make_moons(2048, noise=0.05, random_state=0)
    data = ((data - data.mean(0)) / data.std(0)).astype("float32")
    train = tf.data.Dataset.from_tensor_slices(data[:1536]).shuffle(1536, seed=0).batch(128)
    held_out = tf.data.Dataset.from_tensor_slices(data[1536:]).batch(256)
    model = moons_flow()
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    before = model.evaluate(held_out, verbose=0, return_dict=True)["loss"]
    assert not model.is_initialized
    history = model.fit(train, epochs=40, verbose=0)
    assert model.is_initialized
    after = model.evaluate(held_out, verbose=0, return_dict=True)["loss"]
    assert history.history["loss"][-1] < history.history["loss"][0] - 0.5
    # a standard 2-D Gaussian fit to standardised moons scores ~2.84 nats; the flow must do much better
    assert after < before - 1.0 and after < 1.9, (before, after)


def test_fit_reports_bits_per_dim(tmp_path):
    model = tiny_image_flow(n_bits=5)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    data = np.floor((images(64) + 0.5) * 32) / 32 - 0.5 + np.random.default_rng(1).uniform(0, 1 / 32, (64, 4, 4, 2))
    history = model.fit(data.astype("float32"), batch_size=16, epochs=3, verbose=0)
    assert history.history["bits_per_dim"][-1] < history.history["bits_per_dim"][0]
    assert model.evaluate(data.astype("float32"), verbose=0, return_dict=True)["bits_per_dim"] > 0


def test_keras_save_and_load_give_identical_log_prob(tmp_path):
    model = tiny_image_flow()
    model.initialize(images(16))
    perturb_weights(model)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = images(4, seed=5)
    np.testing.assert_allclose(loaded.log_prob(x).numpy(), model.log_prob(x).numpy(), rtol=1e-6)
    assert loaded.is_initialized


def test_trainable_variables_all_seen_by_keras():
    model = tiny_image_flow()
    # per step: ActNorm 2 + LU conv 3 + coupling net 6; split prior 2
    assert len(model.trainable_weights) == 2 * 11 + 2
    with tf.GradientTape() as tape:
        loss = -tf.reduce_mean(model.log_prob(images(2)))
    grads = tape.gradient(loss, model.trainable_weights)
    assert all(g is not None for g in grads)


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 4, 4, 3), "float32"), "shape"),
    (np.zeros((2, 4, 4, 2), "uint8"), "floating-point"),
])
def test_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        tiny_image_flow().log_prob(bad)


def test_nan_batch_is_refused():
    x = images(2)
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN"):
        tiny_image_flow().log_prob(x)
