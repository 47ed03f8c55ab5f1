"""ImageVAE (IAF-VAE on n-bit images): the likelihood, the posterior density, the bound, the image API, saving,
and learning (the iafvae_celeba config on tiny shapes: tests/test_face_configs.py)."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.models.image_vae import MIN_LOG_SCALE, discretized_logistic_log_prob, iafvae

tfd = tfp.distributions


def tiny_model(n_bits=5, flow_steps=2, seed=0, latent_channels=0, channel_coupling=False):
    """Flat 6-d latent, or a spatial one on the decoder's 2 x 2 grid (latent_dim 4 c)."""
    return iafvae((8, 8, 3), latent_dim=4 * latent_channels or 6, widths=(8, 16), flow_steps=flow_steps,
                  context_size=4, iaf_hidden_units=(12,), n_bits=n_bits, seed=seed, latent_channels=latent_channels,
                  channel_coupling=channel_coupling)


VARIANTS = {"flat": {}, "spatial": {"latent_channels": 2}, "coupled": {"channel_coupling": True},
            "spatial_coupled": {"latent_channels": 2, "channel_coupling": True}}


def randomise(model, scale=0.3, seed=0):
    """Every weight ~ N(0, scale^2 / fan-in): the MADEs' zero-initialised last layers (identity IAF steps) too."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        fan_in = int(np.prod(weight.shape[:-1])) if len(weight.shape) > 1 else 1
        weight.assign(rng.normal(0.0, scale / math.sqrt(fan_in), weight.shape).astype("float32"))
    return model


def images(n=5, n_bits=5, seed=0, shape=(8, 8, 3)):
    """Dequantised model-space images (bin corner + uniform noise), every bin including the two edge bins."""
    rng = np.random.default_rng(seed)
    bins = rng.integers(0, 2**n_bits, (n, *shape))
    bins.flat[:2] = [0, 2**n_bits - 1]
    return ((bins + rng.uniform(0, 1, bins.shape)) / 2**n_bits - 0.5).astype("float32")


def logistic_bin_log_prob(bins, loc, scale, n_bits):
    """ln P(k) as tfd.Logistic CDF differences in float64, the outer bins open to -inf / +inf."""
    dist = tfd.Logistic(np.float64(loc), np.float64(scale))
    lower, upper = bins / 2**n_bits - 0.5, (bins + 1) / 2**n_bits - 0.5
    cdf_upper = np.where(bins == 2**n_bits - 1, 1.0, dist.cdf(upper).numpy())
    cdf_lower = np.where(bins == 0, 0.0, dist.cdf(lower).numpy())
    with np.errstate(divide="ignore", invalid="ignore"):  # far tails: the difference rounds to 0 or below
        return np.log(cdf_upper - cdf_lower)


@pytest.mark.parametrize("n_bits", [1, 3, 8])
def test_discretized_logistic_matches_cdf_differences_and_sums_to_one(n_bits):
    rng = np.random.default_rng(n_bits)
    shape = (2**n_bits, 40)
    bins = np.broadcast_to(np.arange(2**n_bits, dtype="float64")[:, None], shape)
    loc = np.broadcast_to(rng.uniform(-0.8, 0.8, 40), shape)
    log_scale = np.broadcast_to(rng.uniform(-6.0, 0.5, 40), shape)
    log_p = discretized_logistic_log_prob(*(tf.constant(a, tf.float32) for a in (bins, loc, log_scale)), n_bits)
    np.testing.assert_allclose(np.exp(log_p.numpy()).sum(axis=0), 1.0, atol=1e-5)
    reference = logistic_bin_log_prob(bins, loc, np.exp(log_scale), n_bits)
    likely = reference > -20  # far in a tail the float64 CDF difference itself loses the digits
    assert likely.mean() > 0.1
    np.testing.assert_allclose(log_p.numpy()[likely], reference[likely], rtol=1e-4, atol=1e-4)
    assert np.all(np.isfinite(log_p.numpy()))


@pytest.mark.parametrize("latent_channels", [0, 2])
def test_posterior_log_density_is_the_change_of_variables_of_its_noise(latent_channels):
    """ln q(z | x) = ln N(eps) - ln|det dz/deps| with the Jacobian from autodiff, for random weights."""
    model = randomise(tiny_model(latent_channels=latent_channels))
    h = model.encoder(images(4))
    eps = tf.random.stateless_normal((4, model.latent_dim), seed=[1, 2])
    with tf.GradientTape() as tape:
        tape.watch(eps)
        z, log_q = model.posterior(h, eps)
    jacobian = tape.batch_jacobian(z, eps)
    off_diagonal = jacobian.numpy() * (1 - np.eye(model.latent_dim))
    assert np.abs(off_diagonal).max() > 1e-2  # the IAF steps mix the dimensions: not a diagonal Gaussian
    expected = tfd.Normal(0.0, 1.0).log_prob(eps).numpy().sum(-1) - tf.linalg.slogdet(jacobian)[1].numpy()
    np.testing.assert_allclose(log_q.numpy(), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("variant", VARIANTS)
def test_elbo_matches_a_direct_computation_and_importance_bound(variant):
    model = randomise(tiny_model(**VARIANTS[variant]), scale=0.5)
    x, n_bits, seed = images(6), model.n_bits, 3
    elbo = model.log_likelihood(x, seed=seed).numpy()

    bins = np.clip(np.floor((x + 0.5) * 2**n_bits), 0, 2**n_bits - 1)
    h = model.encoder((bins + 0.5) / 2**n_bits - 0.5)
    eps = tf.random.stateless_normal((6, model.latent_dim), seed=[seed, 0])
    mu, log_sigma = tf.split(model.posterior.gaussian(h), 2, axis=-1)
    z = mu + tf.exp(log_sigma) * eps
    log_q = tfd.Normal(0.0, 1.0).log_prob(eps).numpy().sum(-1) - log_sigma.numpy().sum(-1)
    context = model.posterior.context(h)
    for step in model.posterior.iaf_steps:  # z_k = z_{k-1} exp(alpha) + mu, one MADE pass each
        shift, alpha = step.shift_and_log_scale(z, context)
        z = z * tf.exp(alpha) + shift
        log_q -= alpha.numpy().sum(-1)
    out = model.decoder(z).numpy()
    loc, scale = out[..., :3].copy(), np.exp(np.maximum(out[..., 3:6], MIN_LOG_SCALE))
    if model.channel_coupling:  # PixelCNN++: mean_G += a x_R, mean_B += b x_R + c x_G, x the bin centres
        a, b, c = np.moveaxis(np.tanh(out[..., 6:]), -1, 0)
        values = (bins + 0.5) / 2**n_bits - 0.5
        loc[..., 1] += a * values[..., 0]
        loc[..., 2] += b * values[..., 0] + c * values[..., 1]
    else:
        assert out.shape[-1] == 6
    log_px_z = logistic_bin_log_prob(bins, loc, scale, n_bits).sum(axis=(1, 2, 3))
    log_pz = tfd.Normal(0.0, 1.0).log_prob(z).numpy().sum(-1)
    dims = x[0].size
    np.testing.assert_allclose(elbo, log_px_z + log_pz - log_q + dims * n_bits * math.log(2), rtol=1e-5)
    np.testing.assert_allclose(model.bits_per_dim(x, seed=seed).numpy(),
                               -(log_px_z + log_pz - log_q) / (dims * math.log(2)), rtol=1e-5)

    np.testing.assert_allclose(model.importance_log_likelihood(x, k=1, seed=seed).numpy(), elbo, rtol=1e-6)
    assert model.importance_log_likelihood(x, k=64).numpy().mean() > elbo.mean()
    # the bound depends on the pixels' bins only, not on where the dequantisation noise put them
    centres = ((bins + 0.5) / 2**n_bits - 0.5).astype("float32")
    np.testing.assert_allclose(model.log_likelihood(centres, seed=seed).numpy(), elbo, rtol=1e-6)


def test_image_api_shapes_ranges_and_bad_input():
    model = randomise(tiny_model(), scale=2.0)
    x = images(5)
    z = model.encode(x)
    assert z.shape == (5, 6) and z.dtype == tf.float32
    h = model.encoder((np.floor((x + 0.5) * 32) + 0.5) / 32 - 0.5)
    np.testing.assert_allclose(z.numpy(), model.posterior(h, tf.zeros((5, 6)))[0].numpy(), atol=1e-6)
    decoded = model.decode(z).numpy()
    assert decoded.shape == (5, 8, 8, 3) and decoded.min() >= -0.5 and decoded.max() <= 0.5
    assert decoded.min() == -0.5 and decoded.max() == 0.5  # large random weights: locations outside, clipped
    samples = model.sample(4, temperature=0.7, seed=1).numpy()
    assert samples.shape == (4, 8, 8, 3) and np.array_equal(samples, model.sample(4, temperature=0.7, seed=1))
    np.testing.assert_array_equal(model.sample(2, temperature=0.0, seed=1), model.decode(tf.zeros((2, 6))))
    assert model.latent_noise(3, seed=2).shape == (3, 6) and model.bits_per_dim(x).shape == (5,)
    assert model.likelihood_bound == "elbo" and model.num_dims == 192 and model.data_event_shape == (8, 8, 3)

    with pytest.raises(ValueError, match="floating-point"):
        model.log_likelihood(np.zeros((2, 8, 8, 3), "int32"))
    with pytest.raises(ValueError, match=r"shape \[batch, 8, 8, 3\]"):
        model.encode(np.zeros((2, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"latents of shape \[batch, 6\]"):
        model.decode(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="k must be a positive"):
        model.importance_log_likelihood(x, k=0)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*len\\(widths\\) = 4"):
        iafvae((10, 8, 3), widths=(8, 8))
    with pytest.raises(ValueError, match="n_bits must be an integer in 1..8"):
        iafvae((8, 8, 3), widths=(8,), n_bits=9)
    with pytest.raises(ValueError, match=r"latent_dim = 4 c .* got latent_channels=2, latent_dim=6"):
        iafvae((8, 8, 3), latent_dim=6, widths=(8, 16), latent_channels=2)


def test_coupled_mean_image_chains_the_channels():
    """decode = the coupled locations with each earlier channel at its own mean: m_R = loc_R, m_G = loc_G + a m_R,
    m_B = loc_B + b m_R + c m_G (clipped), with a spatial latent feeding the decoder."""
    model = randomise(tiny_model(latent_channels=2, channel_coupling=True), scale=0.5)
    z = tf.random.stateless_normal((3, model.latent_dim), seed=[4, 5])
    out = model.decoder(z).numpy()
    loc, (a, b, c) = out[..., :3], np.moveaxis(np.tanh(out[..., 6:]), -1, 0)
    red = loc[..., 0]
    green = loc[..., 1] + a * red
    blue = loc[..., 2] + b * red + c * green
    expected = np.clip(np.stack([red, green, blue], -1), -0.5, 0.5)
    assert np.abs(a).max() > 0.05 and out.shape == (3, 8, 8, 9)
    np.testing.assert_allclose(model.decode(z).numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("variant", ["flat", "spatial_coupled"])
def test_keras_file_round_trip_gives_the_same_bound(tmp_path, variant):
    model = randomise(tiny_model(**VARIANTS[variant]))
    model.save(tmp_path / "vae.keras")
    clone = keras.models.load_model(tmp_path / "vae.keras")
    assert clone.get_config() == model.get_config()
    x = images(4)
    np.testing.assert_array_equal(clone.log_likelihood(x, seed=7), model.log_likelihood(x, seed=7))
    np.testing.assert_array_equal(clone.encode(x), model.encode(x))
    z = model.encode(x)
    np.testing.assert_array_equal(clone.decode(z), model.decode(z))


def smooth_images(n, n_bits=5, seed=0):
    """Colour gradients: structure a small VAE learns in a few steps."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 1.0, 8)[None, :, None, None]
    colour = rng.uniform(0.1, 0.9, (n, 1, 1, 3))
    return np.clip(colour * (0.4 + 0.6 * ramp) + rng.uniform(0, 1 / 2**n_bits, (n, 8, 8, 3)), 0, 0.999) - 0.5


def test_fit_lowers_the_bound():
    keras.utils.set_random_seed(0)
    model = tiny_model()
    x = smooth_images(64).astype("float32")
    before = model.bits_per_dim(x).numpy().mean()
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = model.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=5, verbose=0, shuffle=False)
    after = model.bits_per_dim(x).numpy().mean()
    assert set(history.history) == {"loss", "bits_per_dim"}
    assert after < before - 0.5, (before, after)


