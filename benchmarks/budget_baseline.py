"""Same-budget comparison on CelebA: held-out bits/dim of stock TFP Glow vs nfzoo configs after equal CPU time.

    python benchmarks/budget_baseline.py [--cpu-minutes 40] [--entries stock zoo_configs/glow_celeba.yaml ...]
                                         [--record] [--write-card glow_celeba]
    python benchmarks/budget_baseline.py --run-entry stock > stock.log     # one entry (e.g. on several machines)
    python benchmarks/budget_baseline.py --from-logs stock.log nfzoo.log --record --write-card glow_celeba

Each entry trains in its own process until that process has used ``--cpu-minutes`` of CPU time (user + system,
all threads: 40 CPU-minutes = 20 minutes on 2 cores), so the budget is the same even when the machine is shared.
Data: the config's CelebA split (identity split: validation faces belong to identities never seen in training),
8-bit, uniform dequantisation, batch 64.

* ``stock``: `tfb.Glow` (3 levels x 8 steps, `GlowDefaultNetwork` width 128, Adam 1e-3, no augmentation), the
  baseline described in issue #6, trained with a GradientTape loop.
* a zoo config path: nfzoo's `nfzoo train` pipeline (`nfzoo.training.trainer.train`) with that config's model,
  schedule and augmentation; its per-epoch validation and sample grids count against its budget.

Held-out bits/dim: mean over all validation images, one dequantisation each (fixed seed), identical for every
entry and to the model card's own held-out figure (`nfzoo publish`). ``--record`` appends the results to
benchmarks/RESULTS.md; ``--write-card NAME`` stores them in saved_models/NAME/card.json and re-renders that model
card. ``--from-logs`` gathers the result lines of entries that ran separately (``--run-entry``) instead of running
them.
"""
import argparse
import ast
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_table import append_section

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "zoo_configs" / "glow_celeba.yaml"


def held_out_bits_per_dim(log_prob, config):
    """Mean bits/dim of the validation split under ``log_prob`` (a function of a batch of dequantised images),
    measured as the model card measures it (`nfzoo.models.held_out.mean_bits_per_dim`)."""
    from nfzoo.data.sources import load_splits
    from nfzoo.models.held_out import mean_bits_per_dim

    return mean_bits_per_dim(log_prob, load_splits(config["data"]).val_images, config["model"]["n_bits"])


def train_stock(budget_seconds):
    import tensorflow as tf

    from glow_common import stock_glow, tape_train_step
    from nfzoo.config import load_config
    from nfzoo.training.trainer import datasets

    config = load_config(CONFIG)
    train, _ = datasets({**config, "training": {**config["training"], "augment_flip": False}}, seed=0)
    dist = stock_glow(tuple(config["model"]["image_shape"]), levels=3, steps=8, width=128)
    start = time.process_time()
    dist.log_prob(next(iter(train)))  # builds the variables; ActNorm initialises on this first batch
    step = tape_train_step(dist.log_prob, lambda: dist.trainable_variables, tf.optimizers.Adam(1e-3))
    steps = 0
    while time.process_time() - start < budget_seconds:
        for x in train:
            step(x)
            steps += 1
            if time.process_time() - start >= budget_seconds:
                break
    return {"steps": steps, "held_out_bits_per_dim": held_out_bits_per_dim(dist.log_prob, config),
            "parameters": int(sum(int(tf.size(v)) for v in dist.trainable_variables))}


