"""An installed nfzoo carries its zoo (#21 point 5). From a copy of what a fresh clone holds (plus a run folder that
must stay out), the built wheel holds the package, its console script's module and the zoo as package data
(nfzoo/_zoo/: zoo_configs/, saved_models/) and nothing else; the sdist holds the zoo too (MANIFEST.in). Installed in a
fresh virtual environment (system site-packages for TensorFlow & co.: nothing is downloaded) and run from a folder
outside the checkout, `nfzoo list`, `nfzoo.load("glow_celeba")` and the README's manipulate command work.
Slow: about 2 minutes (build, install, three fresh processes that load TensorFlow)."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ZOO_FOLDERS = ("zoo_configs", "saved_models")


def run(argv, cwd, **kwargs):
    """Runs ``argv`` without the checkout on PYTHONPATH and without NFZOO_HOME; returns stdout, fails on an error."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NFZOO_HOME")}
    result = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
                            **kwargs)
    assert result.returncode == 0, f"{shlex.join(map(str, argv))}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def fresh_clone(dest):
    """Copies the checkout's tracked and not-ignored files to ``dest`` (what a clone holds, with this session's
    edits), plus runs/tiny/best.keras, which no build may pick up."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO).split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():  # a tracked file may be deleted in the working tree
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    (dest / "runs" / "tiny").mkdir(parents=True)
    (dest / "runs" / "tiny" / "best.keras").write_bytes(b"not for the wheel")
    return dest


def zoo_files(root):
    """Relative paths of the zoo's files under ``root`` (hidden ones, e.g. a publish's staging folder, left out)."""
    return {p.relative_to(root).as_posix() for folder in ZOO_FOLDERS for p in (root / folder).rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(clone, wheel path, sdist path, venv folder) with the wheel installed in the venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    clone, dist = fresh_clone(tmp / "clone"), tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, "."], cwd=clone)
    run([sys.executable, "setup.py", "-q", "sdist", "-d", dist], cwd=clone)
    (wheel,), (sdist,) = dist.glob("*.whl"), dist.glob("*.tar.gz")
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=tmp)
    # --ignore-installed: the checkout's own (editable) nfzoo is visible through the system site-packages
    run([venv / "bin" / "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel], cwd=tmp)
    return clone, wheel, sdist, venv


def test_wheel_holds_the_package_and_the_zoo_only(installed):
    clone, wheel, _, _ = installed
    names = [n for n in zipfile.ZipFile(wheel).namelist() if not n.endswith("/")]
    assert not [n for n in names if not re.match(r"(nfzoo/|nfzoo_command\.py$|nfzoo-[\d.]+\.dist-info/)", n)]
    packaged = {n.removeprefix("nfzoo/_zoo/") for n in names if n.startswith("nfzoo/_zoo/")}
    assert packaged == zoo_files(clone)
    code = [n for n in names if n.startswith("nfzoo/") and not n.startswith("nfzoo/_zoo/")]
    assert code and all(n.endswith(".py") for n in code)  # no data, runs, tests or bytecode inside the package
    zoo_bytes = sum((clone / name).stat().st_size for name in packaged)
    assert wheel.stat().st_size < zoo_bytes + 5 * 2**20  # the code is small; the zoo's weights are most of it


def test_sdist_carries_the_zoo(installed):
    clone, _, sdist, _ = installed
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert zoo_files(clone) <= names and not [n for n in names if n.startswith("runs/")]


def test_installed_zoo_works_outside_the_checkout(installed, tmp_path):
    _, _, _, venv = installed
    assert "glow_celeba" in run([venv / "bin" / "nfzoo", "list"], cwd=tmp_path).split()
    script = ("import nfzoo\nfrom nfzoo.zoo.registry import zoo_root\nmodel = nfzoo.load('glow_celeba')\n"
              "print(nfzoo.__file__, zoo_root(), model.sample(2, seed=0).shape)")
    package, root, *shape = run([venv / "bin" / "python", "-c", script], cwd=tmp_path).split("\n")[-2].split(" ", 2)
    assert Path(package).is_relative_to(venv) and Path(root) == Path(package).parent / "_zoo"
    assert shape == ["(2, 32, 32, 3)"]
    readme = (REPO / "README.md").read_text()
    command = shlex.split(re.search(r"(nfzoo manipulate glow_celeba [^\n#]*?)\s*(#|\n)", readme).group(1))
    run([venv / "bin" / "nfzoo", *command[1:]], cwd=tmp_path)
    output = tmp_path / command[command.index("-o") + 1]
    assert Image.open(output).size[1] >= 128  # a labelled, enlarged strip (#21 point 4)
