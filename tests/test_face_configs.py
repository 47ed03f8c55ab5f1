"""Every face zoo config (zoo_configs/*celeba*.yaml) trains on tiny shapes with all its other settings as shipped
(precision, dropout, dequantisation, EMA, schedule, the two-folder identity split), and the run loads as a
`ZooModel` whose image API works: exact round trip for the flows, shapes and ranges for the VAE. The families
besides Glow also go through `nfzoo publish`, the image commands and their SavedModel's signatures. The faces are
generated in the CelebA npz format (tests/fixtures.py), two folders as in the configs."""
from pathlib import Path

import numpy as np
import pytest

from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.config import load_config
from nfzoo.training.trainer import train
from nfzoo.zoo import load

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "zoo_configs").glob("*celeba*.yaml"))
PUBLISHED_HERE = ["nice_celeba", "realnvp_celeba", "iafvae_celeba"]  # the last test trains, publishes and serves them
TINY = {  # each family's widths shrunk; depth (levels, scales, couplings, steps of the flow) kept where cheap
    "glow": {"hidden": 8, "steps": 1},
    "realnvp": {"hidden": 8, "num_hidden": 1},
    "nice": {"hidden": 8, "num_hidden": 1},
    "iafvae": {"widths": [4, 4, 4], "context_size": 4, "iaf_hidden_units": [8], "latent_dim": 4},
}


def tiny(config, folders):
    """``config`` with tiny networks, 8x8 (16x16 for a 4-level Glow) images of ``folders``, one short epoch."""
    model = config["model"]
    size = 2 ** model["levels"] if model["family"] == "glow" and model["levels"] > 3 else 8
    shape_key = "event_shape" if "event_shape" in model else "image_shape"
    model.update(TINY[model["family"]], **{shape_key: [size, size, 3]})
    config["data"].update(path=[str(f) for f in folders], image_size=size)
    config["training"].update(batch_size=8, epochs=1, warmup_steps=2)
    return config


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    folders = [tmp_path_factory.mktemp(name) for name in ("subset", "extra")]
    return [write_fake_celeba_npz(folder, n=40, size=16, identities=k, seed=i)
            for i, (folder, k) in enumerate(zip(folders, (10, 20)))]


def test_the_face_configs_share_glow_celebas_data_section():
    configs = {path.stem: load_config(path) for path in CONFIGS}
    assert {"glow_celeba", "glow_celeba64", "nice_celeba", "realnvp_celeba", "iafvae_celeba"} <= set(configs)
    reference = {k: v for k, v in configs["glow_celeba"]["data"].items() if k != "image_size"}
    for name, config in configs.items():
        assert {k: v for k, v in config["data"].items() if k != "image_size"} == reference, name
        assert config["model"]["n_bits"] == 8, name


@pytest.mark.parametrize("path", [p for p in CONFIGS if p.stem not in PUBLISHED_HERE], ids=lambda p: p.stem)
def test_face_config_trains_on_tiny_shapes_and_loads_as_a_zoo_model(path, folders, tmp_path):
    config = tiny(load_config(path), folders)
    history = train(config, out_dir=tmp_path / "run", verbose=0)
    assert np.isfinite(history.history["loss"]).all() and np.isfinite(history.history["val_loss"]).all()
    model = load(tmp_path / "run")
    images = np.random.default_rng(0).integers(0, 256, (3, *model.image_shape), dtype=np.uint8)
    z = model.encode(images)
    assert z.shape == (3, model.flow.latent_dim)
    decoded = model.decode(z)
    assert decoded.shape == images.shape and decoded.dtype == np.uint8
    if getattr(model.flow, "likelihood_bound", None) != "elbo":  # a flow inverts; a VAE reconstructs
        np.testing.assert_array_equal(decoded, images)
    assert np.isfinite(model.bits_per_dim(images)).all()


@pytest.mark.parametrize("name", PUBLISHED_HERE)
def test_face_config_publishes_and_works_through_the_cli_and_its_saved_model(name, folders, tmp_path, monkeypatch):
    """The families besides Glow (covered by tests/test_zoo.py) through the whole path a shipped face model takes:
    nfzoo train, nfzoo publish (directions, attribute effect, SavedModel), the image commands, plain-TF signatures."""
    import tensorflow as tf
    import yaml

    from nfzoo.cli import main
    from nfzoo.zoo.registry import serving_version

    (tmp_path / "zoo_configs").mkdir()
    config = tiny(load_config(CONFIGS[[p.stem for p in CONFIGS].index(name)]), folders)
    (tmp_path / "zoo_configs" / f"{name}.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("NFZOO_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["train", f"zoo_configs/{name}.yaml"]) == 0
    assert main(["publish", name]) == 0
    card = load(name).card
    assert card["attribute_effect"]["attributes"]["Smiling"]["alpha0_max_abs_pixel_diff"] == 0 or \
        card.get("likelihood_bound") == "elbo"  # a VAE's alpha = 0 is its reconstruction, not the face itself
    for command in (["sample", name, "-n", "4", "-o", "samples.png"],
                    ["manipulate", name, "--attribute", "Smiling", "--alpha=-1,0,1", "-o", "strip.png"],
                    ["interpolate", name, "--steps", "3", "-o", "interpolation.png"]):
        assert main(command) == 0, command
        assert (tmp_path / command[-1]).stat().st_size > 0
    signatures = tf.saved_model.load(str(serving_version(tmp_path / "saved_models" / name))).signatures
    assert {"encode", "decode", "sample", "log_prob", "manipulate"} <= set(signatures)
    images = tf.constant(load(name).sample(2, seed=0))
    z = signatures["encode"](images=images)["z"]
    assert signatures["decode"](z=z)["images"].shape == images.shape
    assert np.isfinite(signatures["log_prob"](images=images)["bits_per_dim"].numpy()).all()
