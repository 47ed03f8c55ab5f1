"""Keras 3 conditioner networks for coupling layers and split priors.

The last layer is zero-initialised, so a coupling starts close to the identity (Glow) and a learned prior
starts as N(0, 1). Optional dropout before the last layer (Flow++'s regulariser for small datasets) is active
only in training (`fit`); encode/decode/log_prob outside training see the deterministic network, so the flow
stays exactly invertible.

Precision: a network may compute in bfloat16/float16 (``dtype="mixed_bfloat16"`` or ``"mixed_float16"``,
Keras mixed-precision policies: float32 weights, low-precision convolutions) while the flow layers around it
stay float32; its output is cast back to the policy's variable dtype (float32; float64 for a float64 network).
This is a training speed-up only: the inverse recomputes each network from its reconstructed input, whose
float32 round-off (~1e-7) can flip a bfloat16 rounding (~4e-3), so decode(encode(x)) missed x by up to 5 of
255 levels on glow_celeba (measured). Float32 networks reconstruct exactly, and `nfzoo publish` ships them
(`nfzoo.zoo.publish.float32_networks`).
"""
import keras
import tensorflow as tf

CONTEXT_FEATURES = 16  # width of the learned projection of a context vector that joins a network's input
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def network_dtype(precision):
    """The dtype policy for conditioner networks at ``precision`` (None = the float32 default)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    return None if precision == "float32" else precision


@keras.saving.register_keras_serializable(package="nfzoo")
class CouplingNetwork(keras.layers.Layer):
    """``h = net(x)`` with ``out_channels`` outputs per position.

    Images (rank-4 input): 3x3 conv (hidden) -> ReLU -> 1x1 conv (hidden) -> ReLU -> zero-init 3x3 conv,
    as in Glow / Real NVP's resnet-free variant. Vectors (rank-2 input): ``num_hidden`` ReLU dense layers
    -> zero-init dense. ``num_hidden=0`` gives a single zero-init layer (Glow's split prior). ``dropout`` > 0
    drops that fraction of the last hidden layer's units in training.

    Context (``context_size`` C > 0, call ``net(x, context=c)`` with c [batch or 1, C]): a zero-initialised dense
    map ``P c`` (`CONTEXT_FEATURES` wide, broadcast over the positions of an image) is concatenated to the input,
    ``h = net([x, P c])``; without hidden layers it is added to the output instead, ``h = net(x) + P c`` with
    ``P c`` of the output's width (openai/glow's ycond), since a zero map times a zero layer would never learn.
    P = 0 at the start, so a fresh conditional network computes its unconditional twin for every c.
    """

    def __init__(self, out_channels, hidden=512, num_hidden=2, dropout=0.0, context_size=0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
        if dropout and not num_hidden:
            raise ValueError("dropout needs a hidden layer to drop from (num_hidden >= 1).")
        self.out_channels = out_channels
        self.hidden = hidden
        self.num_hidden = num_hidden
        self.dropout = dropout
        self.context_size = int(context_size)

    def build(self, input_shape):
        image = len(input_shape) == 4
        if self.context_size:
            width = CONTEXT_FEATURES if self.num_hidden else self.out_channels
            self.context_projection = keras.layers.Dense(
                width, kernel_initializer="zeros", dtype=self.dtype_policy, name="context_projection"
            )
            self.context_projection.build((None, self.context_size))
            if self.num_hidden:
                input_shape = (*input_shape[:-1], input_shape[-1] + CONTEXT_FEATURES)
        self.hidden_layers = []
        for i in range(self.num_hidden):
            if image:
                size = 3 if i == 0 else 1
                self.hidden_layers.append(
                    keras.layers.Conv2D(self.hidden, size, padding="same", activation="relu", dtype=self.dtype_policy)
                )
            else:
                self.hidden_layers.append(keras.layers.Dense(self.hidden, activation="relu", dtype=self.dtype_policy))
        if image:
            self.output_layer = keras.layers.Conv2D(
                self.out_channels, 3, padding="same", kernel_initializer="zeros", dtype=self.dtype_policy
            )
        else:
            self.output_layer = keras.layers.Dense(
                self.out_channels, kernel_initializer="zeros", dtype=self.dtype_policy
            )
        self.dropout_layer = keras.layers.Dropout(self.dropout, dtype=self.dtype_policy) if self.dropout else None
        shape = input_shape
        for layer in [*self.hidden_layers, self.output_layer]:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, x, context=None, training=False):
        if (context is None) != (self.context_size == 0):
            raise ValueError(f"{self.name} with context_size={self.context_size} expects "
                             + ("net(x, context=c)." if self.context_size else "net(x) without a context."))
        projected = None if context is None else self._over_positions(self.context_projection(context), x)
        if projected is not None and self.hidden_layers:
            x = keras.ops.concatenate([x, keras.ops.cast(projected, x.dtype)], axis=-1)
        for layer in self.hidden_layers:
            x = layer(x)
        if self.dropout_layer is not None:
            x = self.dropout_layer(x, training=training)
        h = self.output_layer(x)
        if projected is not None and not self.hidden_layers:
            h = h + keras.ops.cast(projected, h.dtype)
        return keras.ops.cast(h, self.dtype_policy.variable_dtype)  # float32 out of mixed policies

    @staticmethod
    def _over_positions(features, x):
        """``features [batch or 1, F]`` broadcast to every position of ``x [batch, ..., channels]``."""
        features = tf.reshape(features, [-1, *[1] * (len(x.shape) - 2), features.shape[-1]])
        return tf.broadcast_to(features, tf.concat([tf.shape(x)[:-1], tf.shape(features)[-1:]], axis=0))

    def get_config(self):
        return {
            **super().get_config(),
            "out_channels": self.out_channels,
            "hidden": self.hidden,
            "num_hidden": self.num_hidden,
            "dropout": self.dropout,
            **({"context_size": self.context_size} if self.context_size else {}),
        }
