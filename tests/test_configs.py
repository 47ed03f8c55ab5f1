"""Every shipped zoo config validates and builds a model whose encode/decode round-trips; config errors are clear
(one file per family of bad input: tests/test_bad_input_config.py holds the table of bad keys and values)."""
from pathlib import Path

import numpy as np
import pytest

from nfzoo.config import build, load_config

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "zoo_configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_config_builds_and_round_trips(path):
    config = load_config(path)  # validates every key (nfzoo.config_schema)
    assert config["name"] == path.stem and config["description"]
    model = build(config)
    x = np.random.default_rng(0).uniform(-0.49, 0.49, (2, *model.data_event_shape)).astype("float32")
    if getattr(model, "likelihood_bound", None) == "elbo":  # a VAE reconstructs rather than inverts
        assert model.encode(x).shape == (2, model.latent_dim)
        assert np.all(np.isfinite(model.log_likelihood(x).numpy()))
        return
    np.testing.assert_allclose(model.decode(model.encode(x)).numpy(), x, atol=1e-3)
    assert np.all(np.isfinite(model.log_prob(x).numpy()))


def test_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no zoo config"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="lacks the section"):
        load_config({"name": "x", "model": {"family": "glow"}})
    with pytest.raises(ValueError, match="model.family must be one of"):
        load_config({"name": "x", "model": {"family": "pixelcnn"}, "data": {}, "training": {}})
    with pytest.raises(ValueError, match="divisible by 2\\*\\*3"):
        build({"name": "x", "model": {"family": "glow", "image_shape": [20, 20, 3], "levels": 3},
               "data": {}, "training": {}})
