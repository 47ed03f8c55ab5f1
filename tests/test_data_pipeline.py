"""nfzoo.data.pipeline: shapes, dtypes, ranges, flips, labels and seeded determinism."""
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.data.pipeline import image_dataset, vector_dataset


def _images(n=10, size=4):
    """Image i is constant at level 16 * i, except a bright left column that shows flips."""
    images = np.repeat(16 * np.arange(n, dtype=np.uint8), size * size * 3).reshape(n, size, size, 3)
    images[:, :, 0, :] = 255
    return images


def _bins(x, n_bits):
    return np.floor((np.asarray(x) + 0.5) * 2**n_bits)


def test_batches_shapes_range_and_bins():
    images = _images()
    batches = list(image_dataset(images, batch_size=4, n_bits=5, shuffle=False))
    assert [b.shape for b in batches] == [(4, 4, 4, 3), (4, 4, 4, 3), (2, 4, 4, 3)]
    x = np.concatenate(batches)
    assert x.dtype == np.float32 and x.min() >= -0.5 and x.max() <= 0.5
    np.testing.assert_array_equal(_bins(x, 5), images // 8)  # dequantisation noise stays in its bin
    assert len(np.unique(x)) > 100  # and it is noise, not the bin edge


def test_drop_remainder_and_repeat():
    ds = image_dataset(_images(), batch_size=4, drop_remainder=True, repeat=True, seed=0)
    assert ds.element_spec.shape == (4, 4, 4, 3)
    assert len(list(ds.take(7))) == 7


def test_labels_follow_their_images_through_the_shuffle():
    images = _images()
    labels = np.arange(10) * 10
    x, y = next(iter(image_dataset(images, labels, batch_size=10, n_bits=8, seed=1)))
    assert not np.array_equal(y, labels)  # shuffled
    np.testing.assert_array_equal(_bins(x, 8)[:, 0, 1, 0], y // 10 * 16)


def test_flip_mirrors_some_images_and_keeps_the_rest():
    images = _images(n=64)
    x = next(iter(image_dataset(images, batch_size=64, n_bits=8, shuffle=False, augment_flip=True, seed=2)))
    bins = _bins(x, 8)
    flipped = bins[:, 0, -1, 0] == 255
    np.testing.assert_array_equal(bins[flipped], images[flipped][:, :, ::-1])
    np.testing.assert_array_equal(bins[~flipped], images[~flipped])
    assert 10 < flipped.sum() < 54


def test_same_seed_same_stream_and_epochs_differ():
    def first_epochs(seed):
        ds = image_dataset(_images(), batch_size=5, n_bits=5, augment_flip=True, seed=seed)
        return [np.concatenate(list(ds)) for _ in range(2)]

    a, b, c = first_epochs(7), first_epochs(7), first_epochs(8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1]) and not np.array_equal(a[0], c[0])


def test_dataset_source_with_labels_is_cached_and_transformed():
    images = _images()
    source = tf.data.Dataset.from_tensor_slices((images, np.arange(10)))
    x, y = next(iter(image_dataset(source, batch_size=10, n_bits=8, shuffle=False, seed=0)))
    np.testing.assert_array_equal(y, np.arange(10))
    np.testing.assert_array_equal(_bins(x, 8), images)


@pytest.mark.parametrize(
    "images, labels, batch_size, message",
    [
        (np.zeros((2, 4, 4, 3), np.float32), None, 2, "uint8 images"),
        (np.zeros((4, 4, 3), np.uint8), None, 2, "uint8 images"),
        (np.zeros((2, 4, 4, 3), np.uint8), np.zeros(3), 2, "one row per image"),
        (np.zeros((2, 4, 4, 3), np.uint8), None, 0, "batch_size"),
        (tf.data.Dataset.from_tensor_slices(np.zeros((2, 4, 4, 3), np.float32)), None, 2, "dataset of uint8"),
        (tf.data.Dataset.from_tensor_slices(np.zeros((2, 4, 4, 3), np.uint8)), np.zeros(2), 2, "pairs"),
    ],
)
def test_bad_inputs(images, labels, batch_size, message):
    with pytest.raises(ValueError, match=message):
        image_dataset(images, labels, batch_size=batch_size)


def test_vector_dataset():
    data = np.arange(20, dtype=np.float64).reshape(10, 2)
    batches = list(vector_dataset(data, batch_size=4, shuffle=True, seed=0))
    assert [b.shape for b in batches] == [(4, 2), (4, 2), (2, 2)] and batches[0].dtype == tf.float32
    rows = np.concatenate(batches)
    np.testing.assert_array_equal(rows[np.argsort(rows[:, 0])], data)
    again = np.concatenate(list(vector_dataset(data, batch_size=4, shuffle=True, seed=0)))
    np.testing.assert_array_equal(rows, again)
    with pytest.raises(ValueError, match=r"2-D array \[N, D\]"):
        vector_dataset(np.zeros(5), batch_size=2)
