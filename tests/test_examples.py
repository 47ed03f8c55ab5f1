"""Every example runs end to end in its quick mode, in a fresh interpreter (as a user would start it).

Most of an example's quick run is importing TensorFlow, so the fast examples are started together, once per
test session (the `launched` fixture), and each test waits for its own; Glow, the slowest, is marked slow.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FAST = {  # example -> (extra arguments, text its report must contain)
    "planar_vi.py": ((), "free energy F"),
    "realnvp_moons.py": ((), "test log-likelihood"),
    "maf_moons.py": ((), "test log-likelihood"),
    "vae_digits.py": ((), "-ln p(x)"),
    "change_of_variables.py": (("{tmp}/densities.png",), "agree"),
    "conditional_moons.py": ((), "argmax_y p(x | y) classifies"),
}


def start(name, *args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen([sys.executable, str(EXAMPLES / name), "--quick", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def finish(process):
    """Waits for an example; asserts it exited 0 and returns its stdout."""
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    return stdout


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("examples")
    processes = {name: start(name, *(a.format(tmp=tmp) for a in args)) for name, (args, _) in FAST.items()}
    yield tmp, processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("name", sorted(FAST))
def test_example_runs(launched, name):
    tmp, processes = launched
    report = finish(processes[name])
    assert FAST[name][1] in report
    if name == "change_of_variables.py":
        assert (tmp / "densities.png").stat().st_size > 10_000
    if name == "conditional_moons.py":  # both conditional flows report their held-out fit
        for flow in ("conditional_maf", "conditional_realnvp"):
            assert f"{flow}, 2 layers, 1 epochs: test log-likelihood given the moon" in report


@pytest.mark.slow
def test_glow_example_runs():
    assert "bits/dim" in finish(start("glow_images.py"))
