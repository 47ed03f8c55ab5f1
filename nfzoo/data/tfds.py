"""TensorFlow Datasets sources: ``celeb_a``, ``mnist`` and ``cifar10`` as ``(uint8 image, target)`` pairs.

| name      | image                                        | target                                   |
|-----------|----------------------------------------------|------------------------------------------|
| celeb_a   | 218x178x3, cropped rows 40:188, cols 15:163  | int8 [40] in {-1, 1}, CELEBA_ATTRIBUTES  |
| mnist     | 28x28x1                                      | int64 label 0..9                         |
| cifar10   | 32x32x3                                      | int64 label 0..9                         |

``pad_to`` zero-pads symmetrically (MNIST 28 -> 32 as in openai/glow), then ``image_size`` resizes with
``images.resize_images`` (lanczos3 + antialias); both happen inside the tf.data map.

Nothing is ever downloaded (``download=False``): the dataset must already be prepared in ``data_dir``
(default ``~/tensorflow_datasets``), e.g. by ``tfds build mnist --data_dir DIR`` on a machine with
network access (celeb_a needs its files from Google Drive). A missing prepared dataset raises one
``FileNotFoundError`` saying so, instead of TFDS's AssertionError or a network timeout.
"""
import tensorflow as tf

from nfzoo.data.celeba import CELEBA_ATTRIBUTES
from nfzoo.data.images import CROP_SIZE, crop_celeba, resize_images

TFDS_NAMES = ("celeb_a", "mnist", "cifar10")


def load_tfds(name, split, data_dir=None, image_size=None, pad_to=None, shuffle_files=False):
    """Loads a prepared TFDS dataset -> tf.data.Dataset of ``(uint8 image [H, W, C], target)``."""
    if name not in TFDS_NAMES:
        raise ValueError(f"unknown TFDS dataset {name!r}; expected one of {TFDS_NAMES}")
    import tensorflow_datasets as tfds  # heavy import, only needed here

    try:
        ds = tfds.load(name, split=split, data_dir=data_dir, download=False, shuffle_files=shuffle_files)
    except AssertionError as error:  # TFDS's "could not find data" for an unprepared dataset
        if "could not find data" not in str(error):
            raise
        raise FileNotFoundError(
            f"TFDS dataset {name!r} is not prepared in {data_dir or '~/tensorflow_datasets'} and nfzoo never "
            f"downloads: run `tfds build {name} --data_dir DIR` where the network is reachable and pass "
            "data_dir=DIR (or copy a prepared tensorflow_datasets folder here)"
        ) from None

    height, width = ds.element_spec["image"].shape[:2]
    if name == "celeb_a":
        height, width = CROP_SIZE, CROP_SIZE
    if pad_to is not None and pad_to < max(height, width):
        raise ValueError(f"pad_to must be at least the {name} image size {height}x{width}, got {pad_to}")

    def convert(example):
        image = example["image"]
        if name == "celeb_a":
            image = crop_celeba(image)
            attributes = tf.stack([example["attributes"][a] for a in CELEBA_ATTRIBUTES])
            target = tf.where(attributes, tf.constant(1, tf.int8), tf.constant(-1, tf.int8))
        else:
            target = example["label"]
        if pad_to is not None:
            top, left = (pad_to - height) // 2, (pad_to - width) // 2
            image = tf.pad(image, [[top, pad_to - height - top], [left, pad_to - width - left], [0, 0]])
        if image_size is not None:
            image = resize_images(image, image_size)
        return image, target

    return ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
