"""``nfzoo export``: a zoo model or a ``.keras`` flow as one version of a TF Serving model (docs/serving.md)."""
from pathlib import Path


def add_parser(commands):
    p = commands.add_parser("export", help="export a zoo model or a .keras file as a TF Serving SavedModel")
    p.add_argument("model", metavar="NAME", help="a zoo model name or the path of a .keras file")
    p.add_argument("--out", required=True, help="the model's base directory; the export goes to OUT/<version>/")
    p.add_argument("--version", type=int, default=1, help="version number (default 1)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing version directory")
    p.set_defaults(handler=run_export)


def run_export(args):
    from nfzoo.serving import export_serving

    target = export_serving(load_model(args.model), args.out, version=args.version, overwrite=args.overwrite)
    base, name = Path(args.out).resolve(), Path(args.model).name.removesuffix(".keras")
    print(f"wrote {target}\nserve it with:\n  docker run -p 8501:8501 --mount type=bind,source={base},"
          f"target=/models/{name} -e MODEL_NAME={name} tensorflow/serving")


def load_model(name):
    """A `ZooModel` for a zoo name, a `FlowModel` for a path ending in .keras."""
    if not name.endswith(".keras"):
        from nfzoo.zoo import load

        return load(name)
    if not Path(name).is_file():
        raise FileNotFoundError(f"no .keras file at {name}: expected a model saved with model.save('....keras')")
    import keras

    import nfzoo.bijectors  # noqa: F401  (registers the layers for deserialisation)

    return keras.models.load_model(name)
