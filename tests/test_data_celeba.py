"""nfzoo.data.celeba on small generated fixtures (and, marked slow, on the shared real subset)."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nfzoo.data.celeba import (
    CELEBA_ATTRIBUTES,
    crop_celeba,
    identity_split,
    load_celeba_folder,
    load_celeba_npz,
)
from nfzoo.data.images import resize_images

REAL_SUBSET = Path(__file__).resolve().parents[1].parent / "shared/data/celeba_subset"
FACE = (30, 60, 200)  # inside the aligned crop
BORDER = (220, 20, 20)  # outside it


def _attributes(n, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(n, 40))


def _write_folder(root, n=5, identity_file=True):
    """A fake official CelebA folder: n 178x218 JPEGs with a blue face crop on a red border."""
    image_dir = root / "img_align_celeba"
    image_dir.mkdir(parents=True)
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    attributes = _attributes(n)
    for i, name in enumerate(names):
        pixels = np.empty((218, 178, 3), np.uint8)
        pixels[:] = BORDER
        pixels[40:188, 15:163] = FACE
        pixels[40 + i, 15:163] = 255  # one white line near the top makes each image distinct
        Image.fromarray(pixels).save(image_dir / name, quality=100, subsampling=0)
    lines = [str(n), " ".join(CELEBA_ATTRIBUTES)]
    lines += [f"{name} " + " ".join(f"{v:2d}" for v in row) for name, row in zip(names, attributes)]
    (root / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    if identity_file:
        (root / "identity_CelebA.txt").write_text("".join(f"{name} {100 + i % 2}\n" for i, name in enumerate(names)))
    return names, attributes


def _write_npz(root, n=6, identity_file=True):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8)
    names = np.array([f"{i:06d}.jpg" for i in range(2, 2 + n)])
    attributes = _attributes(n, seed=2)
    np.savez_compressed(root / "images.npz", images=images, filenames=names)
    rows = ["filename," + ",".join(CELEBA_ATTRIBUTES)]
    rows += [f"{name}," + ",".join(map(str, row)) for name, row in zip(names, attributes)]
    (root / "attributes.csv").write_text("\n".join(rows) + "\n")
    if identity_file:
        rows = ["filename,celeba_identity,source_folder,source_split"]
        rows += [f"{name},{7 + i // 2},celeb_{i // 2},train_dataset" for i, name in enumerate(names)]
        (root / "identity_split.csv").write_text("\n".join(rows) + "\n")
    return images, names, attributes


def test_official_attribute_names():
    assert len(CELEBA_ATTRIBUTES) == 40 == len(set(CELEBA_ATTRIBUTES))
    assert CELEBA_ATTRIBUTES[0] == "5_o_Clock_Shadow" and CELEBA_ATTRIBUTES[20] == "Male"
    assert CELEBA_ATTRIBUTES[31] == "Smiling" and CELEBA_ATTRIBUTES[-1] == "Young"


def test_crop_is_the_aligned_face_box():
    image = np.zeros((2, 218, 178, 3), np.uint8)
    image[:, 40:188, 15:163] = 1
    crop = crop_celeba(image)
    assert crop.shape == (2, 148, 148, 3) and crop.min() == 1


def test_load_folder_crops_resizes_and_reads_attributes(tmp_path):
    names, attributes = _write_folder(tmp_path)
    data = load_celeba_folder(tmp_path, image_size=32)
    assert data.images.shape == (5, 32, 32, 3) and data.images.dtype == np.uint8
    assert list(data.filenames) == names and data.attribute_names == list(CELEBA_ATTRIBUTES)
    assert data.attributes.dtype == np.int8
    np.testing.assert_array_equal(data.attributes, attributes)
    np.testing.assert_array_equal(data.identities, [100, 101, 100, 101, 100])
    # no red border survives the crop: away from the white line every pixel is the face colour
    face_only = data.images[:, 4:, :, :]
    assert np.abs(face_only.astype(int) - FACE).max() <= 6
    # the composition is decode -> crop -> resize_images
    decoded = np.asarray(Image.open(tmp_path / "img_align_celeba" / names[2]).convert("RGB"))
    np.testing.assert_array_equal(data.images[2], resize_images(crop_celeba(decoded), 32))


def test_load_folder_keeps_the_crop_without_resize_and_limits(tmp_path):
    _write_folder(tmp_path, identity_file=False)
    data = load_celeba_folder(tmp_path, image_size=None, max_images=2)
    assert data.images.shape == (2, 148, 148, 3) and data.identities is None
    assert list(data.filenames) == ["000001.jpg", "000002.jpg"]


def test_folder_ignores_rows_without_images(tmp_path):
    names, _ = _write_folder(tmp_path)
    (tmp_path / "img_align_celeba" / names[-1]).unlink()
    assert len(load_celeba_folder(tmp_path, image_size=16).images) == 4


def test_folder_attribute_names_not_matching_images(tmp_path):
    _write_folder(tmp_path)
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(path.read_text().replace("000003.jpg", "999999.jpg"))
    with pytest.raises(ValueError, match=r"list_attr_celeba.txt has no row for 1 of 5 images .*000003.jpg"):
        load_celeba_folder(tmp_path, image_size=16)


def test_folder_identity_file_not_matching_images(tmp_path):
    _write_folder(tmp_path)
    path = tmp_path / "identity_CelebA.txt"
    path.write_text(path.read_text().replace("000001.jpg", "000009.jpg"))
    with pytest.raises(ValueError, match="identity_CelebA.txt has no row"):
        load_celeba_folder(tmp_path, image_size=16)


@pytest.mark.parametrize(
    "old, new, message",
    [("Young", "Old", "official order"), ("\n5\n", "\n6\n", None), (" 1 ", " 0 ", "40 values of 1 or -1")],
)
def test_folder_bad_attribute_file(tmp_path, old, new, message):
    _write_folder(tmp_path)
    path = tmp_path / "list_attr_celeba.txt"
    text = "\n" + path.read_text()
    path.write_text(text.replace(old, new, 1).lstrip("\n"))
    with pytest.raises(ValueError, match=message or "first line must be the number of image rows"):
        load_celeba_folder(tmp_path, image_size=16)


def test_folder_missing_directory_names_expected_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"img_align_celeba/\*\.jpg .* and list_attr_celeba.txt"):
        load_celeba_folder(tmp_path / "nowhere")


def test_folder_rejects_non_aligned_images(tmp_path):
    _write_folder(tmp_path, n=2)
    Image.new("RGB", (100, 100)).save(tmp_path / "img_align_celeba" / "000002.jpg")
    with pytest.raises(ValueError, match="expected the aligned CelebA size 178x218"):
        load_celeba_folder(tmp_path)


def test_load_npz_subset(tmp_path):
    images, names, attributes = _write_npz(tmp_path)
    data = load_celeba_npz(tmp_path)
    np.testing.assert_array_equal(data.images, images)
    np.testing.assert_array_equal(data.attributes, attributes)
    assert data.attributes.dtype == np.int8 and list(data.filenames) == list(names)
    assert data.attribute_names == list(CELEBA_ATTRIBUTES)
    np.testing.assert_array_equal(data.identities, [7, 7, 8, 8, 9, 9])
    small = load_celeba_npz(tmp_path, image_size=32).images
    assert small.shape == (6, 32, 32, 3) and small.dtype == np.uint8
    np.testing.assert_array_equal(small, resize_images(images, 32))


def test_npz_without_identity_file(tmp_path):
    _write_npz(tmp_path, identity_file=False)
    assert load_celeba_npz(tmp_path).identities is None


def test_npz_rows_out_of_order(tmp_path):
    _write_npz(tmp_path)
    path = tmp_path / "attributes.csv"
    header, first, second, *rest = path.read_text().splitlines()
    path.write_text("\n".join([header, second, first, *rest]) + "\n")
    with pytest.raises(ValueError, match="same order as images.npz"):
        load_celeba_npz(tmp_path)


def test_npz_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="images.npz .* attributes.csv"):
        load_celeba_npz(tmp_path)


def test_identity_split_is_disjoint_deterministic_and_complete():
    identities = np.repeat(np.arange(50) * 7 + 3, 30)
    train, val = identity_split(identities, val_fraction=0.2, seed=3)
    assert not set(identities[train]) & set(identities[val])
    assert len(set(identities[val])) == 10 and len(val) == 300
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(identities)))
    again = identity_split(identities, val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[1], val)
    assert not np.array_equal(identity_split(identities, val_fraction=0.2, seed=4)[1], val)


def test_identity_split_errors():
    with pytest.raises(ValueError, match="needs identities"):
        identity_split(None)
    with pytest.raises(ValueError, match="val_fraction"):
        identity_split(np.arange(10), val_fraction=1.0)
    with pytest.raises(ValueError, match="at least 2 distinct"):
        identity_split(np.zeros(10))


@pytest.mark.slow
@pytest.mark.skipif(not (REAL_SUBSET / "images.npz").is_file(), reason="shared CelebA subset not present")
def test_real_shared_subset():
    data = load_celeba_npz(REAL_SUBSET)
    assert data.images.shape == (5400, 64, 64, 3) and data.images.dtype == np.uint8
    assert data.attributes.shape == (5400, 40) and set(np.unique(data.attributes)) == {-1, 1}
    assert list(data.filenames) == sorted(data.filenames)
    assert len(np.unique(data.identities)) == 180
    train, val = identity_split(data.identities, val_fraction=0.1, seed=0)
    assert len(val) == 540 and not set(data.identities[train]) & set(data.identities[val])


def test_max_train_images_keeps_the_first_training_images_and_all_validation(tmp_path):
    from nfzoo.data.sources import load_splits

    _write_npz(tmp_path, n=12)
    config = {"source": "celeba_npz", "path": str(tmp_path), "val_fraction": 0.34, "seed": 0}
    full = load_splits(config)
    small = load_splits({**config, "max_train_images": 3})
    np.testing.assert_array_equal(small.train_images, full.train_images[:3])
    np.testing.assert_array_equal(small.train_labels, full.train_labels[:3])
    np.testing.assert_array_equal(small.val_images, full.val_images)
    digits = load_splits({"source": "digits", "max_train_images": 5})
    assert len(digits.train_images) == 5
    with pytest.raises(ValueError, match="max_train_images must be a positive integer"):
        load_splits({**config, "max_train_images": 0})
