"""``nfzoo train`` and ``nfzoo evaluate``."""
import json


def add_parser(commands):
    p = commands.add_parser("train", help="train (or resume) a zoo config with Keras fit")
    p.add_argument("config", help="zoo_configs/<name>.yaml")
    p.add_argument("--data", help="data directory (overrides data.path in the config)")
    p.add_argument("--epochs", type=int, help="total epochs (overrides training.epochs)")
    p.add_argument("--out", help="run directory (default runs/<name>); rerun with the same --out to resume")
    p.add_argument("--strategy", default="default", choices=["default", "mirrored", "multiworker"])
    p.add_argument("--logical-cpus", type=int, default=0, help="split the CPU into N devices (testing mirrored)")
    p.add_argument("--save-every", type=int, default=200, help="steps between resumable backups")
    p.add_argument("--init-from", help="start a new run from the weights of this .keras file (same architecture)")
    p.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"],
                   help="compute dtype of the coupling networks (overrides model.precision; mixed_float16 for GPUs, "
                        "mixed_bfloat16 for CPUs with AMX)")
    p.set_defaults(handler=run_train)

    p = commands.add_parser("evaluate", help="held-out bits/dim of a trained model")
    p.add_argument("config")
    p.add_argument("--model", help="a .keras file (default runs/<name>/best.keras)")
    p.add_argument("--data")
    p.add_argument("--batch-size", type=int)
    p.set_defaults(handler=run_evaluate)


def run_train(args):
    from nfzoo.training.trainer import train

    train(args.config, data_dir=args.data, epochs=args.epochs, out_dir=args.out, strategy=args.strategy,
          logical_cpus=args.logical_cpus, save_every=args.save_every, init_from=args.init_from,
          precision=args.precision)


def run_evaluate(args):
    from nfzoo.config import load_config
    from nfzoo.training.trainer import evaluate

    model = args.model or f"runs/{load_config(args.config)['name']}/best.keras"
    print(json.dumps(evaluate(model, args.config, data_dir=args.data, batch_size=args.batch_size), indent=2))
