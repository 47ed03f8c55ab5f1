"""The zoo: names -> ``zoo_configs/<name>.yaml`` (how it was built and trained) and ``saved_models/<name>/``.

A shipped entry's folder holds its weights once, in one of two forms:

    serving/<version>/  a TF-Serving-ready SavedModel (`nfzoo export`'s signatures) whose variables are the weights
    architecture.json   the FlowModel's Keras architecture (`model.to_json()`): `nfzoo.load` rebuilds the flow and
                        reads its weights from the SavedModel (`nfzoo.serving.weights`)
  or (entries published before 2026-11-30)
    model.keras         the trained FlowModel (architecture + weights)

and

    directions.npz    attribute directions (optional): directions [A, D], names [A], positives, negatives
    card.json         measured facts for the model card (held-out bits/dim, data, steps, wall time, ...)
    README.md         the model card
    example.png       an example image made from the model's own samples (optional)

The zoo root is the repository's top level; set ``NFZOO_HOME`` to use another one.
"""
import importlib.util
import os
from pathlib import Path

REQUIRED_FILES = ("card.json",)
ARCHITECTURE = "architecture.json"
SERVING = "serving"


def serving_version(folder):
    """The newest version folder ``<folder>/serving/<n>/`` with a saved_model.pb, or None."""
    base = Path(folder) / SERVING
    versions = [p for p in base.iterdir() if p.name.isdigit() and (p / "saved_model.pb").is_file()] if base.is_dir() else []
    return max(versions, key=lambda p: int(p.name), default=None)


def zoo_root():
    """The folder holding ``zoo_configs/`` and ``saved_models/``: ``$NFZOO_HOME`` if set; else the repository's top
    level when nfzoo runs from a checkout (or an editable install of one); else the copy an installed nfzoo carries
    as package data, ``nfzoo/_zoo/`` (setup.py's build_py). Finds the package without importing it."""
    if "NFZOO_HOME" in os.environ:
        return Path(os.environ["NFZOO_HOME"])
    package = Path(importlib.util.find_spec("nfzoo").origin).resolve().parent
    checkout = package.parent
    if (checkout / "zoo_configs").is_dir() and (checkout / "saved_models").is_dir():
        return checkout
    return package / "_zoo"


def config_path(name):
    return zoo_root() / "zoo_configs" / f"{name}.yaml"


def model_dir(name):
    return zoo_root() / "saved_models" / name


def available():
    """Names of the shipped models (a config and a saved model folder)."""
    saved = zoo_root() / "saved_models"
    return sorted(p.name for p in saved.iterdir() if p.is_dir() and config_path(p.name).is_file()) if saved.is_dir() else []
