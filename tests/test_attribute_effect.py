"""The measured attribute-manipulation effect (nfzoo.zoo.attribute_effect) on tiny generated faces: keys and
shapes, exact alpha = 0 reconstruction, a visible effect for the attribute the fake faces carry, errors, and
the model-card table."""
import json

import numpy as np
import pytest

from fixtures import tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.config import build, load_config
from nfzoo.data.images import to_model_space
from nfzoo.data.sources import load_splits
from nfzoo.zoo import ZooModel, compute_directions
from nfzoo.zoo.attribute_effect import effect_table, measure_attribute_effect
from nfzoo.zoo import DecodeOverflowError
from nfzoo.zoo.card import model_card
from nfzoo.zoo.records import record_of


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """An untrained (ActNorm-initialised) tiny 5-bit Glow with directions from the fake faces' training split."""
    config = load_config(tiny_glow_config(write_fake_celeba_npz(tmp_path_factory.mktemp("faces"))))
    splits = load_splits(config["data"])
    flow = build(config)
    flow.initialize(to_model_space(splits.train_images[:32], flow.n_bits))
    directions = compute_directions(ZooModel(flow, "tiny"), splits.train_images, splits.train_labels,
                                    splits.attribute_names)
    return ZooModel(flow, "tiny", directions=directions), splits


@pytest.fixture(scope="module")
def effect(setup):
    model, splits = setup
    return measure_attribute_effect(model, splits.train_images, splits.train_labels, splits.val_images,
                                    splits.val_labels, splits.attribute_names, attributes=("Smiling", "Male"),
                                    alphas=(-1.0, 1.0), max_images=16)


def test_keys_shapes_and_exact_reconstruction_at_alpha_zero(effect):
    assert effect["alphas"] == [-1.0, 0.0, 1.0]  # alpha = 0 is always measured
    assert effect["edited_images"] == 16 and effect["held_out_images"] == 24
    assert list(effect["attributes"]) == ["Smiling", "Male"]
    for entry in effect["attributes"].values():
        assert len(entry["mean_p"]) == 3 and all(0.0 <= p <= 1.0 for p in entry["mean_p"])
        assert 0.0 <= entry["classifier_held_out_accuracy"] <= 1.0 and 0 < entry["train_positives"] < 72
        assert entry["alpha0_max_abs_pixel_diff"] == 0 and entry["alpha0_mean_abs_pixel_diff"] == 0
        assert entry["mean_p"][1] == entry["mean_p_unedited"]  # the alpha = 0 edits are the faces themselves
    assert effect["alpha0_max_abs_pixel_diff"] == 0 and effect["alpha0_mean_abs_pixel_diff"] == 0
    assert json.loads(json.dumps(effect)) == effect


def test_editing_along_smiling_moves_the_classifier(effect):
    # The fake faces' bright blob grows with 'Smiling': the pixel classifier learns it and the direction moves it.
    smiling = effect["attributes"]["Smiling"]
    assert smiling["classifier_held_out_accuracy"] > 0.9
    assert smiling["increasing"] and smiling["mean_p"][2] - smiling["mean_p"][0] > 0.3


def test_a_face_whose_edit_overflows_is_counted_and_left_out(setup, monkeypatch):
    """A flow's inverse can overflow on latents edited far from the prior (seen on the 32x32 Glow: a few % of the
    held-out faces at alpha = 1): those faces are counted, the others still measured."""
    model, splits = setup
    direction = model.attribute_direction("Smiling")
    z = model.encode(splits.val_images)
    edited_norms = np.linalg.norm(z[:, None] + np.array([-1.0, 0.0, 1.0])[:, None] * direction, axis=-1).max(1)
    limit = np.quantile(edited_norms, 0.7)  # the faces whose farthest edit is beyond it "overflow"
    decode = model.decode

    def overflowing_decode(latents):
        images, far = decode(latents), np.flatnonzero(np.linalg.norm(latents, axis=-1) > limit + 1e-3)
        if len(far):
            images[far] = 0
            raise DecodeOverflowError("the flow overflowed decoding latents (test)", far, images)
        return images

    monkeypatch.setattr(model, "decode", overflowing_decode)
    effect = measure_attribute_effect(model, splits.train_images, splits.train_labels, splits.val_images,
                                      splits.val_labels, splits.attribute_names, attributes=("Smiling",),
                                      alphas=(-1.0, 1.0), max_images=24)
    entry = effect["attributes"]["Smiling"]
    assert entry["overflowed_faces"] == int((edited_norms > limit + 1e-3).sum()) > 0
    assert entry["alpha0_max_abs_pixel_diff"] == 0 and len(entry["mean_p"]) == 3
    assert f"Smiling {entry['overflowed_faces']} of 24" in effect_table(effect)
    def all_overflow(latents):
        raise DecodeOverflowError("all", np.arange(len(latents)), np.zeros((len(latents), *model.image_shape), np.uint8))

    monkeypatch.setattr(model, "decode", all_overflow)
    with pytest.raises(ValueError, match="every edit of 'Smiling' overflowed"):
        measure_attribute_effect(model, splits.train_images, splits.train_labels, splits.val_images,
                                 splits.val_labels, splits.attribute_names, attributes=("Smiling",), max_images=4)


