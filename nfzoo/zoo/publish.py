"""Turns a finished training run into a shipped zoo entry ``saved_models/<name>/`` (``nfzoo publish``).

    nfzoo publish NAME [--run runs/NAME] [--data DIR]      # the run folder nfzoo train wrote (`run_folder`)

Measures on the config's own split (the same one `nfzoo train` used; `nfzoo.zoo.measure`): held-out bits/dim over
all held-out images and over each named held-out set (e.g. one per data folder), and training bits/dim, with
`nfzoo.models.held_out` (the measurement `nfzoo evaluate` and `ZooModel.bits_per_dim` make too); the model shipped
before under the name is measured the same way on the same images, so the card compares them like for like. It
computes attribute directions over the training images when the data has attributes, measures the effect of
editing held-out faces along them (`nfzoo.zoo.attribute_effect`: a classifier trained on the training split scores
the edits per alpha), draws an example image from the model's own samples, and writes the weights once, as a
TF-Serving-ready SavedModel ``serving/<version>/`` (`nfzoo export`'s signatures; the version after the shipped
one's) beside ``architecture.json`` (conditioner networks in float32 whatever precision they trained in:
`float32_networks`), directions.npz, example.png, card.json and README.md (the entry's record rendered by
`nfzoo.zoo.card`) and the run's history.csv (per-epoch training and validation bits/dim).

A run that measures worse on the held-out split than the model already shipped under its name (higher held-out
bits/dim, by more than ``TOLERANCE``) is refused with `WorseThanShipped` unless ``force``. The entry is written
into a sibling folder and swapped in by renames (`nfzoo.training.atomic.replaced_folder`): a kill at any moment
leaves the old or the new entry complete, and the next publish clears what a killed one left.
"""
import json
import shutil

import numpy as np

from nfzoo.config import load_config
from nfzoo.data.images import save_png
from nfzoo.data.sources import load_splits
from nfzoo.deprecation import moved
from nfzoo.models.held_out import held_out_bits_per_dim
from nfzoo.models.keras_file import load_keras_model
from nfzoo.training.atomic import recover_folder, replaced_folder
from nfzoo.training.trainer import run_folder
from nfzoo.zoo import card as card_module
from nfzoo.zoo import measure as measure_module
from nfzoo.zoo.attribute_effect import DEFAULT_ATTRIBUTES, measure_attribute_effect
from nfzoo.zoo.card import write_card
from nfzoo.zoo.conditional_card import class_conditional_facts
from nfzoo.zoo.directions import compute_directions
from nfzoo.zoo.measure import card_facts, float32_networks, measure_shipped
from nfzoo.zoo.records import recipe, recipe_changes, record_of
from nfzoo.zoo.registry import ARCHITECTURE, SERVING, config_path, model_dir, serving_version
from nfzoo.zoo.zoo_model import ZooModel

TOLERANCE = 1e-3  # bits/dim: the card rounds to 1e-4, and another machine's arithmetic can move the last digits


class WorseThanShipped(ValueError):
    """The run measures worse on the held-out split than the model shipped under its name."""


