"""Logit preprocessing (Real NVP) as a flow layer, so its log-det is counted in log p(x).

For model-space data x in [-0.5, 0.5) (nfzoo's image convention):

    p = a + (1 - 2a)(x + 0.5),   y = log p - log(1 - p),
    log|det J| = sum[ log(1 - 2a) - log p - log(1 - p) ]        (a = 0.05 in Real NVP)
"""
import keras
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.bijectors.base import FlowLayer

tfb = tfp.bijectors


@keras.saving.register_keras_serializable(package="nfzoo")
class Logit(FlowLayer):
    """``y = logit(a + (1 - 2a)(x + 0.5))`` elementwise; no weights."""

    def __init__(self, alpha=0.05, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= alpha < 0.5:
            raise ValueError(f"alpha must be in [0, 0.5), got {alpha}.")
        self.alpha = alpha

    def _p(self, x):
        return self.alpha + (1.0 - 2.0 * self.alpha) * (x + 0.5)

    def forward(self, x, training=False):
        p = self._p(x)
        log_p, log_1mp = tf.math.log(p), tf.math.log1p(-p)
        log_det = self.sum_event(tf.math.log(1.0 - 2.0 * self.alpha) - log_p - log_1mp)
        return log_p - log_1mp, log_det

    def inverse(self, y):
        return (tf.sigmoid(y) - self.alpha) / (1.0 - 2.0 * self.alpha) - 0.5

    @property
    def bijector(self):
        return tfb.Chain([
            tfb.Invert(tfb.Sigmoid()),
            tfb.Shift(self.alpha),
            tfb.Scale(1.0 - 2.0 * self.alpha),
            tfb.Shift(0.5),
        ])

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
