"""A whole `FlowModel` as one TFP bijector (`FlowModel.distribution` builds on it); TFP loads with this module
(`nfzoo.bijectors.views`), only when a view is asked for."""
import tensorflow as tf

from nfzoo.bijectors.views import tfb
from nfzoo.models.conditioning import batch_size


class FlowModelBijector(tfb.Bijector):
    """A `FlowModel` as a TFP bijector from flat x ``[D]`` to flat z ``[D]`` (forward = encode). A conditional
    model's context is TFP's conditional keyword: ``forward(x, context=c)``, ``TransformedDistribution.log_prob(x,
    bijector_kwargs={"context": c})``, with c labels ``[*batch]`` or rows ``[*batch, C]`` (or one for all)."""

    def __init__(self, model):
        self._model = model
        super().__init__(forward_min_event_ndims=1, parameters=dict(locals()), name="flow_model")

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return {}

    def _flat_x(self, x):
        return tf.reshape(x, [-1, *self._model.data_event_shape])

    def _context(self, condition):
        """The conditional keyword's context with its batch axes flattened (None without one)."""
        context = condition.get("context")
        if context is None:
            return None
        context = tf.convert_to_tensor(context)
        return tf.reshape(context, [-1] if context.dtype.is_integer else [-1, self._model.context_size])

    def _forward(self, x, **condition):
        return tf.reshape(self._model.encode(self._flat_x(x), self._context(condition)), tf.shape(x))

    def _inverse(self, z, **condition):
        x = self._model.decode(tf.reshape(z, [-1, self._model.num_dims]), self._context(condition))
        return tf.reshape(x, tf.shape(z))

    def _forward_log_det_jacobian(self, x, **condition):
        flat = self._flat_x(x)
        context = self._model.check_context(self._context(condition), batch_size(flat))
        _, log_det = self._model._forward(flat, context=context)
        return tf.reshape(log_det, tf.shape(x)[:-1])
