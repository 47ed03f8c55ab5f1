"""MADE: a masked autoencoder for distribution estimation (Germain et al. 2015), as a Keras 3 layer.

Each input dimension d gets an order m(d) in 1..D (``"left-to-right"``: m(d) = d + 1; ``"right-to-left"``:
m(d) = D - d). Hidden unit k of every hidden layer gets a degree m(k) in 1..D-1 (cycling, so every degree
is represented when the layer has at least D - 1 units). Connections are masked so that

    hidden <- previous:  m(k) >= m(k'),        output (d, .) <- last hidden:  m(d) > m(k),

hence output d depends only on inputs of strictly smaller order. A masked dense layer is ``x @ (kernel * M)``
with a constant 0/1 mask M. An optional context vector (``context_size > 0``) enters every layer through an
unmasked kernel, so every unit may see it without breaking the autoregressive property. The last layer and every
context kernel are zero-initialised: a flow built on a fresh MADE starts as the identity, and a fresh conditional
MADE computes its unconditional twin for every context.
"""
import keras
import numpy as np
import tensorflow as tf

INPUT_ORDERS = ("left-to-right", "right-to-left")


@keras.saving.register_keras_serializable(package="nfzoo")
class MADE(keras.layers.Layer):
    """Autoregressive network ``[batch, D] (+ context [batch, C]) -> [batch, D, params]``.

    Args:
      params: outputs per input dimension (e.g. 2 for shift and log-scale).
      hidden_units: sizes of the hidden layers (may be empty).
      activation: name of a Keras activation for the hidden layers.
      input_order: ``"left-to-right"`` or ``"right-to-left"``.
      context_size: width of the optional conditioning input (0 = none). Call as ``made(x)`` or
        ``made(x, context)``.
    """

    def __init__(self, params, hidden_units, activation="relu", input_order="left-to-right", context_size=0,
                 **kwargs):
        super().__init__(**kwargs)
        if input_order not in INPUT_ORDERS:
            raise ValueError(f"input_order must be one of {INPUT_ORDERS}, got {input_order!r}.")
        if int(params) < 1 or int(context_size) < 0 or any(int(h) < 1 for h in hidden_units):
            raise ValueError(
                f"MADE expects params >= 1, hidden_units > 0 and context_size >= 0, got params={params}, "
                f"hidden_units={list(hidden_units)}, context_size={context_size}."
            )
        self.params = int(params)
        self.hidden_units = [int(h) for h in hidden_units]
        self.activation_name = activation
        self.activation = keras.activations.get(activation)
        self.input_order = input_order
        self.context_size = int(context_size)

    def build(self, x_shape, context_shape=None):
        if len(x_shape) != 2 or x_shape[-1] is None:
            raise ValueError(f"MADE expects inputs of shape [batch, event_size], got {tuple(x_shape)}.")
        self.event_size = event_size = int(x_shape[-1])
        order = np.arange(1, event_size + 1)
        degrees = [order if self.input_order == "left-to-right" else order[::-1]]
        degrees += [1 + np.arange(h) % max(event_size - 1, 1) for h in self.hidden_units]
        out_degrees = np.repeat(degrees[0], self.params)  # output (d, p) sits at flat index d * params + p
        masks = [d_in[:, None] <= d_out[None, :] for d_in, d_out in zip(degrees[:-1], degrees[1:])]
        masks.append(degrees[-1][:, None] < out_degrees[None, :])

        self.masks, self.kernels, self.biases, self.context_kernels = [], [], [], []
        for i, mask in enumerate(masks):
            last = i == len(masks) - 1
            init = "zeros" if last else "glorot_uniform"
            # numpy, not tf.constant: a constant made here would belong to the graph Keras builds in
            self.masks.append(mask.astype(self.variable_dtype))
            self.kernels.append(self.add_weight(name=f"kernel_{i}", shape=mask.shape, initializer=init))
            self.biases.append(self.add_weight(name=f"bias_{i}", shape=mask.shape[1:], initializer="zeros"))
            if self.context_size:
                self.context_kernels.append(self.add_weight(
                    name=f"context_kernel_{i}", shape=(self.context_size, mask.shape[1]), initializer="zeros"
                ))

    def call(self, x, context=None):
        if (context is None) != (self.context_size == 0):
            raise ValueError(
                f"MADE with context_size={self.context_size} expects "
                + ("made(x, context)." if self.context_size else "made(x) without a context.")
            )
        if len(x.shape) != 2 or x.shape[-1] != self.event_size:
            raise ValueError(f"MADE expects inputs of shape [batch, {self.event_size}], got {tuple(x.shape)}.")
        if context is not None and context.shape[-1] != self.context_size:
            raise ValueError(
                f"MADE expects a context of shape [batch, {self.context_size}], got {tuple(context.shape)}."
            )
        h = x
        for i, (kernel, mask, bias) in enumerate(zip(self.kernels, self.masks, self.biases)):
            h = tf.matmul(h, kernel * mask) + bias
            if context is not None:
                h = h + tf.matmul(context, self.context_kernels[i])
            if i < len(self.kernels) - 1:
                h = self.activation(h)
        return tf.reshape(h, [-1, self.event_size, self.params])

    def compute_output_shape(self, x_shape, context_shape=None):
        return (x_shape[0], x_shape[-1], self.params)

    def get_config(self):
        return {
            **super().get_config(),
            "params": self.params,
            "hidden_units": self.hidden_units,
            "activation": self.activation_name,
            "input_order": self.input_order,
            "context_size": self.context_size,
        }
