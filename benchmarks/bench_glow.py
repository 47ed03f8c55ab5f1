"""Glow training throughput: nfzoo vs stock TFP `tfb.Glow`, same architecture, batch and data, one process.

    python benchmarks/bench_glow.py [--levels 3 --steps 8 --width 128 --batch 64 --size 32] [--record]

Both models: 32x32x3 images (random uniform data in [-0.5, 0.5)), L levels x K steps of ActNorm -> 1x1 conv ->
affine coupling with a 3x3 -> 1x1 -> 3x3 conv network of the given width, split after each level but the
last; Adam(1e-3); one training step = forward + log-det + gradients + update, in one tf.function
(GradientTape loop for both; nfzoo also through `model.fit`). Timing rounds alternate between the models
and the median round is reported, so machine noise hits both alike. `--record` appends a dated row to
benchmarks/RESULTS.md.
"""
import argparse
import datetime
import os
import platform
import statistics
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.models.glow import glow

tfb, tfd = tfp.bijectors, tfp.distributions


def stock_tfp_step(args):
    """A training step of stock tfb.Glow (tf_keras networks), optimised with its own variables."""
    shape = (args.size, args.size, 3)
    bijector = tfb.Glow(
        output_shape=shape, num_glow_blocks=args.levels, num_steps_per_block=args.steps,
        coupling_bijector_fn=lambda input_shape: tfb.GlowDefaultNetwork(input_shape, num_hidden=args.width),
        exit_bijector_fn=tfb.GlowDefaultExitNetwork,
    )
    dist = tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), [int(np.prod(shape))]), bijector)
    dist.log_prob(tf.zeros((1, *shape)))  # builds the variables (and ActNorm's data-dependent init)
    optimizer = tf.optimizers.Adam(1e-3)  # TFP's variables are tf_keras variables

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(dist.log_prob(x))
        variables = dist.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return step, sum(int(np.prod(v.shape)) for v in dist.trainable_variables)


def nfzoo_tape_step(model):
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(model.log_prob(x, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    return step


def nfzoo_fit_step(model, batches):
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    dataset = tf.data.Dataset.from_tensor_slices(batches).repeat()

    def run(n_steps):
        model.fit(dataset, steps_per_epoch=n_steps, epochs=1, verbose=0)

    return run


def images_per_second(run, n_steps, batch):
    start = time.perf_counter()
    run(n_steps)
    return n_steps * batch / (time.perf_counter() - start)


def loop(step, batches):
    def run(n_steps):
        for i in range(n_steps):
            step(batches[i % len(batches)])
        float(step(batches[0]))  # wait for the last step

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--timed-steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    batches = tf.constant(rng.uniform(-0.5, 0.5, (4, args.batch, args.size, args.size, 3)).astype("float32"))
    model = glow((args.size, args.size, 3), levels=args.levels, steps=args.steps, hidden=args.width, n_bits=8)
    model.initialize(batches[0])
    stock_step, stock_params = stock_tfp_step(args)
    runners = {
        "stock tfb.Glow (GradientTape)": loop(stock_step, batches),
        "nfzoo Glow (GradientTape)": loop(nfzoo_tape_step(model), batches),
        "nfzoo Glow (model.fit)": nfzoo_fit_step(model, batches),
    }
    for run in runners.values():  # trace and warm up
        run(2)
    rates = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, run in runners.items():
            rates[name].append(images_per_second(run, args.timed_steps, args.batch))
    median = {name: statistics.median(r) for name, r in rates.items()}
    stock = median["stock tfb.Glow (GradientTape)"]
    print(f"params: nfzoo {model.count_params():,}  stock TFP {stock_params:,}")
    for name, value in median.items():
        print(f"{name:32s} {value:7.1f} images/s   x{value / stock:.2f} vs stock TFP")
    if args.record:
        record(args, median, stock)


def record(args, median, stock):
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    row = (f"| {datetime.date.today()} | {args.size}x{args.size}x3, {args.levels}x{args.steps}, width {args.width}, "
           f"batch {args.batch} | {stock:.1f} | {median['nfzoo Glow (GradientTape)']:.1f} "
           f"(x{median['nfzoo Glow (GradientTape)'] / stock:.2f}) | {median['nfzoo Glow (model.fit)']:.1f} "
           f"(x{median['nfzoo Glow (model.fit)'] / stock:.2f}) | {os.cpu_count()} cores, {cpu}, tf {tf.__version__} |")
    path = Path(__file__).resolve().parent / "RESULTS.md"
    text = path.read_text()
    heading = "## Glow training speed (benchmarks/bench_glow.py)"
    table_head = ("| date | config | stock TFP img/s | nfzoo tape img/s (ratio) | nfzoo fit img/s (ratio) | machine |\n"
                  "|---|---|---|---|---|---|")
    section_start = text.index(heading) + len(heading)
    if table_head not in text:
        text = text[:section_start] + "\n\n" + table_head + text[section_start:]
    insert_at = text.index(table_head) + len(table_head)
    end = text.find("\n\n", insert_at)
    end = len(text) if end == -1 else end
    text = text[:end] + "\n" + row + text[end:]
    path.write_text(text)
    print(f"recorded in {path}")


if __name__ == "__main__":
    main()
