"""Glow speed: nfzoo vs stock TFP `tfb.Glow` vs normflows' Glow (PyTorch), same architecture, batch and data.

    pip install -e ".[bench]"          # torch + normflows, only for the PyTorch row
    python benchmarks/bench_glow.py [--levels 3 --steps 8 --width 128 --batch 64 --size 32]
                                    [--precisions float32 mixed_bfloat16] [--record]

Every model: size x size x 3 images (random uniform data in [-0.5, 0.5)), L levels x K steps of
ActNorm -> 1x1 conv (LU) -> affine coupling whose network is 3x3 conv -> ReLU -> 1x1 conv -> ReLU -> 3x3 conv
of the given width, split after each level but the last; Adam(1e-3). One training step = forward + log-det +
gradients + update (TF: GradientTape in one tf.function, nfzoo also through `model.fit`; PyTorch: eager
autograd). nfzoo runs once per ``--precisions`` entry: float32, with its conditioner networks in bfloat16
(``mixed_bfloat16``; uses AMX/AVX512-BF16 where the CPU has it, is emulated and slow where it has not) and, for
GPUs, in float16 (``mixed_float16``, with Keras' dynamic loss scaling as `nfzoo train` uses it).

Reported per model: training images/s (median over rounds that alternate between the models, so machine noise
hits all alike) and its ratio to stock TFP; encode latency (a batch x -> z) and sample latency (a batch of
z -> x at temperature 0.7; stock TFP has no temperature and samples at 1) in ms; and the fraction of the
conv roofline reached: (images/s x training FLOPs per image) / (measured rate of a 3x3, 128 -> 128 conv on
[batch, 16, 16, 128], this machine's best conv case, in the same compute dtype). Training FLOPs per image = 3x the
forward multiply-adds of the coupling and prior convolutions x 2 (the elementwise flow ops are negligible).
On a GPU TensorFlow places the TF models there unchanged and the machine column names it. ``--record`` appends a dated row to
benchmarks/RESULTS.md.
"""
import argparse
import datetime
import os
import statistics
import time

import keras
import numpy as np
import tensorflow as tf
from glow_common import add_glow_arguments, stock_glow, tape_train_step
from results_table import append_rows
from nfzoo.models.glow import glow
from nfzoo.machine import machine

STOCK = "stock tfb.Glow"
PRECISIONS = {"float32": ("", tf.float32), "mixed_bfloat16": (", bfloat16 nets", tf.bfloat16),
              "mixed_float16": (", float16 nets", tf.float16)}  # precision: (label, compute dtype of the peak)


class Contender:
    """A model under test: ``train(n)`` runs n training steps and returns their wall time in seconds;
    ``encode()``/``sample()`` run one batch each and block until done."""

    def __init__(self, name, train, encode, sample, parameters, precision="float32"):
        self.name, self.train, self.encode, self.sample = name, train, encode, sample
        self.parameters, self.precision = parameters, precision


HEADING = "## Glow speed (benchmarks/bench_glow.py)"
TABLE_HEAD = ("| date | config | results (training images/s, ratio to stock TFP, latencies per batch) | roofline peak | "
              "machine |\n|---|---|---|---|---|")


def tf_loop(step, batches):
    def run(n_steps):
        start = time.perf_counter()
        for i in range(n_steps):
            loss = step(batches[i % len(batches)])
        float(loss)  # waits for the queued steps (an extra step here would be timed but not counted)
        return time.perf_counter() - start

    return run


def stock_tfp(args, batches):
    """Stock tfb.Glow with its tf_keras networks, optimised on its own variables."""
    dist = stock_glow((args.size, args.size, 3), args.levels, args.steps, args.width)
    dist.log_prob(batches[0])  # builds the variables (and ActNorm's data-dependent init)
    step = tape_train_step(dist.log_prob, lambda: dist.trainable_variables, tf.optimizers.Adam(1e-3))
    encode = tf.function(lambda x: dist.bijector.inverse(x))
    sample = tf.function(lambda: dist.sample(args.batch))
    parameters = sum(int(np.prod(v.shape)) for v in dist.trainable_variables)
    return Contender(STOCK, tf_loop(step, batches), lambda: encode(batches[0]).numpy(), lambda: sample().numpy(),
                     parameters)


