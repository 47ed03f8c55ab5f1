"""Serving latency of a shipped zoo model: its exported SavedModel (what TF Serving runs), on the real weights.

    nice -n 5 python benchmarks/bench_serving.py [--model glow_celeba] [--repeats 5] [--jit-compile] [--record]

The model (a zoo name, a .keras file or a run folder, as `nfzoo.load` takes) is exported as ``nfzoo publish``
does, ``export_serving(zoo.flow, base, version, directions=zoo.directions)``, and loaded back with
``tf.saved_model.load``; the load and the first call after it (an ``encode`` of one image: graph optimisation and
kernel set-up) are timed once. Then ``encode``, ``decode`` and ``sample`` (temperature 0.7) are timed at each batch
size, numpy in and out (TF Serving adds its own HTTP/JSON or gRPC cost on top, not measured here): the median of
the repeats, first calls excluded.

For comparison, the training step's forward cost per image: ``flow.log_likelihood(x, training=True)`` (what
``train_step`` differentiates) traced as one ``tf.function`` on a batch of 64 dequantised images, divided by 64.
"per image / training forward" is the SavedModel's time per image at that batch size over it.

``--jit-compile`` also exports the model with XLA-compiled signatures (`save_signatures(..., jit_compile=True)`,
the export `export_serving` writes plus the option) and times them alongside, alternating within every repeat so
that machine noise hits both alike; its first call at each batch size (the XLA compilation) is excluded like
the others (the load table shows the one of a batch-1 encode). TF Serving's CPU build runs such functions only with
``--xla_cpu_compilation_enabled=true`` (tensorflow/serving, tensorflow_serving/model_servers/main.cc).

TensorFlow's CPU convolutions are oneDNN's unless ``TF_ENABLE_ONEDNN_OPTS=0`` is set before it loads (then Eigen's);
each row names the setting. On 2026-11-30 (2 AMD EPYC cores beside a training) Eigen's gave the same batch-1
latency as oneDNN's (encode 27.2 vs 27.1 ms, decode 28.7 vs 25.3 ms).

``--record`` appends the rows, with the load average, to the two tables of the "Serving latency" section of
benchmarks/RESULTS.md (latency; load and first call), where the columns are explained.
"""
import argparse
import datetime
import os
import statistics
import tempfile
import time

import numpy as np
import tensorflow as tf

import nfzoo
from nfzoo.machine import cpu_name
from nfzoo.models.signatures import save_signatures
from nfzoo.serving import export_serving
from results_table import append_rows

HEADING = "## Serving latency (benchmarks/bench_serving.py)"
TABLE_HEAD = ("| date | model | signature | batch | SavedModel ms | ms per image | training forward ms per image | "
              "per image / training forward | XLA SavedModel ms | XLA / plain | repeats | machine |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|")
LOAD_HEAD = ("| date | model | export | tf.saved_model.load s | first call s (encode, batch 1) | machine |\n"
             "|---|---|---|---|---|---|")
TEMPERATURE, FORWARD_BATCH = 0.7, 64


def milliseconds(call):
    start = time.perf_counter()
    call()
    return 1000.0 * (time.perf_counter() - start)


def loaded_and_timed(path, image):
    """tf.saved_model.load(path) -> (loaded, load seconds, seconds of its first call: encode ``image``)."""
    start = time.perf_counter()
    loaded = tf.saved_model.load(str(path))
    load_s = time.perf_counter() - start
    first_s = milliseconds(lambda: loaded.signatures["encode"](images=tf.constant(image))["z"].numpy()) / 1000.0
    return loaded, load_s, first_s


def signature_calls(signatures, zoo, batch, seed=0):
    """{signature: zero-argument call returning numpy} for one batch size."""
    rng = np.random.default_rng(seed)
    images = tf.constant(rng.integers(0, 256, (batch, *zoo.image_shape)).astype(np.uint8))
    z = tf.constant(rng.normal(0.0, TEMPERATURE, (batch, zoo.flow.num_dims)).astype(np.float32))
    sample = {"n": tf.constant(batch), "temperature": tf.constant(TEMPERATURE), "seed": tf.constant(1, tf.int64)}
    return {"encode": lambda: signatures["encode"](images=images)["z"].numpy(),
            "decode": lambda: signatures["decode"](z=z)["images"].numpy(),
            "sample": lambda: signatures["sample"](**sample)["images"].numpy()}


