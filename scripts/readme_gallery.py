"""Draws the README gallery of one shipped face model and writes its table into README.md.

    python scripts/readme_gallery.py [glow_celeba | glow_celeba64 | ...] [--temperatures 0.5,0.7,1.0]

Every image is the output of the ``nfzoo`` command printed beside it in the README, run here in a fresh process
exactly as written (figures enlarged and labelled by the CLI's defaults): samples at T = 0.7 and 1.0 (or the
``--temperatures`` given), edits of the bundled example face (itself a sample of the model) along Smiling,
Eyeglasses, Blond_Hair and Male at alpha = -1 .. 1, and an interpolation. Images go to docs/img/<model>_*.png; the
table replaces the block between the model's two marker lines in README.md (``BEGIN``/``END`` below, with the
model's name). Takes a few minutes on 2 CPU cores (each command pays TensorFlow's import and the model's load).
"""
import argparse
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from results_table import replace_block  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)

from nfzoo.cli.arguments import positive  # noqa: E402
from nfzoo.zoo.attribute_effect import DEFAULT_ATTRIBUTES  # noqa: E402  (the attributes the cards measure)

BEGIN = "<!-- gallery {model}: written by scripts/readme_gallery.py {model} -->"
END = "<!-- /gallery {model} -->"


def gallery(model, temperatures):
    """[(alt text, image path relative to the repository, command)] for ``model``'s gallery, in README order."""
    image = f"docs/img/{model}_{{}}.png".format
    rows = [(f"samples at T={t}", image(f"samples_t{t}"),
             f"nfzoo sample {model} -n 16 -t {t} --seed 0 -o {image(f'samples_t{t}')}") for t in temperatures]
    rows += [(a, image(a), f"nfzoo manipulate {model} --attribute {a} --alpha=-1,-0.5,0,0.5,1 -o {image(a)}")
             for a in DEFAULT_ATTRIBUTES]
    rows.append(("interpolation", image("interpolation"),
                 f"nfzoo interpolate {model} --steps 8 -o {image('interpolation')}"))
    return rows


def temperature_list(text):
    """'0.5,0.7' -> ['0.5', '0.7'], each checked as the CLI checks -t (kept as written: they name the images and
    appear in the commands)."""
    values = text.split(",")
    for value in values:
        positive(float)(value)
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default="glow_celeba", help="a shipped face model (default glow_celeba)")
    parser.add_argument("--temperatures", type=temperature_list, default=["0.7", "1.0"],
                        help="comma-separated sampling temperatures, one grid each (default 0.7,1.0)")
    args = parser.parse_args(argv)
    rows = gallery(args.model, args.temperatures)
    for _, _, command in rows:
        print(command, flush=True)
        subprocess.run(shlex.split(command), cwd=ROOT, check=True)
    table = "\n".join(["| | command |", "|---|---|"] + [f"| ![{alt}]({path}) | `{command}` |"
                                                        for alt, path, command in rows])
    replace_block(ROOT / "README.md", BEGIN.format(model=args.model), END.format(model=args.model), table)
    print(f"wrote {len(rows)} images under docs/img/ and the {args.model} gallery in README.md")


if __name__ == "__main__":
    main()
