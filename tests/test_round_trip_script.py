"""scripts/round_trip.py counts what it says: images whose decode(encode(x)) differs, the far ones, and the share
of coupling log-scales on their floor (a tiny randomised Glow; the shipped models' rows are in RESULTS.md)."""
from pathlib import Path

import numpy as np
import pytest

from nfzoo.data.images import to_model_space
from nfzoo.models.glow import glow
from nfzoo.testing import perturb_weights
from nfzoo.zoo import ZooModel

ROOT = Path(__file__).resolve().parents[1]
SHAPE, N_BITS = (8, 8, 3), 8


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import round_trip

    return round_trip


def tiny_model(log_scale_bound, held_out=None):
    images = np.random.default_rng(0).integers(0, 256, (12, *SHAPE)).astype(np.uint8)
    flow = glow(SHAPE, levels=1, steps=2, hidden=8, n_bits=N_BITS, log_scale_bound=log_scale_bound)
    flow.initialize(to_model_space(images, N_BITS))
    perturb_weights(flow, scale=0.05)  # fresh: every coupling log-scale is log_sigmoid(2) ~ -0.13
    card = {} if held_out is None else {"held_out_bits_per_dim": held_out}
    return ZooModel(flow, "tiny", card=card), images


def test_floor_share_is_the_share_of_log_scales_on_the_floor(script):
    loose, images = tiny_model(log_scale_bound=10.0)
    tight, _ = tiny_model(log_scale_bound=0.05)  # the same weights, a floor above most log-scales
    assert (script.floor_share(loose, images) == 0).all()
    share = script.floor_share(tight, images)
    assert share.shape == (len(images),) and (share > 0.5).all() and (share <= 1).all()


def test_round_trip_counts_the_images_that_do_not_come_back_and_the_far_ones(script, monkeypatch):
    model, images = tiny_model(log_scale_bound=10.0)
    exact = script.round_trip_counts(model, images)
    assert exact == {"count": 12, "far": 0, "likely_not_exact": 0, "far_not_exact": 0, "floor_exact": "0.000%",
                     "floor_not_exact": "–"}  # no card figure: nothing is far

    bits = model.bits_per_dim(images)
    model.card = {"held_out_bits_per_dim": float(np.sort(bits)[-3]) - 1.0}  # the two highest score over margin 1
    decode = model.decode

    def decode_with_image_0_off(z):  # image 0 off by a quarter of the range
        images = decode(z)
        images[0] = (images[0].astype(np.int64) + 64) % 256
        return images

    monkeypatch.setattr(model, "decode", decode_with_image_0_off)
    counts = script.round_trip_counts(model, images)
    far = set(np.argsort(bits)[-2:])
    assert counts["far"] == 2
    assert (counts["likely_not_exact"], counts["far_not_exact"]) == ((0, 1) if 0 in far else (1, 0))


def test_decoded_marks_the_rows_that_overflow_and_keeps_the_others(script):
    model, images = tiny_model(log_scale_bound=10.0)
    z = model.encode(images[:3])
    z[1] = 3e38
    back, decoded = script.decoded(model.decode, z)
    assert decoded.tolist() == [True, False, True] and not back[1].any()
    np.testing.assert_array_equal(back[[0, 2]], images[[0, 2]])