def training_forward_ms_per_image(flow, repeats):
    """Median ms of the traced training forward pass on 64 dequantised images, per image."""
    x = tf.constant(np.random.default_rng(1).uniform(-0.5, 0.5, (FORWARD_BATCH, *flow.data_event_shape)),
                    tf.float32)
    forward = tf.function(lambda x: flow.log_likelihood(x, training=True))
    forward(x).numpy()  # trace
    return statistics.median(milliseconds(lambda: forward(x).numpy()) for _ in range(repeats)) / FORWARD_BATCH


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="glow_celeba", help="zoo name, .keras file or run folder")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jit-compile", action="store_true", help="also time XLA-compiled signatures")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    zoo = nfzoo.load(args.model)
    image = np.zeros((1, *zoo.image_shape), np.uint8)
    exports, loads = {}, {}
    with tempfile.TemporaryDirectory() as base:
        start = time.perf_counter()
        paths = {"plain": export_serving(zoo.flow, base, version=1, directions=zoo.directions)}
        print(f"exported {zoo.flow.count_params():,} parameters in {time.perf_counter() - start:.0f} s")
        if args.jit_compile:
            paths["XLA"] = save_signatures(zoo.flow, os.path.join(base, "xla"), zoo.directions, jit_compile=True)
        for export, path in paths.items():
            loaded, load_s, first_s = loaded_and_timed(path, image)
            exports[export], loads[export] = loaded, (load_s, first_s)
            print(f"{export}: tf.saved_model.load {load_s:.1f} s, first call (encode, batch 1) {first_s:.1f} s")

    forward = training_forward_ms_per_image(zoo.flow, args.repeats)
    print(f"training forward (batch {FORWARD_BATCH}, traced): {forward:.2f} ms per image")
    results = {}
    for batch in args.batches:
        calls = {export: signature_calls(loaded.signatures, zoo, batch) for export, loaded in exports.items()}
        for signature in calls["plain"]:
            ways = {export: calls[export][signature] for export in calls}
            for call in ways.values():  # trace / compile and warm up
                call()
            times = {export: [] for export in ways}
            for _ in range(args.repeats):
                for export, call in ways.items():
                    times[export].append(milliseconds(call))
            results[signature, batch] = {export: statistics.median(t) for export, t in times.items()}
            print(row_text(signature, batch, results[signature, batch], forward))
    if args.record:
        record(args, results, loads, forward)


def row_text(signature, batch, median, forward):
    per_image = median["plain"] / batch
    xla = f"   XLA {median['XLA']:8.1f} ms ({median['XLA'] / median['plain']:.2f}x)" if "XLA" in median else ""
    return (f"{signature:7s} batch {batch:3d}: SavedModel {median['plain']:8.1f} ms, {per_image:7.2f} ms per image "
            f"= {per_image / forward:.2f}x the training forward{xla}")


def record(args, results, loads, forward):
    onednn = "off" if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0" else "on"
    machine = (f"nproc {len(os.sched_getaffinity(0))}, {cpu_name()}, tf {tf.__version__}, oneDNN {onednn}, "
               f"load average {os.getloadavg()[0]:.1f}")
    today = datetime.date.today()
    rows = []
    for (signature, batch), median in results.items():
        per_image = median["plain"] / batch
        xla = (f"{median['XLA']:.1f} | {median['XLA'] / median['plain']:.2f}" if "XLA" in median else "- | -")
        rows.append(f"| {today} | {args.model} | {signature} | {batch} | {median['plain']:.1f} | {per_image:.2f} | "
                    f"{forward:.2f} | {per_image / forward:.2f} | {xla} | {args.repeats} | {machine} |")
    append_rows(HEADING, TABLE_HEAD, rows)
    load_rows = [f"| {today} | {args.model} | {export} | {load_s:.1f} | {first_s:.1f} | {machine} |"
                 for export, (load_s, first_s) in loads.items()]
    print(f"recorded in {append_rows(HEADING, LOAD_HEAD, load_rows)}")


if __name__ == "__main__":
    main()
