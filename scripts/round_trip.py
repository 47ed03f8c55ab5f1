"""How often a shipped flow fails decode(encode(x)) == x on its own samples and on held-out faces, and why.

    nice -n 5 python scripts/round_trip.py glow_celeba [--samples 1024] [--temperatures 0.7 1.0] [--data DIR]
                                                       [--max-faces 1023] [--record]

An affine coupling y_b = (x_b + t(x_a)) * s(x_a) is inverted by x_b = y_b / s - t: where s sits near its floor
e^-b (b = the model's ``log_scale_bound``) the inverse multiplies float32 rounding by up to e^b per coupling, and
over a chain of such couplings decode(encode(x)) drifts from x, or overflows (`DecodeOverflowError`). A trained
Glow's scales stay near 1 on faces like its training data; some prior draws at temperature 1 decode to images far
from them, where many scales sit at the floor (Behrmann et al., "Understanding and Mitigating Exploding Inverses
in Invertible Neural Networks", AISTATS 2021).

For each temperature, ``--samples`` samples are drawn (`ZooModel.sample`, seed 0); each counts as overflowed (its
decode is not finite), far (`ZooModel.far_from_training_data`: more than `FAR_MARGIN` bits/dim above the card's
held-out figure) or likely, and then as exact or not (decode(encode(x)) == x, through `ZooModel`); the last
column is the mean share of an image's coupling log-scales at the floor (`floor_share`) over the exact images and
over the others, the mechanism above measured. Then the same for the held-out faces of the model's config when its
data is there. ``--record`` appends the rows to benchmarks/RESULTS.md.
"""
import argparse
import datetime
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

from nfzoo.bijectors.coupling import Coupling
from nfzoo.config import load_config
from nfzoo.data.images import to_model_space
from nfzoo.data.sources import load_splits
from nfzoo.machine import machine
from nfzoo.zoo import load
from nfzoo.zoo.registry import config_path
from nfzoo.zoo.zoo_model import FAR_MARGIN, DecodeOverflowError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from results_table import append_rows  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)

BATCH = 64
HEADING = "## Round trips of shipped flows (scripts/round_trip.py)"
TABLE_HEAD = ("| date | model | images | count | overflowed | far (> card + 1 bit/dim) | likely, not exact | "
              "far, not exact | log s at the floor: exact / not exact | machine |\n" + "|---" * 10 + "|")
INTRO = (f"decode(encode(x)) == x on a shipped flow's own samples (seed 0) and on its config's held-out faces: "
         f"'far' images score more than {FAR_MARGIN:g} bit/dim above the card's held-out figure "
         "(`ZooModel.far_from_training_data`), 'overflowed' samples decode to inf/NaN (the API raises "
         "`DecodeOverflowError` for them); the last column is the mean share of the images' affine-coupling log-scales "
         "that sit at their floor -b along the encode. Why it fails where it does: the script's docstring.")


def decoded(method, *args):
    """``method(*args)`` of a ZooModel that decodes (``decode``, ``sample``) -> (uint8 images, decoded [N] bool);
    the rows that overflowed are black (`DecodeOverflowError.images`)."""
    try:
        images = method(*args)
        return images, np.ones(len(images), bool)
    except DecodeOverflowError as error:
        finite = np.ones(len(error.images), bool)
        finite[error.overflowed] = False
        return error.images, finite


def floor_share(model, images):
    """[N]: the share of each image's affine-coupling log-scales, along its encode, within 1e-3 of the floor -b."""
    shares = []
    for start in range(0, len(images), BATCH):
        h = tf.constant(to_model_space(images[start: start + BATCH], model.n_bits))
        at_floor, total = tf.zeros(tf.shape(h)[:1]), 0
        for layer in model.flow.flow_layers:
            log_scale = layer.log_scale(h) if isinstance(layer, Coupling) else None
            if log_scale is not None:
                floored = tf.cast(log_scale <= 1e-3 - layer.log_scale_bound, tf.float32)
                at_floor += tf.reduce_sum(tf.reshape(floored, [tf.shape(h)[0], -1]), axis=1)
                total += int(np.prod(log_scale.shape[1:]))
            h, _ = layer(h)
            if layer.factors_out:
                h, _ = layer.factor_out(h)
        shares.append(at_floor.numpy() / max(total, 1))
    return np.concatenate(shares)


def round_trip_counts(model, images):
    """{"count", "far", "likely_not_exact", "far_not_exact", "floor_exact", "floor_not_exact"} of
    decode(encode(x)) == x over uint8 ``images``; floor_*: the mean `floor_share` of the exact / other images."""
    far = np.zeros(len(images), bool)
    far[[i for i, _ in model.far_from_training_data(images)]] = True
    back, finite = decoded(model.decode, model.encode(images))
    exact = finite & (back == images).all(axis=(1, 2, 3))
    share = floor_share(model, images)
    floor_exact, floor_not_exact = (f"{share[rows].mean():.3%}" if rows.any() else "–" for rows in (exact, ~exact))
    return {"count": len(images), "far": int(far.sum()), "likely_not_exact": int((~far & ~exact).sum()),
            "far_not_exact": int((far & ~exact).sum()), "floor_exact": floor_exact, "floor_not_exact": floor_not_exact}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="a shipped image flow, e.g. glow_celeba")
    parser.add_argument("--samples", type=int, default=1024, help="samples per temperature")
    parser.add_argument("--temperatures", nargs="+", type=float, default=[0.7, 1.0])
    parser.add_argument("--data", help="data directory (overrides data.path in the config)")
    parser.add_argument("--max-faces", type=int, default=1023, help="held-out faces to check (0: none)")
    parser.add_argument("--record", action="store_true", help="append the rows to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)

    model = load(args.name)
    rows = []
    for temperature in args.temperatures:
        images, finite = decoded(model.sample, args.samples, temperature, 0)
        counts = round_trip_counts(model, images[finite])
        rows.append((f"samples at T={temperature:g}", {**counts, "count": args.samples,
                                                        "overflowed": int((~finite).sum())}))
        print(rows[-1], flush=True)
    if args.max_faces:
        try:
            faces = load_splits(load_config(config_path(args.name))["data"], args.data).val_images[:args.max_faces]
        except FileNotFoundError as error:
            print(f"held-out faces skipped: {error}")
        else:
            rows.append(("held-out faces", {**round_trip_counts(model, faces), "overflowed": "–"}))
            print(rows[-1], flush=True)
    lines = [f"| {datetime.date.today()} | {args.name} | {what} | {c['count']} | {c['overflowed']} | {c['far']} | "
             f"{c['likely_not_exact']} | {c['far_not_exact']} | {c['floor_exact']} / {c['floor_not_exact']} | "
             f"{machine()} |" for what, c in rows]
    print("\n".join([TABLE_HEAD] + lines))
    if args.record:
        print(f"appended to {append_rows(HEADING, TABLE_HEAD, lines, intro=INTRO)}")


if __name__ == "__main__":
    main()
