"""Measures the attribute-manipulation effect of a shipped zoo model without republishing it.

Loads ``saved_models/NAME`` (weights and the attribute directions shipped with it) and the data split of
``zoo_configs/NAME.yaml`` (the one `nfzoo train` and `nfzoo publish` used), trains one classifier per attribute
on the training faces, edits held-out faces along the shipped directions and prints the classifier's mean
P(attribute) per alpha plus the alpha = 0 reconstruction error (see `nfzoo.zoo.attribute_effect`).

    python scripts/attribute_effect.py glow_celeba                     # print the table
    python scripts/attribute_effect.py glow_celeba --write-card        # also store it in the model card
    python scripts/attribute_effect.py glow_celeba --data DIR --max-images 128 --alphas=-2,-1,0,1,2

``--write-card`` adds ``attribute_effect`` to saved_models/NAME/card.json and re-renders its README.md; the
weights and every other measured number stay as they are. No image is written anywhere.
"""
import argparse
import json
import time

from nfzoo.config import load_config
from nfzoo.data.sources import load_splits
from nfzoo.zoo import load
from nfzoo.zoo.attribute_effect import DEFAULT_ALPHAS, DEFAULT_ATTRIBUTES, effect_table, measure_attribute_effect
from nfzoo.zoo.card import update_card
from nfzoo.zoo.registry import config_path, model_dir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", default="glow_celeba", help="a shipped zoo model trained with attributes")
    parser.add_argument("--data", help="data directory (overrides data.path in the config)")
    parser.add_argument("--attributes", default=",".join(DEFAULT_ATTRIBUTES), help="comma-separated names")
    parser.add_argument("--alphas", default=",".join(f"{a:g}" for a in DEFAULT_ALPHAS),
                        help="comma-separated edit strengths, e.g. --alphas=-1,0,1")
    parser.add_argument("--max-images", type=int, default=256, help="held-out faces to edit")
    parser.add_argument("--json", help="also write the measurement to this JSON file")
    parser.add_argument("--write-card", action="store_true",
                        help="store the measurement in saved_models/NAME/card.json and README.md")
    args = parser.parse_args(argv)

    model = load(args.name)
    config = load_config(config_path(args.name))
    splits = load_splits(config["data"], args.data)
    if splits.attribute_names is None or splits.train_labels is None:
        raise SystemExit(f"{args.name}'s data ({config['data']['source']}) has no attributes to measure")
    start = time.time()
    effect = measure_attribute_effect(
        model, splits.train_images, splits.train_labels, splits.val_images, splits.val_labels, splits.attribute_names,
        attributes=[a for a in args.attributes.split(",") if a], alphas=[float(a) for a in args.alphas.split(",")],
        max_images=args.max_images)
    print(f"{args.name}: {effect['edited_images']} of {effect['held_out_images']} held-out faces edited; "
          f"classifier: {effect['classifier']} ({time.time() - start:.0f} s)\n")
    print(effect_table(effect))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(effect, f, indent=2)
    if args.write_card:
        update_card(args.name, attribute_effect=effect)
        print(f"wrote {model_dir(args.name)}/card.json and README.md")


if __name__ == "__main__":
    main()
