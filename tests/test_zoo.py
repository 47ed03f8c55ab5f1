"""The zoo: publish a (tiny) trained run, list, load, encode/decode, manipulate, interpolate, CLI, errors."""
import json
import shutil
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from fixtures import published_tiny_zoo, tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.bijectors.networks import CouplingNetwork
from nfzoo.cli import main
from nfzoo.data.celeba import CELEBA_ATTRIBUTES
from nfzoo.data.images import read_image, save_png
from nfzoo.zoo import compute_directions, list_models, load, zoo_model
from nfzoo.zoo.publish import publish


@pytest.fixture(scope="module")
def zoo_home(tmp_path_factory):
    """A zoo root with one published entry, tiny_glow, trained for 2 epochs on generated faces with bfloat16
    networks (as glow_celeba)."""
    data = write_fake_celeba_npz(tmp_path_factory.mktemp("faces"))
    home = published_tiny_zoo(tmp_path_factory.mktemp("zoo"), data, epochs=2, precision="mixed_bfloat16")
    config = tiny_glow_config(data, epochs=2, precision="mixed_bfloat16")
    (home / "zoo_configs" / "untrained.yaml").write_text(yaml.safe_dump({**config, "name": "untrained"}))
    return home


def test_published_entry_has_card_and_directions(zoo):
    folder = zoo / "saved_models" / "tiny_glow"
    for name in ("architecture.json", "serving/1/saved_model.pb", "directions.npz", "card.json", "README.md",
                 "example.png", "history.csv"):
        assert (folder / name).is_file(), name
    assert not (folder / "model.keras").exists()  # the weights are kept once, in the SavedModel
    card = json.loads((folder / "card.json").read_text())
    assert [s["images"] for s in card["held_out_sets"].values()] == [24]  # one data folder, one held-out set
    assert [s["images"] for s in card["train_sets"].values()] == [72]  # and one training set
    assert list(card["train_sets"].values())[0]["bits_per_dim"] == card["train_bits_per_dim"]
    assert card["held_out_images"] == 24 and card["train_images"] == 72 and card["n_bits"] == 5
    assert 0 < card["held_out_bits_per_dim"] < 8
    assert "held-out bits/dim" in (folder / "README.md").read_text()
    effect = card["attribute_effect"]  # measured on the held-out faces (tests/test_attribute_effect.py)
    assert list(effect["attributes"]) == ["Smiling", "Eyeglasses", "Blond_Hair", "Male"]
    assert effect["alpha0_max_abs_pixel_diff"] == 0 and effect["edited_images"] == 24
    assert "| Smiling |" in (folder / "README.md").read_text()


def test_shipped_networks_compute_in_float32_whatever_the_training_precision(zoo):
    checkpoint = keras.models.load_model(zoo / "runs" / "tiny_glow" / "best.keras", compile=False)
    shipped = load("tiny_glow").flow

    def network_dtypes(flow):
        return {layer.compute_dtype for layer in flow._flatten_layers() if isinstance(layer, CouplingNetwork)}

    assert network_dtypes(checkpoint) == {"bfloat16"} and network_dtypes(shipped) == {"float32"}
    for trained, published in zip(checkpoint.get_weights(), shipped.get_weights(), strict=True):
        np.testing.assert_array_equal(trained, published)
    card = json.loads((zoo / "saved_models" / "tiny_glow" / "card.json").read_text())
    assert card["training"]["network_precision"] == "mixed_bfloat16" and "precision" not in card["architecture"]
    assert "shipped in float32" in (zoo / "saved_models" / "tiny_glow" / "README.md").read_text()


def test_list_and_load(zoo):
    assert list(list_models()) == ["tiny_glow"]  # untrained has a config but no saved model
    model = load("tiny_glow")
    assert model.image_shape == (16, 16, 3) and model.attributes == list(CELEBA_ATTRIBUTES)
    assert model.card["name"] == "tiny_glow"


def test_encode_decode_and_manipulate_at_zero_are_exact(zoo):
    model = load("tiny_glow")
    faces = model.sample(3, seed=4)
    np.testing.assert_array_equal(model.decode(model.encode(faces)), faces)
    np.testing.assert_array_equal(model.manipulate(faces, "Smiling", 0.0), faces)
    strip = model.manipulate(faces, "Smiling", [-1.0, 0.0, 1.0])
    assert strip.shape == (3, 3, 16, 16, 3) and strip.dtype == np.uint8
    np.testing.assert_array_equal(strip[:, 1], faces)
    assert np.abs(strip[:, 2].astype(int) - faces).mean() > 0


