"""Is there a faster 3x3 convolution than oneDNN's for Glow's coupling networks? (bench_glow's float32 question)

    nice -n 2 python benchmarks/conv_alternatives.py [--batch 64 --size 32 --width 128] [--record]

`profile_glow.py` puts ~85% of a float32 Glow training step's op time in the coupling networks' convolutions
(oneDNN forward, backprop-input and backprop-filter kernels). This times one 3x3 convolution's forward and both
gradients (``loss = sum(y^2)``, one tf.function) for each 3x3 conv shape of the bench_glow architecture (3
levels, width 128: the first conv of a coupling network, C/2 -> width, and the zero-initialised last one,
width -> C), three ways that compute the same map:

  conv2d   tf.nn.conv2d (oneDNN, what Keras' Conv2D runs)
  im2col   concatenate the 9 shifted copies of x (zero padded), one matmul with the [9 C_in, C_out] kernel
  col2im   one matmul x @ [C_in, 9 C_out], then add the 9 shifted C_out-wide slices

Reports the median of ``--rounds`` (alternating methods, so load drifts hit all) in ms and each as a multiple
of conv2d; checks that all three agree (max abs difference).
"""
import argparse
import datetime
import os
import statistics
import time

import numpy as np
import tensorflow as tf

from nfzoo.machine import cpu_name
from results_table import append_rows

HEADING = "## 3x3 convolution alternatives (benchmarks/conv_alternatives.py)"
TABLE_HEAD = ("| date | shape (N x H x W x C_in -> C_out) | conv2d ms | im2col | col2im | machine |\n"
              "|---|---|---|---|---|---|")
TAPS = [(i, j) for i in range(3) for j in range(3)]


def conv2d(x, kernel):
    return tf.nn.conv2d(x, kernel, 1, "SAME")


def im2col(x, kernel):
    """y[h, w] = sum_(i, j) x[h + i - 1, w + j - 1] k[i, j], as [N, H, W, 9 C_in] @ [9 C_in, C_out]."""
    height, width = x.shape[1:3]
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    patches = tf.concat([padded[:, i:i + height, j:j + width] for i, j in TAPS], axis=-1)
    return tf.matmul(patches, tf.reshape(kernel, [-1, kernel.shape[-1]]))


def col2im(x, kernel):
    """The same sum with the matmul first: m = x @ [C_in, 9 C_out], y = sum_t shift_t(m_t)."""
    height, width = x.shape[1:3]
    c_in, c_out = kernel.shape[2:]
    m = tf.matmul(x, tf.reshape(tf.transpose(kernel, [2, 0, 1, 3]), [c_in, 9 * c_out]))
    m = tf.pad(m, [[0, 0], [1, 1], [1, 1], [0, 0]])
    return tf.add_n([m[:, i:i + height, j:j + width, t * c_out:(t + 1) * c_out] for t, (i, j) in enumerate(TAPS)])


METHODS = {"conv2d": conv2d, "im2col": im2col, "col2im": col2im}


def training_step(method, x, kernel):
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = method(x, kernel)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, [x, kernel])

    return step


def glow_conv_shapes(batch, size, width, levels=3):
    """(N, H, C_in, C_out) of every distinct 3x3 conv in a Glow of ``levels`` levels on size x size x 3 images."""
    shapes, channels = [], 3
    for _ in range(levels):
        size, channels = size // 2, channels * 4
        shapes += [(batch, size, channels // 2, width), (batch, size, width, channels)]
        channels //= 2  # the split prior factors out half
    return shapes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="steps per timed round")
    parser.add_argument("--record", action="store_true", help=f"append the rows to RESULTS.md ({HEADING[3:]})")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for n, h, c_in, c_out in glow_conv_shapes(args.batch, args.size, args.width):
        x = tf.constant(rng.standard_normal((n, h, h, c_in)), tf.float32)
        kernel = tf.constant(rng.standard_normal((3, 3, c_in, c_out)) * 0.1, tf.float32)
        reference = conv2d(x, kernel)
        error = max(float(tf.reduce_max(tf.abs(f(x, kernel) - reference))) for f in METHODS.values())
        steps = {name: training_step(f, x, kernel) for name, f in METHODS.items()}
        times = {name: [] for name in METHODS}
        for name, step in steps.items():
            step()  # trace
        for _ in range(args.rounds):
            for name, step in steps.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    grads = step()
                grads[0].numpy()
                times[name].append((time.perf_counter() - start) / args.steps * 1e3)
        median = {name: statistics.median(t) for name, t in times.items()}
        shape = f"{n}x{h}x{h}x{c_in} -> {c_out}"
        print(f"{shape:24s} " + "  ".join(f"{name} {ms:7.2f} ms (x{ms / median['conv2d']:.2f})"
                                           for name, ms in median.items()) + f"  max diff {error:.1e}", flush=True)
        rows.append(f"| {datetime.date.today()} | {shape} | {median['conv2d']:.2f} | "
                    f"x{median['im2col'] / median['conv2d']:.2f} | x{median['col2im'] / median['conv2d']:.2f} | "
                    f"{len(os.sched_getaffinity(0))} cores, {cpu_name()}, load {os.getloadavg()[0]:.1f}, "
                    f"tf {tf.__version__} |")
    if args.record:
        intro = ("Forward + both gradients of one 3x3 convolution per shape of the bench_glow architecture, median "
                 "ms of conv2d (oneDNN) and the others as multiples of it (> 1 is slower).")
        print(f"recorded in {append_rows(HEADING, TABLE_HEAD, rows, intro=intro)}")


if __name__ == "__main__":
    main()
