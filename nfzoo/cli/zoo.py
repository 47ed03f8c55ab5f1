"""``nfzoo list | sample | manipulate | interpolate | publish``: the pretrained zoo from the command line.

The image commands take a MODEL: a zoo name, a .keras file, a run folder or a zoo-style folder (`nfzoo.zoo.load`).
Images are read in the model's channel count; one PNG holds at most `MAX_IMAGES` images. PNGs are for people by
default: every face enlarged (nearest neighbour) to at least 128 pixels (`--scale`), labelled with the alpha of each
column, the temperature or the interpolation step, and the model's name (`nfzoo.data.figures`); ``--raw`` writes the
model's own pixels as a plain grid (1-pixel gutters).
"""
import sys

import numpy as np

from nfzoo.cli.arguments import at_least, finite_floats, image_output, positive

MODEL_HELP = "a zoo name (nfzoo list), a .keras file, a run folder (its best.keras) or a zoo-style folder"
MAX_IMAGES = 1024  # per PNG: 1024 faces of 32x32 make a 1056x1056 grid


def add_figure_arguments(p):
    p.add_argument("--scale", type=positive(int), help="enlargement of each face (default: to >= 128 pixels)")
    p.add_argument("--raw", action="store_true", help="the model's own pixels in a plain grid, no labels")