def test_unknown_attribute_and_bad_labels_raise(setup):
    model, splits = setup
    args = (splits.train_images, splits.train_labels, splits.val_images, splits.val_labels, splits.attribute_names)
    with pytest.raises(KeyError, match="unknown attribute 'Has_Wings'"):
        measure_attribute_effect(model, *args, attributes=("Has_Wings",))
    no_directions = ZooModel(model.flow, "bare")
    with pytest.raises(KeyError, match="bare has no direction for 'Smiling'"):
        measure_attribute_effect(no_directions, *args, attributes=("Smiling",))
    with pytest.raises(ValueError, match="labels must be \\[N, A\\]"):
        measure_attribute_effect(model, splits.train_images, splits.train_labels[:, :3], splits.val_images, None,
                                 splits.attribute_names, attributes=("Smiling",))


def test_model_card_renders_the_table(effect):
    table = effect_table(effect)
    assert "| Smiling |" in table and "P at alpha=-1" in table and "exactly (max abs pixel difference 0)" in table
    inexact = effect_table({**effect, "alpha0_max_abs_pixel_diff": 231, "alpha0_mean_abs_pixel_diff": 9.25})
    assert "approximately: mean abs pixel difference 9.2 of 255, max 231" in inexact  # e.g. a VAE
    assert "with max abs pixel difference 231." in effect_table({**effect, "alpha0_max_abs_pixel_diff": 231,
                                                                 "alpha0_mean_abs_pixel_diff": None})
    card = {"name": "tiny", "description": "test", "note": None, "family": "glow", "architecture": {"levels": 2},
            "parameters": 1, "resolution": [16, 16, 3], "n_bits": 5, "data": {"source": "celeba_npz"},
            "train_images": 72, "held_out_images": 24, "held_out_bits_per_dim": 5.0, "train_bits_per_dim": 5.0,
            "training": {"epochs": 1, "steps": 4, "batch_size": 16, "learning_rate": 1e-3, "wall_time_hours": 0},
            "machine": "x", "date": "today", "commands": ["nfzoo train x", "nfzoo publish tiny"]}
    config = {"name": "tiny", "model": {"family": "glow"}, "data": card["data"]}
    assert "Attribute manipulation" not in model_card(record_of(config, card))
    readme = model_card(record_of(config, {**card, "attribute_effect": effect}))
    assert "Data licence: CelebA images" in readme
    assert "## Attribute manipulation, measured" in readme and table in readme


def test_latents_far_beyond_the_prior_raise_decode_overflow_naming_them(setup):
    """The error names the rows that overflowed (latents, samples, or images edited) and holds the others."""
    model, splits = setup
    z = np.zeros((3, model.flow.latent_dim), np.float32)
    z[1] = 3e38
    expected = r"the flow overflowed decoding 1 of 3 latents \(\|z\| up to 3e\+38"
    with pytest.raises(DecodeOverflowError, match=expected) as error:
        model.decode(z)
    assert error.value.overflowed.tolist() == [1] and error.value.images.shape == (3, *model.image_shape)
    np.testing.assert_array_equal(error.value.images[[0, 2]], model.decode(z[[0, 2]]))
    assert not error.value.images[1].any()
    expected = r"decoding 4 of 4 samples at temperature 1e\+38: draw at a lower temperature"
    with pytest.raises(DecodeOverflowError, match=expected) as error:
        model.sample(4, temperature=1e38, seed=0)
    assert error.value.overflowed.tolist() == [0, 1, 2, 3]
    faces = splits.val_images[:3]
    huge = 3e38 / np.abs(model.attribute_direction("Smiling")).max()  # an edited latent up to |z| ~ 3e38
    with pytest.raises(DecodeOverflowError) as error:
        model.manipulate(faces, "Smiling", [0.0, huge])
    assert error.value.overflowed.tolist() == [0, 1, 2] and error.value.images.shape == (3, 2, *model.image_shape)
    np.testing.assert_array_equal(error.value.images[:, 0], model.manipulate(faces, "Smiling", 0.0))
