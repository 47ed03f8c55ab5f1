"""The standard-normal log-density, the base distribution of every nfzoo flow and variational model:

    ln N(z; 0, I) = sum_i (-z_i^2 / 2 - ln(2 pi) / 2)

summed over the last ``event_ndims`` axes (one value per example).
"""
import math

import tensorflow as tf

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def standard_normal_log_prob(z, event_ndims=1):
    """sum of ln N(z_i; 0, 1) over the last ``event_ndims`` axes of ``z``."""
    return tf.reduce_sum(-0.5 * tf.square(z) - HALF_LOG_TWO_PI, axis=list(range(-event_ndims, 0)))
