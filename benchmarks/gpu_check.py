"""The GPU path in one run of under 10 minutes: Glow speed on the GPU, then glow_celeba trained through `model.fit`
in mixed_float16 under MirroredStrategy, printing images/s.

    python benchmarks/gpu_check.py [--steps 300] [--data DIR ...] [--precision mixed_float16] [--record]

1. `benchmarks/bench_glow.py --precisions float32 mixed_float16` (stock `tfb.Glow`, nfzoo float32 and with
   float16 networks, normflows' Glow on CUDA where torch and normflows are installed), in its own process;
   ``--record`` appends its row to the "Glow speed" table of benchmarks/RESULTS.md.
2. `nfzoo.training.train` of zoo_configs/glow_celeba.yaml (what `nfzoo train ... --precision mixed_float16
   --strategy mirrored` runs) for ``--steps`` steps of batch 64 (one epoch of that many batches; the schedule,
   EMA, dequantizer and callbacks as configured), into a temporary run folder. Images/s: batch x steps over the
   wall time of the steps after the first 20 (tracing and warm-up excluded), timed by a Keras callback.

The device machine has no copy of ../shared/data: where the config's folders are missing, the training reads
generated faces of the config's size (`nfzoo.data.fake_celeba`): a step's time does not depend on the pixel values,
and the row says which data it read. On a machine without a GPU it runs as well (the rows then name the CPU;
float16 is emulated there and ~30x slower than float32): ``--steps 24 --precision float32`` and bench_glow's small
sizes (``--bench-args``) make it a dry run of a few minutes.
"""
import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import keras
import tensorflow as tf

from nfzoo.bijectors.networks import PRECISIONS
from nfzoo.config import load_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.machine import machine
from nfzoo.training.trainer import train
from results_table import append_rows

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "zoo_configs" / "glow_celeba.yaml"
WARMUP_STEPS = 20
HEADING = "## GPU path (benchmarks/gpu_check.py)"
INTRO = ("`python benchmarks/gpu_check.py --record`: training images/s of glow_celeba through `nfzoo.training.train` "
         "(`model.fit`, batch 64) over the steps after the first 20, in the named precision and tf.distribute strategy "
         "(replicas = GPUs the mirrored strategy used). The same run's bench_glow row is in the Glow speed table.")
TABLE_HEAD = ("| date | run | strategy, replicas | precision | steps timed | images/s | data | machine |\n"
              "|---|---|---|---|---|---|---|---|")


class StepTimer(keras.callbacks.Callback):
    """Wall time from the end of batch ``warmup`` to the end of the last batch of the first epoch."""

    def __init__(self, warmup):
        super().__init__()
        self.warmup, self.start, self.end, self.steps = warmup, None, None, 0

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.warmup - 1:
            self.start = time.perf_counter()
        elif batch >= self.warmup:
            self.end, self.steps = time.perf_counter(), batch - self.warmup + 1


def training_data(config, data, scratch):
    """(data folders, description): ``data`` or the config's folders if they all exist, else generated faces."""
    folders = data or [str((CONFIG.parent / p).resolve()) for p in config["data"]["path"]]
    if all(Path(folder, "images.npz").is_file() for folder in folders):
        return folders, "real faces (" + ", ".join(Path(f).name for f in folders) + ")"
    size = config["data"]["image_size"]
    fake = write_fake_celeba_npz(Path(scratch) / "faces", n=20_000, size=size, identities=2_000)
    return [str(fake)], f"generated {size}x{size} faces (real faces not on this machine)"


def timed_training(config, steps, precision, strategy, data):
    """images/s of ``steps`` training steps of ``config`` through `nfzoo.training.train`; -> (images/s, steps
    timed, data description)."""
    batch = config["training"]["batch_size"]
    with tempfile.TemporaryDirectory() as scratch:
        folders, described = training_data(config, data, scratch)
        config["data"] = {**config["data"], "path": folders, "val_fraction": [0.05] * len(folders),
                          "max_train_images": steps * batch}
        timer = StepTimer(WARMUP_STEPS)
        train(config, epochs=1, out_dir=Path(scratch) / "run", strategy=strategy, precision=precision, verbose=2,
              callbacks=[timer])
    return batch * timer.steps / (timer.end - timer.start), timer.steps, described


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps of glow_celeba (batch 64)")
    parser.add_argument("--data", nargs="+", help="face folders (default: the config's, if present)")
    parser.add_argument("--precision", default="mixed_float16", choices=PRECISIONS,
                        help="precision of the glow_celeba training (bench_glow runs float32 and mixed_float16)")
    parser.add_argument("--bench-args", default="", help="extra arguments for bench_glow.py, e.g. '--size 16'")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    if args.steps <= WARMUP_STEPS:
        parser.error(f"--steps must exceed the {WARMUP_STEPS} warm-up steps")

    print(f"machine: {machine()}; GPUs seen by TensorFlow: {len(tf.config.list_physical_devices('GPU'))}", flush=True)
    bench = [sys.executable, str(ROOT / "benchmarks" / "bench_glow.py"), "--precisions", "float32", "mixed_float16",
             *args.bench_args.split(), *(["--record"] if args.record else [])]
    subprocess.run(bench, check=True)

    config, rows = load_config(CONFIG), []
    model = config["model"]
    run = f"{config['name']} ({model['levels']}x{model['steps']}, width {model['hidden']}), model.fit"
    for strategy in ("default", "mirrored"):
        rate, steps, described = timed_training(load_config(CONFIG), args.steps, args.precision, strategy, args.data)
        replicas = (len(tf.config.list_physical_devices("GPU")) or 1) if strategy == "mirrored" else 1  # all local GPUs
        print(f"{config['name']}, nfzoo train --precision {args.precision} --strategy {strategy}: {rate:.1f} images/s "
              f"over {steps} steps ({described})", flush=True)
        rows.append(f"| {datetime.date.today()} | {run} | {strategy}, {replicas} | {args.precision} | {steps} | "
                    f"{rate:.1f} | {described} | {machine()}, tf {tf.__version__} |")
    if args.record:
        print(f"recorded in {append_rows(HEADING, TABLE_HEAD, rows, intro=INTRO)}")


if __name__ == "__main__":
    main()
