"""Every command that takes a model, and `nfzoo.load`, accepts a zoo name, a .keras file, a run folder (its
best.keras, else final.keras) or a zoo-style folder (model.keras + card.json ...); a wrong one is one clear line
naming what was tried (exit code 2). A checkpoint of a real `nfzoo train` run loads in a fresh process."""
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from fixtures import tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.models.maf import maf
from nfzoo.zoo import ModelNotFound, find_model, load, load_flow
from test_bad_input_cli import cli, fresh_nfzoo

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "saved_models" / "glow_digits"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The folder of a one-epoch `nfzoo train` run of a tiny Glow (best.keras, final.keras, backup, ...)."""
    from nfzoo.training.trainer import train

    data = write_fake_celeba_npz(tmp_path_factory.mktemp("faces"))
    folder = tmp_path_factory.mktemp("runs") / "tiny_run"
    train(tiny_glow_config(data, epochs=1), out_dir=folder, verbose=0)
    return folder


@pytest.fixture(scope="module")
def zoo_style(tmp_path_factory):
    """A copy of the shipped glow_digits folder outside the zoo."""
    return Path(shutil.copytree(DIGITS, tmp_path_factory.mktemp("copies") / "my_digits"))


def test_each_kind_of_model_path_resolves_to_its_keras_file(run, zoo_style):
    assert find_model("glow_digits").keras_file == DIGITS / "model.keras"
    assert find_model(zoo_style)[:4] == (find_model(zoo_style).name, zoo_style / "model.keras", zoo_style, "")
    assert find_model(zoo_style).name == "my_digits"
    assert find_model(run).keras_file == run / "best.keras" and find_model(run).name == "tiny_run"
    assert find_model(run / "final.keras")[:4] == ("tiny_run", run / "final.keras", None, "")


def test_a_run_folder_offers_best_then_final(tmp_path):
    shutil.copy(DIGITS / "model.keras", tmp_path / "final.keras")
    assert find_model(tmp_path).keras_file == tmp_path / "final.keras"
    shutil.copy(DIGITS / "model.keras", tmp_path / "best.keras")
    assert find_model(tmp_path).keras_file == tmp_path / "best.keras"


@pytest.mark.parametrize("kind", ["zoo name", ".keras file", "run folder", "zoo-style folder"])
def test_the_commands_take_every_kind_of_model(kind, run, zoo_style, tmp_path, capsys):
    """sample here; manipulate and interpolate resolve their model with the same `nfzoo.zoo.load` (wrong models
    below go through all three)."""
    model = {"zoo name": "glow_digits", ".keras file": run / "final.keras", "run folder": run,
             "zoo-style folder": zoo_style}[kind]
    code, out, err = cli(["sample", model, "-n", "3", "-o", tmp_path / "out.png"], capsys)
    assert (code, err) == (0, []) and "wrote" in out


def test_load_gives_a_zoo_model_with_what_the_folder_holds(run, zoo_style):
    shipped, copied, checkpoint = load("glow_digits"), load(zoo_style), load(run)
    assert copied.card == shipped.card and copied.example_path == zoo_style / "example.png"
    np.testing.assert_array_equal(copied.sample(2, seed=1), shipped.sample(2, seed=1))
    assert (checkpoint.name, checkpoint.card, checkpoint.example_path) == ("tiny_run", {}, None)
    assert checkpoint.attributes == [] and checkpoint.image_shape == (16, 16, 3)


def test_wrong_models_are_one_line_naming_what_was_tried(run, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "broken.keras").write_bytes(b"not a zip")
    wrong = [
        ("glow_nowhere", "no model 'glow_nowhere': not a zoo model (available: glow_celeba"),
        (tmp_path / "missing", f"nor a .keras file or model folder at {tmp_path / 'missing'}"),
        (tmp_path / "empty", "empty is a folder without architecture.json or model.keras (a zoo-style folder) or best.keras / final.keras"),
        (tmp_path / "notes.txt", "notes.txt is not a .keras file"),
        (tmp_path / "broken.keras", "broken.keras is corrupt or incompatible"),
    ]
    for model, expected in wrong:
        for argv in (["sample", model], ["manipulate", model, "--attribute", "Smiling"], ["interpolate", model]):
            code, _, err = cli(argv, capsys)
            assert code == 2 and len(err) == 1 and expected in err[0], (argv, err)
    with pytest.raises(ModelNotFound, match="not a zoo model"):
        load("glow_nowhere")
    with pytest.raises(KeyError):  # an unknown name is a KeyError, as it always was
        load(tmp_path / "missing")


def test_a_flow_on_vectors_loads_as_a_flow_but_not_as_an_image_model(tmp_path, capsys):
    flow = maf((2,), num_layers=2, hidden_units=(8,))
    flow.save(tmp_path / "two_d.keras")
    x = np.random.default_rng(0).standard_normal((4, 2)).astype("float32")
    np.testing.assert_allclose(load_flow(tmp_path / "two_d.keras").log_prob(x), flow.log_prob(x), rtol=1e-5)
    with pytest.raises(ValueError, match="is a flow on events of shape \\[2\\] .* not an image model"):
        load(tmp_path / "two_d.keras")
    code, _, err = cli(["sample", tmp_path / "two_d.keras"], capsys)
    assert code == 2 and "not an image model; load it with nfzoo.zoo.load_flow" in err[0]


def test_a_keras_file_that_is_not_a_flow_is_named(tmp_path):
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(tmp_path / "dense.keras")
    with pytest.raises(ValueError, match="dense.keras holds a Sequential, not an nfzoo FlowModel"):
        load_flow(tmp_path / "dense.keras")


def test_a_train_checkpoint_samples_in_a_fresh_quiet_process(run, tmp_path):
    done = fresh_nfzoo("sample", run, "-n", "2", "-o", tmp_path / "grid.png")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert (tmp_path / "grid.png").is_file()


@pytest.mark.slow
def test_a_train_checkpoint_exports_in_a_fresh_process(run, tmp_path):
    for model, out in ((run, tmp_path / "from_folder"), (run / "best.keras", tmp_path / "from_file")):
        done = fresh_nfzoo("export", model, "--out", out)
        assert done.returncode == 0, done.stderr
        assert (out / "1" / "saved_model.pb").is_file()