def train_zoo_config(path, budget_seconds):
    import keras

    from nfzoo.config import load_config
    from nfzoo.training.trainer import train
    from nfzoo.zoo.records import recipe

    class CpuBudget(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.start, self.steps = time.process_time(), 0

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            if time.process_time() - self.start >= budget_seconds:
                self.model.stop_training = True

    config = load_config(path)
    budget = CpuBudget()
    with tempfile.TemporaryDirectory() as out:
        train(config, epochs=10_000, out_dir=out, verbose=0, callbacks=[budget])
    return {"steps": budget.steps, "held_out_bits_per_dim": held_out_bits_per_dim(budget.model.log_likelihood, config),
            "parameters": int(budget.model.count_params()), "recipe": recipe(config)}


def run_entry(entry, cpu_minutes):
    """Runs one entry in this process and prints its result as one JSON line."""
    budget = cpu_minutes * 60
    result = train_stock(budget) if entry == "stock" else train_zoo_config(entry, budget)
    print(json.dumps({"entry": entry, "cpu_minutes": cpu_minutes, **result}))


def record(results, cpu_minutes):
    from nfzoo.machine import cpu_name

    body = "\n".join([
        f"Date: {datetime.date.today()}. Command: `python benchmarks/budget_baseline.py --cpu-minutes {cpu_minutes:g} "
        f"--record`. Machine: {os.cpu_count()} cores, {cpu_name()}, shared with other jobs (the budget is process CPU "
        "time, so sharing does not change it). Data: 32x32 CelebA subset, identity split (held-out identities never "
        "seen in training), 8-bit, uniform dequantisation.", "",
        "| entry | CPU minutes | training steps | parameters | held-out bits/dim |", "|---|---|---|---|---|",
        *(f"| {r['entry']} | {r['cpu_minutes']:g} | {r['steps']} | {r['parameters']:,} | "
          f"{r['held_out_bits_per_dim']:.4f} |" for r in results),
    ])
    path = append_section("## Same-budget CelebA comparison (benchmarks/budget_baseline.py)", body)
    print(f"recorded in {path}")


SECTION = "same_budget_baseline"  # the name of this comparison among the card's sections


def card_section(name, results):
    """The model card section of the comparison (`nfzoo.zoo.card.script_sections`): the rows, their Markdown and
    the recipe the zoo config's row was measured with (publishing the model again notes how it changed since)."""
    rows = [{**r, "entry": Path(r["entry"]).name} for r in results]
    recipes = [r["recipe"] for r in rows if "recipe" in r]
    return {"name": SECTION, "markdown": budget_markdown(name, rows), "rows": rows,
            **({"recipe": recipes[0]} if recipes else {})}


def budget_markdown(name, rows):
    """The comparison as a Markdown section of the card of the zoo entry ``name``."""
    table = "\n".join(f"| {r['entry']} | {r['cpu_minutes']:g} | {r['steps']} | {r['parameters']:,} | "
                      f"{r['held_out_bits_per_dim']:.4f} |" for r in rows)
    return f"""## Same-budget comparison with stock TFP Glow

Each model trained from scratch for the same CPU time (process user + system time, all threads; 40 CPU-minutes =
20 minutes on 2 cores) on this card's training split, then scored on its held-out split in the same way.
`stock` is `tfb.Glow` (3 levels x 8 steps, width 128, Adam 1e-3, batch 64); the other row is this model's config.
Rerun: `python benchmarks/budget_baseline.py --record --write-card {name}`.

| entry | CPU minutes | training steps | parameters | held-out bits/dim |
|---|---|---|---|---|
{table}
"""


def write_card(name, results):
    from nfzoo.zoo.card import update_card
    from nfzoo.zoo.records import read_record

    others = [s for s in read_record(name).card.get("sections", []) if s["name"] != SECTION]
    update_card(name, sections=[*others, card_section(name, results)])
    print(f"wrote saved_models/{name}/card.json and its README")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cpu-minutes", type=float, default=40.0, help="CPU time per entry (40 = 20 min x 2 cores)")
    parser.add_argument("--entries", nargs="+", default=["stock", str(CONFIG)])
    parser.add_argument("--run-entry", help=argparse.SUPPRESS)  # internal: run one entry in this process
    parser.add_argument("--from-logs", nargs="+", help="read results of separate --run-entry runs from these logs")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--write-card", metavar="NAME", help="store the results in saved_models/NAME's card")
    args = parser.parse_args()
    if args.run_entry:
        run_entry(args.run_entry, args.cpu_minutes)
        return
    if args.from_logs:
        results = [json.loads(line) if line.startswith('{"entry"') else ast.literal_eval(line)
                   for log in args.from_logs for line in Path(log).read_text().splitlines()
                   if line.startswith(("{'entry'", '{"entry"'))]
        entries = []
    else:
        results, entries = [], args.entries
    for entry in entries:
        output = subprocess.run(
            [sys.executable, __file__, "--run-entry", entry, "--cpu-minutes", str(args.cpu_minutes)],
            check=True, stdout=subprocess.PIPE, text=True, cwd=REPO,
        ).stdout
        results.append(json.loads(output.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    if args.record:
        record(results, results[0]["cpu_minutes"])
    if args.write_card:
        write_card(args.write_card, results)


if __name__ == "__main__":
    main()
