"""Bad command lines: each exits with code 2 and one line on stderr, ``nfzoo: error: ...``, naming what was
expected; never a traceback (unless --verbose). Commands run in this process through `nfzoo.cli.main` (fast); a
subprocess checks that a fresh ``nfzoo`` prints nothing on stderr (no TensorFlow start-up lines).

To add a case, add a row to BAD_INVOCATIONS: the arguments (``{tmp}``: a scratch folder, ``{folder}``: a zoo-style
copy of glow_digits with two attribute directions) and the text the error line must contain.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from nfzoo.cli import main
from nfzoo.data.images import save_png

REPO = Path(__file__).resolve().parents[1]


def cli(argv, capsys):
    """Runs ``nfzoo ARGV`` in this process -> (exit code, stdout, stderr lines)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.splitlines()


def fresh_nfzoo(*argv, cwd=REPO):
    """Runs the ``nfzoo`` console script's code in a fresh process with the environment a user has (no
    TF_CPP_MIN_LOG_LEVEL) -> CompletedProcess with text stdout/stderr."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "nfzoo_command", *map(str, argv)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A zoo-style folder: the shipped glow_digits (1 channel, 5 bits) with directions for two made-up attributes."""
    folder = tmp_path_factory.mktemp("digits_with_directions")
    for name in ("model.keras", "card.json", "example.png"):
        shutil.copy(REPO / "saved_models" / "glow_digits" / name, folder / name)
    directions = 0.3 * np.random.default_rng(0).standard_normal((2, 64)).astype(np.float32)
    np.savez(folder / "directions.npz", directions=directions, names=np.array(["Smiling", "Loopy"]),
             positives=np.array([10, 10]), negatives=np.array([10, 10]))
    return folder


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "text.png").write_text("not an image")
    config = yaml.safe_load((REPO / "zoo_configs" / "glow_digits.yaml").read_text())
    config["training"]["learning_rat"] = config["training"].pop("learning_rate")
    (tmp / "bad.yaml").write_text(yaml.safe_dump(config))
    return tmp


