"""Zoo records (`nfzoo.zoo.records`): one declarative record per shipped entry, read from its config and card.json
without TensorFlow; the card writer renders the shipped cards from them, with the licence the data config states."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from nfzoo.data.licences import CELEBA, data_licence
from nfzoo.zoo.card import model_card
from nfzoo.zoo.records import read_record, read_records

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (REPO / "saved_models").iterdir() if (p / "card.json").is_file())


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_record_holds_the_config_files_input_licence_and_metrics(name):
    record = read_record(name)
    config = yaml.safe_load((REPO / "zoo_configs" / f"{name}.yaml").read_text())
    card = json.loads((REPO / "saved_models" / name / "card.json").read_text())
    assert (record.name, record.family) == (name, config["model"]["family"])
    assert record.description == card.get("description", config["description"])  # what was shipped
    assert record.metrics["held_out_bits_per_dim"] == card["held_out_bits_per_dim"]
    assert record.input["resolution"] == card["resolution"] and record.input["n_bits"] == card["n_bits"]
    assert (REPO / "saved_models" / name / record.files["weights"]).exists()
    assert record.licence == data_licence(config["data"])
    shipped = (REPO / "saved_models" / name / "README.md").read_text()
    assert model_card(record).split() == shipped.split()  # the card writer renders the shipped card from the record


def test_the_licence_comes_from_the_data_config_never_from_a_guess():
    assert data_licence({"source": "celeba_npz"}) == CELEBA
    assert data_licence({"source": "tfds", "tfds_name": "celeb_a"}) == CELEBA
    assert "digits" not in data_licence({"source": "tfds", "tfds_name": "mnist"})  # was labelled as the digits
    assert "set data.licence" in data_licence({"source": "npz"})
    assert data_licence({"source": "npz", "licence": "CC0"}) == "CC0"


def test_unknown_entry_names_the_available_ones():
    with pytest.raises(KeyError, match="no zoo entry 'nope'; available: .*glow_digits"):
        read_record("nope")
    assert set(read_records()) == set(SHIPPED)


def test_records_and_the_zoo_list_need_no_tensorflow():
    # the nfzoo packages' __init__ files import TensorFlow; stand in for them to import the record module alone
    child = textwrap.dedent(f"""
        import sys, types
        for name in ("nfzoo", "nfzoo.zoo", "nfzoo.data"):
            package = types.ModuleType(name)
            package.__path__ = [{str(REPO / 'nfzoo')!r} + name[5:].replace(".", "/")]
            sys.modules[name] = package
        from nfzoo.zoo.records import list_models
        assert "glow_digits" in list_models(), list_models()
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "tensorflow_probability"))
        assert not heavy, heavy
    """)
    env = {**os.environ, "NFZOO_HOME": str(REPO)}  # the stand-in package has no spec to find the zoo by
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