def test_interpolate_ends_at_the_images(zoo):
    model = load("tiny_glow")
    a, b = model.sample(2, seed=5)
    path = model.interpolate(a, b, steps=5)
    assert path.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[-1], b)


def test_any_size_input_is_cropped_and_resized(zoo):
    model = load("tiny_glow")
    aligned_frame = np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8)
    assert model.prepare(aligned_frame).shape == (1, 16, 16, 3)
    assert model.encode(np.random.default_rng(1).uniform(0, 1, (40, 30, 3))).shape == (1, 768)
    with pytest.raises(ValueError, match="scaled to \\[0, 1\\]"):
        model.encode(np.full((16, 16, 3), 2.0))


def test_compute_directions_is_difference_of_class_means():
    class Identity:
        def encode(self, images):
            return np.asarray(images, np.float32)

    z = np.array([[1.0, 0.0], [3.0, 2.0], [0.0, 4.0], [2.0, 2.0]])
    labels = np.array([[1, -1], [1, 1], [-1, 1], [-1, -1]])
    out = compute_directions(Identity(), z, labels, ["a", "b"], batch_size=3)
    np.testing.assert_allclose(out["directions"][0], [1.0, -2.0])
    np.testing.assert_allclose(out["directions"][1], [0.0, 2.0])
    np.testing.assert_array_equal(out["positives"], [2, 2])


def test_errors_name_what_is_expected(zoo, tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="available: tiny_glow"):
        load("glow_nowhere")
    model = load("tiny_glow")
    with pytest.raises(KeyError, match="knows: 5_o_Clock_Shadow"):
        model.attribute_direction("Has_Wings")
    broken = tmp_path / "broken"
    (broken / "zoo_configs").mkdir(parents=True)
    (broken / "saved_models" / "tiny_glow").mkdir(parents=True)
    (broken / "zoo_configs" / "tiny_glow.yaml").write_text((zoo / "zoo_configs" / "tiny_glow.yaml").read_text())
    monkeypatch.setenv("NFZOO_HOME", str(broken))
    with pytest.raises(FileNotFoundError, match="card.json is missing.*nfzoo publish tiny_glow"):
        load("tiny_glow")
    (broken / "saved_models" / "tiny_glow" / "card.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="neither architecture.json.*nor model.keras.*nfzoo publish tiny_glow"):
        load("tiny_glow")
    (broken / "saved_models" / "tiny_glow" / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(OSError, match="model.keras is corrupt"):
        load("tiny_glow")
    shipped = zoo / "saved_models" / "tiny_glow"
    shutil.copytree(shipped / "serving", broken / "saved_models" / "tiny_glow" / "serving")
    (broken / "saved_models" / "tiny_glow" / "architecture.json").write_text((shipped / "architecture.json").read_text())
    variables = next((broken / "saved_models" / "tiny_glow" / "serving" / "1" / "variables").glob("*.data-*"))
    variables.write_bytes(variables.read_bytes()[:100])  # truncated weights
    with pytest.raises(OSError, match="serving/1 is corrupt or incompatible"):
        load("tiny_glow")


def test_cli_list_sample_manipulate_interpolate(zoo, tmp_path, capsys):
    assert main(["list"]) == 0
    assert "tiny_glow" in capsys.readouterr().out
    assert main(["sample", "tiny_glow", "-n", "4", "-t", "0.7", "--raw", "-o", str(tmp_path / "grid.png")]) == 0
    assert read_image(tmp_path / "grid.png").shape == (33, 33, 3)  # 2x2 grid with a 1-pixel gutter
    assert main(["manipulate", "tiny_glow", "--attribute", "Smiling", "--alpha=-1,0,1", "--raw",
                 "-o", str(tmp_path / "strip.png")]) == 0
    raw = read_image(tmp_path / "strip.png")
    assert raw.shape == (16, 50, 3)
    assert main(["manipulate", "tiny_glow", "--attribute", "Smiling", "--alpha=-1,0,1",
                 "-o", str(tmp_path / "figure.png")]) == 0
    shown = read_image(tmp_path / "figure.png")  # for people: 16-pixel faces shown 8x (128 pixels), labelled
    assert shown.shape[0] > 128 and shown.shape[1] > 3 * 128
    big_first_face = np.repeat(np.repeat(raw[:, :16], 8, axis=0), 8, axis=1)
    assert any(np.array_equal(shown[y:y + 128, x:x + 128], big_first_face)
               for y in range(shown.shape[0] - 127) for x in range(0, 40))
    face = tmp_path / "face.png"
    save_png(face, np.random.default_rng(0).integers(0, 256, (218, 178, 3), dtype=np.uint8))
    assert main(["manipulate", "tiny_glow", str(face), str(face), "--attribute", "Eyeglasses", "--alpha=0,2", "--raw",
                 "-o", str(tmp_path / "two.png")]) == 0
    assert read_image(tmp_path / "two.png").shape == (33, 33, 3)
    assert main(["interpolate", "tiny_glow", "--steps", "4", "--raw", "-o", str(tmp_path / "interp.png")]) == 0
    assert read_image(tmp_path / "interp.png").shape == (16, 67, 3)


def test_results_do_not_depend_on_how_many_images_the_flow_sees_at_once(zoo, monkeypatch):
    model = load("tiny_glow")
    faces = model.sample(7, seed=3)
    whole = model.encode(faces), model.bits_per_dim(faces)
    monkeypatch.setattr(zoo_model, "BATCH", 3)  # 7 images -> calls of 3, 3 and 1
    np.testing.assert_allclose(model.encode(faces), whole[0], atol=1e-4)
    np.testing.assert_allclose(model.bits_per_dim(faces), whole[1], atol=1e-4)
    np.testing.assert_array_equal(model.decode(whole[0]), faces)


def test_images_are_read_in_the_models_channel_count_and_bit_depth(tmp_path):
    from PIL import Image

    grey16 = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5957)  # 0 .. 65527
    Image.fromarray(grey16).save(tmp_path / "grey16.png")
    expected = np.round(grey16 / 257.0).astype(np.uint8)
    np.testing.assert_array_equal(read_image(tmp_path / "grey16.png", channels=1)[..., 0], expected)
    np.testing.assert_array_equal(read_image(tmp_path / "grey16.png"), np.repeat(expected[..., None], 3, -1))
    rgb = np.random.default_rng(0).integers(0, 256, (3, 4, 3), dtype=np.uint8)
    save_png(tmp_path / "rgb.png", rgb)
    luminance = (rgb @ [0.299, 0.587, 0.114]).round()  # ITU-R 601, as PIL's "L"
    np.testing.assert_allclose(read_image(tmp_path / "rgb.png", channels=1)[..., 0], luminance, atol=1)
    np.testing.assert_array_equal(read_image(tmp_path / "rgb.png"), rgb)
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ValueError, match="not an image file"):
        read_image(tmp_path / "text.png")
    with pytest.raises(FileNotFoundError, match="no image file at"):
        read_image(tmp_path / "missing.png")


