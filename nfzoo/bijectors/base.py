"""The contract every nfzoo flow piece follows.

A `FlowLayer` is a Keras 3 layer that owns its weights and is an invertible map ``y = f(x)``.

* ``layer(x, training=False)`` returns ``(y, log_det)`` where ``log_det[b] = log|det df/dx|`` of example
  ``b`` (summed over the event dimensions). This is the fast path used in training: direct tensor ops.
* ``layer.inverse(y)`` returns ``x = f^{-1}(y)``.
* ``layer.bijector`` is a TensorFlow Probability bijector built on the same weights, giving the same numbers
  (``forward``, ``inverse``, ``forward_log_det_jacobian(x, event_ndims)``), so nfzoo flows compose with
  ``tfb.Chain``, ``tfd.TransformedDistribution`` and the rest of TFP. Layers with a stock TFP equivalent
  return it (``tfb.ScaleMatvecLU``, ``tfb.RealNVP``, ``tfb.Permute``, ...); the others return a
  `LayerBijector`, a ``tfb.Bijector`` whose ``_forward``/``_inverse``/``_forward_log_det_jacobian``
  are this layer's math.

Inputs are float tensors ``[batch, *event_shape]`` (channels-last for images). Bad input raises one
`ValueError` naming what was expected.
"""
import keras
import tensorflow as tf
import tensorflow_probability as tfp

tfb = tfp.bijectors


class FlowLayer(keras.layers.Layer):
    """Base class: an invertible Keras 3 layer with a per-example log-determinant.

    Subclasses implement ``forward(x, training)`` -> ``(y, log_det)`` and ``inverse(y)`` -> ``x``, and may
    override ``build_event(event_shape)`` (create weights, validate the shape), ``output_event_shape``
    (for shape-changing layers) and ``bijector`` (a stock TFP view).

    Attributes:
      min_event_rank: the smallest event rank the layer accepts (1 = vectors, 3 = images HxWxC).
      max_event_rank: the largest event rank the layer accepts.
      factors_out: True for multi-scale split layers, whose output a `FlowModel` partly sets aside.
    """

    min_event_rank = 1
    max_event_rank = 3
    factors_out = False

    def build(self, input_shape):
        event_shape = tuple(input_shape[1:])
        rank = len(event_shape)
        if not self.min_event_rank <= rank <= self.max_event_rank:
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape [batch, *event] with an event of rank "
                f"{self.min_event_rank}..{self.max_event_rank}, got shape {tuple(input_shape)}."
            )
        if any(d is None for d in event_shape):
            raise ValueError(f"{type(self).__name__} needs a fully known event shape, got {tuple(input_shape)}.")
        self.event_shape = event_shape
        self.build_event(event_shape)
        super().build(input_shape)

    def build_event(self, event_shape):
        """Creates the weights for inputs of shape ``[batch, *event_shape]``; raise ValueError if unfit."""

    @property
    def event_ndims(self):
        return len(self.event_shape)

    def output_event_shape(self, event_shape):
        """Event shape of ``y`` for an input event of ``event_shape`` (identity unless overridden)."""
        return tuple(event_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_event_shape(input_shape[1:])), (input_shape[0],)

    def call(self, x, training=False):
        check_float(x, type(self).__name__)
        return self.forward(x, training=training)

    def forward(self, x, training=False):
        raise NotImplementedError

    def inverse(self, y):
        raise NotImplementedError

    def initialize(self, x):
        """Data-dependent initialisation from a batch ``x`` of this layer's inputs (default: nothing)."""

    @property
    def bijector(self):
        """A TFP bijector on this layer's weights (``forward`` = this layer's forward)."""
        return LayerBijector(self)

    def sum_event(self, t):
        """Sums a per-element tensor ``[batch, *event]`` over the event axes -> ``[batch]``."""
        return tf.reduce_sum(t, axis=list(range(1, 1 + self.event_ndims)))

    def per_example(self, value, x):
        """Broadcasts a scalar log-det ``value`` to shape ``[batch]`` of input ``x``."""
        return tf.fill(tf.shape(x)[:1], tf.cast(value, x.dtype))


class LayerBijector(tfb.Bijector):
    """A TFP bijector whose math is a `FlowLayer`'s ``forward``/``inverse`` (used where TFP has no stock
    equivalent, e.g. checkerboard couplings, planar/radial flows, conditional split priors)."""

    def __init__(self, layer, name=None):
        self._layer = layer
        super().__init__(
            forward_min_event_ndims=layer.event_ndims,
            inverse_min_event_ndims=len(layer.output_event_shape(layer.event_shape)),
            is_constant_jacobian=False,
            validate_args=False,
            parameters=dict(locals()),
            name=name or f"{layer.name}_bijector",
        )

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return {}

    def _forward(self, x):
        return self._layer.forward(x)[0]

    def _inverse(self, y):
        return self._layer.inverse(y)

    def _forward_log_det_jacobian(self, x):
        return self._layer.forward(x)[1]

    def _forward_event_shape(self, input_shape):
        return tf.TensorShape(self._layer.output_event_shape(tuple(input_shape)))

    def _forward_event_shape_tensor(self, input_shape):
        return tf.constant(self._layer.output_event_shape(self._layer.event_shape), dtype=tf.int32)

    def _inverse_event_shape(self, output_shape):
        return tf.TensorShape(self._layer.event_shape)

    def _inverse_event_shape_tensor(self, output_shape):
        return tf.constant(self._layer.event_shape, dtype=tf.int32)


def check_float(x, what):
    """Raises a clear ValueError unless ``x`` is a floating-point tensor."""
    dtype = tf.as_dtype(getattr(x, "dtype", tf.float32))
    if not dtype.is_floating:
        raise ValueError(
            f"{what} expects a floating-point tensor (e.g. float32 images scaled to [-0.5, 0.5)), got {dtype.name}."
        )
