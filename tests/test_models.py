"""Architectures (Glow, Real NVP, NICE): exact image round trip and log p(x) equal to the change of
variables with an autodiff Jacobian, on tiny shapes; each learns in a short fit."""
import math

import keras
import numpy as np
import pytest

from flow_checks import autodiff_log_det, perturb_weights
from nfzoo.models.glow import glow
from nfzoo.models.nice import nice
from nfzoo.models.realnvp import realnvp

BUILDERS = {
    "glow_affine_invconv": lambda: glow((4, 4, 3), levels=2, steps=2, hidden=8, n_bits=5),
    "glow_additive_shuffle": lambda: glow((4, 4, 3), levels=2, steps=2, hidden=8, coupling="additive",
                                          permutation="shuffle", n_bits=5),
    "glow_reverse_full_conv": lambda: glow((4, 4, 2), levels=1, steps=2, hidden=8, permutation="invconv_full",
                                           learn_top=False, n_bits=5),
    "glow_reverse": lambda: glow((4, 4, 3), levels=2, steps=1, hidden=8, permutation="reverse", n_bits=5),
    "glow_dropout": lambda: glow((4, 4, 3), levels=2, steps=2, hidden=8, dropout=0.2, n_bits=5),
    "glow_log_scale_bound": lambda: glow((4, 4, 3), levels=2, steps=2, hidden=8, log_scale_bound=0.5, n_bits=5),
    "realnvp": lambda: realnvp((4, 4, 3), scales=2, hidden=8, n_bits=5),
    "realnvp_plain_prior_no_logit": lambda: realnvp((4, 4, 1), scales=2, hidden=8, logit=False, learned_prior=False,
                                                    n_bits=5),
    "nice": lambda: nice((4, 4, 1), couplings=4, hidden=16, num_hidden=2, n_bits=5),
    "nice_halves": lambda: nice((4, 4, 1), couplings=2, hidden=16, num_hidden=2, partition="halves", n_bits=5),
}


def batch(model, n=3, seed=0):
    return np.random.default_rng(seed).uniform(-0.45, 0.45, (n, *model.data_event_shape)).astype("float32")


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip_and_change_of_variables(name):
    model = BUILDERS[name]()
    model.initialize(batch(model, 16, seed=1))
    perturb_weights(model, scale=0.05)
    x = batch(model, 2)
    np.testing.assert_allclose(model.decode(model.encode(x)).numpy(), x, atol=1e-4)

    class Encoder(keras.layers.Layer):
        def call(self, x):
            return model.encode(x), None

    z = model.encode(x).numpy()
    d = z.shape[1]
    expected = -0.5 * (z**2).sum(1) - 0.5 * d * math.log(2 * math.pi) + autodiff_log_det(Encoder(), x)
    np.testing.assert_allclose(model.log_prob(x).numpy(), expected, rtol=1e-4, atol=2e-3)


@pytest.mark.parametrize("name,learning_rate", [("glow_affine_invconv", 2e-3), ("glow_dropout", 2e-3), ("realnvp", 2e-3),
                                                ("nice", 2e-2)])
def test_short_fit_lowers_bits_per_dim(name, learning_rate):
    keras.utils.set_random_seed(0)
    model = BUILDERS[name]()
    rng = np.random.default_rng(2)
    base = rng.uniform(-0.3, 0.3, (1, *model.data_event_shape))
    data = np.clip(base + rng.normal(0, 0.05, (256, *model.data_event_shape)), -0.5, 0.49).astype("float32")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    history = model.fit(data, batch_size=32, epochs=4, verbose=0)
    bpd = history.history["bits_per_dim"]
    assert bpd[-1] < bpd[0] - 0.3, bpd


def test_glow_gives_its_log_scale_bound_to_every_coupling():
    bounds = {layer.log_scale_bound for layer in BUILDERS["glow_log_scale_bound"]().flow_layers
              if type(layer).__name__ == "Coupling"}
    assert bounds == {0.5}