def test_the_budget_benchmark_writes_its_comparison_as_a_card_section():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from budget_baseline import card_section

    rows = [{"entry": "stock", "cpu_minutes": 40.0, "steps": 900, "parameters": 1590060, "held_out_bits_per_dim": 4.4},
            {"entry": "zoo_configs/m.yaml", "cpu_minutes": 40.0, "steps": 700, "parameters": 3229404,
             "held_out_bits_per_dim": 4.3, "recipe": {"model": {}, "training": {}}}]
    section = card_section("m", rows)
    text = section["markdown"]
    assert "| stock | 40 | 900 | 1,590,060 | 4.4000 |" in text and "| m.yaml | 40 | 700 | 3,229,404 | 4.3000 |" in text
    assert "--write-card m" in text and section["recipe"] == {"model": {}, "training": {}}


def test_card_says_which_dequantisation_bound_its_bits_per_dim_are():
    from nfzoo.zoo.card import bits_per_dim_note

    assert "one uniform dequantisation per image" in bits_per_dim_note({"n_bits": 8, "architecture": {}})
    note = bits_per_dim_note({"n_bits": 8, "architecture": {"dequantization": "variational"}})
    assert "variational-dequantisation bound" in note and "8-bit" in note


SECTION = {"name": "benchmark", "markdown": "## A benchmark\n\n| entry | bits/dim |\n|---|---|\n| stock | 7.0000 |\n"}