def add_parser(commands):
    p = commands.add_parser("list", help="list the shipped zoo models")
    p.set_defaults(handler=run_list)

    p = commands.add_parser("sample", help="draw a grid of samples")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("-n", type=positive(int), default=16, help=f"number of samples (at most {MAX_IMAGES})")
    p.add_argument("-t", "--temperature", type=positive(float), default=0.7, help="prior std scale (default 0.7)")
    p.add_argument("--seed", type=at_least(int, 0), default=0)
    p.add_argument("--label", type=int, help="class-conditional models: draw this class (e.g. 3 for glow_digits_cond)")
    p.add_argument("-o", "--out", type=image_output, default="samples.png")
    add_figure_arguments(p)
    p.set_defaults(handler=run_sample)

    p = commands.add_parser("manipulate", help="edit faces along an attribute direction (a strip per image)")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("images", nargs="*", help="aligned face images of any size (default: the model's example)")
    p.add_argument("--attribute", required=True, help="e.g. Smiling, Eyeglasses, Blond_Hair")
    p.add_argument("--alpha", type=finite_floats, default=[-1.0, 0.0, 1.0],
                   help="comma-separated steps along the direction, e.g. --alpha=-1,0,1")
    p.add_argument("-o", "--out", type=image_output, default="strip.png")
    add_figure_arguments(p)
    p.set_defaults(handler=run_manipulate)

    p = commands.add_parser("interpolate", help="interpolate in latent space between two images")
    p.add_argument("model", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("images", nargs="*", help="two images (default: two of the model's samples)")
    p.add_argument("--steps", type=at_least(int, 2), default=8, help="images along the path, both ends included")
    p.add_argument("-o", "--out", type=image_output, default="interpolation.png")
    add_figure_arguments(p)
    p.set_defaults(handler=run_interpolate)

    p = commands.add_parser("publish", help="measure a trained run and write saved_models/<name>/ with its card")
    p.add_argument("name")
    p.add_argument("--run", help="run directory (default runs/<name>)")
    p.add_argument("--data", help="data directory (overrides data.path in the config)")
    p.add_argument("--note", help="a status line for the model card, e.g. that training continues")
    p.add_argument("--force", action="store_true",
                   help="replace the shipped model even if the run measures worse on the held-out split")
    p.set_defaults(handler=run_publish)


def run_list(args):
    from nfzoo.zoo.records import list_models

    models = list_models()
    if not models:
        print("no zoo models shipped yet")
    for name, description in models.items():
        print(f"{name:20s} {description}")


def run_sample(args):
    from nfzoo.zoo import load

    check_image_count(args.n, "-n")
    model = load(args.model)
    images = model.sample(args.n, temperature=args.temperature, seed=args.seed, label=args.label)
    columns = int(np.ceil(np.sqrt(args.n)))
    rows = np.zeros((int(np.ceil(args.n / columns)) * columns, *images.shape[1:]), np.uint8) + 255
    rows[:args.n] = images  # a square-ish grid; unused cells stay white
    save_figure(args, rows.reshape(-1, columns, *images.shape[1:]),
                title=f"{model.name}: samples{'' if args.label is None else f' of label {args.label}'} at "
                      f"T = {args.temperature:g}, seed {args.seed}")


def run_manipulate(args):
    from nfzoo.zoo import load

    check_image_count(max(len(args.images), 1) * len(args.alpha), "images x --alpha")
    model = load(args.model)
    model.attribute_direction(args.attribute)  # an unknown attribute fails before any image is read
    if args.images:
        images = read_images(model, args.images)
    elif model.example_path:  # the model's own sample: no need to check it looks like its training data
        images = read_images(model, [model.example_path], check_likeness=False)
    else:
        images = model.sample(1, seed=0)
    save_figure(args, model.manipulate(images, args.attribute, args.alpha),
                column_labels=[f"alpha {a:+g}" if a else "alpha 0" for a in args.alpha],
                title=f"{model.name}: {args.attribute}")


def run_interpolate(args):
    from nfzoo.zoo import load

    if len(args.images) not in (0, 2):
        raise ValueError(f"nfzoo interpolate takes two images (or none, to use two of the model's samples), "
                         f"got {len(args.images)}")
    check_image_count(args.steps, "--steps")
    model = load(args.model)
    a, b = read_images(model, args.images) if args.images else model.sample(2, seed=1)
    save_figure(args, model.interpolate(a, b, steps=args.steps)[None],
                column_labels=[f"{t:.2f}" for t in np.linspace(0.0, 1.0, args.steps)],
                title=f"{model.name}: interpolation in latent space")


def check_image_count(count, what):
    if count > MAX_IMAGES:
        raise ValueError(f"{what} asks for {count} images in one PNG; expected at most {MAX_IMAGES} "
                         f"(for more, run the command several times, e.g. with different --seed values)")


def read_images(model, paths, check_likeness=True):
    """The image files at ``paths`` as one uint8 batch at the model's resolution and channel count, with one
    warning line on stderr if some of them look unlike the model's training data (``check_likeness``: scoring
    them costs a forward pass)."""
    from nfzoo.data.images import read_image
    from nfzoo.zoo.zoo_model import FAR_MARGIN

    images = np.concatenate([model.prepare(read_image(path, model.image_shape[-1])) for path in paths])
    if not check_likeness:
        return images
    far = model.far_from_training_data(images)
    if far:
        scores = ", ".join(f"{paths[i]} ({bits:.2f})" for i, bits in far)
        print(f"nfzoo: warning: {scores} score(s) more than {FAR_MARGIN:g} bit/dim above {model.name}'s held-out "
              f"{model.card['held_out_bits_per_dim']:.2f} bits/dim: unlike its training data, so latents and edits "
              f"are unreliable", file=sys.stderr)
    return images


def run_publish(args):
    """Prints the shipped and the new held-out bits/dim; a worse run is refused (`WorseThanShipped`: one line,
    exit code 2)."""
    import json

    from nfzoo.zoo.publish import publish, shipped_card

    shipped = shipped_card(args.name).get("held_out_bits_per_dim")
    card = publish(args.name, run=args.run, data_dir=args.data, note=args.note, force=args.force)
    shipped = card.get("previous_model", {}).get("held_out_measured_now", {}).get("all", shipped)  # same images
    print(json.dumps({"name": card["name"], "shipped_held_out_bits_per_dim": shipped,
                      **{k: card[k] for k in ("held_out_bits_per_dim", "train_bits_per_dim")}}, indent=2))


def save_figure(args, rows, column_labels=None, title=None):
    """Saves uint8 [R, C, H, W, ch] images as ``args.out``: a labelled, enlarged figure, or with ``args.raw`` the
    model's own pixels (rows x columns, 1-pixel gutters)."""
    from nfzoo.data.figures import figure
    from nfzoo.data.images import image_grid, save_png

    if args.raw:
        r, c = rows.shape[:2]
        save_png(args.out, image_grid(rows.reshape(r * c, *rows.shape[2:]), columns=c))
    else:
        save_png(args.out, figure(rows, scale=args.scale, column_labels=column_labels, title=title))
    print(f"wrote {args.out}")
