"""ActNorm (Glow): a per-channel affine map initialised from data.

    y = (x + b) * exp(s),    log|det J| = H * W * sum(s)

On the first real batch (``initialize(x)``), b = -mean(x) and s = -log(std(x) + eps) per channel, so
the outputs have mean 0 and std 1; the epsilon keeps a constant channel finite. Before initialisation the
layer is the identity and fully usable. Whether it was initialised is saved with the weights.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.affine import ElementwiseAffine


@keras.saving.register_keras_serializable(package="nfzoo")
class ActNorm(ElementwiseAffine):
    """Per-channel affine normalisation with data-dependent initialisation."""

    def __init__(self, epsilon=1e-6, **kwargs):
        kwargs.pop("per", None)
        kwargs.pop("shift", None)
        super().__init__(per="channel", shift=True, **kwargs)
        self.epsilon = epsilon

    def build_event(self, event_shape):
        super().build_event(event_shape)
        self.initialized = self.add_weight(
            name="initialized", shape=(), initializer="zeros", trainable=False, aggregation="only_first_replica"
        )

    def initialize(self, x):
        """Sets b, s so that this batch comes out with per-channel mean 0 and std 1."""
        x = tf.cast(x, self.variable_dtype)
        mean, variance = tf.nn.moments(x, axes=list(range(len(x.shape) - 1)))
        self.bias.assign(-mean)
        self.log_scale.assign(-tf.math.log(tf.sqrt(variance) + self.epsilon))
        self.initialized.assign(1.0)

    @property
    def is_initialized(self):
        return bool(self.initialized.numpy() > 0.5)

    def get_config(self):
        config = super().get_config()
        config.pop("per")
        config.pop("shift")
        return {**config, "epsilon": self.epsilon}