def nfzoo_models(args, batches):
    """nfzoo Glow in each of ``args.precisions``, each trained by a GradientTape loop and by `model.fit`."""
    contenders = []
    for precision in args.precisions:
        model = glow((args.size, args.size, 3), levels=args.levels, steps=args.steps, hidden=args.width, n_bits=8,
                     precision=precision)
        model.initialize(batches[0])
        step = tape_train_step(lambda x, m=model: m.log_prob(x, training=True), lambda m=model: m.trainable_variables,
                               adam(precision))
        encode = tf.function(model.encode)
        sample = tf.function(lambda model=model: model.sample(args.batch, temperature=0.7))
        label = PRECISIONS[precision][0]
        contenders.append(Contender(f"nfzoo Glow (GradientTape{label})", tf_loop(step, batches),
                                    lambda e=encode: e(batches[0]).numpy(), lambda s=sample: s().numpy(),
                                    model.count_params(), precision))
        contenders.append(Contender(f"nfzoo Glow (model.fit{label})", fit_loop(model, batches, adam(precision)),
                                    contenders[-1].encode, contenders[-1].sample, model.count_params(), precision))
    return contenders


def adam(precision):
    """Adam(1e-3), loss-scaled for float16 networks (their gradients underflow without it), as `nfzoo train`."""
    optimizer = keras.optimizers.Adam(1e-3)
    return keras.optimizers.LossScaleOptimizer(optimizer) if precision == "mixed_float16" else optimizer


class FitTimer(keras.callbacks.Callback):
    """Wall time of a `fit` call's steps: from on_train_begin to on_train_end."""

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self.start


def fit_loop(model, batches, optimizer):
    """``model.fit`` for n steps per call, timed inside fit: once per call, after on_train_end, tearing down the
    iterator of this synthetic ``repeat()`` dataset (its prefetch was injected by tf.data) took ~2 s in about half
    the calls (measured), a cost of short benchmark calls, not of training steps (nfzoo train calls fit once)."""
    model.compile(optimizer=optimizer)
    dataset = tf.data.Dataset.from_tensor_slices(batches).repeat()
    timer = FitTimer()

    def run(n_steps):
        model.fit(dataset, steps_per_epoch=n_steps, epochs=1, verbose=0, callbacks=[timer])
        return timer.seconds

    return run


