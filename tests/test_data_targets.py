"""nfzoo.variational.energies: Rezende & Mohamed energies at hand-computed points; nfzoo.data.targets: the 2-D
samplers; the energies' old import path still works, with a DeprecationWarning."""
import math

import numpy as np
import pytest

from nfzoo.data.targets import checkerboard, eight_gaussians, two_moons
from nfzoo.variational.energies import ENERGIES, energy_u1, energy_u2, energy_u3, energy_u4


def _gauss(t, s):
    return math.exp(-0.5 * (t / s) ** 2)


def test_u1_by_hand():
    # z = (0, 2): on the ring, both side terms equal exp(-0.5 (2/0.6)^2) -> U = 0.5 (2/0.6)^2 - ln 2
    # z = (2, 0): on the ring at a mode -> U = -ln(1 + exp(-0.5 (4/0.6)^2))
    # z = (0, 0): 0.5 (2/0.4)^2 - ln(2 exp(-0.5 (2/0.6)^2)) = 12.5 + 5.5556 - ln 2
    z = np.array([[0.0, 2.0], [2.0, 0.0], [0.0, 0.0]])
    expected = [50 / 9 - math.log(2), -math.log1p(math.exp(-200 / 9)), 12.5 + 50 / 9 - math.log(2)]
    np.testing.assert_allclose(energy_u1(z), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(expected[0], 4.862408, rtol=1e-6)


def test_u2_by_hand():
    # w1(1) = sin(pi/2) = 1; w1(0) = 0; w1(-1) = -1
    z = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [-1.0, 1.0]])
    np.testing.assert_allclose(energy_u2(z), [0.0, 0.0, 3.125, 12.5], rtol=1e-6)


def test_u3_by_hand():
    for z1, z2 in [(0.0, 0.0), (1.0, 1.0), (1.0, -2.0), (-2.5, 0.7)]:
        w1 = math.sin(2 * math.pi * z1 / 4)
        w2 = 3 * math.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)
        expected = -math.log(_gauss(z2 - w1, 0.35) + _gauss(z2 - w1 + w2, 0.35))
        np.testing.assert_allclose(energy_u3(np.array([[z1, z2]])), [expected], rtol=1e-5)
    # at z = (1, 1): w1 = 1, w2 = 3 -> -ln(1 + exp(-0.5 (3/0.35)^2))
    expected = -math.log1p(math.exp(-0.5 * (3 / 0.35) ** 2))
    np.testing.assert_allclose(energy_u3(np.array([[1.0, 1.0]])), [expected], atol=1e-7)


def test_u4_by_hand():
    for z1, z2 in [(0.0, 0.0), (1.0, 1.0), (1.0, -0.5), (3.0, -2.0)]:
        w1 = math.sin(2 * math.pi * z1 / 4)
        w3 = 3 / (1 + math.exp(-(z1 - 1) / 0.3))
        expected = -math.log(_gauss(z2 - w1, 0.4) + _gauss(z2 - w1 + w3, 0.35))
        np.testing.assert_allclose(energy_u4(np.array([[z1, z2]])), [expected], rtol=1e-5)
    # at z = (1, -0.5): w1 = 1, w3 = 1.5 -> both terms exp(-0.5 (1.5/0.4)^2) and exp(0) = 1
    np.testing.assert_allclose(
        energy_u4(np.array([[1.0, -0.5]])), [-math.log(_gauss(1.5, 0.4) + 1.0)], rtol=1e-6
    )


def test_energies_are_finite_far_away_and_shape_checked():
    far = np.array([[30.0, -40.0], [-25.0, 25.0]], np.float32)
    for name, energy in ENERGIES.items():
        u = energy(far).numpy()
        assert u.shape == (2,) and np.isfinite(u).all() and (u > 100).all(), name
    assert list(ENERGIES) == ["u1", "u2", "u3", "u4"]
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        energy_u1(np.zeros((4, 3)))


def test_two_moons():
    x = two_moons(500, noise=0.0, seed=0)
    assert x.shape == (500, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x, two_moons(500, noise=0.0, seed=0))
    # noiseless moons: unit half circles centred at (0, 0) and (1, 0.5), scaled by 2 and shifted
    centred = (x - np.array([-1.0, -0.2])) / 2
    on_outer = np.isclose(np.hypot(*centred.T), 1.0, atol=1e-5) & (centred[:, 1] >= -1e-6)
    on_inner = np.isclose(np.hypot(*(centred - [1.0, 0.5]).T), 1.0, atol=1e-5) & (centred[:, 1] <= 0.5 + 1e-6)
    assert (on_outer | on_inner).all() and on_outer.sum() == on_inner.sum() == 250


def test_eight_gaussians():
    x = eight_gaussians(4000, seed=0)
    assert x.shape == (4000, 2) and x.dtype == np.float32
    angles = np.round(np.arctan2(x[:, 1], x[:, 0]) / (np.pi / 4)) % 8
    assert np.bincount(angles.astype(int), minlength=8).min() > 400
    np.testing.assert_allclose(np.median(np.hypot(*x.T)), 4 / math.sqrt(2), atol=0.05)
    np.testing.assert_array_equal(x, eight_gaussians(4000, seed=0))


def test_checkerboard():
    x = checkerboard(4000, seed=0)
    assert x.shape == (4000, 2) and x.dtype == np.float32
    assert x.min() >= -4 and x.max() <= 4
    cells = np.floor(x / 2).astype(int)  # 2x2 cells indexed -2..1
    assert ((cells[:, 0] + cells[:, 1]) % 2 == 0).all()  # only one colour of the board
    assert len({tuple(c) for c in cells}) == 8
