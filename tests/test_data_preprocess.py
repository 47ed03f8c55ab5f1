"""nfzoo.data.images: n_bits quantisation, dequantisation, display inverse, bits/dim, resize."""
import math

import numpy as np
import pytest
import tensorflow as tf

from nfzoo.data.images import bits_per_dim, dequantize, quantize, resize_images, to_uint8

ALL_LEVELS = np.arange(256, dtype=np.uint8)


@pytest.mark.parametrize("n_bits", [1, 3, 5, 8])
def test_quantize_matches_formula_on_every_level(n_bits):
    x = quantize(ALL_LEVELS, n_bits).numpy()
    expected = np.floor(ALL_LEVELS / 2 ** (8 - n_bits)) / 2**n_bits - 0.5
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, expected.astype(np.float32))
    assert x.min() == -0.5 and x.max() == 0.5 - 2.0**-n_bits
    assert len(np.unique(x)) == 2**n_bits


def test_quantize_known_values():
    np.testing.assert_array_equal(quantize(np.array([0, 127, 128, 255], np.uint8), 1).numpy(), [-0.5, -0.5, 0, 0])
    np.testing.assert_array_equal(
        quantize(np.array([0, 7, 8, 255], np.uint8), 5).numpy(), [-0.5, -0.5, -0.5 + 1 / 32, 0.5 - 1 / 32]
    )
    np.testing.assert_array_equal(
        quantize(np.array([0, 1, 255], np.uint8), 8).numpy(), [-0.5, -0.5 + 1 / 256, 0.5 - 1 / 256]
    )


@pytest.mark.parametrize("n_bits", [1, 5, 8])
def test_dequantize_stays_inside_its_bin(n_bits):
    images = np.tile(ALL_LEVELS, 40)
    x = quantize(images, n_bits)
    y = dequantize(x, n_bits).numpy()
    noise = y - x.numpy()
    assert noise.min() >= 0.0 and noise.max() <= 2.0**-n_bits
    assert noise.max() > 0.9 * 2.0**-n_bits and noise.min() < 0.1 * 2.0**-n_bits  # covers the bin
    assert y.min() >= -0.5 and y.max() <= 0.5


def test_dequantize_seed_is_stateless_and_reproducible():
    x = quantize(np.zeros((4, 4, 3), np.uint8), 5)
    a = dequantize(x, 5, seed=tf.constant([1, 2]))
    b = dequantize(x, 5, seed=tf.constant([1, 2]))
    c = dequantize(x, 5, seed=tf.constant([1, 3]))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("n_bits", [1, 2, 5, 7, 8])
def test_to_uint8_shows_bin_centres_and_inverts_quantize(n_bits):
    x = quantize(ALL_LEVELS, n_bits)
    shown = to_uint8(x, n_bits).numpy()
    width = 2 ** (8 - n_bits)
    assert shown.dtype == np.uint8
    np.testing.assert_array_equal(shown, (ALL_LEVELS // width) * width + width // 2)
    np.testing.assert_array_equal(quantize(shown, n_bits), x)
    np.testing.assert_array_equal(to_uint8(dequantize(x, n_bits), n_bits), shown)  # noise keeps the bin


def test_to_uint8_is_exact_inverse_at_8_bits_and_clips():
    np.testing.assert_array_equal(to_uint8(quantize(ALL_LEVELS, 8), 8), ALL_LEVELS)
    np.testing.assert_array_equal(to_uint8(np.array([-3.0, 0.5, 7.0]), 5), [4, 252, 252])


@pytest.mark.parametrize("n_bits", [1, 5, 8])
def test_bits_per_dim_of_uniform_density_is_n_bits(n_bits):
    # the uniform density on [-0.5, 0.5)^D has log p = 0: every discrete value has probability 2**-(n D)
    np.testing.assert_allclose(bits_per_dim(0.0, 64 * 64 * 3, n_bits), n_bits, rtol=1e-6)
    np.testing.assert_allclose(bits_per_dim(np.zeros(3), 10, n_bits), [n_bits] * 3, rtol=1e-6)


def test_bits_per_dim_formula():
    d, n_bits, log_prob = 3072, 5, -4000.0
    expected = -(log_prob - d * math.log(2**n_bits)) / (d * math.log(2.0))
    np.testing.assert_allclose(bits_per_dim(log_prob, d, n_bits), expected, rtol=1e-6)
    # one more nat of log-density is 1 / (D ln 2) fewer bits per dim
    np.testing.assert_allclose(
        bits_per_dim(log_prob, d, n_bits) - bits_per_dim(log_prob + 1.0, d, n_bits), 1 / (d * math.log(2)), rtol=1e-3
    )


@pytest.mark.parametrize("n_bits", [0, 9, 5.0, True, "8"])
def test_bad_n_bits_is_one_clear_error(n_bits):
    for call in (
        lambda: quantize(ALL_LEVELS, n_bits),
        lambda: dequantize(np.zeros(3), n_bits),
        lambda: to_uint8(np.zeros(3), n_bits),
        lambda: bits_per_dim(0.0, 3, n_bits),
    ):
        with pytest.raises(ValueError, match="n_bits must be an integer in 1..8"):
            call()


@pytest.mark.parametrize("images", [ALL_LEVELS.astype(np.float32) / 255, ALL_LEVELS.astype(np.int32), [0, 255]])
def test_quantize_rejects_non_uint8(images):
    with pytest.raises(ValueError, match="uint8"):
        quantize(images, 8)


def test_bits_per_dim_rejects_bad_num_dims():
    with pytest.raises(ValueError, match="num_dims"):
        bits_per_dim(0.0, 0, 8)


def test_resize_images_shapes_and_constant_images():
    batch = np.full((2, 64, 64, 3), 200, np.uint8)
    small = resize_images(batch, 32)
    assert small.dtype == tf.uint8 and small.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(small, 200)  # lanczos weights sum to 1
    assert resize_images(batch[0], (16, 8)).shape == (16, 8, 3)
    np.testing.assert_array_equal(resize_images(batch, 64), batch)
    with pytest.raises(ValueError, match="uint8"):
        resize_images(batch.astype(np.float32), 32)
