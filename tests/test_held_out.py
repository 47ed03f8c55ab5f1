"""nfzoo.models.held_out: one bits/dim measurement, independent of batching, per named held-out set."""
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.data.sources import Splits
from nfzoo.models.held_out import BLOCK, bits_per_dim_per_image, held_out_bits_per_dim, mean_bits_per_dim


def gaussian_log_likelihood(x):
    """log N(x; 0, 0.3^2 I) per image: a fixed density to measure with."""
    flat = tf.reshape(x, [tf.shape(x)[0], -1])
    return tf.reduce_sum(-0.5 * tf.square(flat / 0.3) - np.log(0.3) - 0.5 * np.log(2 * np.pi), axis=-1)


def images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 4, 4, 3)).astype(np.uint8)


def test_per_image_figure_does_not_depend_on_the_other_images():
    batch = images(BLOCK + 20)
    whole = bits_per_dim_per_image(gaussian_log_likelihood, batch, n_bits=5)
    assert whole.shape == (BLOCK + 20,)
    np.testing.assert_allclose(bits_per_dim_per_image(gaussian_log_likelihood, batch[:BLOCK], 5), whole[:BLOCK])
    other_seed = bits_per_dim_per_image(gaussian_log_likelihood, batch, 5, seed=7)
    assert not np.allclose(other_seed, whole)  # the noise is drawn, not fixed at the bin centre
    assert abs(other_seed.mean() - whole.mean()) < 0.05


def test_matches_a_direct_computation_with_the_same_noise():
    batch = images(3)
    noise = np.random.default_rng([1234, 0]).random(batch.shape, dtype=np.float32) / 2**5
    x = np.floor(batch / 8.0) / 32.0 - 0.5 + noise
    d = 48
    expected = -(gaussian_log_likelihood(x).numpy() - d * 5 * np.log(2)) / (d * np.log(2))
    np.testing.assert_allclose(bits_per_dim_per_image(gaussian_log_likelihood, batch, 5), expected, rtol=1e-5)
    assert mean_bits_per_dim(gaussian_log_likelihood, batch, 5) == pytest.approx(expected.mean(), rel=1e-5)


def test_held_out_figures_per_named_set_and_for_all():
    val = images(10)
    splits = Splits(images(4), None, val, None, None, {"a": np.arange(0, 6), "b": np.arange(6, 10)})
    figures = held_out_bits_per_dim(gaussian_log_likelihood, splits, 5)
    per_image = bits_per_dim_per_image(gaussian_log_likelihood, val, 5)
    assert figures == {"all": round(per_image.mean(), 4), "a": round(per_image[:6].mean(), 4),
                       "b": round(per_image[6:].mean(), 4)}


def test_bad_images_are_one_clear_error():
    with pytest.raises(ValueError, match="expected uint8 images"):
        bits_per_dim_per_image(gaussian_log_likelihood, np.zeros((2, 4, 4, 3), np.float32), 5)


def test_a_card_names_each_set_only_when_there_are_several():
    from nfzoo.zoo.card import sets_note

    two = {"celeba_subset": {"images": 540, "bits_per_dim": 3.9}, "celeba_extra": {"images": 483, "bits_per_dim": 3.5}}
    assert sets_note(two) == " (celeba_subset, 540 images: 3.9; celeba_extra, 483 images: 3.5)"
    assert sets_note({"faces": {"images": 24, "bits_per_dim": 5.0}}) == "" and sets_note(None) == ""
