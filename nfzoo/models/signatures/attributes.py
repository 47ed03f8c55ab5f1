"""Attribute directions as part of an exported model, looked up by index or by name inside the graph."""
import numpy as np
import tensorflow as tf

from nfzoo.models.signatures.request_checks import fail_unless


class AttributeTable:
    """Directions [A, D] (a non-trainable variable: the exporting module tracks it, so it lands in
    ``variables/``) and their A names, baked into the graphs as string constants.

    Args:
      names: the attribute names, in the order of ``directions``.
      directions: float [A, D] latent directions (`nfzoo.zoo.compute_directions`).
    """

    def __init__(self, names, directions):
        directions = np.asarray(directions, np.float32)
        self.names = [str(name) for name in names]
        if directions.ndim != 2 or len(directions) != len(self.names) or not self.names:
            raise ValueError(f"expected one direction row per attribute name: {len(self.names)} names, "
                             f"directions of shape {directions.shape}")
        self.directions = tf.Variable(directions, trainable=False, name="directions")
        self.known = ", ".join(f"{i}={name}" for i, name in enumerate(self.names))

    def check_index(self, index):
        """int32 indices [N], checked to be in 0..A-1."""
        in_range = tf.logical_and(index >= 0, index < len(self.names))
        got = tf.strings.reduce_join(tf.strings.as_string(first_misfits(index, in_range)), separator=", ")
        message = tf.strings.join([f"attribute index out of range 0..{len(self.names) - 1} ({self.known}); got [",
                                   got, "]"])
        with tf.control_dependencies([fail_unless(tf.reduce_all(in_range), message)]):
            return tf.identity(index)

    def index_of(self, names):
        """string names [N] -> int32 indices [N]; an unknown name fails listing the known ones."""
        matches = tf.equal(names[:, None], tf.constant(self.names)[None, :])
        known = tf.reduce_any(matches, axis=1)
        got = tf.strings.reduce_join(first_misfits(names, known), separator=", ")  # no quotes: Assert escapes them
        check = fail_unless(tf.reduce_all(known),
                            tf.strings.join([f"unknown attribute name ({self.known}); got [", got, "]"]))
        with tf.control_dependencies([check]):
            return tf.argmax(tf.cast(matches, tf.int32), axis=1, output_type=tf.int32)

    def name_of(self, index):
        return tf.gather(tf.constant(self.names), index)


def first_misfits(values, fits, count=3):
    """The first ``count`` distinct ``values`` [N] where ``fits`` [N] is False, to quote in an error message."""
    return tf.unique(tf.boolean_mask(values, tf.logical_not(fits))).y[:count]
