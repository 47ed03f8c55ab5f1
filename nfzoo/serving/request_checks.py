"""Checks and normalisation of request values, run inside the exported signatures (TF ops only).

TF Serving's row format stacks one value per instance, so a scalar input arrives as ``[v]`` (one instance)
while the columnar format may send it bare: inputs that are logically scalar or per-example accept both.
"""
import tensorflow as tf


def single_value(value, name):
    """A scalar sent bare or as a one-element list -> scalar; anything else fails naming ``name``."""
    flat = tf.reshape(value, [-1])
    check = tf.debugging.assert_equal(
        tf.size(flat), 1, message=f"{name} must be one value (a scalar, or [value] in a row-format request)")
    with tf.control_dependencies([check]):
        return tf.identity(flat[0])


def per_example(value, n, name):
    """A scalar or one value (applied to all ``n`` examples) or ``n`` values -> ``[n]``."""
    flat = tf.reshape(value, [-1])
    size = tf.size(flat)
    check = tf.debugging.assert_equal(
        tf.logical_or(tf.equal(size, 1), tf.equal(size, n)), True,
        message=f"{name} must be one value for all images or one value per image")
    with tf.control_dependencies([check]):
        return tf.broadcast_to(flat, [n])


def sample_request(n, temperature, seed, max_samples):
    """Validated scalars (n, temperature, seed) of a ``sample`` request."""
    n = single_value(n, "n")
    temperature = single_value(temperature, "temperature")
    seed = single_value(seed, "seed")
    checks = [
        tf.debugging.assert_greater_equal(n, 1, message="n (the number of samples) must be at least 1"),
        tf.debugging.assert_less_equal(
            n, max_samples, message=f"n must be at most {max_samples} (max_samples chosen at export)"),
        tf.debugging.assert_all_finite(temperature, "temperature must be finite"),
        tf.debugging.assert_greater_equal(temperature, 0.0, message="temperature must be >= 0"),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(n), tf.identity(temperature), tf.identity(seed)
