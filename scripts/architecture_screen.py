"""Which Glow architecture for a config? A short screen of levels, steps, width and network precision.

    python scripts/architecture_screen.py zoo_configs/glow_celeba64.yaml \
        --variant l4s8w128 levels=4 steps=8 hidden=128 --variant l3s8w128 levels=3 steps=8 hidden=128 \
        [--steps 300] [--eval-images 256] [--record]

Each variant is the config's model with the given ``key=value`` overrides (YAML values: ``precision=float32``),
trained from the same seed on the same batches of the config's own training split for ``--steps`` steps with
the config's optimiser (learning rate warm-up over the first 10% of the steps, then constant), then scored on the
first ``--eval-images`` held-out faces (the config's split, one dequantisation per image, the card's seed).
Prints per variant: parameters, seconds per training step (median of the steps after the first 10, so tracing is
excluded), images/s, the projected steps in 12 hours, held-out bits/dim after the screen. ``--record`` appends the
table to benchmarks/RESULTS.md. Nothing is saved: a screen compares, it does not train a model to keep.
"""
import argparse
import datetime
import os
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
from results_table import append_section  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)


def parse_variants(items):
    """[[name, 'k=v', ...], ...] -> {name: {k: v}} with YAML-typed values."""
    variants = {}
    for name, *pairs in items:
        overrides = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                raise SystemExit(f"architecture_screen: expected key=value after --variant {name}, got {pair!r}")
            overrides[key] = yaml.safe_load(value)
        variants[name] = overrides
    return variants


def screen(config, overrides, steps, eval_images):
    import keras
    import numpy as np

    from nfzoo.config import build
    from nfzoo.data.sources import load_splits
    from nfzoo.training.schedules import LinearWarmup
    from nfzoo.training.trainer import datasets
    from nfzoo.models.held_out import mean_bits_per_dim

    config = {**config, "model": {**config["model"], **overrides}}
    keras.utils.set_random_seed(0)
    train_ds, _ = datasets(config, seed=0)
    model = build(config)
    training = config["training"]
    model.compile(optimizer=keras.optimizers.Adam(LinearWarmup(training["learning_rate"], max(steps // 10, 1)),
                                                  clipnorm=training.get("clipnorm")))
    times = []

    class StepTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self.start)

    model.fit(train_ds.repeat(), steps_per_epoch=steps, epochs=1, callbacks=[StepTimer()], verbose=0)
    held_out = load_splits(config["data"]).val_images[:eval_images]
    step_s = float(np.median(times[10:] or times))
    return {"parameters": model.count_params(), "step_s": step_s,
            "images_per_s": training["batch_size"] / step_s, "steps_in_12h": int(12 * 3600 / step_s),
            "held_out_bpd": mean_bits_per_dim(model.log_likelihood, held_out, model.n_bits)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config")
    parser.add_argument("--variant", nargs="+", action="append", required=True, metavar=("NAME", "KEY=VALUE"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--eval-images", type=int, default=256)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    variants = parse_variants(args.variant)

    from nfzoo.config import load_config

    config = load_config(args.config)
    rows = []
    for name, overrides in variants.items():  # each row printed as it is measured: a stopped screen keeps them
        r = screen(config, overrides, args.steps, args.eval_images)
        rows.append(f"| {name} | {' '.join(f'{k}={v}' for k, v in overrides.items())} | {r['parameters']:,} | "
                    f"{r['step_s']:.3f} | {r['images_per_s']:.1f} | {r['steps_in_12h']:,} | {r['held_out_bpd']:.4f} |")
        print(rows[-1], flush=True)
    batch = config["training"]["batch_size"]
    body = "\n".join([
        f"{datetime.date.today()}: {config['name']} base config, {config['model']['image_shape'][0]}x"
        f"{config['model']['image_shape'][1]}, 8-bit, batch {batch}, {args.steps} steps from scratch (warm-up 10%), "
        f"held-out bits/dim on the first {args.eval_images} held-out faces, {len(os.sched_getaffinity(0))} CPU cores, "
        f"load average {os.getloadavg()[0]:.1f} (`python scripts/architecture_screen.py` ...)", "",
        "| variant | overrides | parameters | s/step | images/s | steps in 12 h | held-out bpd |",
        "|---|---|---|---|---|---|---|", *rows])
    print(body)
    if args.record:
        heading = f"## Architecture screen: {config['name']} (scripts/architecture_screen.py)"
        print(f"recorded in {append_section(heading, body)}")


if __name__ == "__main__":
    main()
