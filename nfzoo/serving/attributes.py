"""Attribute directions as part of an exported model, looked up by index or by name inside the graph."""
import numpy as np
import tensorflow as tf


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
        message = f"attribute index out of range 0..{len(self.names) - 1} ({self.known})"
        checks = [tf.debugging.assert_non_negative(index, message=message),
                  tf.debugging.assert_less(index, len(self.names), message=message)]
        with tf.control_dependencies(checks):
            return tf.identity(index)

    def index_of(self, names):
        """string names [N] -> int32 indices [N]; an unknown name fails listing the known ones."""
        matches = tf.equal(names[:, None], tf.constant(self.names)[None, :])
        check = tf.debugging.Assert(
            tf.reduce_all(tf.reduce_any(matches, axis=1)), [f"unknown attribute name ({self.known}); got", names])
        with tf.control_dependencies([check]):
            return tf.argmax(tf.cast(matches, tf.int32), axis=1, output_type=tf.int32)

    def name_of(self, index):
        return tf.gather(tf.constant(self.names), index)
