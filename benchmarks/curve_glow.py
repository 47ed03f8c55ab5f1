"""Does a speed option change what Glow learns? Held-out bits/dim after the same steps, float32 vs bfloat16 nets.

    python benchmarks/curve_glow.py [--train-steps 300 --eval-every 100] [--record]

Two nfzoo Glows (32x32x3, 3 levels x 8 steps, width 128, the bench_glow.py architecture) start from the same
weights (ActNorm initialised on the same batch) and see the same batches in the same order (CelebA subset, the
glow_celeba config's identity split, 8-bit, uniform dequantisation, batch 64, Adam 1e-3): one computes its
coupling networks in float32, the other in bfloat16 (``precision="mixed_bfloat16"``). Every ``--eval-every``
steps both are scored on the held-out identities (all 540 faces, the same dequantisation for both). The yardstick
for their difference is a third model, float32 from another random initialisation (seed 1) on the same batches:
a precision that changes learning no more than a different seed does leaves the loss curve unchanged.
"""
import argparse
import datetime
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from glow_common import tape_train_step
from results_table import append_section
from nfzoo.config import load_config
from nfzoo.data.images import bits_per_dim
from nfzoo.models.glow import glow
from nfzoo.training.trainer import datasets

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    config = load_config(REPO / "zoo_configs" / "glow_celeba.yaml")
    config["training"]["augment_flip"] = False
    train, val = datasets(config, seed=0)
    batches = [x for _, x in zip(range(args.train_steps), train.repeat())]
    val = list(val)
    models, steps = {}, {}
    for label, precision, seed in (("float32", "float32", 0), ("float32, seed 1", "float32", 1),
                                   ("bfloat16 nets", "mixed_bfloat16", 0)):
        keras.utils.set_random_seed(seed)
        model = glow((32, 32, 3), levels=3, steps=8, hidden=128, n_bits=8, precision=precision)
        model.initialize(batches[0])
        if precision != "float32":  # the same starting weights as the float32 model
            model.set_weights(models["float32"].get_weights())
        models[label] = model
        steps[label] = tape_train_step(lambda x, m=model: m.log_prob(x, training=True),
                                       lambda m=model: m.trainable_variables, keras.optimizers.Adam(1e-3))

    scores = {label: tf.function(model.log_prob) for label, model in models.items()}

    def held_out(label):
        return float(np.mean(np.concatenate([bits_per_dim(scores[label](x), 32 * 32 * 3, 8).numpy() for x in val])))

    rows = []
    for i, x in enumerate(batches, start=1):
        for label in models:
            steps[label](x)
        if i % args.eval_every == 0:
            rows.append((i, *(held_out(label) for label in models)))
            print(f"step {i:5d}: held-out bits/dim " + "  ".join(f"{label} {b:.4f}" for label, b in zip(models, rows[-1][1:])),
                  flush=True)
    if args.record:
        record(rows)


def record(rows):
    body = "\n".join([
        f"Date: {datetime.date.today()}. Command: `python benchmarks/curve_glow.py --record`. Same initial weights "
        "and batches for float32 and bfloat16 nets; float32 from another initialisation (seed 1) as the yardstick; "
        "held-out bits/dim on the 540 faces of unseen identities.", "",
        "| step | float32 | float32, seed 1 | bfloat16 nets (seed 0) | seed 1 - float32 | bfloat16 - float32 |",
        "|---|---|---|---|---|---|",
        *(f"| {s} | {a:.4f} | {c:.4f} | {b:.4f} | {c - a:+.4f} | {b - a:+.4f} |" for s, a, c, b in rows)])
    path = append_section("## float32 vs bfloat16 conditioners: same learning (benchmarks/curve_glow.py)", body)
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
