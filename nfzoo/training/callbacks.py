"""Keras callbacks for flow training: a NaN guard that keeps the last good state, a kill-safe best-model
checkpoint, a history log without repeated epochs, epoch times and sample grids."""
import csv
import io
import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from nfzoo.data.preprocess import to_uint8
from nfzoo.training.atomic import commit_file, partial_file, replaced_file
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


class BestModelCheckpoint(keras.callbacks.ModelCheckpoint):
    """`ModelCheckpoint` of the lowest ``monitor`` value (full model) that saves to a temporary sibling and renames
    it onto ``filepath``, so a kill while saving keeps the previous best model whole. The value to beat is the
    lowest in ``history_csv`` before the first epoch this run trains, read at that epoch once `HistoryCSV` has
    dropped the rows of epochs trained again (whose models were never checkpointed): a resumed run's best model
    is only replaced by a better one."""

    def __init__(self, filepath, monitor, history_csv):
        self.final_path, self.history_csv = Path(filepath), Path(history_csv)
        super().__init__(str(partial_file(filepath)), monitor=monitor, mode="min", save_best_only=True)

    def on_train_begin(self, logs=None):
        Path(self.filepath).unlink(missing_ok=True)  # left by a save that was killed
        self._bar_read = False

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        if not self._bar_read:
            self.best, self._bar_read = lowest_logged(self.history_csv, self.monitor), True

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if Path(self.filepath).is_file():  # saved: this epoch is the best so far
            commit_file(Path(self.filepath), self.final_path)


def lowest_logged(history_csv, monitor):
    """The lowest ``monitor`` value in the CSV history, or None."""
    if not history_csv.is_file():
        return None
    with history_csv.open(newline="") as f:
        values = [float(row[monitor]) for row in csv.DictReader(f) if row.get(monitor) not in (None, "", "nan")]
    return min(values) if values else None


class HistoryCSV(keras.callbacks.CSVLogger):
    """`CSVLogger` that appends one row per epoch across resumed runs with no epoch twice: before its first
    epoch, a run drops the rows of the epochs it is about to train (again) and, of older rows logged twice by
    earlier versions, keeps the later one (the one training continued from). Rows are dropped at the first epoch
    rather than at the start of training, once the backup has set the epoch `fit` resumes at."""

    def __init__(self, filename):
        super().__init__(str(filename), append=True)
        self._opened = False

    def on_train_begin(self, logs=None):
        self._opened = False

    def on_epoch_begin(self, epoch, logs=None):
        if not self._opened:
            keep_epochs_before(Path(self.filename), epoch)
            super().on_train_begin()
            self._opened = True


def keep_epochs_before(path, epoch):
    """Rewrites the CSV history ``path`` (kill-safe) with one row per epoch < ``epoch``, the last logged of each
    (a row cut short by a kill is dropped)."""
    if not path.is_file():
        return
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    complete = [row for row in rows if None not in row.values() and row["epoch"].isdigit()]  # not cut by a kill
    kept = {int(row["epoch"]): row for row in complete if int(row["epoch"]) < epoch}  # later rows win
    if fields is None or list(kept.values()) == rows:
        return
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    writer.writerows(kept[e] for e in sorted(kept))
    with replaced_file(path) as partial:
        partial.write_text(text.getvalue())


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
