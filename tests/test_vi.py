import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.planar import Planar
from nfzoo.bijectors.radial import Radial
from nfzoo.variational.free_energy import LinearBeta
from nfzoo.variational.variational_flow import VariationalFlow, fit

MEAN = np.array([1.0, -2.0], np.float32)
STD = np.array([0.5, 2.0], np.float32)
NEG_LOG_Z = -float(np.sum(np.log(math.sqrt(2.0 * math.pi) * STD)))  # -ln of Z = int exp(-|(z - m)/s|^2 / 2)


def gaussian_target(z):
    """Unnormalised N(MEAN, diag(STD^2)): its normaliser Z is known."""
    return -0.5 * tf.reduce_sum(tf.square((z - MEAN) / STD), axis=-1)


def test_free_energy_bounds_minus_log_z_and_reaches_it_with_an_affine_flow():
    untrained = VariationalFlow(gaussian_target, [Planar(), Planar()], dim=2, seed=0)
    f, se = untrained.free_energy(4000, seed=1)
    assert f >= NEG_LOG_Z - 3.0 * se and f - NEG_LOG_Z > 0.5  # q = ~N(0, I) is far from p

    model = fit(gaussian_target, [ElementwiseAffine(per="element")], dim=2, steps=400, batch_size=128,
                learning_rate=keras.optimizers.schedules.CosineDecay(0.05, 400))
    f, se = model.free_energy(4000, seed=1)
    assert f >= NEG_LOG_Z - 3.0 * se - 1e-4
    assert f - NEG_LOG_Z < 0.01  # KL(q || p) ~ 0: the affine flow can be p exactly
    z, _ = model.sample(4000, seed=2)
    np.testing.assert_allclose(np.mean(z, axis=0), MEAN, atol=0.15)
    np.testing.assert_allclose(np.std(z, axis=0), STD, rtol=0.1)


def test_fit_lowers_free_energy_on_u1_with_planar_layers_and_annealing():
    before, _ = VariationalFlow("u1", [Planar() for _ in range(3)], dim=2, seed=0).free_energy(4000, seed=1)
    model = fit("u1", [Planar() for _ in range(3)], dim=2, steps=300, batch_size=128, learning_rate=0.01,
                beta_schedule=LinearBeta(steps=100), seed=0)
    after, se = model.free_energy(4000, seed=1)
    assert after < before - 1.0, (before, after)
    assert np.isfinite(model.history.history["free_energy"][-1])


def test_sample_log_q_matches_tfp_distribution_and_inverse():
    """Planar, radial, IAF and Real NVP layers run forward from the noise; TFP's density agrees."""
    layers = [Planar(), Radial(), MaskedAutoregressive(iaf=True, hidden_units=(8,)), Coupling(hidden=8)]
    model = VariationalFlow("u2", layers, dim=2, seed=0)
    rng = np.random.default_rng(0)
    for w in model.trainable_weights:
        w.assign(w.numpy() + 0.3 * rng.standard_normal(w.shape).astype("float32"))
    z, log_q = model.sample(64, seed=3)
    np.testing.assert_allclose(model.log_prob(z).numpy(), log_q.numpy(), atol=1e-3)
    same, _ = model.sample(64, seed=3)
    np.testing.assert_array_equal(same.numpy(), z.numpy())


def test_linear_beta_and_keras_file_round_trip(tmp_path):
    beta = LinearBeta(steps=100, initial=0.01)
    np.testing.assert_allclose([float(beta(t)) for t in (0, 50, 100, 1000)], [0.01, 0.505, 1.0, 1.0], rtol=1e-6)
    model = VariationalFlow("u3", [Planar(), Radial()], dim=2, beta_schedule=beta, seed=4)
    model.save(tmp_path / "vi.keras")
    clone = keras.saving.load_model(tmp_path / "vi.keras")
    assert clone.beta_schedule.get_config() == beta.get_config()
    np.testing.assert_allclose(clone.sample(8, seed=1)[1].numpy(), model.sample(8, seed=1)[1].numpy())
    assert VariationalFlow.from_config(VariationalFlow(gaussian_target, [Planar()], 2).get_config()).target is None


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match=r"dim=3"):
        VariationalFlow("u1", [Planar()], dim=3)  # the energies live in R^2
    built = Planar()
    built(tf.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        VariationalFlow(lambda z: -tf.reduce_sum(z**2, -1), [built], dim=3)
    with pytest.raises(ValueError, match="positive integer"):
        VariationalFlow("u1", [Planar()], dim=0)
    with pytest.raises(ValueError, match="unknown energy"):
        VariationalFlow("u9", [Planar()], dim=2)
    with pytest.raises(ValueError, match=r"shape \[batch\]"):
        VariationalFlow(lambda z: z, [Planar()], dim=2)
    model = VariationalFlow("u1", [Planar()], dim=2)
    with pytest.raises(ValueError, match=r"\[n, 2\]"):
        model.log_prob(tf.zeros((4, 3)))
    with pytest.raises(ValueError, match="no target"):
        VariationalFlow(None, [Planar()], dim=2).free_energy(10)
    with pytest.raises(ValueError, match="LinearBeta"):
        LinearBeta(steps=0)
