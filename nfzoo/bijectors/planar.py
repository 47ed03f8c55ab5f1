"""Planar flow (Rezende & Mohamed 2015) on vectors.

    f(z) = z + u_hat * tanh(w^T z + b),    log|det df/dz| = log|1 + u_hat^T psi(z)|,  psi = tanh'(w^T z + b) w

f is invertible iff w^T u_hat >= -1, which the reparameterisation

    u_hat = u + (m(w^T u) - w^T u) w / ||w||^2,    m(a) = -1 + softplus(a)

guarantees for any u (w^T u_hat = m(w^T u) > -1; w must be nonzero). With t = tanh(w^T z + b) the
determinant is 1 + m(w^T u) (1 - t^2) = t^2 + softplus(w^T u) (1 - t^2), computed in that form so it stays
accurate (and positive) as w^T u_hat approaches -1.

Inverse (no closed form): a = w^T z solves the scalar equation w^T y = a + (w^T u_hat) tanh(a + b), whose
right side is increasing in a, with the root in [w^T y - |w^T u_hat|, w^T y + |w^T u_hat|]. A vectorised
bisection of that bracket (`nfzoo.bijectors.bisection`: exact value, implicit-function gradient) finds a;
then z = y - u_hat tanh(a + b). (Plain Newton can cycle between the bracket ends when |w^T u_hat| is large
and tanh saturates; bisection cannot fail.)

u, w and b start as small random normals (std 0.05): close to the identity, with w != 0.

`planar_forward` is the map itself, with parameters that may carry a batch axis (``u, w`` [d] or [batch, d],
``b`` [] or [batch]): the `Planar` layer uses it with its own weights, an amortised posterior (VAE) with
per-example parameters from an encoder.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer
from nfzoo.bijectors.bisection import bisect


def planar_params(u, w):
    """``(u_hat, softplus(w^T u))`` for ``u, w`` of shape [..., d]; note w^T u_hat = softplus(w^T u) - 1."""
    wu = tf.reduce_sum(w * u, axis=-1, keepdims=True)
    softplus_wu = tf.nn.softplus(wu)
    u_hat = u + (softplus_wu - 1.0 - wu) * w / tf.reduce_sum(tf.square(w), axis=-1, keepdims=True)
    return u_hat, softplus_wu[..., 0]


def planar_forward(z, u, w, b):
    """``(f(z), log|det df/dz|)`` for z [batch, d]; u, w [d] or [batch, d]; b [] or [batch]."""
    u_hat, softplus_wu = planar_params(u, w)
    t = tf.tanh(tf.reduce_sum(z * w, axis=-1) + b)
    t2 = tf.square(t)
    return z + u_hat * t[..., None], tf.math.log(t2 + softplus_wu * (1.0 - t2))


@keras.saving.register_keras_serializable(package="nfzoo")
class Planar(FlowLayer):
    """Planar flow ``f(z) = z + u_hat tanh(w^T z + b)``; see the module docstring."""

    min_event_rank = 1
    max_event_rank = 1

    def build_event(self, event_shape):
        init = keras.initializers.RandomNormal(stddev=0.05)
        self.u = self.add_weight(name="u", shape=event_shape, initializer=init)
        self.w = self.add_weight(name="w", shape=event_shape, initializer=init)
        self.b = self.add_weight(name="b", shape=(), initializer=init)

    def _params(self):
        return planar_params(self.u, self.w)

    def forward(self, x, training=False):
        return planar_forward(x, self.u, self.w, self.b)

    def inverse(self, y):
        u_hat, softplus_wu = self._params()
        c = softplus_wu - 1.0  # w^T u_hat, in (-1, inf)
        s = tf.reduce_sum(y * self.w, axis=-1)  # = a + c tanh(a + b)
        a = bisect(lambda a: a + c * tf.tanh(a + self.b), s, s - tf.abs(c), s + tf.abs(c))
        return y - u_hat * tf.tanh(a + self.b)[..., None]
