"""A Gaussian prior whose per-channel mean and scale depend on a context vector (openai/glow's ``ycond``).

With a context c (a one-hot class, attributes) and a learned dense map ``[mu(c), s(c)] = P c + b`` (one mean and
log-scale per channel, shared over the positions), the layer standardises

    y = (x - mu(c)) * exp(-s(c)),     log|det J| = -(positions) * sum_channels s(c),

so that ``x | c ~ N(mu(c), exp(s(c))^2)`` when y is N(0, I). Placed last in a Glow it makes the top prior
class-conditional; P and b start at zero, so a fresh layer is the identity for every c. s is clipped to
[-10, 10] (`MAX_LOG_SCALE`), as the split priors' log sigma.

TFP view: a live `LayerBijector`; pass ``context=c`` to its methods.
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import MAX_LOG_SCALE, FlowLayer


@keras.saving.register_keras_serializable(package="nfzoo")
class ContextAffine(FlowLayer):
    """``y = (x - mu(c)) exp(-s(c))`` per channel, with ``[mu, s]`` a learned dense map of the context c.

    Args:
      context_size: width C of the context vector (>= 1).
    """

    def __init__(self, context_size, **kwargs):
        super().__init__(**kwargs)
        if isinstance(context_size, bool) or not isinstance(context_size, (int, np.integer)) or context_size < 1:
            raise ValueError(f"ContextAffine needs context_size >= 1 (the width of the context), got {context_size!r}.")
        self.context_size = int(context_size)

    def build_event(self, event_shape):
        channels = event_shape[-1]
        self.positions = int(np.prod(event_shape[:-1]))
        self.context_map = keras.layers.Dense(2 * channels, kernel_initializer="zeros", dtype=self.dtype_policy,
                                              name="context_map")
        self.context_map.build((None, self.context_size))

    def _mean_log_scale(self, context, rank):
        """Per-channel ``(mu(c), s(c))``, each ``[batch or 1, 1, ..., channels]`` for events of ``rank``."""
        mean, log_scale = tf.split(self.context_map(context), 2, axis=-1)
        shape = [-1, *[1] * (rank - 1), mean.shape[-1]]
        log_scale = tf.clip_by_value(log_scale, -MAX_LOG_SCALE, MAX_LOG_SCALE)
        return tf.reshape(mean, shape), tf.reshape(log_scale, shape)

    def forward(self, x, training=False, context=None):
        mean, log_scale = self._mean_log_scale(context, self.event_ndims)
        y = (x - mean) * tf.exp(-log_scale)
        log_det = -self.positions * tf.reduce_sum(tf.reshape(log_scale, [-1, log_scale.shape[-1]]), axis=-1)
        return y, tf.broadcast_to(log_det, tf.shape(x)[:1])

    def inverse(self, y, context=None):
        mean, log_scale = self._mean_log_scale(context, self.event_ndims)
        return mean + y * tf.exp(log_scale)

    def get_config(self):
        return {**super().get_config(), "context_size": self.context_size}
