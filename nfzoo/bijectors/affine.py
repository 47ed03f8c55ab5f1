"""Elementwise affine flow with learned parameters.

    y = (x + b) * exp(s),    log|det J| = (number of positions sharing a parameter) * sum(s)

``per="channel"``: one (b, s) per channel (last axis), shared over the spatial positions: the ActNorm
form and Glow's learned top prior (learntop). ``per="element"``: one (b, s) per event element: NICE's
diagonal scaling layer (with ``shift=False``). Parameters start at zero, i.e. the identity.

TFP view: ``tfb.Scale(log_scale=s)`` (after ``tfb.Shift(b)``) on the variables themselves, hence live.
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


@keras.saving.register_keras_serializable(package="nfzoo")
class ElementwiseAffine(FlowLayer):
    """Learned elementwise ``y = (x + b) * exp(s)``; see the module docstring."""

    def __init__(self, per="channel", shift=True, **kwargs):
        super().__init__(**kwargs)
        if per not in ("channel", "element"):
            raise ValueError(f"per must be 'channel' or 'element', got {per!r}.")
        self.per = per
        self.shift = shift

    def build_event(self, event_shape):
        self.param_shape = (event_shape[-1],) if self.per == "channel" else tuple(event_shape)
        self.log_scale = self.add_weight(name="log_scale", shape=self.param_shape, initializer="zeros")
        self.bias = (
            self.add_weight(name="bias", shape=self.param_shape, initializer="zeros") if self.shift else None
        )
        self.positions = int(np.prod(event_shape)) // int(np.prod(self.param_shape))

    def forward(self, x, training=False):
        h = x + self.bias if self.shift else x
        y = h * tf.exp(self.log_scale)
        log_det = self.per_example(self.positions * tf.reduce_sum(self.log_scale), x)
        return y, log_det

    def inverse(self, y):
        x = y * tf.exp(-self.log_scale)
        return x - self.bias if self.shift else x

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb

        scale = tfb.Scale(log_scale=self.log_scale.value)  # the tf.Variable: read at every use, and tracked
        return tfb.Chain([scale, tfb.Shift(self.bias.value)]) if self.shift else scale

    def get_config(self):
        return {**super().get_config(), "per": self.per, "shift": self.shift}
