"""Every family that `nfzoo train` lists (`nfzoo.config.FAMILIES`) trains from a config: image families on the
bundled digits, vector families on two moons, a scikit-learn table and an npz array. One tiny epoch each."""
import json

import numpy as np
import pytest
import yaml

from nfzoo.cli import main
from nfzoo.config import FAMILIES, load_config
from nfzoo.config_schema import ConfigError
from nfzoo.data.sources import load_splits
from nfzoo.models.keras_file import load_keras_model
from nfzoo.training.trainer import train

TINY_MODELS = {
    "glow": {"image_shape": [8, 8, 1], "levels": 1, "steps": 1, "hidden": 8, "n_bits": 5},
    "realnvp": {"image_shape": [8, 8, 1], "scales": 1, "hidden": 8, "num_hidden": 1, "n_bits": 5},
    "nice": {"event_shape": [8, 8, 1], "couplings": 2, "hidden": 8, "num_hidden": 1, "n_bits": 5},
    "iafvae": {"image_shape": [8, 8, 1], "latent_dim": 4, "widths": [4], "flow_steps": 1, "iaf_hidden_units": [8],
               "n_bits": 5},
    "maf": {"event_shape": [2], "num_layers": 1, "hidden_units": [8]},
    "iaf": {"event_shape": [2], "num_layers": 1, "hidden_units": [8]},
    "naf": {"event_shape": [2], "num_layers": 1, "hidden_units": [8], "num_units": 2},
    "sos": {"event_shape": [2], "num_layers": 1, "hidden_units": [8], "num_squares": 2, "degree": 2},
    "realnvp_vector": {"event_shape": [2], "num_layers": 2, "hidden": 8, "num_hidden": 1},
}
DIGITS = {"source": "digits", "val_fraction": 0.05, "max_train_images": 32}
MOONS = {"source": "two_moons", "num_examples": 48, "val_fraction": 0.25}


def tiny_config(family, data):
    return {"name": f"tiny_{family}", "description": "test", "model": {"family": family, **TINY_MODELS[family]},
            "data": {"seed": 0, **data}, "training": {"batch_size": 16, "epochs": 1, "seed": 0}}


def test_every_listed_family_has_a_tiny_config():
    assert set(TINY_MODELS) == set(FAMILIES)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_trains_one_epoch_from_a_config(family, tmp_path):
    vector = len(TINY_MODELS[family].get("event_shape", [0, 0])) == 1
    history = train(tiny_config(family, MOONS if vector else DIGITS), out_dir=tmp_path, verbose=0)
    assert history.epoch == [0] and np.isfinite(history.history["loss"]).all()
    assert (tmp_path / "final.keras").is_file() and (tmp_path / "best.keras").is_file()


@pytest.mark.parametrize("data, width", [({"source": "sklearn", "sklearn_name": "iris"}, 4),
                                         ({"source": "npz", "path": "rows.npz"}, 3)])
def test_a_vector_family_trains_on_a_scikit_learn_table_and_an_npz_array(data, width, tmp_path):
    np.savez(tmp_path / "rows.npz", x=np.random.default_rng(0).normal(size=(40, 3)))
    config = tiny_config("maf", {**data, "val_fraction": 0.2})
    config["model"]["event_shape"] = [width]
    if "path" in config["data"]:
        config["data"]["path"] = str(tmp_path / "rows.npz")
    history = train(config, out_dir=tmp_path / "run", verbose=0)
    assert np.isfinite(history.history["val_loss"]).all()


def test_vectors_for_an_image_model_or_rows_of_the_wrong_width_are_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="data.source 'two_moons' gives vectors but model.image_shape"):
        load_config(tiny_config("glow", MOONS))
    config = tiny_config("maf", {"source": "sklearn", "sklearn_name": "wine"})
    with pytest.raises(ValueError, match="rows of 13 features; expected model.event_shape \\[13\\], got \\[2\\]"):
        train(config, out_dir=tmp_path, verbose=0)


def test_nfzoo_evaluate_reports_a_vector_model_in_nats_per_example(tmp_path, capsys):
    config = tiny_config("maf", MOONS)
    train(config, out_dir=tmp_path / "run", verbose=0)
    (tmp_path / "tiny_maf.yaml").write_text(yaml.safe_dump(config))
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "tiny_maf.yaml"), "--model", str(tmp_path / "run")]) == 0
    figure = json.loads(capsys.readouterr().out)["held_out_log_likelihood_nats_per_example"]["all"]
    flow = load_keras_model(tmp_path / "run" / "best.keras")
    held_out = np.asarray(load_splits(load_config(config)["data"]).val_images, np.float32)  # scored directly
    assert figure == pytest.approx(float(np.mean(flow.log_prob(held_out))), abs=1e-3)
