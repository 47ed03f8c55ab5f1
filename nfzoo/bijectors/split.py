"""Multi-scale split with a learned conditional Gaussian prior (Glow's split2d, Real NVP's factor-out).

The channels are split into a kept half z1 and a factored half z2 with prior
``z2 | z1 ~ N(mu(z1), exp(log_sigma(z1))^2)`` (mu, log_sigma from a zero-initialised 3x3 conv on z1).
As a bijection this standardises z2:

    y = [z1, eps],   eps = (z2 - mu(z1)) * exp(-log_sigma(z1)),   log|det J| = -sum log_sigma(z1)

so the factored part is N(0, 1) under the model, and sampling ``eps ~ N(0, T^2)`` gives Glow's
temperature ``z2 = mu + T * sigma * eps``. With ``learned=False`` the prior is N(0, I) (Real NVP's
factor-out) and the layer has no weights. A `FlowModel` sets ``eps`` aside (``factor_out``) and sends
only z1 to the next level; ``merge`` puts it back when decoding.

Conditional (``context_size`` C > 0, learned priors only): mu and log_sigma also get a learned map of a
context vector c (a class, attributes), ``[mu, log_sigma] = conv(z1) + P c`` with P a zero-initialised dense map
broadcast over the positions (openai/glow's ycond, here at every level), so the prior is ``N(mu(z1, c),
sigma(z1, c)^2)``.

The learned log_sigma is clipped to [-10, 10] (`MAX_LOG_SCALE`), so neither direction scales by more than
e^10 and a far input cannot overflow through the prior; the shipped models' priors stay within [-2.9, 0.8]
on their data and samples, where the clip changes nothing.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import MAX_LOG_SCALE, FlowLayer
from nfzoo.bijectors.networks import CouplingNetwork


@keras.saving.register_keras_serializable(package="nfzoo")
class Split(FlowLayer):
    """Factor out half the channels of an image under a prior conditioned on the other half."""

    min_event_rank = 3
    factors_out = True

    def __init__(self, learned=True, network_dtype=None, context_size=0, **kwargs):
        super().__init__(**kwargs)
        if context_size and not learned:
            raise ValueError("a conditional Split needs a learned prior (learned=True) for the context to act on.")
        self.learned = learned
        self.context_size = int(context_size)
        self.network_dtype = network_dtype  # dtype policy of the prior's conv (networks.network_dtype)

    def build_event(self, event_shape):
        channels = event_shape[-1]
        if channels < 2:
            raise ValueError(f"Split needs at least 2 channels to factor out half, got event shape {event_shape}.")
        self.num_kept = channels // 2
        if not self.learned:
            return
        self.prior = CouplingNetwork(
            2 * (channels - self.num_kept), num_hidden=0, context_size=self.context_size,
            dtype=self.network_dtype or self.dtype_policy, name="prior",
        )
        self.prior.build((None, *event_shape[:-1], self.num_kept))

    def _mean_log_sigma(self, kept, context=None):
        if not self.learned:
            return tf.zeros_like(kept[..., :1]), tf.zeros_like(kept[..., :1])
        mean, log_sigma = tf.split(self.prior(kept, context=context), 2, axis=-1)
        return mean, tf.clip_by_value(log_sigma, -MAX_LOG_SCALE, MAX_LOG_SCALE)

    def _halves(self, x):
        return tf.split(x, [self.num_kept, x.shape[-1] - self.num_kept], axis=-1)

    def forward(self, x, training=False, context=None):
        kept, factored = self._halves(x)
        mean, log_sigma = self._mean_log_sigma(kept, context)
        eps = (factored - mean) * tf.exp(-log_sigma)
        return tf.concat([kept, eps], axis=-1), -self.sum_event(log_sigma)

    def inverse(self, y, context=None):
        kept, eps = self._halves(y)
        mean, log_sigma = self._mean_log_sigma(kept, context)
        return tf.concat([kept, mean + tf.exp(log_sigma) * eps], axis=-1)

    def factor_out(self, y):
        """-> (kept half for the next level, standardised factored half)."""
        return self._halves(y)

    def merge(self, kept, eps):
        return tf.concat([kept, eps], axis=-1)

    def get_config(self):
        conditional = {"context_size": self.context_size} if self.context_size else {}
        return {**super().get_config(), "learned": self.learned, "network_dtype": self.network_dtype, **conditional}
