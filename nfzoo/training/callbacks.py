"""Keras callbacks for flow training: a NaN guard that keeps the last good state, and sample grids."""
import math
import time

import keras
import numpy as np
import tensorflow as tf

from nfzoo.data.preprocess import to_uint8
from nfzoo.zoo.images import save_png


class NaNGuard(keras.callbacks.TerminateOnNaN):
    """`TerminateOnNaN` that stops at once with a clear error, before any later callback (checkpoints,
    BackupAndRestore) can save the broken weights; the last good checkpoint stays on disk."""

    def __init__(self, last_good):
        super().__init__()
        self.last_good = last_good

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise FloatingPointError(
                f"training loss became {loss} at batch {batch}: stopped before saving. The last good state is "
                f"kept in {self.last_good}; rerun the same command to resume from it (lower the learning rate or "
                "raise warmup_steps if it happens again)."
            )


class EpochTimer(keras.callbacks.Callback):
    """Appends ``epoch seconds`` per finished epoch to a text file, so the wall time of a run that was
    killed and resumed any number of times is the sum of its lines."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a") as f:
            f.write(f"{epoch} {time.perf_counter() - self.start:.1f}\n")


class SampleGrid(keras.callbacks.Callback):
    """At the end of every epoch, decodes ``n`` fixed latents at ``temperature`` and writes the image grid
    to TensorBoard (``log_dir``) and to ``png_path``."""

    def __init__(self, log_dir, png_path, n=16, temperature=0.7, seed=0):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(log_dir))
        self.png_path, self.n, self.temperature, self.seed = png_path, n, temperature, seed

    def on_epoch_end(self, epoch, logs=None):
        samples = self.model.sample(self.n, temperature=self.temperature, seed=self.seed)
        grid = image_grid(to_uint8(samples, self.model.n_bits).numpy())
        with self.writer.as_default():
            tf.summary.image(f"samples_T{self.temperature}", grid[None], step=epoch)
        save_png(self.png_path, grid)


def image_grid(images, columns=None):
    """uint8 [N, H, W, C] -> one uint8 [rows*H, columns*W, C] grid (1-pixel dark gutters)."""
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.zeros((rows * (h + 1) - 1, columns * (w + 1) - 1, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = image
    return grid
