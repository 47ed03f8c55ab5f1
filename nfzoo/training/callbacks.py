"""Keras callbacks for flow training: a NaN guard that keeps the last good state, a kill-safe best-model
checkpoint, a history log without repeated epochs, epoch times and sample grids."""
import csv
import io
import math
import time
from pathlib import Path

import keras
import tensorflow as tf

from nfzoo.data.images import image_grid, save_png, to_uint8
from nfzoo.training.atomic import commit_file, partial_file, replaced_file


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
    """Appends ``epoch wall_seconds cpu_seconds`` per finished epoch to a text file, so the wall and CPU time of a
    run that was killed and resumed any number of times are the sums of its columns (CPU time: this process's,
    all threads, `time.process_time`; lines written before 2026-11-30 have no CPU column)."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.cpu_start = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        with open(self.path, "a") as f:
            f.write(f"{epoch} {time.perf_counter() - self.start:.1f} {time.process_time() - self.cpu_start:.1f}\n")


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


class SayLossUnits(keras.callbacks.Callback):
    """Prints `loss_units` of the model as training begins."""

    def on_train_begin(self, logs=None):
        print(loss_units(self.model), flush=True)


def loss_units(model):
    """What the progress bar's numbers are. ``loss`` is -mean ``log_likelihood`` in nats per example
    (`FlowModel.compute_loss`). For images of D subpixels with n_bits, log_likelihood is ln p(x) of the dequantised
    image x in [-0.5, 0.5]^D (or a lower bound on it), and bits/dim = -(ln p(x) - D ln 2**n_bits) / (D ln 2)
    (`nfzoo.data.images.bits_per_dim`), i.e. bits_per_dim = loss / (D ln 2) + n_bits."""
    if getattr(model, "n_bits", None) is None:
        return "loss: -ln p(x), the negative log-likelihood in nats per example (batch mean; val_loss: held-out data)"
    d, n_bits = model.num_dims, model.n_bits
    if getattr(model, "likelihood_bound", None) == "elbo":
        bound = " (its ELBO bound)"
    elif getattr(model, "dequantizer", None) is not None:
        bound = " (its variational-dequantisation bound)"
    else:
        bound = ""
    shape = "x".join(str(size) for size in model.data_event_shape)
    return (f"loss: -ln p(x){bound} in nats per image (batch mean), x the dequantised {shape} image in [-0.5, 0.5]^D, "
            f"D = {d}\nbits_per_dim = loss / ({d} ln 2) + {n_bits}: the NLL of the {n_bits}-bit images in bits per "
            "subpixel, lower is better; val_*: held-out images")
