"""The image convention of nfzoo (openai/glow, Real NVP): uint8 pixels <-> model-space floats.

A uint8 image with values v in {0..255} is reduced to ``n_bits`` bits per subpixel and mapped to
model space:

    k = floor(v / 2**(8 - n_bits))            bin index in {0 .. 2**n_bits - 1}
    x = k / 2**n_bits - 0.5                   ``quantize``: float32 in [-0.5, 0.5)
    x~ = x + u,   u ~ U(0, 1 / 2**n_bits)     ``dequantize``: uniform dequantisation

so every bin of width 1/2**n_bits is filled uniformly and the data set is a density on
[-0.5, 0.5]^D (the upper end 0.5 itself only appears through float32 rounding). A continuous density p
on that cube gives the discrete data the probability P(k) ~= p(x~) / (2**n_bits)**D, hence

    bits/dim = -(log p(x~) - D * log(2**n_bits)) / (D * ln 2)          ``bits_per_dim``

(the NLL of the discrete n_bits data in bits per subpixel; a uniform density on the cube gives n_bits).

``to_uint8`` goes back for display: the bin k = floor((x + 0.5) * 2**n_bits), clipped to the valid bins,
is shown at its centre, rounded down to an integer level: ``k * 2**(8 - n_bits) + 2**(8 - n_bits) // 2``
(so n_bits = 8 is the exact inverse, n_bits = 5 shows bin k at 8k + 4). ``quantize(to_uint8(x))`` equals
``quantize`` of the original image for every x in a bin.

``resize_images`` is the one resize of nfzoo's loaders: ``tf.image.resize`` with ``lanczos3`` and
antialiasing on float pixels, rounded and clipped back to uint8. It matches the PIL ``LANCZOS`` resize
used to build the shared CelebA 64x64 subset to about 0.1 grey level on average, and it runs inside
tf.data maps as well as on numpy batches.

Images are channels-last (NHWC). The optional logit transform is a bijector layer of the flow, not here.
"""
import math

import numpy as np
import tensorflow as tf


def check_n_bits(n_bits):
    """Returns ``n_bits`` as an int after checking it is an integer in 1..8."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)) or not 1 <= n_bits <= 8:
        raise ValueError(f"n_bits must be an integer in 1..8, got {n_bits!r}")
    return int(n_bits)


def quantize(images_uint8, n_bits=8):
    """uint8 images (any shape) -> float32 ``floor(v / 2**(8 - n_bits)) / 2**n_bits - 0.5`` in [-0.5, 0.5)."""
    n_bits = check_n_bits(n_bits)
    dtype = getattr(images_uint8, "dtype", None)
    if dtype is None or tf.as_dtype(dtype) != tf.uint8:
        raise ValueError(f"quantize expects uint8 images with values in [0, 255], got dtype {dtype}")
    x = tf.cast(images_uint8, tf.float32)
    return tf.floor(x / 2.0 ** (8 - n_bits)) / 2.0**n_bits - 0.5


def dequantize(x, n_bits=8, seed=None):
    """``x + U(0, 1 / 2**n_bits)``; stateless (reproducible) when ``seed`` is a shape-[2] int tensor."""
    n_bits = check_n_bits(n_bits)
    x = tf.convert_to_tensor(x, tf.float32)
    if seed is None:
        noise = tf.random.uniform(tf.shape(x), 0.0, 1.0 / 2**n_bits)
    else:
        noise = tf.random.stateless_uniform(tf.shape(x), seed=seed, minval=0.0, maxval=1.0 / 2**n_bits)
    return x + noise


def to_uint8(x, n_bits=8):
    """Model-space floats -> uint8 display values: the centre of bin ``floor((x + 0.5) * 2**n_bits)``."""
    n_bits = check_n_bits(n_bits)
    x = tf.convert_to_tensor(x, tf.float32)
    k = tf.clip_by_value(tf.floor((x + 0.5) * 2.0**n_bits), 0.0, 2.0**n_bits - 1.0)
    width = 2 ** (8 - n_bits)
    return tf.cast(k * width + width // 2, tf.uint8)


def bits_per_dim(log_prob, num_dims, n_bits=8):
    """``-(log_prob - D * log(2**n_bits)) / (D * ln 2)`` for log-densities in model space (nats)."""
    n_bits = check_n_bits(n_bits)
    if isinstance(num_dims, bool) or not isinstance(num_dims, (int, np.integer)) or num_dims < 1:
        raise ValueError(f"num_dims must be a positive integer (pixels x channels), got {num_dims!r}")
    log_prob = tf.convert_to_tensor(log_prob)
    if not log_prob.dtype.is_floating:
        log_prob = tf.cast(log_prob, tf.float32)
    d = float(num_dims)
    return -(log_prob - d * n_bits * math.log(2.0)) / (d * math.log(2.0))


def resize_images(images, size):
    """Resizes uint8 images [..., H, W, C] to ``size`` (int or (height, width)) -> uint8 tf.Tensor.

    ``tf.image.resize(method="lanczos3", antialias=True)``, rounded and clipped to [0, 255]; images that
    already have the target size are returned unchanged.
    """
    dtype = getattr(images, "dtype", None)
    if dtype is None or tf.as_dtype(dtype) != tf.uint8:
        raise ValueError(f"resize_images expects uint8 images, got dtype {dtype}")
    height, width = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError(f"resize_images expects [H, W, C] or [N, H, W, C] images, got shape {images.shape}")
    if tuple(images.shape[-3:-1]) == (height, width):
        return images
    resized = tf.image.resize(tf.cast(images, tf.float32), (height, width), method="lanczos3", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)
