"""Radial flow (Rezende & Mohamed 2015) on vectors.

    f(z) = z + beta h(alpha, r) (z - z0),    r = ||z - z0||,    h = 1 / (alpha + r)
    log|det df/dz| = (d - 1) log(1 + beta h) + log(1 + beta h + beta h' r),    h' = -1 / (alpha + r)^2

with alpha = softplus(alpha_raw) > 0 and beta = -alpha + softplus(beta_raw) >= -alpha, which makes f
invertible. Writing s = softplus(beta_raw) = alpha + beta >= 0, both factors are computed without
cancellation (so beta -> -alpha stays finite):

    1 + beta h = (s + r) / (alpha + r),    1 + beta h + beta h' r = (alpha s + 2 alpha r + r^2) / (alpha + r)^2

Inverse in closed form: f moves z along the ray from z0, to radius r' = r (s + r) / (alpha + r), i.e.
r^2 + (s - r') r - alpha r' = 0, whose positive root is r = (q + sqrt(q^2 + 4 alpha r')) / 2 with q = r' - s
(evaluated as 2 alpha r' / (sqrt(q^2 + 4 alpha r') - q) when q < 0, to avoid cancellation); then
z = z0 + (y - z0) (alpha + r) / (s + r).

z0 starts as a small random normal (std 0.05); alpha_raw = beta_raw = 0, i.e. beta = 0: the identity.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


@keras.saving.register_keras_serializable(package="nfzoo")
class Radial(FlowLayer):
    """Radial flow ``f(z) = z + beta (z - z0) / (alpha + ||z - z0||)``; see the module docstring."""

    min_event_rank = 1
    max_event_rank = 1

    def build_event(self, event_shape):
        self.z0 = self.add_weight(
            name="z0", shape=event_shape, initializer=keras.initializers.RandomNormal(stddev=0.05)
        )
        self.alpha_raw = self.add_weight(name="alpha_raw", shape=(), initializer="zeros")
        self.beta_raw = self.add_weight(name="beta_raw", shape=(), initializer="zeros")

    def _params(self):
        """``(alpha, s = alpha + beta)``."""
        return tf.nn.softplus(self.alpha_raw), tf.nn.softplus(self.beta_raw)

    def forward(self, x, training=False):
        alpha, s = self._params()
        diff = x - self.z0
        r = tf.norm(diff, axis=-1)
        y = x + ((s - alpha) / (alpha + r))[..., None] * diff
        dim = float(self.event_shape[0])
        log_det = (
            (dim - 1.0) * (tf.math.log(s + r) - tf.math.log(alpha + r))
            + tf.math.log(alpha * s + 2.0 * alpha * r + tf.square(r))
            - 2.0 * tf.math.log(alpha + r)
        )
        return y, log_det

    def inverse(self, y):
        alpha, s = self._params()
        diff = y - self.z0
        r_out = tf.norm(diff, axis=-1)
        q = r_out - s
        root = tf.sqrt(tf.square(q) + 4.0 * alpha * r_out)
        r = tf.where(q >= 0, 0.5 * (q + root), 2.0 * alpha * r_out / (root - q))
        return self.z0 + diff * ((alpha + r) / (s + r))[..., None]
