"""Turns a finished training run into a shipped zoo entry ``saved_models/<name>/`` (``nfzoo publish``).

    nfzoo publish NAME [--run runs/NAME] [--data DIR]

Measures on the config's own split (the same one `nfzoo train` used): held-out bits/dim over all held-out images
and over each named held-out set (e.g. one per data folder), and training bits/dim, with `nfzoo.models.held_out`
(the measurement `nfzoo evaluate` and `ZooModel.bits_per_dim` make too); the model shipped before under the
name is measured the same way on the same images, so the card compares them like for like. It computes
attribute directions over the training images when the data has attributes, measures the effect of editing
held-out faces along them (`nfzoo.zoo.attribute_effect`: a classifier trained on the training split scores the
edits per alpha), draws an example image from the model's own samples, and writes the weights once, as a TF-Serving-ready
SavedModel ``serving/<version>/`` (`nfzoo export`'s signatures; the version after the shipped one's) beside
``architecture.json`` (conditioner networks in float32 whatever precision they trained in: `float32_networks`),
directions.npz, example.png, card.json, README.md and the run's history.csv (per-epoch training and validation
bits/dim).

A run that measures worse on the held-out split than the model already shipped under its name (higher held-out
bits/dim, by more than ``TOLERANCE``) is refused with `WorseThanShipped` unless ``force``. The entry is written
into a sibling folder and swapped in by renames (`nfzoo.training.atomic.replaced_folder`): a kill at any moment
leaves the old or the new entry complete, and the next publish clears what a killed one left.
"""
import csv
import datetime
import inspect
import json
import shutil
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from nfzoo.config import FAMILIES, build, load_config
from nfzoo.data.sources import load_splits
from nfzoo.machine import machine
from nfzoo.models.held_out import held_out_bits_per_dim, mean_bits_per_dim
from nfzoo.serving import export_serving
from nfzoo.training.atomic import recover_folder, replaced_file, replaced_folder
from nfzoo.zoo.attribute_effect import DEFAULT_ATTRIBUTES, effect_table, measure_attribute_effect
from nfzoo.zoo.directions import compute_directions
from nfzoo.zoo.images import save_png
from nfzoo.zoo.registry import ARCHITECTURE, SERVING, config_path, model_dir, serving_version, zoo_root
from nfzoo.zoo.zoo_model import ZooModel


def float32_networks(flow, config):
    """The shipped form of a checkpoint: its weights in the same architecture with float32 conditioner networks.

    Low-precision networks (``model.precision: mixed_bfloat16``) only speed up training. The inverse recomputes
    each network from the same input, and bfloat16 kernels round differently per batch shape, so decode(encode(x))
    == x would hold only when both run on batches of one shape; in float32 it holds for any batches."""
    if "precision" not in inspect.signature(FAMILIES[config["model"]["family"]]).parameters:
        return flow
    shipped = build({**config, "model": {**config["model"], "precision": "float32"}})
    shipped.set_weights(flow.get_weights())
    return shipped


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


def run_facts(run, steps_per_epoch):
    """Epochs, steps and wall time of a run directory. Runs of earlier versions logged an epoch interrupted and
    resumed from its backup twice in history.csv (now the resumed run replaces the row): it counts once (its
    weights restart from the backup), its wall time, in epoch_times.txt, twice."""
    rows = list(csv.DictReader((run / "history.csv").open())) if (run / "history.csv").is_file() else []
    epochs = len({row["epoch"] for row in rows})
    times = run / "epoch_times.txt"
    wall = sum(float(line.split()[1]) for line in times.read_text().splitlines()) if times.is_file() else None
    return {"epochs": epochs, "steps": epochs * steps_per_epoch,
            "wall_time_hours": None if wall is None else round(wall / 3600, 2)}


