"""Where a Glow training step spends its time: TF profiler trace of a few steps, summed by op type and layer.

    python benchmarks/profile_glow.py [--levels 3 --steps 8 --width 128 --batch 64 --size 32]
                                      [--precision float32|mixed_bfloat16] [--top 25]

Traces ``--profile-steps`` training steps (GradientTape + Adam in one tf.function, as in bench_glow.py) with
`tf.profiler`, reads the host trace (XSpace protobuf) and prints the total time of the TF ops grouped by op
type and by the flow-layer class they belong to. Times are summed over the ops run on both cores, so they add
up to more than the wall time.
"""
import argparse
import collections
import glob
import re
import tempfile

import keras
import numpy as np
import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2

from glow_common import add_glow_arguments, tape_train_step
from nfzoo.models.glow import glow


def op_times(logdir):
    """-> {(op name, op type): total microseconds} over the TF-op events of the host trace in ``logdir``."""
    space = xplane_pb2.XSpace()
    with open(glob.glob(f"{logdir}/plugins/profile/*/*.xplane.pb")[0], "rb") as f:
        space.ParseFromString(f.read())
    totals = collections.Counter()
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            for event in line.events:
                name = names.get(event.metadata_id, "")
                if ":" not in name:  # TF op events are named "scope/op_name:OpType"
                    continue
                op_name, op_type = name.rsplit(":", 1)
                if op_type.startswith("__") or op_type in ("Process", "Run", "EagerLocalExecute"):  # function/executor spans
                    continue
                totals[(op_name, op_type)] += event.duration_ps / 1e6
    return totals


def layer_of(op_name):
    """The flow-layer class an op belongs to, from its name scope (e.g. '.../coupling_3/...' -> 'coupling')."""
    for part in op_name.split("/"):
        match = re.fullmatch(r"(act_norm|invertible_conv1x1|coupling|split|squeeze|top_prior|adam)(_\d+)*", part)
        if match:
            return match.group(1)
    return "other (loss, optimizer, gradients outside layer scopes)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_glow_arguments(parser)
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--profile-steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    x = tf.constant(np.random.default_rng(0).uniform(-0.5, 0.5, (args.batch, args.size, args.size, 3)), tf.float32)
    model = glow((args.size, args.size, 3), levels=args.levels, steps=args.steps, hidden=args.width, n_bits=8,
                 precision=args.precision)
    model.initialize(x)
    step = tape_train_step(lambda x: model.log_prob(x, training=True), lambda: model.trainable_variables,
                           keras.optimizers.Adam(1e-3))

    for _ in range(3):
        step(x).numpy()
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        for _ in range(args.profile_steps):
            step(x).numpy()
        tf.profiler.experimental.stop()
        totals = op_times(logdir)

    per_step = {key: value / args.profile_steps for key, value in totals.items()}
    total = sum(per_step.values())
    by_type, by_layer = collections.Counter(), collections.Counter()
    for (op_name, op_type), value in per_step.items():
        by_type[op_type] += value
        by_layer[layer_of(op_name)] += value
    print(f"op time per step (summed over threads): {total / 1e3:.1f} ms")
    for title, table in (("by op type", by_type), ("by layer", by_layer)):
        print(f"\n{title}:")
        for key, value in table.most_common(args.top):
            print(f"  {key:60s} {value / 1e3:8.1f} ms  {100 * value / total:5.1f}%")


if __name__ == "__main__":
    main()
