"""nfzoo.data.sources: several CelebA-format folders as one identity-split training set."""
from pathlib import Path

import numpy as np
import pytest

from nfzoo.data.sources import load_splits, resolve_path
from nfzoo.data.fake_celeba import write_fake_celeba_npz

SHARED = Path(__file__).resolve().parents[1].parent / "shared/data"


def _folder(root, name, n, identities, seed, first_identity=0):
    folder = root / name
    folder.mkdir()
    write_fake_celeba_npz(folder, n=n, size=8, identities=identities, seed=seed)
    if first_identity:  # shift the identity ids so that two folders hold different people
        path = folder / "identity_split.csv"
        lines = path.read_text().splitlines()
        rows = [line.split(",") for line in lines[1:]]
        path.write_text("\n".join([lines[0]] + [",".join([r[0], str(int(r[1]) + first_identity), *r[2:]])
                                                  for r in rows]) + "\n")
    return folder


def _identities(folder):
    rows = (folder / "identity_split.csv").read_text().splitlines()[1:]
    return np.array([int(r.split(",")[1]) for r in rows])


def test_two_folders_keep_the_first_folders_held_out_set_and_name_both(tmp_path):
    a = _folder(tmp_path, "a", n=40, identities=10, seed=0)
    b = _folder(tmp_path, "b", n=60, identities=30, seed=1, first_identity=100)
    alone = load_splits({"source": "celeba_npz", "path": str(a), "val_fraction": 0.2, "seed": 3})
    union = load_splits({"source": "celeba_npz", "path": [str(a), str(b)], "val_fraction": [0.2, 0.1], "seed": 3})
    assert list(union.val_sets) == ["a", "b"]
    np.testing.assert_array_equal(union.val_images[union.val_sets["a"]], alone.val_images)
    np.testing.assert_array_equal(union.val_labels[union.val_sets["a"]], alone.val_labels)
    assert len(union.val_sets["b"]) == 6  # 3 of b's 30 identities, 2 images each
    assert list(union.train_sets) == ["a", "b"]
    np.testing.assert_array_equal(union.train_images[union.train_sets["a"]], alone.train_images)
    b_train = np.arange(len(alone.train_images), 100 - 6 - len(alone.val_images))  # after a's, in path order
    np.testing.assert_array_equal(union.train_sets["b"], b_train)
    assert len(union.train_images) + len(union.val_images) == 100
    assert len(union.train_labels) == len(union.train_images)
    assert union.attribute_names == alone.attribute_names


def test_no_identity_on_both_sides_of_the_union_even_when_folders_share_people(tmp_path):
    a = _folder(tmp_path, "a", n=40, identities=10, seed=0)
    b = _folder(tmp_path, "b", n=40, identities=10, seed=1, first_identity=5)  # ids 5..14: 5..9 are also in a
    union = load_splits({"source": "celeba_npz", "path": [str(a), str(b)], "val_fraction": [0.3, 0.3], "seed": 5})
    ids = np.concatenate([_identities(a), _identities(b)])
    images = np.concatenate([np.load(a / "images.npz")["images"], np.load(b / "images.npz")["images"]])
    key = lambda batch: {im.tobytes() for im in batch}  # noqa: E731  (fake images are all distinct)
    train_ids = {i for i, im in zip(ids, images) if im.tobytes() in key(union.train_images)}
    val_ids = {i for i, im in zip(ids, images) if im.tobytes() in key(union.val_images)}
    assert train_ids and val_ids and not train_ids & val_ids
    assert len(union.train_images) + len(union.val_images) == 80


def test_a_single_folder_is_one_named_held_out_set(tmp_path):
    a = _folder(tmp_path, "faces", n=20, identities=5, seed=0)
    splits = load_splits({"source": "celeba_npz", "path": str(a), "val_fraction": 0.2, "seed": 0})
    assert list(splits.val_sets) == ["faces"]
    np.testing.assert_array_equal(splits.val_sets["faces"], np.arange(len(splits.val_images)))


def test_val_fraction_list_must_match_the_folders(tmp_path):
    a = _folder(tmp_path, "a", n=20, identities=5, seed=0)
    with pytest.raises(ValueError, match="one per folder"):
        load_splits({"source": "celeba_npz", "path": [str(a), str(a)], "val_fraction": [0.1], "seed": 0})


def test_relative_paths_of_a_list_resolve_against_the_config(tmp_path):
    config = tmp_path / "configs" / "c.yaml"
    assert resolve_path(["../x", "y"], config) == [str((tmp_path / "x").resolve()),
                                                    str((tmp_path / "configs" / "y").resolve())]


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "celeba_extra" / "images.npz").is_file(), reason="shared CelebA data not present")
def test_real_union_keeps_the_540_subset_faces_and_holds_out_5_percent_of_extra():
    from nfzoo.data.celeba import identity_split, load_celeba_npz

    subset = load_celeba_npz(SHARED / "celeba_subset")
    _, old_val = identity_split(subset.identities, 0.1, 0)
    union = load_splits({"source": "celeba_npz", "path": [str(SHARED / "celeba_subset"), str(SHARED / "celeba_extra")],
                         "val_fraction": [0.1, 0.05], "seed": 0})
    np.testing.assert_array_equal(union.val_images[union.val_sets["celeba_subset"]], subset.images[old_val])
    extra_ids = load_celeba_npz(SHARED / "celeba_extra").identities
    n_held = len(union.val_sets["celeba_extra"])
    assert 0.03 * len(extra_ids) < n_held < 0.07 * len(extra_ids)
    assert len(union.train_images) + len(union.val_images) == 5400 + 9723
