"""What the layers' fast path and their TFP views (`nfzoo.bijectors.views`) share: moving between TFP's any number
of leading batch axes and the fast path's one (`flatten_batch`, `unflatten_batch`), and the variables behind a
layer's weights (`layer_variables`)."""
import tensorflow as tf


def layer_variables(layer):
    """The ``tf.Variable`` behind each of a Keras 3 layer's weights (nested layers included). A TFP bijector or
    ``tf.Module`` that holds them as an attribute lists them in its ``(trainable_)variables``."""
    return tuple(weight.value for weight in layer.weights)


def flatten_batch(t, event_shape, context=None):
    """``t [*batch, *event_shape]`` -> ``(t as [-1, *event_shape], context as [-1, C] or None, batch shape)``.

    TFP passes any number of leading batch axes (none for a single event); the fast path takes exactly one. A
    ``context [*context_batch, C]`` is broadcast against the batch shape of ``t`` first (and ``t`` against it).
    `unflatten_batch` restores the batch axes."""
    event_shape = [int(d) for d in event_shape]
    batch = tf.shape(t)[: t.shape.rank - len(event_shape)]
    if context is not None:
        context = tf.convert_to_tensor(context, t.dtype)
        batch = tf.broadcast_dynamic_shape(batch, tf.shape(context)[:-1])
        t = tf.broadcast_to(t, tf.concat([batch, event_shape], 0))
        size = context.shape[-1]
        context = tf.reshape(tf.broadcast_to(context, tf.concat([batch, [size]], 0)), [-1, size])
    return tf.reshape(t, [-1, *event_shape]), context, batch


def unflatten_batch(t, batch):
    """``t [-1, *rest]`` -> ``[*batch, *rest]`` (the inverse of `flatten_batch`)."""
    return tf.reshape(t, tf.concat([batch, tf.shape(t)[1:]], 0))
