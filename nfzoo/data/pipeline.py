"""tf.data input pipelines: uint8 images -> dequantised float batches, and plain vector batches.

``image_dataset`` runs, in order:

    uint8 source -> cache (dataset sources) -> shuffle -> repeat -> batch
                 -> parallel map [flip (optional) -> quantize -> dequantize] -> prefetch

Only the uint8 stage is cached, so every epoch gets fresh dequantisation noise and flips. The map works
on whole batches (vectorised) with stateless random ops: each batch draws its seed from
``tf.data.Dataset.random(seed, rerandomize_each_iteration=True)``, so with a ``seed`` two pipelines give
identical streams (including the shuffle order) and epochs still differ from one another; without a seed
everything is random. Elements are ``x`` float32 [B, H, W, C] in [-0.5, 0.5] (see `nfzoo.data.images`), or
``(x, labels)`` when the source has labels.
"""
import numpy as np
import tensorflow as tf

from nfzoo.data.images import check_n_bits, dequantize, quantize

AUTOTUNE = tf.data.AUTOTUNE


def image_dataset(
    images,
    labels=None,
    *,
    batch_size,
    n_bits=8,
    shuffle=True,
    augment_flip=False,
    seed=None,
    repeat=False,
    drop_remainder=False,
    cache=True,
    shuffle_buffer=None,
):
    """Batches of dequantised images from uint8 [N, H, W, C] arrays (+ optional ``labels`` [N, ...]) or
    from a tf.data.Dataset of uint8 [H, W, C] images or ``(image, label)`` pairs (e.g. ``load_tfds``).

    ``augment_flip`` mirrors each image left-right with probability 1/2. ``cache`` keeps a dataset
    source's uint8 images in memory after the first epoch (arrays already are). ``shuffle_buffer`` defaults
    to the whole array (a uniform shuffle: a source made of several folders is not ordered by folder in the
    stream) or 10,000 elements of a dataset.
    """
    n_bits = check_n_bits(n_bits)
    _check_batch_size(batch_size)
    source = _image_source(images, labels)
    labelled = isinstance(source.element_spec, tuple)
    if cache and isinstance(images, tf.data.Dataset):
        source = source.cache()
    if shuffle_buffer is None:
        shuffle_buffer = 10_000 if isinstance(images, tf.data.Dataset) else max(len(images), 1)
    if shuffle:
        source = source.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        source = source.repeat()
    batches = source.batch(batch_size, drop_remainder=drop_remainder)
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def transform(batch, batch_seed):
        image, label = batch if labelled else (batch, None)
        flip_seed, noise_seed = tf.unstack(tf.random.experimental.stateless_split(batch_seed, 2))
        if augment_flip:
            image = tf.image.stateless_random_flip_left_right(image, flip_seed)
        x = dequantize(quantize(image, n_bits), n_bits, seed=noise_seed)
        return (x, label) if labelled else x

    ds = tf.data.Dataset.zip((batches, seeds)).map(transform, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def vector_dataset(array, batch_size, shuffle=True, seed=None, repeat=False, drop_remainder=False):
    """Batches of rows of a 2-D array [N, D] (tabular or 2-D toy data) as float32 [B, D]."""
    _check_batch_size(batch_size)
    array = np.asarray(array)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"vector_dataset expects a numeric 2-D array [N, D], got {array.dtype} {array.shape}")
    ds = tf.data.Dataset.from_tensor_slices(array.astype(np.float32))
    if shuffle:
        ds = ds.shuffle(len(array), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(AUTOTUNE)


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _image_source(images, labels):
    """A dataset of uint8 [H, W, C] images or (image, label) pairs, after checking dtypes and shapes."""
    if isinstance(images, tf.data.Dataset):
        if labels is not None:
            raise ValueError("pass labels inside the dataset as (image, label) pairs, not as `labels`")
        spec = images.element_spec
        image_spec = spec[0] if isinstance(spec, tuple) and len(spec) == 2 else spec
        if not isinstance(image_spec, tf.TensorSpec) or image_spec.dtype != tf.uint8 or image_spec.shape.rank != 3:
            raise ValueError(
                f"image_dataset expects a dataset of uint8 [H, W, C] images or (image, label) pairs, got {spec}"
            )
        return images
    dtype, shape = getattr(images, "dtype", None), getattr(images, "shape", None)
    if dtype is None or tf.as_dtype(dtype) != tf.uint8 or len(shape) != 4:
        raise ValueError(f"image_dataset expects uint8 images [N, H, W, C], got {dtype} {shape}")
    if labels is None:
        return tf.data.Dataset.from_tensor_slices(images)
    if len(labels) != shape[0]:
        raise ValueError(f"labels must have one row per image ({shape[0]}), got {len(labels)}")
    return tf.data.Dataset.from_tensor_slices((images, labels))
