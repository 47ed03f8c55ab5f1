"""The face models side by side: one table (README.md and benchmarks/RESULTS.md) and one picture.

    nice -n 2 python scripts/compare_faces.py [--models glow_celeba nice_celeba ...] [--data DIR ...] [--write]

For every shipped face model (default: every shipped model whose data is aligned CelebA, in FACE_MODELS order):

* from its card (measured by `nfzoo publish`): held-out bits/dim on every held-out set and on their union, and
  which figure it is (a flow's dequantised likelihood or a VAE's ELBO bound), parameters, training wall time
  and CPU time, and the edit effect of the classifier test (`nfzoo.zoo.attribute_effect`: mean P(attribute) at
  alpha = +1 minus at alpha = -1 on the edited held-out faces) for Smiling, Eyeglasses, Blond_Hair and Male;
* measured here: encode and sample time per image (batches of 64, median of 3 after a warm-up, this machine)
  and whether ``decode(encode(x)) == x`` holds on up to 256 held-out faces of the model's own split.

The picture (docs/img/smiling_by_family.png) edits the same face along Smiling at alpha = -1 .. 1, one labelled
row per model, every face shown at 128 pixels. The face is the bundled example of the compared model with the most
pixels and, among those, the lowest held-out bits/dim (a sample of that model, so no CelebA image enters the
repository), resized to each model's resolution.
``--write`` replaces the comparison blocks in README.md and benchmarks/RESULTS.md (between the markers below)
and writes the picture; without it the table is printed only.
"""
import argparse
import datetime
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from nfzoo.config import load_config
from nfzoo.data.figures import enlarge, figure
from nfzoo.data.images import read_image, save_png
from nfzoo.data.sources import load_splits
from nfzoo.machine import cpu_name
from nfzoo.zoo import load
from nfzoo.zoo.attribute_effect import DEFAULT_ATTRIBUTES
from nfzoo.zoo.card import likelihood_figure
from nfzoo.zoo.registry import available, config_path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from results_table import replace_block  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)

FACE_MODELS = ("nice_celeba", "realnvp_celeba", "iafvae_celeba", "glow_celeba", "glow_celeba64")
BEGIN = "<!-- face comparison: written by scripts/compare_faces.py --write -->"
END = "<!-- /face comparison -->"
PICTURE = ROOT / "docs" / "img" / "smiling_by_family.png"
ALPHAS = (-1.0, -0.5, 0.0, 0.5, 1.0)
DISPLAY = 128  # pixels per face in the picture


def face_models(names):
    shipped = set(available())
    chosen = names or [name for name in FACE_MODELS if name in shipped]
    missing = [name for name in chosen if name not in shipped]
    if missing:
        raise SystemExit(f"not shipped: {', '.join(missing)} (shipped: {', '.join(sorted(shipped))})")
    return chosen


@functools.lru_cache(maxsize=None)
def held_out_faces(data_config, data_dir):
    """The held-out images of a config's data section (JSON text and a tuple of folders, hashable: models with the
    same data read it once)."""
    return load_splits(json.loads(data_config), list(data_dir) if data_dir else None).val_images


def milliseconds_per_image(call, n):
    call()  # warm-up (traces)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times) / n


def shared_face(models):
    """The bundled example (a model sample) of the model with the most pixels, of those the one with the lowest
    held-out bits/dim: the face every family edits. -> (that model's name, the face [1, H, W, 3])."""
    best = max(models, key=lambda m: (np.prod(m.image_shape), -m.card.get("held_out_bits_per_dim", np.inf)))
    return best.name, read_image(best.example_path)[None]


