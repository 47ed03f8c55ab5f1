"""The context of a conditional `FlowModel`: what it is, and how labels become one.

A conditional flow models ``p(x | c)`` for a context vector ``c`` of width C (``context_size``). Two kinds:

* class-conditional (``num_classes`` K): c is the one-hot vector of an integer label y in 0..K-1, so C = K.
  Such a model also has the unconditional density ``p(x) = (1/K) sum_y p(x | y)`` (a uniform class prior).
* vector-conditional (``context_size`` C): c is any float vector, e.g. attributes in {-1, 1}.

`model_context` turns what a caller passes (integer labels, one-hot or attribute rows, one row for the whole
batch) into a float32 ``[batch, C]`` tensor, or raises one clear error.
"""
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import check_no_context


def context_width(num_classes=None, context_size=0):
    """C, the width of the context vector, of a model built with ``num_classes`` or ``context_size`` (not both);
    0 for an unconditional model."""
    if num_classes is not None and context_size:
        raise ValueError(f"pass num_classes (class labels, one-hot) or context_size (float context vectors), not "
                         f"both; got num_classes={num_classes}, context_size={context_size}.")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}.")
        return int(num_classes)
    if isinstance(context_size, bool) or not isinstance(context_size, (int, np.integer)) or context_size < 0:
        raise ValueError(f"context_size must be an integer >= 0, got {context_size!r}.")
    return int(context_size)


def one_hot_labels(labels, num_classes):
    """Integer labels (a scalar or ``[N]``) -> one-hot float32 ``[N, num_classes]``. A label outside
    0..num_classes-1 raises ValueError (eager) or InvalidArgumentError (in a graph, e.g. a served model)."""
    labels = tf.reshape(tf.convert_to_tensor(labels), [-1])
    if not labels.dtype.is_integer:
        raise ValueError(f"labels must be integers in 0..{num_classes - 1}, got {labels.dtype.name}.")
    message = f"labels must be integers in 0..{num_classes - 1} (one per class)"
    valid = tf.reduce_all((labels >= 0) & (labels < num_classes))
    if tf.executing_eagerly():
        if not bool(valid):
            bad = labels.numpy()[(labels.numpy() < 0) | (labels.numpy() >= num_classes)]
            raise ValueError(f"{message}, got {sorted(set(bad.tolist()))}.")
        return tf.one_hot(labels, num_classes)
    with tf.control_dependencies([tf.debugging.Assert(valid, [message])]):
        return tf.one_hot(labels, num_classes)


def model_context(context, batch, context_size, num_classes=None, what="FlowModel"):
    """What a caller passed as ``context`` -> float32 ``[batch, C]`` (None for an unconditional model).

    Accepted: integer labels (a scalar or ``[batch]``; class-conditional models), or float context rows ``[C]``,
    ``[1, C]`` (one for the whole batch) or ``[batch, C]``."""
    if not context_size:
        check_no_context(context, what)
        return None
    if context is None:
        kind = f"integer labels 0..{num_classes - 1} or " if num_classes else ""
        raise ValueError(f"{what} is conditional (context_size={context_size}): pass context, {kind}"
                         f"float rows [batch, {context_size}].")
    context = tf.convert_to_tensor(context)
    if context.dtype.is_integer:
        if not num_classes:
            raise ValueError(f"{what} takes float context rows [batch, {context_size}], not integer labels "
                             f"(it was not built with num_classes).")
        context = one_hot_labels(context, num_classes)
    elif not context.dtype.is_floating:
        raise ValueError(f"{what} expects a context of float rows [batch, {context_size}], got {context.dtype.name}.")
    context = tf.cast(context, tf.float32)
    if context.shape.rank == 1:
        context = context[None]
    rows = context.shape[0]
    if context.shape.rank != 2 or context.shape[-1] != context_size or (
            rows not in (None, 1) and isinstance(batch, int) and rows != batch):
        raise ValueError(f"{what} expects a context of shape [{context_size}], [1, {context_size}] or "
                         f"[batch, {context_size}] (batch {batch}), got shape {tuple(context.shape)}.")
    return tf.broadcast_to(context, tf.stack([batch, context_size]))


def dataset_context(model_config):
    """For a model config section with ``num_classes`` (a class-conditional model): a `tf.data` map
    ``(x, labels) -> (x, one-hot labels)``; None for any other model. (A config's ``context_size`` is not a data
    context: for iafvae it is the width of the encoder's context for its IAF posterior.)"""
    num_classes = model_config.get("num_classes")
    if num_classes:
        return lambda x, labels, *_: (x, tf.one_hot(tf.cast(labels, tf.int32), num_classes))
    return None


def batch_size(x):
    """The number of examples in a batch ``x``: an int when known, else a scalar tensor."""
    return x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]
