"""TensorFlow Probability for the layers' ``bijector`` views: the TFP modules (``tfb``, ``tfd``, ``tfp``) and
`LayerBijector`, the live view of a layer that TFP has no stock bijector for.

Importing TFP takes about a second of CPU (it loads tf_keras and every TFP submodule) and nfzoo's fast path
(training, encode/decode, sampling, the zoo, the CLI) needs none of it. So this is the only module of the layers
that imports TFP, and a layer imports it inside its ``bijector`` property: a process that never asks for a view
never loads TFP.
"""
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.bijectors.batching import flatten_batch, layer_variables, unflatten_batch

tfb, tfd = tfp.bijectors, tfp.distributions


class LayerBijector(tfb.Bijector):
    """A live TFP bijector whose math is a `FlowLayer`'s ``forward``/``inverse`` (used where TFP has no stock
    equivalent, e.g. checkerboard couplings, planar/radial flows, conditional split priors).

    Leading batch axes are flattened into the layer's one batch axis and restored. A conditional layer
    (``layer.forward(x, context=c)``) takes TFP's conditional keyword: ``view.forward(x, context=c)``."""

    def __init__(self, layer, name=None):
        self._layer = layer
        self._layer_variables = layer_variables(layer)  # tracked: view.trainable_variables lists them
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

    def _per_event(self, fn, t, event_shape, condition):
        """``fn(flat t, **condition)`` on ``t [*batch, *event_shape]`` with the batch axes flattened and restored."""
        flat, context, batch = flatten_batch(t, event_shape, condition.get("context"))
        if context is not None:
            condition = {**condition, "context": context}
        return unflatten_batch(fn(flat, **condition), batch)

    def _forward(self, x, **condition):
        return self._per_event(lambda x, **c: self._layer.forward(x, **c)[0], x, self._layer.event_shape, condition)

    def _inverse(self, y, **condition):
        out_shape = self._layer.output_event_shape(self._layer.event_shape)
        return self._per_event(self._layer.inverse, y, out_shape, condition)

    def _forward_log_det_jacobian(self, x, **condition):
        return self._per_event(lambda x, **c: self._layer.forward(x, **c)[1], x, self._layer.event_shape, condition)

    def _forward_event_shape(self, input_shape):
        return tf.TensorShape(self._layer.output_event_shape(tuple(input_shape)))

    def _forward_event_shape_tensor(self, input_shape):
        return tf.constant(self._layer.output_event_shape(self._layer.event_shape), dtype=tf.int32)

    def _inverse_event_shape(self, output_shape):
        return tf.TensorShape(self._layer.event_shape)

    def _inverse_event_shape_tensor(self, output_shape):
        return tf.constant(self._layer.event_shape, dtype=tf.int32)
