"""Logit preprocessing (Real NVP) as a flow layer, so its log-det is counted in log p(x).

For model-space data x in [-0.5, 0.5) (nfzoo's image convention):

    p = a + (1 - 2a)(x + 0.5),   y = log p - log(1 - p),
    log|det J| = sum[ log(1 - 2a) - log p - log(1 - p) ]        (a = 0.05 in Real NVP)

Domain: 0 < p < 1, i.e. |x| < 0.5 + a / (1 - 2a) (|x| < 0.5556 for a = 0.05; the open interval (-0.5, 0.5)
for a = 0). The layer call checks it (``tf.debugging.Assert``: an InvalidArgumentError in eager mode and
when a graph runs; XLA drops asserts, and there an input outside the domain gives NaN). The stock TFP view
does not check: like ``tfb.Sigmoid``'s inverse it returns NaN outside the domain. The inverse takes any y.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


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
        bound = 0.5 + self.alpha / (1.0 - 2.0 * self.alpha)
        tf.debugging.Assert(
            tf.reduce_all((p > 0.0) & (p < 1.0)),
            [f"Logit(alpha={self.alpha}) expects inputs x with |x| < {bound:.4g} (model-space images in "
             f"[-0.5, 0.5]); got min and max", tf.reduce_min(x), tf.reduce_max(x)],
        )
        log_p, log_1mp = tf.math.log(p), tf.math.log1p(-p)
        log_det = self.sum_event(tf.math.log(tf.cast(1.0 - 2.0 * self.alpha, x.dtype)) - log_p - log_1mp)
        return log_p - log_1mp, log_det

    def inverse(self, y):
        return (tf.sigmoid(y) - self.alpha) / (1.0 - 2.0 * self.alpha) - 0.5

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb

        constant = lambda value: tf.constant(value, self.compute_dtype)  # noqa: E731  (float32 or float64)
        return tfb.Chain([
            tfb.Invert(tfb.Sigmoid()),
            tfb.Shift(constant(self.alpha)),
            tfb.Scale(constant(1.0 - 2.0 * self.alpha)),
            tfb.Shift(constant(0.5)),
        ])

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
