"""CelebA faces with the 40 binary attributes, from the two on-disk formats, as numpy arrays.

* ``load_celeba_npz``: the compact subset format (``images.npz`` + ``attributes.csv`` [+
  ``identity_split.csv``]) of ``../shared/data/celeba_subset`` (already cropped and resized to 64x64).
* ``load_celeba_folder``: the official aligned release: ``img_align_celeba/*.jpg`` (178 wide x 218 high)
  + ``list_attr_celeba.txt`` [+ ``identity_CelebA.txt``]. Each JPEG is decoded with PIL, cropped to the
  aligned face ``rows 40:188, cols 15:163`` (148x148) and resized with ``images.resize_images``
  (lanczos3 + antialias, matching the PIL LANCZOS resize the subset was made with).

Both return a ``CelebAData``: ``images`` uint8 [N, H, W, 3], ``attributes`` int8 [N, 40] in {-1, 1} (CelebA
coding, columns in ``CELEBA_ATTRIBUTES`` order), ``attribute_names``, ``filenames`` and ``identities``
(int64 [N] CelebA identity ids, or None when the identity file is absent). ``identity_split`` makes an
identity-disjoint train/validation split (CelebA's identities repeat ~20-30 times, so a random image
split puts the same people on both sides).
"""
import csv
from pathlib import Path
from typing import NamedTuple, Optional

import numpy as np

from nfzoo.data.images import ALIGNED_SHAPE, crop_celeba, resize_images

CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips",
    "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby",
    "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male",
    "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose",
    "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair",
    "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young",
)
_RESIZE_CHUNK = 512  # crops resized together by load_celeba_folder (~34 MB of 148x148 uint8)


class CelebAData(NamedTuple):
    """CelebA images with attributes; rows of every array are aligned."""

    images: np.ndarray  # uint8 [N, H, W, 3]
    attributes: np.ndarray  # int8 [N, 40] in {-1, 1}
    attribute_names: list
    filenames: np.ndarray  # str [N]
    identities: Optional[np.ndarray]  # int64 [N] or None


def load_celeba_npz(data_dir, image_size=None):
    """Loads the subset format: ``images.npz`` (``images``, ``filenames``), ``attributes.csv``
    (``filename`` + the 40 attributes as 1/-1, same row order) and, if present, ``identity_split.csv``
    (``filename, celeba_identity, ...``). ``image_size`` resizes the images (e.g. 64 -> 32)."""
    data_dir = Path(data_dir)
    images_path, attributes_path = data_dir / "images.npz", data_dir / "attributes.csv"
    if not images_path.is_file() or not attributes_path.is_file():
        raise FileNotFoundError(
            f"CelebA npz subset not found in {data_dir}: expected images.npz (images, filenames) and "
            "attributes.csv (filename + 40 attributes), optionally identity_split.csv"
        )
    with np.load(images_path) as npz:
        images, filenames = npz["images"], npz["filenames"].astype(str)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"{images_path}['images'] must be uint8 [N, H, W, C], got {images.dtype} {images.shape}")
    names, attribute_files, attributes = _read_attribute_csv(attributes_path)
    if list(attribute_files) != list(filenames):
        raise ValueError(
            f"{attributes_path} rows must list the same files in the same order as images.npz['filenames']"
        )
    identities = None
    identity_path = data_dir / "identity_split.csv"
    if identity_path.is_file():
        with open(identity_path, newline="") as f:
            by_name = {row["filename"]: int(row["celeba_identity"]) for row in csv.DictReader(f)}
        identities = _lookup(by_name, filenames, identity_path).astype(np.int64)
    if image_size is not None:
        images = resize_images(images, image_size).numpy()
    return CelebAData(images, attributes, names, filenames, identities)


