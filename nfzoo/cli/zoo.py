"""``nfzoo list | sample | manipulate | interpolate | publish``: the pretrained zoo from the command line."""
import numpy as np

from nfzoo.zoo.images import read_image, save_png


def add_parser(commands):
    p = commands.add_parser("list", help="list the shipped zoo models")
    p.set_defaults(handler=run_list)

    p = commands.add_parser("sample", help="draw a grid of samples")
    p.add_argument("name")
    p.add_argument("-n", type=int, default=16, help="number of samples")
    p.add_argument("-t", "--temperature", type=float, default=0.7)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--out", default="samples.png")
    p.set_defaults(handler=run_sample)

    p = commands.add_parser("manipulate", help="edit faces along an attribute direction (a strip per image)")
    p.add_argument("name")
    p.add_argument("images", nargs="*", help="aligned face images of any size (default: the model's example)")
    p.add_argument("--attribute", required=True, help="e.g. Smiling, Eyeglasses, Blond_Hair")
    p.add_argument("--alpha", default="-1,0,1", help="comma-separated steps along the direction, e.g. --alpha=-1,0,1")
    p.add_argument("-o", "--out", default="strip.png")
    p.set_defaults(handler=run_manipulate)

    p = commands.add_parser("interpolate", help="interpolate in latent space between two images")
    p.add_argument("name")
    p.add_argument("images", nargs="*", help="two images (default: two of the model's samples)")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", default="interpolation.png")
    p.set_defaults(handler=run_interpolate)

    p = commands.add_parser("publish", help="measure a trained run and write saved_models/<name>/ with its card")
    p.add_argument("name")
    p.add_argument("--run", help="run directory (default runs/<name>)")
    p.add_argument("--data", help="data directory (overrides data.path in the config)")
    p.add_argument("--note", help="a status line for the model card, e.g. that training continues")
    p.set_defaults(handler=run_publish)


def run_list(args):
    from nfzoo.zoo import list_models

    models = list_models()
    if not models:
        print("no zoo models shipped yet")
    for name, description in models.items():
        print(f"{name:20s} {description}")


def run_sample(args):
    from nfzoo.zoo import load

    from nfzoo.training.callbacks import image_grid

    model = load(args.name)
    save_png(args.out, image_grid(model.sample(args.n, temperature=args.temperature, seed=args.seed)))
    print(f"wrote {args.out}")


def run_manipulate(args):
    from nfzoo.zoo import load

    model = load(args.name)
    images = [read_image(p) for p in args.images]
    if not images:
        images = [read_image(model.example_path) if model.example_path else model.sample(1, seed=0)[0]]
    alphas = [float(a) for a in args.alpha.split(",")]
    strips = model.manipulate(np.concatenate([model.prepare(i) for i in images]), args.attribute, alphas)
    save_grid(args.out, strips)


def run_interpolate(args):
    from nfzoo.zoo import load

    model = load(args.name)
    if len(args.images) not in (0, 2):
        raise SystemExit("nfzoo interpolate takes two images (or none, to use two of the model's samples)")
    a, b = [read_image(p) for p in args.images] if args.images else model.sample(2, seed=1)
    save_grid(args.out, model.interpolate(a, b, steps=args.steps)[None])


def run_publish(args):
    import json

    from nfzoo.zoo.publish import publish

    card = publish(args.name, run=args.run, data_dir=args.data, note=args.note)
    print(json.dumps({k: card[k] for k in ("name", "held_out_bits_per_dim", "train_bits_per_dim")}, indent=2))


def save_grid(path, rows):
    """Saves uint8 [R, C, H, W, ch] images as one PNG grid (rows x columns, 1-pixel gutters)."""
    from nfzoo.training.callbacks import image_grid

    r, c = rows.shape[:2]
    save_png(path, image_grid(rows.reshape(r * c, *rows.shape[2:]), columns=c))
    print(f"wrote {path}")