def measure(model, data_dir, face):
    """The row of a loaded zoo model: card facts + timings and exactness measured now; also its Smiling strip of
    ``face``."""
    name, config = model.name, load_config(config_path(model.name))
    faces = model.prepare(held_out_faces(json.dumps(config["data"], sort_keys=True), data_dir)[:256])
    card, training = model.card, model.card.get("training", {})
    exact = bool(np.array_equal(model.decode(model.encode(faces)), faces))
    effect = card.get("attribute_effect", {}).get("attributes", {})
    alphas = card.get("attribute_effect", {}).get("alphas", [])
    row = {
        "name": name, "family": card.get("family"), "resolution": "x".join(map(str, model.image_shape[:2])),
        "figure": likelihood_figure(card),
        "held_out": card.get("held_out_bits_per_dim"),
        "held_out_sets": {k: v["bits_per_dim"] for k, v in (card.get("held_out_sets") or {}).items()},
        "parameters": card.get("parameters"), "wall_hours": training.get("wall_time_hours"),
        "cpu_hours": training.get("cpu_time_hours"),
        "encode_ms": milliseconds_per_image(lambda: model.encode(faces[:64]), 64),
        "sample_ms": milliseconds_per_image(lambda: model.sample(64, seed=0), 64),
        "exact": exact,
        "effect": {a: round(effect[a]["mean_p"][alphas.index(1.0)] - effect[a]["mean_p"][alphas.index(-1.0)], 2)
                   for a in DEFAULT_ATTRIBUTES if a in effect and -1.0 in alphas and 1.0 in alphas},
    }
    strip = model.manipulate(face, "Smiling", list(ALPHAS))[0]
    return row, enlarge(strip, DISPLAY // model.image_shape[0])


def table(rows):
    sets = sorted({s for row in rows for s in row["held_out_sets"]})
    head = (["model", "family", "pixels", "held-out bits/dim (union)"] + [f"… {s}" for s in sets]
            + ["figure", "parameters", "training wall h / CPU h", "encode ms/img", "sample ms/img",
               "decode(encode(x)) == x"] + [f"edit {a}" for a in DEFAULT_ATTRIBUTES])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = ([f"`{r['name']}`", r["family"], r["resolution"], f"{r['held_out']}"]
                 + [f"{r['held_out_sets'].get(s, '–')}" for s in sets]
                 + [r["figure"], f"{r['parameters']:,}", f"{r['wall_hours'] or '–'} / {r['cpu_hours'] or '–'}",
                    f"{r['encode_ms']:.1f}", f"{r['sample_ms']:.1f}", "yes" if r["exact"] else "no"]
                 + [f"{r['effect'][a]:+.2f}" if a in r["effect"] else "–" for a in DEFAULT_ATTRIBUTES])
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", help=f"default: the shipped ones of {', '.join(FACE_MODELS)}")
    parser.add_argument("--data", nargs="+", help="data folders (override each config's data.path)")
    parser.add_argument("--write", action="store_true", help="update README.md, RESULTS.md and the picture")
    args = parser.parse_args(argv)
    models = [load(name) for name in face_models(args.models)]
    face_from, face = shared_face(models)
    measured = [measure(model, tuple(args.data) if args.data else None, face) for model in models]
    rows, strips = [row for row, _ in measured], np.stack([strip for _, strip in measured])
    machine = f"{len(os.sched_getaffinity(0))} CPU cores ({cpu_name()}), load average {os.getloadavg()[0]:.1f}"
    block = (table(rows) + f"\n\nHeld-out faces: identities never seen in training (the configs' identity split); "
             f"8-bit pixels; timings on {machine}, {datetime.date.today()}; edit = classifier's mean P(attribute) "
             f"at alpha = +1 minus at alpha = -1 (card). The picture edits {face_from}'s bundled sample.")
    print(block)
    if args.write:
        save_png(PICTURE, figure(strips, scale=1, column_labels=[f"alpha {a:+g}" for a in ALPHAS],
                                 row_labels=[row["name"] for row in rows],
                                 title="the same face (a model sample) edited along Smiling"))
        for path in (ROOT / "README.md", ROOT / "benchmarks" / "RESULTS.md"):
            picture = os.path.relpath(PICTURE, path.parent)
            replace_block(path, BEGIN, END, f"{block}\n\n![Smiling by family]({picture})")
        print(f"wrote {PICTURE}, README.md and benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
