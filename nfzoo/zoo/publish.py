"""Turns a finished training run into a shipped zoo entry ``saved_models/<name>/`` (``nfzoo publish``).

    nfzoo publish NAME [--run runs/NAME] [--data DIR]

Measures on the config's own split (the same one `nfzoo train` used): held-out and training bits/dim
(one dequantisation per image, fixed seed: uniform noise, or the model's learned noise drawn from it), computes
attribute directions over the training images when the data has attributes, measures the effect of editing
held-out faces along them (`nfzoo.zoo.attribute_effect`: a classifier trained on the training split scores the
edits per alpha), draws an example image from the model's own samples, and writes model.keras (weights without
optimizer state; conditioner networks in float32 whatever precision they trained in: `float32_networks`),
directions.npz, example.png, card.json, README.md and the run's history.csv (per-epoch training and validation
bits/dim).
"""
import csv
import datetime
import inspect
import json
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from nfzoo.config import FAMILIES, build, load_config
from nfzoo.data.pipeline import image_dataset
from nfzoo.data.preprocess import bits_per_dim
from nfzoo.data.sources import load_splits
from nfzoo.machine import machine
from nfzoo.zoo.attribute_effect import DEFAULT_ATTRIBUTES, effect_table, measure_attribute_effect
from nfzoo.zoo.directions import compute_directions
from nfzoo.zoo.images import save_png
from nfzoo.zoo.registry import config_path, model_dir, zoo_root
from nfzoo.zoo.zoo_model import ZooModel


def mean_bits_per_dim(log_likelihood, images, n_bits, seed=1234):
    """Mean bits/dim over uint8 ``images`` under ``log_likelihood`` (nats per image of a batch of dequantised
    images, e.g. `FlowModel.log_likelihood`), one uniform dequantisation each (fixed seed)."""
    dataset = image_dataset(images, batch_size=256, n_bits=n_bits, shuffle=False, seed=seed)
    log_likelihood = tf.function(log_likelihood)
    return float(np.mean(np.concatenate([bits_per_dim(log_likelihood(x), int(np.prod(x.shape[1:])), n_bits).numpy()
                                         for x in dataset])))


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


def run_facts(run, steps_per_epoch):
    """Epochs, steps and wall time of a run directory. An epoch interrupted and resumed from its backup has two
    rows in history.csv: it counts once (its weights restart from the backup), its wall time twice."""
    rows = list(csv.DictReader((run / "history.csv").open())) if (run / "history.csv").is_file() else []
    epochs = len({row["epoch"] for row in rows})
    times = run / "epoch_times.txt"
    wall = sum(float(line.split()[1]) for line in times.read_text().splitlines()) if times.is_file() else None
    return {"epochs": epochs, "steps": epochs * steps_per_epoch,
            "wall_time_hours": None if wall is None else round(wall / 3600, 2)}


def publish(name, run=None, checkpoint="best.keras", data_dir=None, note=None):
    """Measures the run's checkpoint and writes ``saved_models/<name>/``; returns the card dict.
    ``note`` is a free-text status line for the card (e.g. that training continues)."""
    config = load_config(config_path(name))
    run = Path(run or zoo_root() / "runs" / name)
    if not (run / checkpoint).is_file():
        raise FileNotFoundError(f"no checkpoint {run / checkpoint}: train first with `nfzoo train zoo_configs/{name}.yaml`")
    flow = float32_networks(keras.models.load_model(run / checkpoint, compile=False), config)
    n_bits = flow.n_bits
    splits = load_splits(config["data"], data_dir)
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
        "held_out_bits_per_dim": round(mean_bits_per_dim(flow.log_likelihood, splits.val_images, n_bits), 4),
        "train_bits_per_dim": round(mean_bits_per_dim(flow.log_likelihood, splits.train_images, n_bits), 4),
        "training": {**config["training"], "network_precision": config["model"].get("precision", "float32"),
                     **run_facts(run, len(splits.train_images) // config["training"]["batch_size"])},
        "machine": machine(),
        "date": str(datetime.date.today()),
        "commands": [f"nfzoo train zoo_configs/{name}.yaml", f"nfzoo publish {name}"],
        "note": note,
    }
    out = model_dir(name)
    previous = json.loads((out / "card.json").read_text()) if (out / "card.json").is_file() else {}
    if "same_budget_baseline" in previous:  # measured from scratch for the config, not for this checkpoint: keep it
        card["same_budget_baseline"] = [mark_recipe_changes(row, config) for row in previous["same_budget_baseline"]]
    with tempfile.TemporaryDirectory() as tmp:  # write everything, then swap in, so a failure leaves no half entry
        tmp = Path(tmp)
        flow.save(tmp / "model.keras")
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
        if (run / "history.csv").is_file():  # the per-epoch training and validation curve, as evidence
            shutil.copy(run / "history.csv", tmp / "history.csv")
        write_card(tmp, card)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(tmp, out)
    return card


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
    """Writes ``card.json`` and its rendering ``README.md`` into ``folder``."""
    (folder / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    (folder / "README.md").write_text(model_card(card))


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
| **held-out bits/dim** | **{card['held_out_bits_per_dim']}** |
| training bits/dim | {card['train_bits_per_dim']} |
| training | {card['training']['epochs']} epochs (~{card['training']['steps']} steps), batch {card['training']['batch_size']}, Adam lr {card['training']['learning_rate']}, warm-up {card['training'].get('warmup_steps', 0)} steps, wall time {card['training']['wall_time_hours']} h{precision_note(card)} |
| machine | {card['machine']} |
| measured | {card['date']} by `{card['commands'][1]}` |

{bits_per_dim_note(card)}

{budget_section(card)}{attribute_section(card)}Reproduce: `{card['commands'][0]}` then `{card['commands'][1]}`.

Data licence: {licence}
"""


def bits_per_dim_note(card):
    """How the card's bits/dim were measured: the dequantisation bound of the model's ``dequantization``."""
    if card["architecture"].get("dequantization", "uniform") == "variational":
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
