"""``nfzoo export``: a zoo model or a ``.keras`` flow as one version of a TF Serving model (docs/serving.md)."""
from pathlib import Path

from nfzoo.cli.arguments import positive
from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES


def add_parser(commands):
    p = commands.add_parser("export", help="export a zoo model or a .keras file as a TF Serving SavedModel")
    p.add_argument("model", metavar="MODEL", help="a zoo name, .keras file, run folder or zoo-style folder")
    p.add_argument("--out", required=True, help="the model's base directory; the export goes to OUT/<version>/")
    p.add_argument("--version", type=positive(int), default=1, help="version number (default 1)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing version directory")
    p.add_argument("--max-batch", type=positive(int), default=MAX_BATCH,
                   help=f"the largest batch one request may send; larger ones are refused (default {MAX_BATCH})")
    p.add_argument("--max-samples", type=positive(int), default=MAX_SAMPLES,
                   help=f"the largest n a sample request may ask for (default {MAX_SAMPLES})")
    p.set_defaults(handler=run_export)


def run_export(args):
    from nfzoo.serving import export_serving
    from nfzoo.zoo import ZooModel, find_model

    model = load_model(args.model)
    flow, directions = (model.flow, model.directions) if isinstance(model, ZooModel) else (model, None)
    target = export_serving(flow, args.out, version=args.version, directions=directions, overwrite=args.overwrite,
                            max_batch=args.max_batch, max_samples=args.max_samples)
    base, name = Path(args.out).resolve(), find_model(args.model).name
    print(f"wrote {target}\nserve it with:\n  docker run -p 8501:8501 --mount type=bind,source={base},"
          f"target=/models/{name} -e MODEL_NAME={name} tensorflow/serving")


def load_model(model):
    """A `ZooModel` for an image model (zoo name, run folder, zoo-style folder or .keras file), else the bare
    `FlowModel` (vector flows get the float signatures)."""
    from nfzoo.zoo.loading import load_model as load_zoo_or_flow

    return load_zoo_or_flow(model)
