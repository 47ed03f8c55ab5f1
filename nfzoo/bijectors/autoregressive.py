"""Masked autoregressive flow (MAF, Papamakarios et al. 2017) on vectors.

Forward (data x -> noise u, the density direction) is one pass of a `MADE`:

    u_i = (x_i - mu_i(x_<i)) * exp(-alpha_i(x_<i)),    log|det du/dx| = -sum_i alpha_i

The inverse (sampling) solves x_i = u_i * exp(alpha_i) + mu_i in order: D passes of the MADE, each fixing one
more dimension. The log-scale is softly bounded, alpha = c * tanh(a / c) with a the raw MADE output and
c = ``log_scale_bound``: smooth, slope 1 at 0, |alpha| < c, so one layer scales by at most exp(+-c) and
the D-pass inverse cannot overflow. The MADE's last layer starts at zero, so the flow starts as the identity.
"""
import keras
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.bijectors.base import FlowLayer
from nfzoo.bijectors.made import MADE

tfb = tfp.bijectors


@keras.saving.register_keras_serializable(package="nfzoo")
class MaskedAutoregressive(FlowLayer):
    """Affine autoregressive flow ``u = (x - mu(x)) * exp(-alpha(x))``; see the module docstring.

    Args:
      hidden_units: hidden layer sizes of the MADE.
      activation: hidden activation of the MADE.
      input_order: ``"left-to-right"`` or ``"right-to-left"`` (alternate them when stacking layers).
      log_scale_bound: c in alpha = c * tanh(a / c).
    """

    min_event_rank = 1
    max_event_rank = 1

    def __init__(self, hidden_units=(64, 64), activation="relu", input_order="left-to-right",
                 log_scale_bound=3.0, **kwargs):
        super().__init__(**kwargs)
        if not log_scale_bound > 0:
            raise ValueError(f"log_scale_bound must be > 0, got {log_scale_bound}.")
        self.log_scale_bound = float(log_scale_bound)
        self.made = MADE(params=2, hidden_units=hidden_units, activation=activation, input_order=input_order,
                         name="made")

    def build_event(self, event_shape):
        self.made.build((None, event_shape[0]))

    def shift_and_log_scale(self, x):
        """``(mu(x), alpha(x))``, each ``[batch, D]``; the i-th entries depend only on x_<i (in order)."""
        shift, raw_log_scale = tf.unstack(self.made(x), num=2, axis=-1)
        c = self.log_scale_bound
        return shift, c * tf.tanh(raw_log_scale / c)

    def forward(self, x, training=False):
        shift, log_scale = self.shift_and_log_scale(x)
        return (x - shift) * tf.exp(-log_scale), -tf.reduce_sum(log_scale, axis=-1)

    def inverse(self, y):
        def step(x):
            shift, log_scale = self.shift_and_log_scale(x)
            return (y * tf.exp(log_scale) + shift,)

        (x,) = tf.while_loop(lambda x: True, step, (tf.zeros_like(y),), maximum_iterations=self.event_shape[0])
        return x

    @property
    def bijector(self):
        """``tfb.Invert(tfb.MaskedAutoregressiveFlow)``: TFP's MAF runs sampling as its forward."""
        maf = tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=self.shift_and_log_scale)
        return tfb.Invert(maf)

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": self.made.hidden_units,
            "activation": self.made.activation_name,
            "input_order": self.made.input_order,
            "log_scale_bound": self.log_scale_bound,
        }
