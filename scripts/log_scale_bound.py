"""What a tighter floor on the coupling log-scales does to a shipped Glow: held-out bits/dim and edits that overflow.

    nice -n 5 python scripts/log_scale_bound.py glow_celeba [--bounds 10 4 3] [--max-images 1023]
                                                [--attributes Smiling,Eyeglasses] [--data DIR]

An affine coupling's log s is floored at -b (`nfzoo.bijectors.coupling`, ``log_scale_bound``), so its inverse
multiplies by at most e^b. For each b the shipped weights are loaded afresh with every coupling's bound set to b,
then measured on the held-out split of the model's config: bits/dim (unchanged wherever no log s of those faces
lies below -b) and, per attribute, how many faces overflow the inverse when edited at alpha in [-1, 1]
(`nfzoo.zoo.attribute_effect`, the classifier test of the card). Nothing is written.
"""
import argparse

import numpy as np

from nfzoo.bijectors.coupling import Coupling
from nfzoo.config import load_config
from nfzoo.data.sources import load_splits
from nfzoo.zoo import load
from nfzoo.zoo.attribute_effect import DEFAULT_ALPHAS, measure_attribute_effect
from nfzoo.zoo.registry import config_path


def with_bound(name, bound):
    """The shipped model with every coupling's log-scale floor at -bound (set before anything is traced)."""
    model = load(name)
    couplings = [layer for layer in model.flow.flow_layers if isinstance(layer, Coupling)]
    for layer in couplings:
        layer.log_scale_bound = float(bound)
    return model, len(couplings)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="a shipped Glow with attribute directions, e.g. glow_celeba")
    parser.add_argument("--bounds", nargs="+", type=float, default=[10.0, 4.0, 3.0])
    parser.add_argument("--max-images", type=int, default=1023, help="held-out faces to score and edit")
    parser.add_argument("--attributes", default="Smiling,Eyeglasses,Blond_Hair,Male")
    parser.add_argument("--data", help="data directory (overrides data.path in the config)")
    args = parser.parse_args(argv)

    splits = load_splits(load_config(config_path(args.name))["data"], args.data)
    faces = splits.val_images[:args.max_images]
    attributes = [a for a in args.attributes.split(",") if a]
    print(f"{args.name}, {len(faces)} held-out faces, edits at alpha {', '.join(f'{a:g}' for a in DEFAULT_ALPHAS)}")
    print("| bound b | held-out bits/dim | " + " | ".join(f"{a}: faces that overflow" for a in attributes) + " |")
    print("|---" * (2 + len(attributes)) + "|")
    for bound in args.bounds:
        model, couplings = with_bound(args.name, bound)
        if not couplings:
            raise SystemExit(f"{args.name} has no coupling layers to bound")
        bits = float(np.mean(model.bits_per_dim(faces)))
        effect = measure_attribute_effect(
            model, splits.train_images, splits.train_labels, faces, splits.val_labels[:len(faces)],
            splits.attribute_names, attributes=attributes, alphas=list(DEFAULT_ALPHAS), max_images=len(faces))
        overflowed = [effect["attributes"][a]["overflowed_faces"] for a in attributes]
        print(f"| {bound:g} | {bits:.6f} | " + " | ".join(map(str, overflowed)) + " |", flush=True)


if __name__ == "__main__":
    main()
