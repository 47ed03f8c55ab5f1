"""2-D toy data sets for density estimation (numpy samplers); the Rezende & Mohamed energies that variational
fits target live in `nfzoo.variational.energies`.

Samplers return float32 [n, 2] and follow FFJORD's ``toy_data.py`` so pictures compare with the literature:

* ``two_moons``: ``sklearn.datasets.make_moons(n, noise) * 2 + (-1, -0.2)``;
* ``eight_gaussians``: N(c_k, std^2 I) with c_k = radius * (cos(k pi / 4), sin(k pi / 4)), k = 0..7,
  radius = 4 / sqrt 2, std = 0.5 / sqrt 2;
* ``checkerboard``: uniform on the 8 dark 2x2 squares of a 4x4 board on [-4, 4]^2 (density 1/32 there).
"""
import math

import numpy as np

from nfzoo.deprecation import moved
from nfzoo.variational import energies


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


__getattr__ = moved(__name__, {energies: ["ENERGIES", "energy_u1", "energy_u2", "energy_u3", "energy_u4"]})
