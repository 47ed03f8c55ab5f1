"""Elementwise inverse of an increasing function by bisection, with the implicit-function gradient.

For an increasing elementwise f and a bracket f(lo) <= y <= f(hi), ``bisect`` halves the bracket
a fixed number of times (no data-dependent stopping, so it traces into one small graph) and returns x with
f(x) = y to the working precision: 60 halvings shrink the bracket by 2^-60 ~ 9e-19, below float64 resolution
unless the bracket is far wider than the root.

Gradient. Differentiating through the halvings is wrong: it follows the bracket ends (which depend on the
parameters through lo and hi), not the root. The root x(y, theta) of f(x; theta) = y has, by the implicit
function theorem,

    dx = (dy - df/dtheta dtheta) / f'(x),

the derivative of one Newton step x0 - (f(x0) - y) / f'(x0) taken at the (gradient-stopped) root x0 with f'
held constant. ``bisect`` adds that step's correction c and subtracts its value again,
x = x0 + (c - stop_gradient(c)): the value is exactly the bisection result and the gradient is exact at the
root, whatever the bracket.
"""
import tensorflow as tf

BISECTION_STEPS = 60


def bisect(f, y, lo, hi, steps=BISECTION_STEPS):
    """x with ``f(x) = y`` elementwise, for an increasing elementwise ``f`` with ``f(lo) <= y <= f(hi)``.

    ``f`` maps a tensor shaped like ``y`` to one of the same shape, element by element (its parameters may
    carry gradients: they reach x through the implicit-function gradient, see the module docstring)."""
    target = tf.stop_gradient(y)

    def halve(lo, hi):
        mid = 0.5 * (lo + hi)
        below = f(mid) < target
        return tf.where(below, mid, lo), tf.where(below, hi, mid)

    bracket = (tf.stop_gradient(lo), tf.stop_gradient(hi))
    lo, hi = tf.while_loop(lambda lo, hi: True, halve, bracket, maximum_iterations=steps)
    root = tf.stop_gradient(0.5 * (lo + hi))
    with tf.GradientTape() as tape:
        tape.watch(root)
        value = f(root)
    slope = tf.stop_gradient(tape.gradient(value, root))  # f'(root), elementwise because f is
    correction = tf.math.divide_no_nan(y - value, slope)  # the Newton step; 0 where f is flat or overflows
    correction = tf.where(tf.math.is_finite(correction), correction, tf.zeros_like(correction))
    return root + (correction - tf.stop_gradient(correction))
