"""`nfzoo train` output a person can read (#21 point 3): it says first what `loss` and `bits_per_dim` are (and the
numbers it logs obey that), ends by listing what the run wrote and the next commands with the run's paths (which
work), and raises no Python warning. One tiny run through `nfzoo.cli.main` in this process."""
import contextlib
import csv
import io
import math
import re
import shlex
import warnings

import pytest
import yaml

from fixtures import tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.cli import command_parser, main


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """(stdout lines, warnings raised, run folder) of a 2-epoch `nfzoo train` of a tiny Glow on 16x16x3 5-bit images."""
    root = tmp_path_factory.mktemp("train_output")
    data = write_fake_celeba_npz(tmp_path_factory.mktemp("celeba"))
    config = root / "tiny_glow.yaml"
    config.write_text(yaml.safe_dump(tiny_glow_config(data, epochs=2)))
    run, stdout = root / "run", io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout):
        warnings.simplefilter("always")
        assert main(["train", str(config), "--out", str(run)]) == 0
    return stdout.getvalue().splitlines(), caught, run


def test_first_lines_say_what_loss_and_bits_per_dim_are_and_the_logged_numbers_agree(cli_run):
    lines, _, run = cli_run
    assert lines[0].startswith("loss: -ln p(x) in nats per image") and "16x16x3" in lines[0], lines[:2]
    relation = re.match(r"bits_per_dim = loss / \((\d+) ln 2\) \+ (\d): ", lines[1])
    assert relation and relation.groups() == ("768", "5"), lines[1]
    with open(run / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    for row in rows:
        for prefix in ("", "val_"):
            loss, bits = float(row[prefix + "loss"]), float(row[prefix + "bits_per_dim"])
            assert bits == pytest.approx(loss / (768 * math.log(2)) + 5, abs=1e-3), row


def test_run_ends_listing_files_it_wrote_and_next_commands_that_work(cli_run, tmp_path, monkeypatch):
    lines, _, run = cli_run
    wrote, next_ = lines.index(f"Wrote {run}/:"), lines.index("Next:")
    listed = [line.split()[0].rstrip("/") for line in lines[wrote + 1:next_]]
    assert {"best.keras", "final.keras", "history.csv", "samples.png", "logs"} <= set(listed), listed
    assert all((run / name).exists() for name in listed), listed
    assert str(run / "logs") in lines[wrote + 1 + listed.index("logs")]  # the tensorboard --logdir to type
    commands = [shlex.split(line) for line in lines[next_ + 1:] if line.strip().startswith("nfzoo ")]
    assert [argv[1] for argv in commands] == ["evaluate", "sample", "publish", "export"]
    monkeypatch.chdir(tmp_path)  # export writes exports/tiny_glow/ here
    for argv in commands:
        if argv[1] == "publish":  # would write into the zoo: only check that it parses
            assert command_parser().parse_args(argv[1:]).run == str(run)
        else:
            assert main(argv[1:]) == 0, argv
    assert (run / "samples_t0.7.png").is_file() and (tmp_path / "exports" / "tiny_glow" / "1" / "saved_model.pb").is_file()


def test_training_raises_no_python_warning(cli_run):
    """No warning a user would see (Python hides deprecation warnings by default; TF's numpy calls raise some).
    E.g. Keras warns about fit(shuffle=True) on a tf.data pipeline: `train` passes shuffle=False (it shuffles)."""
    _, caught, _ = cli_run
    shown = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
    assert not shown, [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in shown]


def test_output_to_a_file_or_pipe_is_one_line_per_epoch_not_a_progress_bar(cli_run):
    """stdout is no terminal here (as with `nfzoo train ... > log`): Keras' verbose=2, no bar rewritten per step."""
    lines, _, _ = cli_run
    assert not any("\r" in line or "━" in line for line in lines), [line for line in lines if "━" in line][:2]
    assert sum(bool(re.search(r"- loss: ", line)) for line in lines) == 2  # one summary line per epoch
