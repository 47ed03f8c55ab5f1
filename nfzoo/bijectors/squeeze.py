"""Squeeze (space-to-depth): [H, W, C] -> [H/2, W/2, 4C], each 2x2 block of pixels becomes 4x the channels.

A permutation of the elements, so log|det J| = 0. TFP view: Reshape -> Transpose -> Reshape, with the
channel order of ``tf.nn.space_to_depth`` (row offset, column offset, channel).
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


@keras.saving.register_keras_serializable(package="nfzoo")
class Squeeze(FlowLayer):
    """2x2 space-to-depth on images with even height and width."""

    min_event_rank = 3

    def build_event(self, event_shape):
        height, width, _ = event_shape
        if height % 2 or width % 2:
            raise ValueError(f"Squeeze needs an even image height and width, got event shape {event_shape}.")

    def output_event_shape(self, event_shape):
        height, width, channels = event_shape
        return (height // 2, width // 2, channels * 4)

    def forward(self, x, training=False):
        return tf.nn.space_to_depth(x, 2), self.per_example(0.0, x)

    def inverse(self, y):
        return tf.nn.depth_to_space(y, 2)

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb

        height, width, channels = self.event_shape
        return tfb.Chain([
            tfb.Reshape(
                self.output_event_shape(self.event_shape), event_shape_in=(height // 2, width // 2, 2, 2, channels)
            ),
            tfb.Transpose(perm=[0, 2, 1, 3, 4]),
            tfb.Reshape((height // 2, 2, width // 2, 2, channels), event_shape_in=self.event_shape),
        ])
