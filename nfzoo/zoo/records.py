"""One declarative record per zoo entry, in the style of keras-hub's ``*_presets.py`` and timm's pretrained configs.

    ZooRecord(name, description, family, config, files, input, licence, metrics, card)

A record is read from the entry's two plain files: ``zoo_configs/<name>.yaml`` (how the model is built and
trained: family config, data) and ``saved_models/<name>/card.json`` (what `nfzoo publish` measured); its fields:

    files     the entry's files, relative to its folder: weights (``model.keras`` or ``serving/<version>``),
              architecture, directions, example, card, history (None where absent)
    input     the input convention: resolution [H, W, C], n_bits, crop (`CROP`)
    licence   the data licence, from the data config (`nfzoo.data.licences`)
    metrics   held-out and training bits/dim (and per held-out set), parameters
    card      every measured fact of card.json (the card writer renders it)

`nfzoo.load` finds an entry's files, `nfzoo list` its description and the card writer its facts and licence here.
This module reads YAML and JSON only and imports no TensorFlow (a test checks it), so that listing the zoo does not
need TensorFlow.
"""
import json
from typing import NamedTuple

import yaml

from nfzoo.data.licences import data_licence
from nfzoo.zoo.registry import ARCHITECTURE, available, config_path, model_dir, serving_version

CROP = ("an aligned CelebA frame (218x178) is cut to rows 40:188, cols 15:163, any other non-square image to its "
        "centre square; then resized (lanczos3) to the resolution")
OPTIONAL_FILES = {"directions": "directions.npz", "example": "example.png", "card": "README.md",
                  "history": "history.csv"}


class ZooRecord(NamedTuple):
    """A zoo entry described by data; see the module docstring."""

    name: str
    description: str
    family: str
    config: dict
    files: dict
    input: dict
    licence: str
    metrics: dict
    card: dict


def read_record(name, rebuild=""):
    """The `ZooRecord` of the shipped entry ``name`` (a KeyError naming the entries if there is none; ``rebuild``
    ends the message of an unreadable card)."""
    if name not in available():
        raise KeyError(f"no zoo entry {name!r}; available: {', '.join(available()) or 'none'}")
    config = yaml.safe_load(config_path(name).read_text())
    return record_of(config, read_card(model_dir(name) / "card.json", rebuild), model_dir(name))


def read_card(path, rebuild=""):
    """The measured facts in a card.json ({} if there is none); an unreadable one raises OSError naming it."""
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise OSError(f"{path} is not valid JSON ({error}){rebuild}") from None


def record_of(config, card, folder=None):
    """The `ZooRecord` of a zoo config and the card of its measured facts (``folder``: the entry's files, if any).
    The description is the card's (the model shipped) before the config's (a recipe may run ahead of it)."""
    model = config.get("model", {})  # the facts a card holds stand in for a config section it lacks
    shape = card.get("resolution") or model.get("image_shape") or model.get("event_shape") or []
    return ZooRecord(
        name=config["name"], description=card.get("description") or config.get("description", ""),
        family=model.get("family", card.get("family")), config=config,
        files={} if folder is None else entry_files(folder), licence=data_licence(config.get("data", {})),
        input={"resolution": list(shape), "n_bits": card.get("n_bits", model.get("n_bits")), "crop": CROP},
        metrics={key: card[key] for key in ("held_out_bits_per_dim", "train_bits_per_dim", "held_out_sets",
                                            "parameters") if key in card},
        card=card)


def entry_files(folder):
    """``{role: path relative to folder, or None}`` of an entry folder's files (see the module docstring)."""
    version = serving_version(folder)
    files = {"weights": None, "architecture": None}
    if (folder / ARCHITECTURE).is_file() and version is not None:
        files.update(weights=str(version.relative_to(folder)), architecture=ARCHITECTURE)
    elif (folder / "model.keras").is_file():
        files["weights"] = "model.keras"
    files.update({role: name if (folder / name).is_file() else None for role, name in OPTIONAL_FILES.items()})
    return files


def read_records():
    """{name: `ZooRecord`} of every shipped entry."""
    return {name: read_record(name) for name in available()}


def list_models():
    """{name: one-line description} of the shipped models."""
    return {name: record.description for name, record in read_records().items()}


def recipe(config):
    """What a measurement made for a config (not for one checkpoint) was made with: its model and training sections."""
    return {"model": dict(config["model"]), "training": dict(config["training"])}


def recipe_changes(old, new):
    """``["section.key: old -> new", ...]`` for the recipe entries that differ (None where absent)."""
    return [f"{section}.{key}: {old[section].get(key)} -> {new[section].get(key)}"
            for section in ("model", "training") for key in sorted({*old[section], *new[section]})
            if old[section].get(key) != new[section].get(key)]