def test_republishing_keeps_the_sections_scripts_wrote_into_the_card(zoo):
    path = zoo / "saved_models" / "tiny_glow" / "card.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "sections": [SECTION]}))
    publish("tiny_glow")
    assert json.loads(path.read_text())["sections"] == [SECTION]
    assert "## A benchmark" in (path.parent / "README.md").read_text()


def test_republishing_notes_a_section_measured_with_an_earlier_recipe(zoo):
    from nfzoo.config import load_config
    from nfzoo.zoo.records import recipe

    current = recipe(load_config(zoo / "zoo_configs" / "tiny_glow.yaml"))
    earlier = {"model": {**current["model"], "dropout": 0.5}, "training": {**current["training"], "epochs": 7}}
    del earlier["training"]["augment_flip"]
    path = zoo / "saved_models" / "tiny_glow" / "card.json"
    for measured_with, changes in ((current, []), (earlier, [
            "model.dropout: 0.5 -> None", "training.augment_flip: None -> True",
            f"training.epochs: 7 -> {current['training']['epochs']}"])):
        card = json.loads(path.read_text())
        path.write_text(json.dumps({**card, "sections": [{**SECTION, "recipe": measured_with}]}))
        publish("tiny_glow")
        assert json.loads(path.read_text())["sections"][0]["recipe_changes"] == changes
        card_text = (path.parent / "README.md").read_text()
        assert ("Measured with an earlier recipe" in card_text) == bool(changes)
        assert all(f"`{change}`" in card_text for change in changes)


def test_run_facts_count_a_resumed_epoch_once(tmp_path):
    from nfzoo.zoo.measure import run_facts

    (tmp_path / "history.csv").write_text("epoch,loss\n0,3.0\n1,2.5\n1,2.4\n2,2.0\n")  # epoch 1 was interrupted
    (tmp_path / "epoch_times.txt").write_text("0 1800\n1 900\n1 1800\n2 1800\n")
    assert run_facts(tmp_path, steps_per_epoch=10) == {"epochs": 3, "steps": 30, "wall_time_hours": 1.75}


def test_run_facts_sum_the_cpu_time_of_the_epochs_that_recorded_it_and_the_card_says_how_many(tmp_path):
    from nfzoo.zoo.card import cpu_time_note
    from nfzoo.zoo.measure import run_facts

    (tmp_path / "history.csv").write_text("epoch,loss\n0,3.0\n1,2.5\n2,2.0\n")
    (tmp_path / "epoch_times.txt").write_text("0 1800\n1 1800 3600\n2 1800 3240.0\n")  # epoch 0 from an older nfzoo
    facts = run_facts(tmp_path, steps_per_epoch=10)
    assert facts == {"epochs": 3, "steps": 30, "wall_time_hours": 1.5, "cpu_time_hours": 1.9, "cpu_time_epochs": 2}
    assert cpu_time_note({"training": facts}) == ", CPU time 1.9 h (recorded for 2 of 3 epochs)"
    assert cpu_time_note({"training": {**facts, "cpu_time_epochs": 3}}) == ", CPU time 1.9 h"
    assert cpu_time_note({"training": {"epochs": 3, "wall_time_hours": 1.5}}) == ""


def test_a_run_without_epoch_times_has_no_wall_time_and_the_card_says_so(tmp_path):
    from nfzoo.zoo.card import wall_time_note
    from nfzoo.zoo.measure import run_facts

    (tmp_path / "history.csv").write_text("epoch,loss\n0,3.0\n")
    facts = run_facts(tmp_path, steps_per_epoch=10)
    assert facts == {"epochs": 1, "steps": 10, "wall_time_hours": None}
    assert wall_time_note({"training": facts}) == "wall time not recorded"
    assert wall_time_note({"training": {**facts, "wall_time_hours": 1.5}}) == "wall time 1.5 h"


def test_the_epoch_timer_writes_wall_and_cpu_seconds(tmp_path):
    from nfzoo.training.callbacks import EpochTimer

    timer = EpochTimer(tmp_path / "epoch_times.txt")
    for epoch in range(2):
        timer.on_epoch_begin(epoch)
        sum(i * i for i in range(200_000))  # some CPU work
        timer.on_epoch_end(epoch)
    lines = [line.split() for line in (tmp_path / "epoch_times.txt").read_text().splitlines()]
    assert [line[0] for line in lines] == ["0", "1"] and all(len(line) == 3 for line in lines)
    assert all(float(line[1]) >= 0 and float(line[2]) >= 0 for line in lines)
