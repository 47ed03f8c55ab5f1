"""Serving latency: the exported SavedModel (what TF Serving runs) vs the in-process Keras model, on Glow.

    nice -n 2 python benchmarks/bench_serving.py [--config zoo_configs/glow_celeba.yaml] [--repeats 5] [--record]

The flow is built from the config (glow_celeba: 32x32x3, 3 levels x 16 steps, width 128) with random weights,
ActNorm-initialised on random uniform images: untrained, since latency does not depend on the weights. It is
exported with `nfzoo.serving.export_serving`, loaded back with ``tf.saved_model.load`` and each of ``encode``,
``decode`` and ``sample`` (temperature 0.7) is timed at batch 1 and 64 three ways, alternating within every
repeat so machine noise hits all alike:

* ``saved_model``: the loaded signature, uint8/float numpy in, numpy out (TF Serving adds its own HTTP/JSON
  cost on top, not measured here);
* ``keras``: the in-process `ZooModel` API (``encode``/``decode``/``sample``), eager Keras;
* ``tf.function``: the same graphs as the export, traced in-process and never saved (separates the cost of
  eager execution from anything the SavedModel adds).

The median of the repeats is reported (milliseconds per call, first calls excluded). ``--record`` appends one
dated row per (signature, batch) to the "Serving latency" section of benchmarks/RESULTS.md.
"""
import argparse
import datetime
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

import nfzoo
from nfzoo.machine import cpu_name
from nfzoo.models.signatures.image_signatures import ImageSignatures
from nfzoo.serving import export_serving
from nfzoo.zoo import ZooModel
from results_table import append_rows

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Serving latency (benchmarks/bench_serving.py)"
TABLE_HEAD = ("| date | config | signature | batch | SavedModel ms | Keras eager ms | SavedModel / Keras | "
              "in-process tf.function ms | repeats | machine |\n|---|---|---|---|---|---|---|---|---|---|")


def calls(zoo, loaded, functions, batch, seed=0):
    """{signature: {way: zero-argument call returning numpy}} for one batch size."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (batch, *zoo.image_shape)).astype(np.uint8)
    z = rng.normal(0.0, 0.7, (batch, zoo.flow.num_dims)).astype(np.float32)
    sample_args = {"n": tf.constant(batch), "temperature": tf.constant(0.7), "seed": tf.constant(1, tf.int64)}
    served = loaded.signatures
    return {
        "encode": {"saved_model": lambda: served["encode"](images=tf.constant(images))["z"].numpy(),
                   "keras": lambda: zoo.encode(images),
                   "tf.function": lambda: functions["encode"](tf.constant(images))["z"].numpy()},
        "decode": {"saved_model": lambda: served["decode"](z=tf.constant(z))["images"].numpy(),
                   "keras": lambda: zoo.decode(z),
                   "tf.function": lambda: functions["decode"](tf.constant(z))["images"].numpy()},
        "sample": {"saved_model": lambda: served["sample"](**sample_args)["images"].numpy(),
                   "keras": lambda: zoo.sample(batch, temperature=0.7, seed=1),
                   "tf.function": lambda: functions["sample"](**sample_args)["images"].numpy()},
    }


def milliseconds(call):
    start = time.perf_counter()
    call()
    return 1000.0 * (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=str(ROOT / "zoo_configs" / "glow_celeba.yaml"))
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    flow = nfzoo.build(args.config)
    flow.initialize(np.random.default_rng(0).uniform(-0.5, 0.5, (64, *flow.data_event_shape)).astype(np.float32))
    zoo = ZooModel(flow, flow.name)
    with tempfile.TemporaryDirectory() as base:
        start = time.perf_counter()
        export_serving(flow, base, version=1)
        print(f"exported {flow.count_params():,} parameters in {time.perf_counter() - start:.0f} s")
        loaded = tf.saved_model.load(os.path.join(base, "1"))
    functions = ImageSignatures(flow).functions()

    results = {}
    for batch in args.batches:
        for signature, ways in calls(zoo, loaded, functions, batch).items():
            for call in ways.values():  # trace and warm up
                call()
            times = {way: [] for way in ways}
            for _ in range(args.repeats):
                for way, call in ways.items():
                    times[way].append(milliseconds(call))
            median = {way: statistics.median(t) for way, t in times.items()}
            results[signature, batch] = median
            print(f"{signature:7s} batch {batch:3d}: SavedModel {median['saved_model']:8.1f} ms   Keras eager "
                  f"{median['keras']:8.1f} ms   ratio {median['saved_model'] / median['keras']:.2f}   "
                  f"in-process tf.function {median['tf.function']:8.1f} ms")
    if args.record:
        record(args, Path(args.config).stem, results)


def record(args, config, results):
    cpu = cpu_name()
    machine = f"nproc {len(os.sched_getaffinity(0))}, {cpu}, tf {tf.__version__}"
    rows = [f"| {datetime.date.today()} | {config} (random weights) | {signature} | {batch} | "
            f"{m['saved_model']:.1f} | {m['keras']:.1f} | {m['saved_model'] / m['keras']:.2f} | "
            f"{m['tf.function']:.1f} | {args.repeats} | {machine} |" for (signature, batch), m in results.items()]
    path = append_rows(HEADING, TABLE_HEAD, rows)
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