def publish(name, run=None, checkpoint="best.keras", data_dir=None, note=None, force=False):
    """Measures the run's checkpoint and writes ``saved_models/<name>/``; returns the card dict.
    ``note`` is a free-text status line for the card (e.g. that training continues). Raises `WorseThanShipped`
    (before writing anything) if the shipped model measures better on the held-out split, unless ``force``."""
    config = load_config(config_path(name))
    run = Path(run or zoo_root() / "runs" / name)
    if not (run / checkpoint).is_file():
        raise FileNotFoundError(f"no checkpoint {run / checkpoint}: train first with `nfzoo train zoo_configs/{name}.yaml`")
    flow = float32_networks(keras.models.load_model(run / checkpoint, compile=False), config)
    n_bits = flow.n_bits
    splits = load_splits(config["data"], data_dir)
    figures = held_out_bits_per_dim(flow.log_likelihood, splits, n_bits)
    held_out = figures["all"]
    previous = shipped_card(name)
    previous_now = measure_shipped(name, splits)
    if not force:
        refuse_if_worse(name, held_out, len(splits.val_images), previous, run / checkpoint, previous_now)
    card = {
        "name": name,
        "description": config["description"],
        "family": config["model"]["family"],
        "architecture": {k: v for k, v in config["model"].items() if k not in ("family", "precision")},
        "parameters": int(flow.count_params()),
        "n_bits": n_bits,
        "resolution": list(flow.data_event_shape),
        "data": {k: v for k, v in config["data"].items() if k != "path"},
        "train_images": int(len(splits.train_images)),
        "held_out_images": int(len(splits.val_images)),
        "likelihood_bound": getattr(flow, "likelihood_bound", "dequantisation"),
        "held_out_bits_per_dim": held_out,
        "held_out_sets": {set_name: {"images": int(len(indices)), "bits_per_dim": figures[set_name]}
                          for set_name, indices in (splits.val_sets or {}).items() if set_name in figures},
        "train_bits_per_dim": round(mean_bits_per_dim(flow.log_likelihood, splits.train_images, n_bits), 4),
        "training": {**config["training"], "network_precision": config["model"].get("precision", "float32"),
                     **run_facts(run, len(splits.train_images) // config["training"]["batch_size"])},
        "machine": machine(),
        "date": str(datetime.date.today()),
        "commands": [f"nfzoo train zoo_configs/{name}.yaml", f"nfzoo publish {name}"],
        "note": note,
    }
    if previous_now is not None:
        card["previous_model"] = {"date": previous.get("date"), "card_held_out_bits_per_dim":
                                  previous.get("held_out_bits_per_dim"), "held_out_measured_now": previous_now}
    if "same_budget_baseline" in previous:  # measured from scratch for the config, not for this checkpoint: keep it
        card["same_budget_baseline"] = [mark_recipe_changes(row, config) for row in previous["same_budget_baseline"]]
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
        export_serving(zoo_model, tmp / SERVING, version=1 + (int(shipped_version.name) if shipped_version else 0))
        if (run / "history.csv").is_file():  # the per-epoch training and validation curve, as evidence
            shutil.copy(run / "history.csv", tmp / "history.csv")
        write_card(tmp, card)
    return card


def measure_shipped(name, splits):
    """The held-out figures (`held_out_bits_per_dim`) of the model shipped as ``name`` on ``splits``, or None when
    none is shipped or it cannot be loaded or run on these images (another resolution, a corrupt entry)."""
    from nfzoo.zoo.load import load_flow

    if not (model_dir(name) / "card.json").is_file():
        return None
    try:
        shipped = load_flow(name)
        return held_out_bits_per_dim(shipped.log_likelihood, splits, shipped.n_bits)
    except (OSError, ValueError, KeyError, tf.errors.OpError):  # not loadable, or not for these images
        return None


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


def recipe(config):
    """What a same-budget row was measured for: the config's model and training sections."""
    return {"model": dict(config["model"]), "training": dict(config["training"])}


def recipe_changes(old, new):
    """``["section.key: old -> new", ...]`` for the recipe entries that differ (None where absent)."""
    return [f"{section}.{key}: {old[section].get(key)} -> {new[section].get(key)}"
            for section in ("model", "training") for key in sorted({*old[section], *new[section]})
            if old[section].get(key) != new[section].get(key)]


def mark_recipe_changes(row, config):
    """A kept same-budget row, with ``recipe_changes`` listing how the config changed since the row was
    measured (rows of the stock baseline carry no recipe and are kept as they are)."""
    if "recipe" not in row:
        return row
    return {**row, "recipe_changes": recipe_changes(row["recipe"], recipe(config))}


def write_card(folder, card):
    """Writes ``card.json`` and its rendering ``README.md`` into ``folder``, each file whole or not at all."""
    for file, text in (("README.md", model_card(card)), ("card.json", json.dumps(card, indent=2) + "\n")):
        with replaced_file(folder / file) as partial:
            partial.write_text(text)


def update_card(name, **measured):
    """Adds measured entries to the card of the shipped model ``name`` and re-renders its README.md (the weights
    and the other numbers stay as they are); returns the card."""
    folder = model_dir(name)
    card = {**json.loads((folder / "card.json").read_text()), **measured}
    write_card(folder, card)
    return card


def model_card(card):
    data = card["data"]
    licence = ("CelebA images (CUHK MMLab CelebA agreement: non-commercial research use only). The images are not "
               "in this repository; only weights and derived statistics are shipped, under the same research-only terms."
               if "celeba" in data.get("source", "") else "scikit-learn's bundled digits (UCI optdigits, CC BY 4.0).")
    note = f"\n**Status:** {card['note']}\n" if card.get("note") else ""
    return f"""# {card['name']}

{card['description']}.
{note}
| | |
|---|---|
| family | {card['family']} |
| architecture | {', '.join(f'{k}={v}' for k, v in card['architecture'].items())} |
| parameters | {card['parameters']:,} |
| resolution, n_bits | {'x'.join(map(str, card['resolution']))}, {card['n_bits']}-bit |
| data | {data.get('source')} ({card['train_images']} training / {card['held_out_images']} held-out images; split: {data.get('split', 'random')}, val_fraction {data.get('val_fraction')}, seed {data.get('seed')}) |
| **held-out bits/dim** | **{card['held_out_bits_per_dim']}**{held_out_sets_note(card)} |
{previous_model_row(card)}| training bits/dim | {card['train_bits_per_dim']} |
| training | {card['training']['epochs']} epochs (~{card['training']['steps']} steps), batch {card['training']['batch_size']}, Adam lr {card['training']['learning_rate']}, warm-up {card['training'].get('warmup_steps', 0)} steps, wall time {card['training']['wall_time_hours']} h{precision_note(card)} |
| machine | {card['machine']} |
| measured | {card['date']} by `{card['commands'][1]}` |

{bits_per_dim_note(card)}

{budget_section(card)}{attribute_section(card)}Reproduce: `{card['commands'][0]}` then `{card['commands'][1]}`.

Data licence: {licence}
"""


def held_out_sets_note(card):
    """`` (set a, n images: x; set b, m images: y)`` when the held-out split has more than one named set."""
    sets = card.get("held_out_sets") or {}
    if len(sets) < 2:
        return ""
    return " (" + "; ".join(f"{name}, {s['images']} images: {s['bits_per_dim']}" for name, s in sets.items()) + ")"


def previous_model_row(card):
    """A table row comparing with the model shipped before, measured now on the same held-out images."""
    previous = card.get("previous_model")
    if not previous:
        return ""
    now = previous["held_out_measured_now"]
    sets = "; ".join(f"{name}: {value}" for name, value in now.items() if name != "all")
    return (f"| previous model (shipped {previous['date']}), same held-out images | {now['all']}"
            f"{f' ({sets})' if sets else ''}; its card said {previous['card_held_out_bits_per_dim']} |\n")


def bits_per_dim_note(card):
    """How the card's bits/dim were measured: the dequantisation bound of the model's ``dequantization``."""
    if card.get("likelihood_bound") == "elbo":
        how = ("the negative ELBO under a discretised-logistic likelihood of the pixels, one posterior draw per image "
               "(fixed seed); an upper bound like the flows' dequantisation bounds, looser by KL(q(z|x) || p(z|x))")
    elif card["architecture"].get("dequantization", "uniform") == "variational":
        how = ("the variational-dequantisation bound E_q[log p(y) - log q(u | x)] with one noise draw per image from "
               "the model's learned q (its uniform input noise, fixed seed, mapped through q); an upper bound like the "
               "uniform one, which is the special case q = uniform")
    else:
        how = "one uniform dequantisation per image (fixed seed)"
    return (f"Bits/dim: negative log-likelihood of the discrete {card['n_bits']}-bit images in bits per subpixel, "
            f"{how}, averaged over the held-out split above.")


def precision_note(card):
    """How the conditioner networks computed in training, if not in float32 (the shipped model always is)."""
    precision = card["training"].get("network_precision", "float32")
    return "" if precision == "float32" else f"; networks computed in {precision} (shipped in float32: exact inverse)"


def attribute_section(card):
    """The card's "Attribute manipulation" section (empty for models without a measured attribute effect)."""
    effect = card.get("attribute_effect")
    if not effect:
        return ""
    return f"""## Attribute manipulation, measured

{effect['edited_images']} held-out faces are edited with `manipulate(faces, attribute, alpha)` = decode(z + alpha *
direction), where direction = mean training latent with the attribute minus mean training latent without. A
classifier fitted to the training split only scores the edits: {effect['classifier']}. P is its mean
probability of the attribute over the edited faces. The second column is how well it predicts the true labels
of all {effect['held_out_images']} held-out faces; a rise with alpha is evidence for the attribute only where it
is well above chance, since the classifier and the direction share the training labels. Rerun with
`python scripts/attribute_effect.py {card['name']}`.

{effect_table(effect)}
"""


def budget_section(card):
    """The card's same-budget comparison (written by benchmarks/budget_baseline.py --write-card), if any."""
    rows = card.get("same_budget_baseline")
    if not rows:
        return ""
    table = "\n".join(f"| {r['entry']}{' (earlier recipe)' if r.get('recipe_changes') else ''} | {r['cpu_minutes']:g} | "
                      f"{r['steps']} | {r['parameters']:,} | {r['held_out_bits_per_dim']:.4f} |" for r in rows)
    changes = sorted({change for r in rows for change in r.get("recipe_changes", [])})
    earlier = ("" if not changes else "\n\nThe earlier recipe is this model's config before these changes (the model above "
               "was trained with the new one): " + "; ".join(f"`{c}`" for c in changes) + ".")
    return f"""## Same-budget comparison with stock TFP Glow

Each model trained from scratch for the same CPU time (process user + system time, all threads; 40 CPU-minutes =
20 minutes on 2 cores) on this card's training split, then scored on its held-out split in the same way.
`stock` is `tfb.Glow` (3 levels x 8 steps, width 128, Adam 1e-3, batch 64); the other row is this model's config.
Rerun: `python benchmarks/budget_baseline.py --record --write-card {card['name']}`.

| entry | CPU minutes | training steps | parameters | held-out bits/dim |
|---|---|---|---|---|
{table}{earlier}

"""