BAD_INVOCATIONS = [
    (["sample", "glow_digits", "-n", "0"], "argument -n: expected a positive integer, got '0'"),
    (["sample", "glow_digits", "-n", "-3"], "argument -n: expected a positive integer, got '-3'"),
    (["sample", "glow_digits", "-n", "2.5"], "argument -n: expected a positive integer, got '2.5'"),
    (["sample", "glow_digits", "-n", "1000000"], "-n asks for 1000000 images in one PNG; expected at most 1024"),
    (["sample", "glow_digits", "-t", "nan"], "argument -t/--temperature: expected a positive number, got 'nan'"),
    (["sample", "glow_digits", "-t", "inf"], "argument -t/--temperature: expected a positive number, got 'inf'"),
    (["sample", "glow_digits", "-t", "0"], "argument -t/--temperature: expected a positive number, got '0'"),
    (["sample", "glow_digits", "-t", "1e30", "-o", "{tmp}/x.png"],
     "the flow overflowed decoding 16 of 16 samples at temperature 1e+30: draw at a lower temperature"),
    (["sample", "glow_digits", "--seed", "-1"], "argument --seed: expected an integer >= 0, got '-1'"),
    (["sample", "glow_digits", "-o", "{tmp}/no/such/folder/x.png"], "no/such/folder of '{tmp}/no/such/folder/x.png'"
                                                                    " does not exist"),
    (["sample", "glow_digits", "-o", "{tmp}/x.txt"], "expected an image file name ending in .png"),
    (["sample"], "the following arguments are required: MODEL"),
    (["sample", "no_such_model"], "no model 'no_such_model': not a zoo model (available: glow_celeba"),
    (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
    (["manipulate", "{folder}", "--attribute", "Smiling", "--alpha=nan"],
     "argument --alpha: expected comma-separated finite numbers such as -1,0,1, got 'nan'"),
    (["manipulate", "{folder}", "--attribute", "Smiling", "--alpha=1,,2"],
     "argument --alpha: expected comma-separated finite numbers such as -1,0,1, got '1,,2'"),
    (["manipulate", "{folder}", "--attribute", "Smilng"], "unknown attribute 'Smilng'; did you mean Smiling?"),
    (["manipulate", "glow_digits", "--attribute", "Smiling"],
     "glow_digits has no attribute directions (its attributes: none); compute them"),
    (["manipulate", "{folder}", "{tmp}/missing.png", "--attribute", "Smiling"], "no image file at {tmp}/missing.png"),
    (["manipulate", "{folder}", "{tmp}/text.png", "--attribute", "Smiling"],
     "{tmp}/text.png is not an image file PIL can read"),
    (["manipulate", "{folder}", "--attribute", "Smiling", "--alpha=" + ",".join(["1"] * 1025)],
     "images x --alpha asks for 1025 images in one PNG"),
    (["interpolate", "glow_digits", "{tmp}/text.png"], "nfzoo interpolate takes two images"),
    (["interpolate", "glow_digits", "--steps", "1"], "argument --steps: expected an integer >= 2, got '1'"),
    (["interpolate", "glow_digits", "--steps", "5000"], "--steps asks for 5000 images in one PNG"),
    (["train", "{tmp}/bad.yaml"], "training.learning_rat is not an option; did you mean learning_rate?"),
    (["train", "{tmp}/missing.yaml"], "no zoo config at {tmp}/missing.yaml"),
]


@pytest.mark.parametrize("argv, expected", BAD_INVOCATIONS, ids=[" ".join(a)[:60] for a, _ in BAD_INVOCATIONS])
def test_bad_invocation_is_one_line_with_exit_code_2(argv, expected, folder, tmp, capsys):
    fill = lambda text: text.format(tmp=tmp, folder=folder)  # noqa: E731
    code, _, err = cli([fill(a) for a in argv], capsys)
    assert code == 2, err
    assert len(err) == 1 and err[0].startswith("nfzoo: error: "), err
    assert fill(expected) in err[0]


def test_verbose_adds_the_traceback_before_the_line(tmp, capsys):
    for argv in (["--verbose", "sample", "glow_digits"], ["sample", "glow_digits", "--verbose"]):
        code, _, err = cli([*argv, "-t", "1e30", "-o", tmp / "x.png"], capsys)
        assert code == 2 and err[0] == "Traceback (most recent call last):"
        assert err[-1].startswith("nfzoo: error: the flow overflowed")


def test_an_unexpected_error_is_one_line_with_exit_code_1(monkeypatch, capsys):
    from nfzoo.cli import zoo

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(zoo, "run_list", broken)
    assert cli(["list"], capsys)[::2] == (1, ["nfzoo: error: unexpected RuntimeError: boom; rerun with --verbose "
                                              "for the traceback"])


def test_a_one_channel_models_own_example_is_read_in_one_channel(folder, tmp, capsys):
    code, out, err = cli(["manipulate", folder, "--attribute", "Loopy", "--alpha=0,1", "-o", tmp / "strip.png"],
                         capsys)
    assert (code, err) == (0, []) and "wrote" in out


def test_images_unlike_the_training_data_get_one_warning_line(folder, tmp, capsys):
    from sklearn.datasets import load_digits

    digit = np.minimum(load_digits().images[0] * 16, 255).astype(np.uint8)[..., None]  # scores ~2.6 bits/dim
    save_png(tmp / "digit.png", digit)
    save_png(tmp / "noise.png", np.random.default_rng(0).integers(0, 256, (8, 8, 1), dtype=np.uint8))
    code, _, err = cli(["manipulate", folder, tmp / "digit.png", tmp / "noise.png", "--attribute", "Smiling",
                        "--alpha=0", "-o", tmp / "edits.png"], capsys)  # noise's latents are far out: no edit
    assert code == 0 and len(err) == 1, err
    assert err[0].startswith("nfzoo: warning: ") and "noise.png" in err[0] and "digit.png" not in err[0]
    assert "above digits_with_directions0's held-out 3.0" in err[0]
    assert cli(["interpolate", folder, tmp / "digit.png", tmp / "digit.png", "-o", tmp / "path.png"], capsys)[::2] \
        == (0, [])


def test_nfzoo_list_prints_nothing_on_stderr():
    done = fresh_nfzoo("list")
    assert (done.returncode, done.stderr) == (0, "")
    assert "glow_digits" in done.stdout
