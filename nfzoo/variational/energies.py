"""Target energies of variational inference (Rezende & Mohamed 2015, table 1): p(z) ∝ exp(-U(z)),
z float [N, 2] -> U float [N]:

    w1 = sin(2 pi z1 / 4),   w2 = 3 exp(-((z1 - 1) / 0.6)^2 / 2),   w3 = 3 sigmoid((z1 - 1) / 0.3)
    U1 = ((|z| - 2) / 0.4)^2 / 2 - ln[exp(-((z1 - 2) / 0.6)^2 / 2) + exp(-((z1 + 2) / 0.6)^2 / 2)]
    U2 = ((z2 - w1) / 0.4)^2 / 2
    U3 = -ln[exp(-((z2 - w1) / 0.35)^2 / 2) + exp(-((z2 - w1 + w2) / 0.35)^2 / 2)]
    U4 = -ln[exp(-((z2 - w1) / 0.4)^2 / 2) + exp(-((z2 - w1 + w3) / 0.35)^2 / 2)]

The -ln[exp(a) + exp(b)] terms are computed as -logsumexp(a, b) so they stay finite far from the modes.
"""
import math

import tensorflow as tf


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
