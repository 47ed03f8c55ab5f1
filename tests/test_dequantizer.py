"""Variational dequantisation: q(u | bin) is a normalised density (change of variables against autodiff, and
importance sampling with q agrees with uniform sampling of the bin), it starts as uniform noise, keeps every
point in its bin, saves with the model and learns in a fit."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from flow_checks import perturb_weights
from nfzoo.config import build
from nfzoo.models.dequantizer import VariationalDequantizer
from nfzoo.models.glow import glow
from nfzoo.models.realnvp import realnvp


def corners_and_noise(shape, n_bits, seed=0):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 2**n_bits, shape)
    return (k / 2**n_bits - 0.5).astype("float32"), rng.uniform(0, 1, shape).astype("float32")


def test_starts_as_uniform_noise():
    dequantizer = VariationalDequantizer(hidden=8)
    x, e = corners_and_noise((2, 4, 4, 3), n_bits=5)
    u, log_q = dequantizer(x, e)
    np.testing.assert_allclose(u.numpy(), e, atol=1e-5)
    np.testing.assert_allclose(log_q.numpy(), 0.0, atol=1e-3)


def test_log_q_is_the_change_of_variables_from_uniform_noise():
    """In float64: in float32 the autodiff sigmoid'(h) loses digits where u nears 0 or 1 (a 0.02 miss in CI).
    The perturbation is kept small enough that no u reaches the EDGE clip, where du/de is 0."""
    keras.utils.set_random_seed(1)
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float64")
    try:
        dequantizer = VariationalDequantizer(hidden=8)
        x, e = (a.astype("float64") for a in corners_and_noise((2, 4, 4, 3), n_bits=5, seed=1))
        dequantizer(x, e)
        perturb_weights(dequantizer, scale=0.1)
        e = tf.constant(e)
        with tf.GradientTape() as tape:
            tape.watch(e)
            u, log_q = dequantizer(x, e)
        du_de = tape.gradient(u, e)  # u is elementwise in e given x: the Jacobian is diagonal
    finally:
        keras.config.set_dtype_policy(policy)
    assert u.dtype == tf.float64
    assert np.abs(u.numpy() - e.numpy()).max() > 0.05, "the perturbed dequantizer should not be the identity"
    assert ((u.numpy() > 1e-5) & (u.numpy() < 1 - 1e-5)).all(), "no u should reach the clip at EDGE"
    np.testing.assert_allclose(log_q.numpy(), -np.log(du_de.numpy()).sum(axis=(1, 2, 3)), rtol=1e-9, atol=1e-9)


def test_importance_sampling_with_q_agrees_with_uniform_sampling_of_the_bin():
    """E_q[p(y) / q(u)] = E_uniform[p(y)] = 2**(n D) P(bin) only if q is a normalised density; the variational
    bound E_q[log p - log q] lies below the log of it (Jensen). q is moved moderately away from uniform so that
    both importance-sampling estimates converge with 50,000 samples."""
    model = glow((2, 2, 1), levels=1, steps=1, hidden=4, n_bits=3, dequantization="variational")
    model.initialize(np.random.default_rng(0).uniform(-0.5, 0.5, (8, 2, 2, 1)).astype("float32"))
    perturb_weights(model, scale=0.1)
    perturb_weights(model.dequantizer, scale=0.05, seed=5)
    corner = (np.array([1, 2, 5, 3], np.float32).reshape(1, 2, 2, 1) / 8 - 0.5).astype("float32")
    e = np.random.default_rng(1).uniform(0, 1, (50_000, 2, 2, 1)).astype("float32")
    x = corner + e / 8  # uniformly dequantised points of one bin
    uniform = tf.reduce_logsumexp(model.log_prob(x)) - np.log(len(e))
    elbo = model.log_likelihood(x).numpy()
    with_q = tf.reduce_logsumexp(elbo) - np.log(len(e))
    assert np.abs(elbo - model.log_prob(x).numpy()).mean() > 0.3, "q should differ from uniform noise here"
    np.testing.assert_allclose(float(with_q), float(uniform), atol=0.03)
    assert elbo.mean() < float(uniform) - 0.1


def test_every_point_stays_in_its_bin():
    model = realnvp((4, 4, 3), scales=2, hidden=8, n_bits=3, dequantization="variational")
    corner, e = corners_and_noise((4, 4, 4, 3), n_bits=3, seed=2)
    model(corner + e / 8)
    perturb_weights(model.dequantizer, scale=1.0)
    u, _ = model.dequantizer(corner, e)
    y = corner + u.numpy() / 8
    np.testing.assert_array_equal(np.floor((y + 0.5) * 8), np.floor((corner + 0.5) * 8))


def test_saved_model_keeps_its_dequantizer(tmp_path):
    model = glow((4, 4, 3), levels=2, steps=1, hidden=8, n_bits=5, dequantization="variational")
    corner, e = corners_and_noise((3, 4, 4, 3), n_bits=5)
    x = corner + e / 32
    model.initialize(x)
    perturb_weights(model, scale=0.05)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.log_likelihood(x).numpy(), model.log_likelihood(x).numpy(), rtol=1e-5)
    assert loaded.dequantizer is not None


def test_fit_learns_the_dequantizer_and_lowers_bits_per_dim():
    keras.utils.set_random_seed(0)
    model = build({"name": "vd", "model": {"family": "glow", "image_shape": [4, 4, 3], "levels": 2, "steps": 2,
                                           "hidden": 8, "n_bits": 5, "dequantization": "variational"},
                   "data": {}, "training": {}})
    rng = np.random.default_rng(3)
    base = rng.integers(6, 26, (1, 4, 4, 3))
    k = np.clip(base + rng.integers(-2, 3, (256, 4, 4, 3)), 0, 31)
    data = (k / 32 - 0.5 + rng.uniform(0, 1 / 32, k.shape)).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    history = model.fit(data, batch_size=32, epochs=4, verbose=0)
    bits = history.history["bits_per_dim"]
    assert bits[-1] < bits[0] - 0.2, bits
    assert np.abs(model.dequantizer.get_weights()[-2]).max() > 0, "the dequantizer's zero-initialised output moved"


def test_unknown_dequantization_and_vector_data_are_refused():
    with pytest.raises(ValueError, match="dequantization must be one of .*uniform.*variational"):
        glow((4, 4, 3), levels=1, steps=1, hidden=8, dequantization="learned")
    from nfzoo.models.flow_model import FlowModel

    with pytest.raises(ValueError, match="a dequantizer needs discrete images"):
        FlowModel([], event_shape=(4,), n_bits=None, dequantizer=VariationalDequantizer())
