"""Installs nfzoo: normalizing flows on TensorFlow Probability bijectors, trained with Keras 3.

A built nfzoo (wheel, `pip install .`) carries the zoo, ``zoo_configs/`` and ``saved_models/``, as package data in
``nfzoo/_zoo/``, where `nfzoo.zoo.registry.zoo_root` finds it; an editable install reads the checkout's own folders.
MANIFEST.in puts the two folders in the sdist, so a wheel built from it has them too.
"""
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ZOO_FOLDERS = ("zoo_configs", "saved_models")
PACKAGED_ZOO = Path("nfzoo") / "_zoo"  # the last place nfzoo.zoo.registry.zoo_root looks


class BuildPyWithZoo(build_py):
    """build_py, then a copy of ``ZOO_FOLDERS`` (hidden files left out) into the built package as ``nfzoo/_zoo/``."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / PACKAGED_ZOO
        shutil.rmtree(target, ignore_errors=True)
        for folder in ZOO_FOLDERS:
            shutil.copytree(folder, target / folder, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(
    name="nfzoo",
    version="0.1.0",
    description="A normalizing-flow model zoo for TensorFlow / Keras 3 on TFP bijectors.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["nfzoo", "nfzoo.*"]),
    py_modules=["nfzoo_command"],  # the console script: quiet TensorFlow start-up, then nfzoo.cli.main
    python_requires=">=3.10,<3.13",
    # Versions checked together (REFERENCE.md): TFP 0.25 needs tf_keras importable ("[tf]" extra),
    # but every trainable piece of nfzoo is a Keras 3 layer.
    install_requires=[
        "tensorflow==2.21.0",
        "tensorflow-probability[tf]==0.25.0",
        "tf-keras==2.21.0",
        "keras==3.15.1",
        "tensorflow-datasets==4.9.10",
        "tensorboard==2.21.0",
        "numpy>=1.26,<3",
        "pyyaml>=6.0,<7",
        "pillow>=10,<14",
        "matplotlib>=3.8,<4",
        "scikit-learn>=1.4,<2",
    ],
    extras_require={
        "test": ["pytest>=8,<10", "pytest-timeout>=2.3,<3"],
        # only for benchmarks/bench_glow.py's PyTorch peer; never imported by nfzoo itself
        "bench": ["torch==2.13.0", "normflows==1.7.3"],
    },
    entry_points={"console_scripts": ["nfzoo=nfzoo_command:main"]},
    include_package_data=True,
    cmdclass={"build_py": BuildPyWithZoo},
)
