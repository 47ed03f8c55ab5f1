"""What `nfzoo publish` measures for a model card, with the one held-out measurement (`nfzoo.models.held_out`):
held-out bits/dim over all held-out images and each named held-out set, training bits/dim, the run's epochs and
wall time, and the model shipped before on the same images. The shipped form of a checkpoint has float32
conditioner networks (`float32_networks`)."""
import csv
import datetime
import inspect

import tensorflow as tf

from nfzoo.config import FAMILIES, build
from nfzoo.machine import machine
from nfzoo.models.held_out import bits_per_dim_by_set, held_out_bits_per_dim
from nfzoo.zoo.registry import model_dir


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
    """Epochs, steps, wall time and CPU time of a run directory. Runs of earlier versions logged an epoch interrupted
    and resumed from its backup twice in history.csv (now the resumed run replaces the row): it counts once (its
    weights restart from the backup), its wall time, in epoch_times.txt, twice. CPU time is summed over the lines
    that have it (``cpu_time_epochs`` of them: lines written before 2026-11-30 have none)."""
    rows = list(csv.DictReader((run / "history.csv").open())) if (run / "history.csv").is_file() else []
    epochs = len({row["epoch"] for row in rows})
    times = run / "epoch_times.txt"
    lines = [line.split() for line in times.read_text().splitlines()] if times.is_file() else []
    cpu = [float(line[2]) for line in lines if len(line) > 2]
    facts = {"epochs": epochs, "steps": epochs * steps_per_epoch,
             "wall_time_hours": round(sum(float(line[1]) for line in lines) / 3600, 2) if times.is_file() else None}
    if cpu:
        facts.update(cpu_time_hours=round(sum(cpu) / 3600, 2), cpu_time_epochs=len(cpu))
    return facts


def measure_shipped(name, splits):
    """The held-out figures (`held_out_bits_per_dim`) of the model shipped as ``name`` on ``splits``, or None when
    none is shipped or it cannot be loaded or run on these images (another resolution, a corrupt entry)."""
    from nfzoo.zoo.loading import load_flow

    if not (model_dir(name) / "card.json").is_file():
        return None
    try:
        shipped = load_flow(name)
        return held_out_bits_per_dim(shipped.log_likelihood, splits, shipped.n_bits)
    except (OSError, ValueError, KeyError, tf.errors.OpError):  # not loadable, or not for these images
        return None


def figures_by_set(figures, sets):
    """{set name: {"images": count, "bits_per_dim": figure}} of `bits_per_dim_by_set` figures and their sets."""
    return {name: {"images": int(len(indices)), "bits_per_dim": figures[name]}
            for name, indices in (sets or {}).items() if name in figures}


def card_facts(name, config, flow, splits, figures, run, note=None):
    """The measured facts of the card of ``flow`` (the shipped form of the run folder ``run``'s checkpoint) on the
    config's ``splits``, given its held-out ``figures`` (`held_out_bits_per_dim`); ``note``: a status line."""
    n_bits = flow.n_bits
    train = bits_per_dim_by_set(flow.log_likelihood, splits.train_images, splits.train_sets, n_bits)
    return {
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
        "held_out_bits_per_dim": figures["all"],
        "held_out_sets": figures_by_set(figures, splits.val_sets),
        "train_bits_per_dim": train["all"],
        "train_sets": figures_by_set(train, splits.train_sets),
        "training": {**config["training"], "network_precision": config["model"].get("precision", "float32"),
                     **run_facts(run, len(splits.train_images) // config["training"]["batch_size"])},
        "machine": machine(),
        "date": str(datetime.date.today()),
        "commands": [f"nfzoo train zoo_configs/{name}.yaml", f"nfzoo publish {name}"],
        "note": note,
    }