def shipped_card(name):
    """The card of the entry shipped as ``name`` ({} if there is none or it is unreadable)."""
    path = recover_folder(model_dir(name)) / "card.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def publish(name, run=None, checkpoint="best.keras", data_dir=None, note=None, force=False):
    """Measures the run's checkpoint and writes ``saved_models/<name>/``; returns the card dict.
    ``note`` is a free-text status line for the card (e.g. that training continues). Raises `WorseThanShipped`
    (before writing anything) if the shipped model measures better on the held-out split, unless ``force``."""
    config = load_config(config_path(name))
    run = run_folder(config, run)
    if not (run / checkpoint).is_file():
        raise FileNotFoundError(f"no checkpoint {run / checkpoint}: train first with "
                                f"`nfzoo train zoo_configs/{name}.yaml`")
    flow = float32_networks(load_keras_model(run / checkpoint), config)
    splits = load_splits(config["data"], data_dir)
    figures = held_out_bits_per_dim(flow.log_likelihood, splits, flow.n_bits)
    previous = shipped_card(name)
    previous_now = measure_shipped(name, splits)
    if not force:
        refuse_if_worse(name, figures["all"], len(splits.val_images), previous, run / checkpoint, previous_now)
    card = card_facts(name, config, flow, splits, figures, run, note)
    if previous_now is not None:
        card["previous_model"] = {"date": previous.get("date"), "card_held_out_bits_per_dim":
                                  previous.get("held_out_bits_per_dim"), "held_out_measured_now": previous_now}
    if previous.get("sections"):  # measured by scripts for the config, not for this checkpoint: kept
        card["sections"] = [mark_recipe_changes(section, config) for section in previous["sections"]]
    conditional = class_conditional_facts(flow, splits)  # None, or p(x | y) given the true label, argmax_y accuracy
    if conditional is not None:
        card["class_conditional"] = conditional
    shipped_version = serving_version(recover_folder(model_dir(name)))
    with replaced_folder(model_dir(name)) as tmp:  # write everything, then swap in: a kill leaves no half entry
        (tmp / ARCHITECTURE).write_text(flow.to_json())
        zoo_model = ZooModel(flow, name)
        if splits.attribute_names is not None and splits.train_labels is not None:
            directions = compute_directions(zoo_model, splits.train_images, splits.train_labels, splits.attribute_names)
            np.savez_compressed(tmp / "directions.npz", **directions)
            zoo_model.directions = directions  # the same model: its encode/decode are traced once
            measured = [a for a in DEFAULT_ATTRIBUTES if a in splits.attribute_names]
            if measured:
                card["attribute_effect"] = measure_attribute_effect(
                    zoo_model, splits.train_images, splits.train_labels,
                    splits.val_images, splits.val_labels, splits.attribute_names, attributes=measured)
        save_png(tmp / "example.png", zoo_model.sample(1, temperature=0.7, seed=0)[0])
        zoo_model.export_serving(tmp / SERVING, version=1 + (int(shipped_version.name) if shipped_version else 0))
        if (run / "history.csv").is_file():  # the per-epoch training and validation curve, as evidence
            shutil.copy(run / "history.csv", tmp / "history.csv")
        write_card(tmp, record_of(config, card))
    return card


def refuse_if_worse(name, held_out, held_out_images, shipped, checkpoint, shipped_now=None):
    """Raises `WorseThanShipped` if ``held_out`` bits/dim is above the shipped model's by more than ``TOLERANCE``:
    the shipped model measured now on the same images (``shipped_now["all"]``) when it could be, else its card."""
    before = shipped.get("held_out_bits_per_dim") if shipped_now is None else shipped_now["all"]
    if before is None or held_out <= before + TOLERANCE:
        return
    split = ("" if shipped_now is not None or shipped.get("held_out_images") in (None, held_out_images) else
             f" (on {held_out_images} held-out images; the shipped figure on {shipped['held_out_images']})")
    raise WorseThanShipped(f"{checkpoint} measures {held_out} held-out bits/dim, worse than the shipped {name} "
                           f"({before}){split}: the shipped model is kept; pass --force to replace it anyway")


def mark_recipe_changes(section, config):
    """A kept card section, with ``recipe_changes`` listing how the config changed since the section was measured
    (a section without its ``recipe`` is kept as it is)."""
    if "recipe" not in section:
        return section
    return {**section, "recipe_changes": recipe_changes(section["recipe"], recipe(config))}


# moved to nfzoo.zoo.card (rendering) and nfzoo.zoo.measure (until nfzoo 0.2)
__getattr__ = moved(__name__, {card_module: ["bits_per_dim_note", "model_card", "update_card"],
                               measure_module: ["run_facts"]})
