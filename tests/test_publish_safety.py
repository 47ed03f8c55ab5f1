"""`nfzoo publish` keeps the shipped model: a worse run is refused unless --force, and a publish SIGKILLed while
writing leaves the old or the new entry whole. A temporary zoo root (NFZOO_HOME) with a tiny trained run."""
import json
import subprocess
import sys

import keras
import pytest

from fixtures import published_tiny_zoo
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from flow_checks import perturb_weights
from nfzoo.cli import main
from nfzoo.zoo import load
from nfzoo.zoo.publish import publish, shipped_card
from test_kill_safety import kill_when

ENTRY_FILES = ["README.md", "architecture.json", "card.json", "directions.npz", "example.png", "history.csv"]


@pytest.fixture(scope="module")
def zoo_home(tmp_path_factory):
    """A zoo root with tiny_glow trained for one epoch and published."""
    return published_tiny_zoo(tmp_path_factory.mktemp("zoo"), write_fake_celeba_npz(tmp_path_factory.mktemp("faces")),
                              epochs=1)


def entry(zoo):
    """{path in the folder: bytes} of every file of the shipped tiny_glow entry."""
    folder = zoo / "saved_models" / "tiny_glow"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def worse_run(zoo_home):
    """A run folder whose best.keras is the shipped run's with noise on every weight: measurably worse."""
    flow = keras.models.load_model(zoo_home / "runs" / "tiny_glow" / "best.keras", compile=False)
    perturb_weights(flow, scale=0.3, seed=1)
    folder = zoo_home / "runs" / "worse"
    folder.mkdir()
    flow.save(folder / "best.keras")
    return folder


def test_a_worse_run_is_refused_with_both_figures_unless_forced(zoo, worse_run, capsys):
    measured = shipped_card("tiny_glow")["held_out_bits_per_dim"]
    before = entry(zoo)
    assert main(["publish", "tiny_glow", "--run", str(worse_run)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "the shipped model is kept; pass --force" in error, error
    assert f"worse than the shipped tiny_glow ({measured})" in error, error
    assert entry(zoo) == before

    assert main(["publish", "tiny_glow", "--run", str(worse_run), "--force"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["shipped_held_out_bits_per_dim"] == measured and shown["held_out_bits_per_dim"] > measured + 0.01
    card = shipped_card("tiny_glow")
    assert card["previous_model"]["held_out_measured_now"]["all"] == measured
    assert main(["publish", "tiny_glow"]) == 0  # the better run replaces the worse one without --force
    assert shipped_card("tiny_glow")["held_out_bits_per_dim"] == measured


def test_the_same_run_published_again_replaces_the_entry_and_compares_like_for_like(zoo):
    measured = shipped_card("tiny_glow")["held_out_bits_per_dim"]
    card = publish("tiny_glow")
    assert card["held_out_bits_per_dim"] == measured == card["previous_model"]["held_out_measured_now"]["all"]
    assert "previous model (shipped" in (zoo / "saved_models" / "tiny_glow" / "README.md").read_text()


def assert_whole(zoo, before):
    """The entry is the old one, byte for byte, or a complete new one (all files, a valid card, a loadable model)."""
    shipped_card("tiny_glow")  # what a publish does first: finish or undo a killed one
    after = entry(zoo)
    if after != before:
        top = sorted(name for name in after if "/" not in name)
        assert top == ENTRY_FILES and any(n.startswith("serving/") and n.endswith("/saved_model.pb") for n in after)
        assert json.loads(after["card.json"])["name"] == "tiny_glow"
        load("tiny_glow").sample(1, seed=0)
    assert sorted(p.name for p in (zoo / "saved_models").iterdir()) == ["tiny_glow"]
    return after != before


def publish_command():
    return [sys.executable, "-m", "nfzoo.cli", "publish", "tiny_glow", "--force"]


def test_a_publish_killed_while_writing_leaves_the_old_entry_whole(zoo, tmp_path):
    before = entry(zoo)
    new = zoo / "saved_models" / ".tiny_glow.new"
    assert kill_when(publish_command(), lambda: (new / "architecture.json").exists(), tmp_path / "log.txt")
    assert not assert_whole(zoo, before)


@pytest.mark.slow
def test_a_publish_killed_at_several_points_leaves_a_whole_entry(zoo, tmp_path):
    new = zoo / "saved_models" / ".tiny_glow.new"
    for written, delay in (("", 0.0), ("directions.npz", 0.0), ("card.json", 0.0), ("card.json", 0.005)):
        before = entry(zoo)
        if kill_when(publish_command(), lambda: (new / written).exists(), tmp_path / "log.txt", delay):
            assert_whole(zoo, before)
    done = subprocess.run(publish_command(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_whole(zoo, entry(zoo))
