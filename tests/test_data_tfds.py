"""nfzoo.data.tfds through the real ``tfds.load`` code path, fed by ``tfds.testing.mock_data``.

mock_data works offline here: with no metadata files it falls back to MockPolicy.USE_CODE and builds
random examples from the dataset builders' feature specs shipped in the tensorflow_datasets wheel.
"""
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from nfzoo.data.celeba import CELEBA_ATTRIBUTES, crop_celeba
from nfzoo.data.images import resize_images
from nfzoo.data.pipeline import image_dataset
from nfzoo.data.tfds import load_tfds


def _take(ds, n):
    return list(ds.take(n).as_numpy_iterator())


def test_celeb_a_is_cropped_resized_with_attributes_in_official_order():
    with tfds.testing.mock_data(num_examples=3):
        pairs = _take(load_tfds("celeb_a", "train", image_size=32), 3)
        raw = _take(tfds.load("celeb_a", split="train", download=False), 3)
    for (image, attributes), example in zip(pairs, raw):
        assert image.shape == (32, 32, 3) and image.dtype == np.uint8
        assert attributes.shape == (40,) and attributes.dtype == np.int8
        expected = [1 if example["attributes"][name] else -1 for name in CELEBA_ATTRIBUTES]
        np.testing.assert_array_equal(attributes, expected)
        np.testing.assert_array_equal(image, resize_images(crop_celeba(example["image"]), 32))


def test_celeb_a_without_resize_keeps_the_148_crop():
    with tfds.testing.mock_data(num_examples=1):
        (image, _), = _take(load_tfds("celeb_a", "validation"), 1)
    assert image.shape == (148, 148, 3)


def test_mnist_padded_to_32_and_labels():
    with tfds.testing.mock_data(num_examples=4):
        ds = load_tfds("mnist", "train", pad_to=32)
        pairs = _take(ds, 4)
        raw = _take(tfds.load("mnist", split="train", download=False), 4)
    assert ds.element_spec[0] == tf.TensorSpec((32, 32, 1), tf.uint8)
    for (image, label), example in zip(pairs, raw):
        np.testing.assert_array_equal(image[2:30, 2:30], example["image"])
        assert image[:2].max() == image[30:].max() == image[:, :2].max() == image[:, 30:].max() == 0
        assert label == example["label"] and 0 <= label < 10


def test_cifar10_resized_and_fed_to_the_pipeline():
    with tfds.testing.mock_data(num_examples=5):
        source = load_tfds("cifar10", "test", image_size=16)
        x, labels = next(iter(image_dataset(source, batch_size=5, n_bits=5, seed=0)))
    assert x.shape == (5, 16, 16, 3) and x.dtype == tf.float32 and labels.shape == (5,)
    assert tf.reduce_min(x) >= -0.5 and tf.reduce_max(x) <= 0.5


def test_unprepared_dataset_is_one_clear_error_without_network(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not prepared in .*tfds build mnist --data_dir"):
        load_tfds("mnist", "train", data_dir=str(tmp_path))


def test_unknown_name_and_bad_padding():
    with pytest.raises(ValueError, match="expected one of"):
        load_tfds("imagenet2012", "train")
    with tfds.testing.mock_data(num_examples=1):
        with pytest.raises(ValueError, match="pad_to must be at least"):
            load_tfds("cifar10", "train", pad_to=28)
