"""The one measurement of bits/dim on a set of 8-bit images, used by `nfzoo publish` (the card), `nfzoo evaluate`,
`ZooModel.bits_per_dim` and the benchmarks, so that they print the same number for the same model and images.

Each image i gets one uniform dequantisation, drawn from ``numpy.random.default_rng([seed, i // 256])`` for its
block of 256 images: the noise of an image depends only on the seed and its position, not on batch sizes. Then

    bits/dim(x) = -(log_likelihood(x + u) - D n ln 2) / (D ln 2)      (`nfzoo.data.images.bits_per_dim`)

with ``log_likelihood`` the flow's continuous log-density, or for a flow with a learned dequantizer its
variational bound (the uniform noise mapped through q), or for a VAE its ELBO. All are upper bounds on the
discrete negative log-likelihood; the card names which one.
"""
import numpy as np
import tensorflow as tf

from nfzoo.data.images import bits_per_dim, quantize

SEED = 1234  # the cards' seed since 2026-11-22
BLOCK = 256  # images per noise block (and per batch)


def bits_per_dim_per_image(log_likelihood, images, n_bits, seed=SEED, trace=True):
    """bits/dim of each uint8 image [N, H, W, C] -> float64 [N]; see the module docstring. ``log_likelihood`` runs
    on float32 blocks of at most 256 images, traced once per call unless it is a ``tf.function`` already or
    ``trace`` is False (a caller that manages its own tracing, like `ZooModel`)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or len(images) == 0:
        raise ValueError(f"expected uint8 images [N >= 1, H, W, C], got {images.dtype} {images.shape}")
    traced = not trace or hasattr(log_likelihood, "get_concrete_function")  # a tf.function keeps its traces
    function = log_likelihood if traced else tf.function(log_likelihood, reduce_retracing=True)
    num_dims = int(np.prod(images.shape[1:]))
    out = []
    for block, start in enumerate(range(0, len(images), BLOCK)):
        chunk = images[start:start + BLOCK]
        noise = np.random.default_rng([seed, block]).random(chunk.shape, dtype=np.float32) / 2**n_bits
        x = quantize(chunk, n_bits) + noise
        out.append(bits_per_dim(function(x), num_dims, n_bits).numpy())
    return np.concatenate(out).astype(np.float64)


def mean_bits_per_dim(log_likelihood, images, n_bits, seed=SEED):
    """The mean of `bits_per_dim_per_image`: the figure a card reports for a set of images."""
    return float(np.mean(bits_per_dim_per_image(log_likelihood, images, n_bits, seed)))


def held_out_bits_per_dim(log_likelihood, splits, n_bits, seed=SEED):
    """`bits_per_dim_by_set` of a `Splits`' held-out images and their named sets (e.g. one per data folder)."""
    return bits_per_dim_by_set(log_likelihood, splits.val_images, splits.val_sets, n_bits, seed)


def bits_per_dim_by_set(log_likelihood, images, sets, n_bits, seed=SEED):
    """``{"all": mean over images, <set name>: mean over images[indices], ...}`` for ``sets`` = {name: indices}
    (or None), rounded to 4 decimals."""
    per_image = bits_per_dim_per_image(log_likelihood, images, n_bits, seed)
    figures = {"all": round(float(per_image.mean()), 4)}
    for name, indices in (sets or {}).items():
        if len(indices):
            figures[name] = round(float(per_image[indices].mean()), 4)
    return figures
