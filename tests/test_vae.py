import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.planar import Planar
from nfzoo.variational.vae import VAE


def binary_data(n=96, dim=12, seed=0):
    """Two prototype patterns with 10% of the bits flipped: easy structure for a 2-D latent."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((2, dim)) < 0.5
    x = prototypes[rng.integers(0, 2, n)] ^ (rng.random((n, dim)) < 0.1)
    return x.astype("float32")


def tiny_vae(posterior, steps=0):
    return VAE(12, latent_dim=2, hidden_units=(16,), posterior=posterior, flow_steps=steps, context_size=4,
               iaf_hidden_units=(8,), seed=0)


@pytest.mark.parametrize("posterior,steps", [("diag", 0), ("planar", 2), ("iaf", 2)])
def test_fit_lowers_negative_elbo_and_importance_estimate_is_above_elbo(posterior, steps):
    keras.utils.set_random_seed(0)
    x = binary_data()
    model = tiny_vae(posterior, steps)
    before = -model.elbo(x, samples=4).mean()
    model.compile(optimizer=keras.optimizers.Adam(2e-2), steps_per_execution=3)
    model.fit(x, batch_size=32, epochs=6, verbose=0)
    after = -model.elbo(x, samples=4).mean()
    assert after < before - 1.0, (before, after)
    log_px = model.importance_log_likelihood(x, k=64)
    assert log_px.shape == (x.shape[0],) and np.all(np.isfinite(log_px))
    assert log_px.mean() >= -after  # IS with k samples >= ELBO on average


def test_planar_posterior_runs_the_planar_layer_math():
    """The amortised planar step with the Planar layer's (u, w, b) for every example gives the layer's output."""
    model = tiny_vae("planar", 1)
    layer = Planar()
    z = tf.random.stateless_normal((5, 2), seed=[1, 2])
    layer(z)
    posterior = model.posterior
    kernel = np.zeros(posterior.planar_params.kernel.shape, "float32")
    bias = np.concatenate([layer.u.numpy(), layer.w.numpy(), [layer.b.numpy()]]).astype("float32")
    posterior.planar_params.set_weights([kernel, bias])
    y, log_det = posterior.flow(z, tf.zeros((5, 16)))
    y_layer, log_det_layer = layer(z)
    np.testing.assert_allclose(y.numpy(), y_layer.numpy(), atol=1e-6)
    np.testing.assert_allclose(log_det.numpy(), log_det_layer.numpy(), atol=1e-6)


def test_keras_file_round_trip_and_bad_input(tmp_path):
    model = tiny_vae("iaf", 2)
    model.save(tmp_path / "vae.keras")
    clone = keras.saving.load_model(tmp_path / "vae.keras")
    assert clone.get_config() == model.get_config()
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"shape \[batch, 12\]"):
        model.importance_log_likelihood(np.zeros((3, 10), "float32"), k=2)
    with pytest.raises(ValueError, match="posterior must be one of"):
        VAE(12, posterior="gaussian")
    with pytest.raises(ValueError, match="flow_steps >= 1"):
        VAE(12, posterior="planar", flow_steps=0)
    with pytest.raises(ValueError, match="floating-point"):
        model.elbo(np.zeros((3, 12), "int32"))
