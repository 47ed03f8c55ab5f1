"""``nfzoo train`` and ``nfzoo evaluate``.

``nfzoo train`` says first what the progress bar's ``loss`` and ``bits_per_dim`` are (`nfzoo.training.callbacks.loss_units`) and ends by listing
what the run wrote and the commands to run next, with the run's own paths (`run_summary`).
"""
import json
import shlex
from pathlib import Path

from nfzoo.cli.arguments import at_least, positive

# What `nfzoo.training.trainer.train` leaves in a run folder, in the order a person looks for it.
RUN_FILES = (
    ("best.keras", "the model with the best held-out bits/dim (what the commands below load from the run)"),
    ("final.keras", "the model after the last epoch"),
    ("history.csv", "loss and bits/dim per epoch, training and held-out (val_)"),
    ("samples.png", "16 samples at temperature 0.7 after the last epoch"),
    ("logs", "TensorBoard: loss, bits/dim, learning rate and samples per epoch (tensorboard --logdir {path})"),
    ("epoch_times.txt", "seconds per epoch"),
    ("backup", "the state a rerun of this command resumes from"),
)


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
    from nfzoo.config import load_config
    from nfzoo.training.callbacks import SayLossUnits
    from nfzoo.training.trainer import run_folder, train
    from nfzoo.zoo import load_flow

    init_from = None if args.init_from is None else load_flow(args.init_from)
    say_units = SayLossUnits()
    train(args.config, data_dir=args.data, epochs=args.epochs, out_dir=args.out, strategy=args.strategy,
          logical_cpus=args.logical_cpus, save_every=args.save_every, backup_minutes=args.backup_minutes,
          init_from=init_from, precision=args.precision, callbacks=[say_units])
    config = load_config(args.config)
    image_model = len(say_units.model.data_event_shape) == 3
    print(run_summary(args, config["name"], run_folder(config, args.out), images=image_model))


def run_summary(args, name, out, images=True):
    """What ``nfzoo train`` wrote in ``out`` and the commands to run next, with the run's own paths (`nfzoo sample`
    only for a model of ``images``)."""
    from nfzoo.zoo.registry import config_path

    lines = [f"Wrote {out}/:"]
    for file, what in RUN_FILES:
        if (out / file).exists():
            lines.append(f"  {file + ('/' if (out / file).is_dir() else ''):<16} "
                         f"{what.format(path=shlex.quote(str(out / file)))}")
    run, data = shlex.quote(str(out)), f" --data {shlex.quote(args.data)}" if args.data else ""
    publish_note = "" if config_path(name).is_file() else f" (it reads the config from {config_path(name)})"
    lines += [
        "Next:",
        "  # held-out bits/dim, measured as a model card measures it",
        f"  nfzoo evaluate {shlex.quote(args.config)} --model {run}{data}",
    ]
    if images:
        lines += ["  # a grid of 16 samples at temperature 0.7",
                  f"  nfzoo sample {run} -n 16 -t 0.7 -o {shlex.quote(str(out / 'samples_t0.7.png'))}"]
    lines += [
        f"  # measure it and write saved_models/{name}/ with its model card{publish_note}",
        f"  nfzoo publish {shlex.quote(name)} --run {run}{data}",
        "  # a TF Serving SavedModel (docs/serving.md)",
        f"  nfzoo export {run} --out {shlex.quote(str(Path('exports') / name))} --version 1",
    ]
    return "\n".join(lines)


def run_evaluate(args):
    from nfzoo.config import load_config
    from nfzoo.training.trainer import evaluate, run_folder
    from nfzoo.zoo import load_flow

    flow = load_flow(args.model or run_folder(load_config(args.config)))
    figure = "held_out_bits_per_dim" if flow.n_bits is not None else "held_out_log_likelihood_nats_per_example"
    print(json.dumps({figure: evaluate(flow, args.config, data_dir=args.data)}, indent=2))
