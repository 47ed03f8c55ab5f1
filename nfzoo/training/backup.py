"""`KillSafeBackup`: Keras' `BackupAndRestore`, written so that a kill at any moment leaves a backup to resume from.

The files are Keras' own (``latest.weights.h5``: model and optimizer variables; ``training_metadata.json``:
``{"epoch": E, "batch": B}``, the epoch to resume at; ``*.bkp``: the previous pair), so a backup written by the
stock callback resumes here and the other way round. What changes:

- each backup is a new folder swapped in by renames (`nfzoo.training.atomic.replaced_folder`), never files
  overwritten in place, so a kill during a save leaves the previous backup whole;
- the backup is saved at the end of every epoch, after ``minutes`` of training since the last save, and, if
  ``save_every`` is set, every ``save_every`` steps;
- on resume the latest pair is checked (weights load, metadata parses) and the previous pair used if it does not;
  if neither does, one line names the folder to delete;
- a save mid-way through the first epoch of a resumed run records that epoch (the stock callback records 0 until
  an epoch ends, so a second kill would restart the whole run).
"""
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import keras

from nfzoo.training.atomic import recover_folder, remove_folder, replaced_folder

WEIGHTS, METADATA = "latest.weights.h5", "training_metadata.json"


class BackupUnreadable(OSError):
    """Neither the latest nor the previous backup of a run can be loaded."""


class KillSafeBackup(keras.callbacks.BackupAndRestore):
    """Resumable training state in ``backup_dir``; see the module docstring. The backup is kept when training
    ends: `remove` it once the run's final model is saved."""

    def __init__(self, backup_dir, save_every=None, minutes=5.0):
        if save_every is not None and save_every < 1:
            raise ValueError(f"save_every must be a positive number of steps or None, got {save_every}.")
        if not minutes > 0:
            raise ValueError(f"minutes between backups must be positive, got {minutes}.")
        super().__init__(str(backup_dir), save_freq=save_every or "epoch", double_checkpoint=True,
                         delete_checkpoint=False)
        self.folder, self.seconds = Path(backup_dir), 60.0 * minutes

    def on_train_begin(self, logs=None):
        recover_folder(self.folder)
        self._restore()
        self._last_save = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._last_batch_seen = epoch + 1, 0
        self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch) or time.monotonic() - self._last_save >= self.seconds:
            self._last_batch_seen = batch
            self._save_model()

    def _save_model(self):
        with replaced_folder(self.folder) as new:
            for name in (WEIGHTS, METADATA):  # the current pair becomes the previous one
                if (self.folder / name).is_file():
                    _link_or_copy(self.folder / name, new / f"{name}.bkp")
            self.model.save_weights(str(new / WEIGHTS))
            (new / METADATA).write_text(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))
        self._batches_seen_since_last_saving, self._last_save = 0, time.monotonic()

    def _restore(self):
        """Loads the latest readable pair into the model and sets the epoch `fit` starts at."""
        pairs = [(self.folder / WEIGHTS, self.folder / METADATA),
                 (self.folder / f"{WEIGHTS}.bkp", self.folder / f"{METADATA}.bkp")]
        if not any(path.exists() for pair in pairs for path in pair):
            return  # a new run
        if not self.model.built:
            raise ValueError("KillSafeBackup needs a built model (call it on a batch before fit).")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        problems = []
        for weights, metadata in pairs:
            try:
                epoch = int(json.loads(metadata.read_text())["epoch"])
                self._load_weights(weights)
            except (OSError, ValueError, KeyError, TypeError) as error:
                problems.append(f"{weights.name}: {type(error).__name__}: {error}".replace("\n", " "))
                continue
            if problems:
                print(f"the latest backup in {self.folder} is unreadable ({problems[0]}); resuming from the previous "
                      f"one (epoch {epoch})", file=sys.stderr)
            self.model._initial_epoch = epoch
            return
        raise BackupUnreadable(f"cannot resume from {self.folder} ({'; '.join(problems)}): delete that folder to "
                               "restart this run from scratch")

    def _load_weights(self, weights):
        """``model.load_weights`` of a backup file; Keras reads only names ending in .weights.h5, so the previous
        pair's ``latest.weights.h5.bkp`` is read through a link with such a name (the backup stays as it is)."""
        if weights.name.endswith(".weights.h5"):
            self.model.load_weights(str(weights))
            return
        with tempfile.TemporaryDirectory(dir=self.folder.parent) as tmp:
            readable = Path(tmp) / "previous.weights.h5"
            _link_or_copy(weights, readable)
            self.model.load_weights(str(readable))

    def remove(self):
        """Deletes the backup (kill-safe: it is either whole or gone)."""
        remove_folder(self.folder)


def _link_or_copy(source, target):
    """Backups are never modified in place, so the previous pair can share the files of the current one."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
