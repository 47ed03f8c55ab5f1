"""``nfzoo train`` and ``nfzoo evaluate``."""
import json

from nfzoo.cli.arguments import at_least, positive


def add_parser(commands):
    p = commands.add_parser("train", help="train (or resume) a zoo config with Keras fit")
    p.add_argument("config", help="zoo_configs/<name>.yaml")
    p.add_argument("--data", help="data directory (overrides data.path in the config)")
    p.add_argument("--epochs", type=positive(int), help="total epochs (overrides training.epochs)")
    p.add_argument("--out", help="run directory (default runs/<name>); rerun with the same --out to resume")
    p.add_argument("--strategy", default="default", choices=["default", "mirrored", "multiworker"])
    p.add_argument("--logical-cpus", type=at_least(int, 0), default=0,
                   help="split the CPU into N devices (testing mirrored)")
    p.add_argument("--save-every", type=positive(int), metavar="STEPS",
                   help="also back up every STEPS training steps (backups are always saved at each epoch end)")
    p.add_argument("--backup-minutes", type=positive(float), default=5.0, metavar="M",
                   help="also back up after M minutes of training since the last backup (default 5)")
    p.add_argument("--init-from", help="start a new run from the weights of this model (same architecture): a zoo "
                                       "name, .keras file, run folder or zoo-style folder")
    p.add_argument("--precision", choices=["float32", "mixed_bfloat16", "mixed_float16"],
                   help="compute dtype of the coupling networks (overrides model.precision; mixed_float16 for GPUs, "
                        "mixed_bfloat16 for CPUs with AMX)")
    p.set_defaults(handler=run_train)

    p = commands.add_parser("evaluate", help="held-out bits/dim of a trained model (measured as its model card is)")
    p.add_argument("config")
    p.add_argument("--model", help="a zoo name, .keras file, run folder or zoo-style folder (default runs/<name>)")
    p.add_argument("--data")
    p.set_defaults(handler=run_evaluate)


def run_train(args):
    from nfzoo.training.trainer import train
    from nfzoo.zoo import load_flow

    init_from = None if args.init_from is None else load_flow(args.init_from)
    train(args.config, data_dir=args.data, epochs=args.epochs, out_dir=args.out, strategy=args.strategy,
          logical_cpus=args.logical_cpus, save_every=args.save_every, backup_minutes=args.backup_minutes,
          init_from=init_from, precision=args.precision)


def run_evaluate(args):
    from nfzoo.config import load_config
    from nfzoo.training.trainer import evaluate
    from nfzoo.zoo import load_flow

    flow = load_flow(args.model or f"runs/{load_config(args.config)['name']}")
    print(json.dumps({"held_out_bits_per_dim": evaluate(flow, args.config, data_dir=args.data)}, indent=2))
