"""Checks and normalisation of request values, run inside the exported signatures (TF ops only).

A failed check raises ``InvalidArgumentError`` (TF Serving: HTTP 400) with one line naming what was expected.
Every check runs before the flow reads the value (control dependencies), so a bad request never reaches a
convolution: a convolution given a tensor of the wrong rank can abort the whole process instead of failing.

TF Serving's row format stacks one value per instance, so a scalar input arrives as ``[v]`` (one instance)
while the columnar format may send it bare: inputs that are logically scalar or per-example accept both.
"""
import tensorflow as tf


def fail_unless(condition, message):
    """An op that fails with ``message`` (a string or a string tensor) when the scalar ``condition`` is False."""
    return tf.debugging.Assert(condition, [message])


def shape_text(shape):
    """int [rank] -> string tensor ``"[8, 8, 3]"``, for error messages."""
    return tf.strings.join(["[", tf.strings.reduce_join(tf.strings.as_string(shape), separator=", "), "]"])


def checked_batch(values, signature, name, event_shape, max_batch, finite=False):
    """``values`` once checked to be a batch ``[N, *event_shape]`` with ``1 <= N <= max_batch`` (and finite
    when ``finite``), e.g. ``encode expects images uint8 [N, 32, 32, 3] with 1 <= N <= 4096, got shape [32, 32, 3]``.

    The signature's input spec leaves the shape open (unknown rank) so that every request reaches this check;
    the result carries the static shape ``[None, *event_shape]`` the flow's layers are built for.
    """
    rank = len(event_shape) + 1
    dims = ", ".join(str(d) for d in event_shape)
    expected = f"{signature} expects {name} {values.dtype.name} [N, {dims}] with 1 <= N <= {max_batch}"
    shape = tf.shape(values)
    # the shape padded with -1 to the expected rank, so that a wrong rank compares unequal instead of failing
    padded = tf.concat([shape, tf.fill([rank], -1)], axis=0)[:rank]
    well_formed = tf.reduce_all([tf.equal(tf.size(shape), rank), tf.reduce_all(tf.equal(padded[1:], event_shape)),
                                 padded[0] >= 1, padded[0] <= max_batch])
    checks = [fail_unless(well_formed, tf.strings.join([expected, ", got shape ", shape_text(shape)]))]
    if finite:
        with tf.control_dependencies(checks):  # the shape first: its message is the more useful one
            checks = [fail_unless(tf.reduce_all(tf.math.is_finite(values)),
                                  f"{signature} expects finite {name}: got NaN or Inf")]
    with tf.control_dependencies(checks):
        return tf.ensure_shape(values, [None, *event_shape])


def single_value(value, name):
    """A scalar sent bare or as a one-element list -> scalar; anything else fails naming ``name``."""
    flat = tf.reshape(value, [-1])
    check = fail_unless(tf.equal(tf.size(flat), 1),
                        f"{name} must be one value (a scalar, or [value] in a row-format request)")
    with tf.control_dependencies([check]):
        return tf.identity(flat[0])


def per_example(value, n, name):
    """A scalar or one value (applied to all ``n`` examples) or ``n`` values -> ``[n]``."""
    flat = tf.reshape(value, [-1])
    size = tf.size(flat)
    check = fail_unless(tf.logical_or(tf.equal(size, 1), tf.equal(size, n)),
                        f"{name} must be one value for all images or one value per image")
    with tf.control_dependencies([check]):
        return tf.broadcast_to(flat, [n])


def checked_finite(value, name, message=None):
    """``value`` once checked to hold no NaN or Inf; else the request fails with ``message`` (default: "<name>
    must be finite")."""
    message = message or f"{name} must be finite"
    with tf.control_dependencies([fail_unless(tf.reduce_all(tf.math.is_finite(value)), message)]):
        return tf.identity(value)


def sample_request(n, temperature, seed, max_samples):
    """Validated scalars (n, temperature, seed) of a ``sample`` request: 1 <= n <= max_samples, 0 < temperature."""
    n = single_value(n, "n")
    temperature = checked_finite(single_value(temperature, "temperature"), "temperature")
    seed = single_value(seed, "seed")
    checks = [
        fail_unless(n >= 1, "n (the number of samples) must be at least 1"),
        fail_unless(n <= max_samples, f"n must be at most {max_samples} (max_samples chosen at export)"),
        fail_unless(temperature > 0.0, "temperature must be > 0"),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(n), tf.identity(temperature), tf.identity(seed)
