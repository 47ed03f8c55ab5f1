"""Training/validation splits for a zoo config's ``data`` section.

| source         | what                                                            | validation split               |
|----------------|-----------------------------------------------------------------|--------------------------------|
| celeba_npz     | ``images.npz`` + ``attributes.csv`` (+ ``identity_split.csv``)  | identity-disjoint (or random)  |
| celeba_folder  | ``img_align_celeba/*.jpg`` + ``list_attr_celeba.txt``          | identity-disjoint (or random)  |
| tfds           | a prepared TFDS dataset (``tfds_name``: celeb_a, mnist, cifar10)| its ``val_split`` split        |
| digits         | scikit-learn's 8x8 handwritten digits (bundled)                | random, seeded                 |
| two_moons, sklearn, npz | float32 rows [N, D] for the vector families (`nfzoo.data.vectors`) | random, seeded        |

Image sources give uint8 [N, H, W, C] arrays (or uint8 tf.data datasets for TFDS) with their labels
(CelebA: int8 [N, 40] attributes in {-1, 1}). Digits' 17 grey levels v = 0..16 become uint8 min(16 v, 255),
distinct bins for n_bits >= 5. Vector sources give float32 rows [N, D] in the same fields, without labels.

The CelebA sources take several folders (``path: [a, b]``, with ``val_fraction`` a number or one per
folder): each folder is split by identity with its own fraction and the common seed, so adding a folder
leaves the held-out faces of the others unchanged, and an identity held out in any folder is held out in
all (no identity on both sides of the union). ``Splits.val_sets`` and ``Splits.train_sets`` name each folder's
held-out and training faces.
"""
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np

from nfzoo.data.celeba import CELEBA_ATTRIBUTES, identity_split, load_celeba_folder, load_celeba_npz
from nfzoo.data.vectors import VECTOR_SOURCES, load_rows, standardise

SOURCES = ("celeba_npz", "celeba_folder", "tfds", "digits", *VECTOR_SOURCES)


class Splits(NamedTuple):
    train_images: object  # uint8 array [N, H, W, C], tf.data.Dataset of (image, label), or float32 rows [N, D]
    train_labels: Optional[np.ndarray]
    val_images: object
    val_labels: Optional[np.ndarray]
    attribute_names: Optional[list]
    val_sets: Optional[dict] = None  # {folder name: indices into val_images} for array sources, in path order
    train_sets: Optional[dict] = None  # {folder name: indices into train_images}, likewise


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
    if source in VECTOR_SOURCES:
        return _vectors(data_config, data_dir, fraction, seed)
    if source == "tfds":
        from nfzoo.data.tfds import load_tfds

        name = data_config["tfds_name"]
        load = lambda split: load_tfds(name, split, data_dir=path, image_size=size, pad_to=data_config.get("pad_to"))  # noqa: E731
        return Splits(load(data_config.get("train_split", "train")), None,
                      load(data_config.get("val_split", "test")), None,
                      list(CELEBA_ATTRIBUTES) if name == "celeb_a" else None)
    if path is None:
        raise ValueError(f"data source {source!r} needs a directory: set data.path in the config or pass --data DIR.")
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    fractions = fraction if isinstance(fraction, (list, tuple)) else [fraction] * len(paths)
    if len(fractions) != len(paths):
        raise ValueError(f"data.val_fraction must be one number or one per folder of data.path ({len(paths)}), "
                         f"got {fraction!r}.")
    load = load_celeba_npz if source == "celeba_npz" else load_celeba_folder
    folders = [load(p, image_size=size) for p in paths]
    by_identity = data_config.get("split", "identity") == "identity"
    held_out = [_held_out(data, f, seed, by_identity) for data, f in zip(folders, fractions)]
    held_out = _hold_out_identities_everywhere(folders, held_out)
    names = _folder_names(paths)
    train_parts, val_parts, train_sets, val_sets = [], [], {}, {}
    for name, data, is_val in zip(names, folders, held_out):
        train_sets[name] = _next_indices(train_parts, int((~is_val).sum()))
        val_sets[name] = _next_indices(val_parts, int(is_val.sum()))
        train_parts.append((data.images[~is_val], data.attributes[~is_val]))
        val_parts.append((data.images[is_val], data.attributes[is_val]))
    concat = lambda parts, i: np.concatenate([part[i] for part in parts])  # noqa: E731
    return Splits(concat(train_parts, 0), concat(train_parts, 1), concat(val_parts, 0), concat(val_parts, 1),
                  list(folders[0].attribute_names), val_sets, train_sets)


def _next_indices(parts, count):
    """The indices that ``count`` more images take in the concatenation of ``parts`` (image, label) pairs."""
    start = sum(len(images) for images, _ in parts)
    return np.arange(start, start + count)


def _held_out(data, fraction, seed, by_identity):
    """Boolean mask of a folder's held-out images: identity-disjoint when identities are known."""
    n = len(data.images)
    if data.identities is not None and by_identity:
        _, val = identity_split(data.identities, fraction, seed)
    else:
        _, val = _random_split(n, fraction, seed)
    mask = np.zeros(n, bool)
    mask[val] = True
    return mask


def _hold_out_identities_everywhere(folders, held_out):
    """An identity held out in one folder is held out in every folder it appears in."""
    known = [data.identities for data in folders if data.identities is not None]
    if len(known) < 2:
        return held_out
    val_ids = np.unique(np.concatenate([data.identities[mask] for data, mask in zip(folders, held_out)
                                        if data.identities is not None]))
    return [mask if data.identities is None else mask | np.isin(data.identities, val_ids)
            for data, mask in zip(folders, held_out)]


def _folder_names(paths):
    """Names of the held-out sets: each folder's own name, made unique by its position if two share one."""
    names = [Path(p).name for p in paths]
    return [name if names.count(name) == 1 else f"{name}_{i}" for i, name in enumerate(names)]


def _random_split(n, fraction, seed):
    order = np.random.default_rng(seed).permutation(n)
    n_val = max(1, int(round(n * fraction)))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _digits(fraction, seed):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.minimum(digits.images * 16, 255).astype(np.uint8)[..., None]
    train, val = _random_split(len(images), fraction, seed)
    return Splits(images[train], digits.target[train], images[val], digits.target[val], None,
                  {"digits": np.arange(len(val))})


def _vectors(data_config, path, fraction, seed):
    """A vector source's rows, split at random (a scikit-learn table standardised by its training rows)."""
    rows = load_rows(data_config, path)
    train, val = _random_split(len(rows), fraction, seed)
    train, val = rows[train], rows[val]
    if data_config["source"] == "sklearn":
        train, val = standardise(train, val)
    return Splits(train, None, val, None, None, {data_config["source"]: np.arange(len(val))})


def resolve_path(path, config_path):
    """A relative ``path`` (or each of a list of paths) in a config file is relative to that file's folder."""
    if isinstance(path, (list, tuple)):
        return [resolve_path(p, config_path) for p in path]
    if path is None or config_path is None or Path(path).is_absolute():
        return path
    return str((Path(config_path).parent / path).resolve())
