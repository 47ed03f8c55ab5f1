"""2-D toy targets: numpy samplers (density estimation) and Rezende & Mohamed energies (variational fits).

Samplers return float32 [n, 2] and follow FFJORD's ``toy_data.py`` so pictures compare with the literature:

* ``two_moons``: ``sklearn.datasets.make_moons(n, noise) * 2 + (-1, -0.2)``;
* ``eight_gaussians``: N(c_k, std^2 I) with c_k = radius * (cos(k pi / 4), sin(k pi / 4)), k = 0..7,
  radius = 4 / sqrt 2, std = 0.5 / sqrt 2;
* ``checkerboard``: uniform on the 8 dark 2x2 squares of a 4x4 board on [-4, 4]^2 (density 1/32 there).

Energies (Rezende & Mohamed 2015, table 1), p(z) ∝ exp(-U(z)), z float [N, 2] -> U float [N]:

    w1 = sin(2 pi z1 / 4),   w2 = 3 exp(-((z1 - 1) / 0.6)^2 / 2),   w3 = 3 sigmoid((z1 - 1) / 0.3)
    U1 = ((|z| - 2) / 0.4)^2 / 2 - ln[exp(-((z1 - 2) / 0.6)^2 / 2) + exp(-((z1 + 2) / 0.6)^2 / 2)]
    U2 = ((z2 - w1) / 0.4)^2 / 2
    U3 = -ln[exp(-((z2 - w1) / 0.35)^2 / 2) + exp(-((z2 - w1 + w2) / 0.35)^2 / 2)]
    U4 = -ln[exp(-((z2 - w1) / 0.4)^2 / 2) + exp(-((z2 - w1 + w3) / 0.35)^2 / 2)]

The -ln[exp(a) + exp(b)] terms are computed as -logsumexp(a, b) so they stay finite far from the modes.
"""
import math

import numpy as np
import tensorflow as tf


def two_moons(n, noise=0.1, seed=None):
    """Two interleaved half circles with Gaussian ``noise``, scaled and shifted to be centred near 0."""
    from sklearn.datasets import make_moons

    points, _ = make_moons(n_samples=n, noise=noise, random_state=seed)
    return (points * 2.0 + np.array([-1.0, -0.2])).astype(np.float32)


def eight_gaussians(n, seed=None, radius=4.0 / math.sqrt(2.0), std=0.5 / math.sqrt(2.0)):
    """A ring of 8 equal-weight isotropic Gaussians."""
    rng = np.random.default_rng(seed)
    angles = rng.integers(0, 8, size=n) * (math.pi / 4.0)
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (centres + std * rng.standard_normal((n, 2))).astype(np.float32)


def checkerboard(n, seed=None):
    """Uniform samples on the dark squares of a 4x4 checkerboard covering [-4, 4]^2."""
    rng = np.random.default_rng(seed)
    x1 = rng.uniform(-2.0, 2.0, size=n)
    x2 = rng.uniform(0.0, 1.0, size=n) - 2.0 * rng.integers(0, 2, size=n) + np.floor(x1) % 2
    return (2.0 * np.stack([x1, x2], axis=1)).astype(np.float32)


def _coordinates(z):
    z = tf.convert_to_tensor(z)
    if not z.dtype.is_floating:
        z = tf.cast(z, tf.float32)
    if z.shape.rank != 2 or z.shape[-1] != 2:
        raise ValueError(f"energies expect points z of shape [N, 2], got {z.shape}")
    return z, z[:, 0], z[:, 1]


def _neg_log_sum_exp(a, b):
    return -tf.reduce_logsumexp(tf.stack([a, b], axis=-1), axis=-1)


def _w1(z1):
    return tf.sin(2.0 * math.pi * z1 / 4.0)


def energy_u1(z):
    """U1: a ring of radius 2 cut by two modes at z1 = +-2."""
    z, z1, _ = _coordinates(z)
    ring = 0.5 * ((tf.norm(z, axis=-1) - 2.0) / 0.4) ** 2
    return ring + _neg_log_sum_exp(-0.5 * ((z1 - 2.0) / 0.6) ** 2, -0.5 * ((z1 + 2.0) / 0.6) ** 2)


def energy_u2(z):
    """U2: a sine-shaped ridge."""
    _, z1, z2 = _coordinates(z)
    return 0.5 * ((z2 - _w1(z1)) / 0.4) ** 2


def energy_u3(z):
    """U3: two sine ridges that split apart around z1 = 1."""
    _, z1, z2 = _coordinates(z)
    w1, w2 = _w1(z1), 3.0 * tf.exp(-0.5 * ((z1 - 1.0) / 0.6) ** 2)
    return _neg_log_sum_exp(-0.5 * ((z2 - w1) / 0.35) ** 2, -0.5 * ((z2 - w1 + w2) / 0.35) ** 2)


def energy_u4(z):
    """U4: two sine ridges, the second shifted by a sigmoid step at z1 = 1."""
    _, z1, z2 = _coordinates(z)
    w1, w3 = _w1(z1), 3.0 * tf.sigmoid((z1 - 1.0) / 0.3)
    return _neg_log_sum_exp(-0.5 * ((z2 - w1) / 0.4) ** 2, -0.5 * ((z2 - w1 + w3) / 0.35) ** 2)


ENERGIES = {"u1": energy_u1, "u2": energy_u2, "u3": energy_u3, "u4": energy_u4}
