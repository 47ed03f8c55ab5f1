"""nfzoo.data.figures: enlarged, labelled figures of model images."""
import numpy as np
import pytest

from nfzoo.data.figures import display_scale, enlarge, figure


def test_display_scale_shows_faces_at_least_128_pixels_tall():
    assert [display_scale(h) for h in (8, 32, 64, 128, 200)] == [16, 4, 2, 1, 1]


def test_enlarge_repeats_each_pixel_into_a_square():
    image = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    big = enlarge(image, 3)
    assert big.shape == (6, 6, 3)
    np.testing.assert_array_equal(big[:3, :3], np.broadcast_to(image[0, 0], (3, 3, 3)))
    np.testing.assert_array_equal(big[3:, 3:], np.broadcast_to(image[1, 1], (3, 3, 3)))
    with pytest.raises(ValueError, match="positive integer"):
        enlarge(image, 0)


def test_figure_holds_every_enlarged_image_and_draws_the_labels():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 256, (2, 3, 8, 8, 3)).astype(np.uint8)
    plain = figure(rows, scale=4)
    labelled = figure(rows, scale=4, column_labels=["-1", "0", "+1"], row_labels=["a", "b"], title="edits")
    assert plain.dtype == np.uint8 and plain.shape[2] == 3
    assert labelled.shape[0] > plain.shape[0] and labelled.shape[1] > plain.shape[1]
    big = enlarge(rows, 4)

    def contains(page, patch):
        h, w = patch.shape[:2]
        return any(np.array_equal(page[y:y + h, x:x + w], patch)
                   for y in range(page.shape[0] - h + 1) for x in range(page.shape[1] - w + 1))

    assert contains(labelled, big[1, 2]) and contains(plain, big[0, 0])
    # labels are drawn in black on the white page outside the images
    assert (labelled == 0).all(axis=-1).sum() > (plain == 0).all(axis=-1).sum()


def test_grey_images_become_rgb_and_wrong_labels_are_one_clear_error():
    grey = np.full((1, 2, 8, 8, 1), 100, np.uint8)
    assert figure(grey, scale=2).shape[2] == 3
    with pytest.raises(ValueError, match="expected 2 column labels"):
        figure(grey, column_labels=["only one"])
    with pytest.raises(ValueError, match="rows, columns, H, W"):
        figure(grey[0])