def load_celeba_folder(data_dir, image_size=64, max_images=None):
    """Loads the official format: ``img_align_celeba/*.jpg``, ``list_attr_celeba.txt`` and, if present,
    ``identity_CelebA.txt``. Images are cropped (rows 40:188, cols 15:163) and resized to ``image_size``
    (None keeps the 148x148 crop); ``max_images`` keeps the first images in file-name order.

    Every JPEG in the folder needs a row in ``list_attr_celeba.txt`` (and in ``identity_CelebA.txt`` when
    that exists); rows for images that are not in the folder are ignored, so a partial image folder works
    with the full annotation files.
    """
    from PIL import Image

    data_dir = Path(data_dir)
    image_dir, attributes_path = data_dir / "img_align_celeba", data_dir / "list_attr_celeba.txt"
    if not image_dir.is_dir() or not attributes_path.is_file():
        raise FileNotFoundError(
            f"CelebA folder not found in {data_dir}: expected img_align_celeba/*.jpg (178x218 aligned faces) "
            "and list_attr_celeba.txt, optionally identity_CelebA.txt"
        )
    filenames = sorted(p.name for p in image_dir.glob("*.jpg"))[:max_images]
    if not filenames:
        raise FileNotFoundError(f"no *.jpg files in {image_dir}: expected the aligned CelebA JPEGs")
    attributes = _lookup(_read_attribute_txt(attributes_path), filenames, attributes_path).astype(np.int8)
    identities = None
    identity_path = data_dir / "identity_CelebA.txt"
    if identity_path.is_file():
        with open(identity_path) as f:
            by_name = {name: int(identity) for name, identity in (line.split() for line in f if line.strip())}
        identities = _lookup(by_name, filenames, identity_path).astype(np.int64)

    chunks, crops = [], []
    for name in filenames:
        with Image.open(image_dir / name) as image:
            pixels = np.asarray(image.convert("RGB"))
        if pixels.shape[:2] != ALIGNED_SHAPE:
            raise ValueError(
                f"{image_dir / name} is {pixels.shape[1]}x{pixels.shape[0]}; expected the aligned "
                "CelebA size 178x218 (width x height)"
            )
        crops.append(crop_celeba(pixels))
        if len(crops) == _RESIZE_CHUNK:
            chunks.append(_resize_stack(crops, image_size))
            crops = []
    if crops:
        chunks.append(_resize_stack(crops, image_size))
    return CelebAData(np.concatenate(chunks), attributes, list(CELEBA_ATTRIBUTES), np.array(filenames), identities)


def identity_split(identities, val_fraction=0.1, seed=0):
    """Identity-disjoint split -> (train_indices, val_indices), both sorted int64.

    The sorted unique identities are permuted with ``numpy.random.default_rng(seed)`` and the first
    ``round(val_fraction * n_identities)`` (at least 1) go to validation, with all of their images.
    """
    if identities is None:
        raise ValueError("identity_split needs identities: load identity_split.csv or identity_CelebA.txt")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    identities = np.asarray(identities)
    unique = np.unique(identities)
    if len(unique) < 2:
        raise ValueError(f"identity_split needs at least 2 distinct identities, got {len(unique)}")
    n_val = min(max(1, round(val_fraction * len(unique))), len(unique) - 1)
    val_ids = np.random.default_rng(seed).permutation(unique)[:n_val]
    is_val = np.isin(identities, val_ids)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def _resize_stack(crops, image_size):
    stack = np.stack(crops)
    return stack if image_size is None else resize_images(stack, image_size).numpy()


def _check_names(names, path):
    if list(names) != list(CELEBA_ATTRIBUTES):
        raise ValueError(
            f"{path} must name the 40 CelebA attributes in the official order (CELEBA_ATTRIBUTES: "
            f"5_o_Clock_Shadow ... Young); got {len(names)} names starting {list(names[:3])}"
        )


def _read_attribute_csv(path):
    """``filename,<40 names>`` header then one row of 1/-1 per file -> (names, filenames, int8 [N, 40])."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = (rows[0], rows[1:]) if rows else ([], [])
    _check_names(header[1:], path)
    if any(len(row) != 41 or any(v not in ("1", "-1") for v in row[1:]) for row in rows):
        raise ValueError(f"{path}: every row must be a file name and 40 values of 1 or -1")
    values = np.array([row[1:] for row in rows], dtype=np.int64).astype(np.int8).reshape(-1, 40)
    return header[1:], np.array([row[0] for row in rows]), values


def _read_attribute_txt(path):
    """Official ``list_attr_celeba.txt``: count, the 40 names, then ``name v1 .. v40`` -> {name: values}."""
    with open(path) as f:
        rows = [line.split() for line in f if line.strip()]
    count, names, lines = (rows[0], rows[1], rows[2:]) if len(rows) >= 2 else ([], [], [])
    _check_names(names, path)
    if count != [str(len(lines))]:
        raise ValueError(f"{path}: the first line must be the number of image rows ({len(lines)}), got {count}")
    table = {}
    for fields in lines:
        if len(fields) != 41 or any(v not in ("1", "-1") for v in fields[1:]):
            raise ValueError(f"{path}: row {fields[0]} must be a file name and 40 values of 1 or -1")
        table[fields[0]] = np.array(fields[1:], dtype=np.int64).astype(np.int8)
    return table


def _lookup(table, filenames, path):
    missing = [name for name in filenames if name not in table]
    if missing:
        raise ValueError(
            f"{path} has no row for {len(missing)} of {len(filenames)} images (e.g. {missing[:3]}): "
            "its file names must match the image files"
        )
    return np.array([table[name] for name in filenames])
