"""Reshape the event (e.g. flatten an image for NICE's fully connected couplings); log|det J| = 0."""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


@keras.saving.register_keras_serializable(package="nfzoo")
class Reshape(FlowLayer):
    """``y = reshape(x, [batch, *target_shape])``; the default target flattens the event."""

    def __init__(self, target_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = None if target_shape is None else tuple(int(d) for d in target_shape)

    def build_event(self, event_shape):
        target = self.output_event_shape(event_shape)
        if int(np.prod(target)) != int(np.prod(event_shape)):
            raise ValueError(f"Reshape cannot turn event shape {event_shape} into {target}: sizes differ.")

    def output_event_shape(self, event_shape):
        return self.target_shape or (int(np.prod(event_shape)),)

    def forward(self, x, training=False):
        return tf.reshape(x, [-1, *self.output_event_shape(self.event_shape)]), self.per_example(0.0, x)

    def inverse(self, y):
        return tf.reshape(y, [-1, *self.event_shape])

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb

        return tfb.Reshape(self.output_event_shape(self.event_shape), event_shape_in=self.event_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
