"""Does a speed option change what Glow learns? Held-out bits/dim after the same steps, float32 vs bfloat16 nets.

    python benchmarks/curve_glow.py [--train-steps 300 --eval-every 100] [--record]

Two nfzoo Glows (32x32x3, 3 levels x 8 steps, width 128, the bench_glow.py architecture) start from the same
weights (ActNorm initialised on the same batch) and see the same batches in the same order (CelebA subset, the
glow_celeba config's identity split, 8-bit, uniform dequantisation, batch 64, Adam 1e-3): one computes its
coupling networks in float32, the other in bfloat16 (``precision="mixed_bfloat16"``). Every ``--eval-every``
steps both are scored on the held-out identities (all 540 faces, the same dequantisation for both). The
difference between the two curves is to be read against the step-to-step noise of one curve.
"""
import argparse
import datetime
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from glow_common import tape_train_step
from nfzoo.config import load_config
from nfzoo.data.preprocess import bits_per_dim
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
    for precision in ("float32", "mixed_bfloat16"):
        keras.utils.set_random_seed(0)
        model = glow((32, 32, 3), levels=3, steps=8, hidden=128, n_bits=8, precision=precision)
        model.initialize(batches[0])
        if models:  # the same starting weights as the float32 model
            model.set_weights(next(iter(models.values())).get_weights())
        models[precision] = model
        steps[precision] = tape_train_step(lambda x, m=model: m.log_prob(x, training=True),
                                           lambda m=model: m.trainable_variables, keras.optimizers.Adam(1e-3))

    def held_out(model):
        score = tf.function(model.log_prob)
        return float(np.mean(np.concatenate([bits_per_dim(score(x), 32 * 32 * 3, 8).numpy() for x in val])))

    rows = []
    for i, x in enumerate(batches, start=1):
        for precision in models:
            steps[precision](x)
        if i % args.eval_every == 0:
            rows.append((i, *(held_out(m) for m in models.values())))
            print(f"step {i:5d}: held-out bits/dim float32 {rows[-1][1]:.4f}  bfloat16 nets {rows[-1][2]:.4f}",
                  flush=True)
    if args.record:
        record(rows)


def record(rows):
    path = REPO / "benchmarks" / "RESULTS.md"
    lines = ["", "## float32 vs bfloat16 conditioners: same learning (benchmarks/curve_glow.py)", "",
             f"Date: {datetime.date.today()}. Command: `python benchmarks/curve_glow.py --record`. Same initial weights "
             "and batches; held-out bits/dim on the 540 faces of unseen identities.", "",
             "| step | float32 | bfloat16 nets | difference |", "|---|---|---|---|",
             *(f"| {s} | {a:.4f} | {b:.4f} | {b - a:+.4f} |" for s, a, b in rows)]
    path.write_text(path.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n")
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
