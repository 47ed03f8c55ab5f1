"""Fixed permutations of the last axis (channels or features): ``reverse`` (Real NVP / NICE), a seeded random
``shuffle`` (Glow's baseline) or ``odd_even`` (the even-indexed units, then the odd ones: NICE's partition, so that
a coupling that splits the vector in halves conditions every unit on its neighbours). A permutation has
log|det J| = 0; TFP view: ``tfb.Permute``."""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer


MODES = ("reverse", "shuffle", "odd_even")


@keras.saving.register_keras_serializable(package="nfzoo")
class Permute(FlowLayer):
    """``y[..., i] = x[..., perm[i]]`` with a fixed ``perm``."""

    def __init__(self, mode="reverse", seed=0, **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
        self.mode, self.seed = mode, seed

    def build_event(self, event_shape):
        size = event_shape[-1]
        if self.mode == "reverse":
            perm = np.arange(size)[::-1]
        elif self.mode == "odd_even":
            perm = np.concatenate([np.arange(0, size, 2), np.arange(1, size, 2)])
        else:
            perm = np.random.default_rng(self.seed).permutation(size)
        self.permutation = tf.constant(perm, tf.int32)
        self.inverse_permutation = tf.constant(np.argsort(perm), tf.int32)

    def forward(self, x, training=False):
        return tf.gather(x, self.permutation, axis=-1), self.per_example(0.0, x)

    def inverse(self, y):
        return tf.gather(y, self.inverse_permutation, axis=-1)

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb

        return tfb.Permute(self.permutation, axis=-1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}