def normflows_glow(args, batches):
    """normflows 1.7.3's Glow (its README recipe: GlowBlock x K + Squeeze per level, Merge, DiagGaussian priors),
    or None if torch/normflows are not installed."""
    try:
        import normflows as nf
        import torch
    except ImportError:
        print("normflows/torch not installed (pip install -e '.[bench]'): skipping the PyTorch row")
        return None
    torch.set_num_threads(os.cpu_count())
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"  # the TF rows place themselves on a GPU too
    levels, channels, size = args.levels, 3, args.size
    q0, flows, merges = [], [], []
    for i in range(levels):
        level = [nf.flows.GlowBlock(channels * 2 ** (levels + 1 - i), args.width, split_mode="channel", scale=True)
                 for _ in range(args.steps)]
        flows.append(level + [nf.flows.Squeeze()])
        if i > 0:
            merges.append(nf.flows.Merge())
            latent = (channels * 2 ** (levels - i), size // 2 ** (levels - i), size // 2 ** (levels - i))
        else:
            latent = (channels * 2 ** (levels + 1), size // 2 ** levels, size // 2 ** levels)
        q0.append(nf.distributions.DiagGaussian(latent))
    model = nf.MultiscaleFlow(q0, flows, merges, class_cond=False).to(device)
    data = [torch.from_numpy(b.numpy().transpose(0, 3, 1, 2).copy()).to(device) for b in batches]
    with torch.no_grad():
        model.forward_kld(data[0])  # ActNorm's data-dependent init on the first batch
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def wait():  # CUDA kernels run asynchronously: time them to completion
        if device == "cuda":
            torch.cuda.synchronize()

    def train(n_steps):
        start = time.perf_counter()
        for i in range(n_steps):
            optimizer.zero_grad()
            model.forward_kld(data[i % len(data)]).backward()
            optimizer.step()
        wait()
        return time.perf_counter() - start

    def encode():
        with torch.no_grad():
            model.inverse_and_log_det(data[0])
        wait()

    def sample():
        with torch.no_grad():
            model.sample(args.batch, temperature=0.7)
        wait()

    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return Contender("normflows Glow (PyTorch)", train, encode, sample, parameters)


def training_flops_per_image(args):
    """3 x 2 x forward multiply-adds of the coupling networks and split priors (see the module docstring)."""
    macs, side, channels = 0, args.size, 3
    for level in range(args.levels):
        side, channels = side // 2, channels * 4
        half = channels // 2
        coupling = 9 * half * args.width + args.width * args.width + 9 * args.width * 2 * (channels - half)
        macs += args.steps * side * side * coupling
        if level < args.levels - 1:
            macs += side * side * 9 * half * 2 * (channels - half)  # the split's learned prior
            channels = half
    return 3 * 2 * macs


def conv_rate(dtype, batch, repeats=20):
    """GFLOP/s of a 3x3, 128 -> 128 conv on [batch, 16, 16, 128] in ``dtype`` (the roofline's peak)."""
    x = tf.random.normal((batch, 16, 16, 128), dtype=dtype)
    kernel = tf.random.normal((3, 3, 128, 128), dtype=dtype)
    conv = tf.function(lambda x: tf.nn.conv2d(x, kernel, 1, "SAME"))
    conv(x).numpy()
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            y = conv(x)
        y.numpy()
        times.append((time.perf_counter() - start) / repeats)
    return 2 * batch * 16 * 16 * 9 * 128 * 128 / min(times) / 1e9


def latency_ms(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_glow_arguments(parser)
    parser.add_argument("--precisions", nargs="+", choices=list(PRECISIONS), default=["float32", "mixed_bfloat16"],
                        help="nfzoo's conditioner precisions to run (mixed_float16 for GPUs)")
    parser.add_argument("--timed-steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    batches = tf.constant(rng.uniform(-0.5, 0.5, (4, args.batch, args.size, args.size, 3)).astype("float32"))
    contenders = [stock_tfp(args, batches), *nfzoo_models(args, batches)]
    peer = normflows_glow(args, batches)
    if peer is not None:
        contenders.append(peer)
    for contender in contenders:  # trace and warm up
        contender.train(2)
    rates = {c.name: [] for c in contenders}
    for _ in range(args.rounds):
        for contender in contenders:
            rates[contender.name].append(args.timed_steps * args.batch / contender.train(args.timed_steps))
    peaks = {p: conv_rate(PRECISIONS[p][1], args.batch) for p in dict.fromkeys(["float32", *args.precisions])}
    flops = training_flops_per_image(args)
    results = []
    for contender in contenders:
        rate = statistics.median(rates[contender.name])
        results.append({
            "name": contender.name, "rate": rate, "parameters": contender.parameters,
            "encode_ms": latency_ms(contender.encode), "sample_ms": latency_ms(contender.sample),
            "roofline": rate * flops / 1e9 / peaks[contender.precision],
        })
    stock = results[0]["rate"]
    print(f"config: {args.size}x{args.size}x3, {args.levels}x{args.steps}, width {args.width}, batch {args.batch}; "
          f"training {flops / 1e9:.2f} GFLOP/image; 3x3 conv peak {peak_text(peaks)}; {machine()}")
    print(f"{'model':40s} {'params':>10s} {'train img/s':>11s} {'vs stock':>8s} {'encode ms':>10s} {'sample ms':>10s} "
          f"{'roofline':>8s}")
    for r in results:
        print(f"{r['name']:40s} {r['parameters']:10,d} {r['rate']:11.1f} {r['rate'] / stock:7.2f}x "
              f"{r['encode_ms']:10.1f} {r['sample_ms']:10.1f} {100 * r['roofline']:7.1f}%")
    if args.record:
        record(args, results, peaks)


def peak_text(peaks):
    """E.g. ``"180 / 1150 GFLOP/s (float32 / mixed_bfloat16)"``."""
    return f"{' / '.join(f'{rate:.0f}' for rate in peaks.values())} GFLOP/s ({' / '.join(peaks)})"


def record(args, results, peaks):
    stock = results[0]["rate"]
    cells = "; ".join(f"{r['name']}: {r['rate']:.1f} img/s (x{r['rate'] / stock:.2f}, enc {r['encode_ms']:.0f} ms, "
                      f"sample {r['sample_ms']:.0f} ms, {100 * r['roofline']:.0f}% roofline)" for r in results)
    row = (f"| {datetime.date.today()} | {args.size}x{args.size}x3, {args.levels}x{args.steps}, width {args.width}, "
           f"batch {args.batch} | {cells} | conv peak {peak_text(peaks)} | {machine()}, tf {tf.__version__} |")
    print(f"recorded in {append_rows(HEADING, TABLE_HEAD, [row])}")


if __name__ == "__main__":
    main()
