"""Training/validation splits for a zoo config's ``data`` section.

| source         | what                                                            | validation split               |
|----------------|-----------------------------------------------------------------|--------------------------------|
| celeba_npz     | ``images.npz`` + ``attributes.csv`` (+ ``identity_split.csv``)  | identity-disjoint (or random)  |
| celeba_folder  | ``img_align_celeba/*.jpg`` + ``list_attr_celeba.txt``          | identity-disjoint (or random)  |
| tfds           | a prepared TFDS dataset (``tfds_name``: celeb_a, mnist, cifar10)| its ``val_split`` split        |
| digits         | scikit-learn's 8x8 handwritten digits (bundled)                | random, seeded                 |

Image sources give uint8 [N, H, W, C] arrays (or uint8 tf.data datasets for TFDS) with their labels
(CelebA: int8 [N, 40] attributes in {-1, 1}). Digits' 17 grey levels v = 0..16 become uint8 min(16 v, 255),
distinct bins for n_bits >= 5.
"""
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np

from nfzoo.data.celeba import CELEBA_ATTRIBUTES, identity_split, load_celeba_folder, load_celeba_npz

SOURCES = ("celeba_npz", "celeba_folder", "tfds", "digits")


class Splits(NamedTuple):
    train_images: object  # uint8 array [N, H, W, C] or tf.data.Dataset of (image, label)
    train_labels: Optional[np.ndarray]
    val_images: object
    val_labels: Optional[np.ndarray]
    attribute_names: Optional[list]


def load_splits(data_config, data_dir=None):
    """Loads the train/validation split described by ``data_config`` (a config's ``data`` section);
    ``data_dir`` overrides ``data_config["path"]``. ``max_train_images: N`` keeps only the first N training
    images (quick runs, data-size studies); the validation split is unchanged."""
    splits = _load_splits(data_config, data_dir)
    limit = data_config.get("max_train_images")
    if limit is None:
        return splits
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"data.max_train_images must be a positive integer, got {limit!r}.")
    if isinstance(splits.train_images, np.ndarray):
        labels = None if splits.train_labels is None else splits.train_labels[:limit]
        return splits._replace(train_images=splits.train_images[:limit], train_labels=labels)
    return splits._replace(train_images=splits.train_images.take(limit))


def _load_splits(data_config, data_dir):
    source = data_config.get("source")
    if source not in SOURCES:
        raise ValueError(f"data.source must be one of {SOURCES}, got {source!r}.")
    path = data_dir or data_config.get("path")
    size = data_config.get("image_size")
    fraction, seed = data_config.get("val_fraction", 0.1), data_config.get("seed", 0)
    if source == "digits":
        return _digits(fraction, seed)
    if source == "tfds":
        from nfzoo.data.tfds import load_tfds

        name = data_config["tfds_name"]
        load = lambda split: load_tfds(name, split, data_dir=path, image_size=size, pad_to=data_config.get("pad_to"))  # noqa: E731
        return Splits(load(data_config.get("train_split", "train")), None,
                      load(data_config.get("val_split", "test")), None,
                      list(CELEBA_ATTRIBUTES) if name == "celeb_a" else None)
    if path is None:
        raise ValueError(f"data source {source!r} needs a directory: set data.path in the config or pass --data DIR.")
    data = load_celeba_npz(path, image_size=size) if source == "celeba_npz" else load_celeba_folder(path, image_size=size)
    if data.identities is not None and data_config.get("split", "identity") == "identity":
        train, val = identity_split(data.identities, fraction, seed)
    else:
        train, val = _random_split(len(data.images), fraction, seed)
    return Splits(data.images[train], data.attributes[train], data.images[val], data.attributes[val],
                  list(data.attribute_names))


def _random_split(n, fraction, seed):
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _digits(fraction, seed):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.minimum(digits.images * 16, 255).astype(np.uint8)[..., None]
    train, val = _random_split(len(images), fraction, seed)
    return Splits(images[train], digits.target[train], images[val], digits.target[val], None)


def resolve_path(path, config_path):
    """A relative ``path`` in a config file is relative to that file's folder."""
    if path is None or config_path is None or Path(path).is_absolute():
        return path
    return str((Path(config_path).parent / path).resolve())
