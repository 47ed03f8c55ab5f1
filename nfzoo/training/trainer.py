"""Train and evaluate a zoo config with Keras `fit`/`evaluate`.

``train`` writes to ``out_dir``:

    backup/         BackupAndRestore state (weights, optimizer, epoch; `nfzoo.training.backup`): rerunning the
                    same command after a kill resumes from the last save (at every epoch end, after
                    ``backup_minutes`` of training and, if set, every ``save_every`` steps); removed once
                    final.keras is written
    best.keras      ModelCheckpoint of the best validation bits/dim (or loss)
    final.keras     the model after the last epoch
    logs/           TensorBoard: loss, bits/dim, learning rate, a grid of samples per epoch
    samples.png     the latest sample grid
    history.csv     one row per epoch (appended across resumes, each epoch once)
    epoch_times.txt ``epoch seconds`` per finished epoch (wall time = the sum)
    train.lock      the pid of the process training there: a second run in the folder is refused

Every file and folder that a resume or `nfzoo publish` reads is written under a temporary name and renamed into
place (`nfzoo.training.atomic`), so a kill at any moment leaves the previous or the new version whole.
"""
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from nfzoo.config import build, load_config
from nfzoo.config_schema import check_batch_fits
from nfzoo.data.pipeline import image_dataset, vector_dataset
from nfzoo.data.sources import load_splits
from nfzoo.data.vectors import VECTOR_SOURCES
from nfzoo.models.conditioning import dataset_context
from nfzoo.models.held_out import held_out_bits_per_dim
from nfzoo.models.keras_file import load_keras_model
from nfzoo.training.atomic import replaced_file
from nfzoo.training.backup import KillSafeBackup
from nfzoo.training.callbacks import BestModelCheckpoint, EpochTimer, HistoryCSV, NaNGuard, SampleGrid
from nfzoo.training.distribute import get_strategy
from nfzoo.training.ema import DebiasedEMAAdam
from nfzoo.training.run_lock import run_lock
from nfzoo.training.schedules import LinearWarmup


def datasets(config, data_dir=None, seed=0):
    """(train, validation) tf.data pipelines of dequantised images (or of float rows, for a vector source) for a
    config; for a conditional model, ``(images, context)`` pairs made from the data's labels
    (`nfzoo.models.conditioning.dataset_context`)."""
    data, training = config["data"], config["training"]
    splits = load_splits(data, data_dir)
    if data.get("source") in VECTOR_SOURCES:  # float rows [N, D]: neither quantised nor dequantised
        return vector_datasets(splits, config, seed)
    n_bits, batch = config["model"].get("n_bits", 8), training["batch_size"]
    conditional = dataset_context(config["model"])
    arrays = isinstance(splits.train_images, np.ndarray)
    if arrays:
        check_batch_fits(batch, len(splits.train_images))
        if conditional and splits.train_labels is None:
            raise ValueError(f"the model is conditional but data.source {data['source']!r} gives no labels.")
    # array sources pass their labels along for a conditional model; dataset sources carry theirs inside
    train_labels, val_labels = (splits.train_labels, splits.val_labels) if conditional and arrays else (None, None)
    train = image_dataset(splits.train_images, train_labels, batch_size=batch, n_bits=n_bits, shuffle=True, seed=seed,
                          augment_flip=training.get("augment_flip", False), drop_remainder=True)
    val = image_dataset(splits.val_images, val_labels, batch_size=training.get("eval_batch_size", batch),
                        n_bits=n_bits, shuffle=False, seed=seed + 1)
    if conditional:
        return train.map(conditional), val.map(conditional)
    return _images_only(train), _images_only(val)


def vector_datasets(splits, config, seed=0):
    """(train, validation) batches of the float32 rows [N, D] of a vector source (`nfzoo.data.vectors`)."""
    batch, width = config["training"]["batch_size"], splits.train_images.shape[1]
    event = list(config["model"]["event_shape"])
    if event != [width]:
        raise ValueError(f"data.source {config['data']['source']!r} gives rows of {width} features; expected "
                         f"model.event_shape [{width}], got {event}.")
    check_batch_fits(batch, len(splits.train_images))
    train = vector_dataset(splits.train_images, batch, seed=seed, drop_remainder=True)
    return train, vector_dataset(splits.val_images, config["training"].get("eval_batch_size", batch), shuffle=False)


def _images_only(ds):
    return ds.map(lambda x, *_: x) if isinstance(ds.element_spec, tuple) else ds


def train(config, data_dir=None, epochs=None, out_dir=None, strategy=None, logical_cpus=0, save_every=None,
          backup_minutes=5.0, verbose="auto", callbacks=(), init_from=None, precision=None):
    """Trains (or resumes) ``config``; returns the Keras History of this run. ``callbacks`` are added
    after nfzoo's own (NaN guard, CSV log, backup, checkpoint, TensorBoard, sample grid). The backup is saved at
    every epoch end, after ``backup_minutes`` of training and every ``save_every`` steps if set. ``init_from``
    (a FlowModel or .keras file of the same architecture, e.g. a shipped zoo model) starts a new run from its weights;
    a run directory with a backup resumes from the backup instead. ``precision`` (e.g. "mixed_float16" on a
    GPU) overrides the config's model.precision: the compute dtype of the conditioner networks. ``verbose`` is
    Keras' (0 silent, 1 progress bar, 2 one line per epoch); "auto" is the progress bar on a terminal and one line
    per epoch otherwise (a log file would get a rewritten bar line for every step: megabytes per run)."""
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    config = load_config(config)
    if precision is not None:
        config["model"]["precision"] = precision
    training = config["training"]
    strategy = get_strategy(strategy, logical_cpus)
    out = run_folder(config, out_dir)
    if not _is_chief(strategy):
        out = out / f"worker_{strategy.cluster_resolver.task_id}"
    out.mkdir(parents=True, exist_ok=True)
    with run_lock(out):
        return _train_in(out, config, data_dir, epochs or training["epochs"], strategy, save_every, backup_minutes,
                         verbose, callbacks, init_from)


def run_folder(config, out_dir=None):
    """The folder `train` writes a (loaded) ``config``'s run to: ``out_dir``, by default ``runs/<config name>``."""
    return Path(out_dir or Path("runs") / config["name"])


def _train_in(out, config, data_dir, epochs, strategy, save_every, backup_minutes, verbose, callbacks, init_from):
    """`train` in the locked run folder ``out``."""
    training = config["training"]
    train_ds, val_ds = datasets(config, data_dir, seed=training.get("seed", 0))
    with strategy.scope():
        model = build(config)
        if init_from is not None and not (out / "backup").exists():
            source = init_from
            if not isinstance(source, keras.Model):
                source = load_keras_model(init_from)
            model.set_weights(source.get_weights())
        schedule = learning_rate_schedule(training, epochs, train_ds)
        ema = training.get("ema_momentum")
        optimizer = DebiasedEMAAdam(schedule, clipnorm=training.get("clipnorm"), use_ema=ema is not None,
                                    ema_momentum=ema or 0.99)
        if config["model"].get("precision") == "mixed_float16":  # float16 gradients underflow without loss scaling
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        model.compile(optimizer=optimizer)
    monitor = "val_bits_per_dim" if model.n_bits is not None else "val_loss"
    backup = KillSafeBackup(out / "backup", save_every=save_every, minutes=backup_minutes)
    callbacks = [*_builtin_callbacks(out, monitor, model, backup, ema=ema is not None), *callbacks]
    train_ds, steps_per_epoch = one_iterator_per_run(train_ds)
    # shuffle=False: the pipeline shuffles (image_dataset); Keras' default True only warns for a dataset
    history = model.fit(train_ds, steps_per_epoch=steps_per_epoch, validation_data=val_ds, epochs=epochs,
                        shuffle=False, callbacks=callbacks, verbose=verbose)
    if history.epoch or not (out / "final.keras").is_file():  # else: killed after its last epoch, final.keras written
        if not history.epoch:  # the backup's raw weights; SwapEMAWeights puts the average in after a last epoch
            model.optimizer.finalize_variable_values(model.trainable_variables)
        with replaced_file(out / "final.keras") as partial:
            model.save(partial)
    backup.remove()
    return history


def one_iterator_per_run(train_ds):
    """(dataset, steps_per_epoch) for `fit`: a training set of known length is repeated and cut into epochs by
    ``steps_per_epoch``, so Keras keeps one iterator for the whole run. Given the finite set itself, Keras 3
    makes a new iterator at the end of every epoch and another at the start of the next, tearing down the
    first while its prefetch is still filling: on glow_celeba every other epoch waited 20-30 s for its first
    batch (80 s epochs instead of 46 s; main thread sampled with py-spy). A set of unknown length runs each
    epoch to its end, as Keras does by default."""
    steps = int(train_ds.cardinality())
    return (train_ds.repeat(), steps) if steps > 0 else (train_ds, None)


def learning_rate_schedule(training, epochs, train_ds):
    """Linear warm-up to ``learning_rate`` over ``warmup_steps``, then constant (Glow) or, with
    ``lr_decay: cosine``, a cosine decay to 0 at the end of the last epoch (`keras.optimizers.schedules.CosineDecay`)."""
    peak, warmup = training.get("learning_rate", 1e-3), training.get("warmup_steps", 0)
    decay = training.get("lr_decay", "none")
    if decay == "none":
        return LinearWarmup(peak, warmup)
    if decay != "cosine":
        raise ValueError(f"training.lr_decay must be 'none' or 'cosine', got {decay!r}.")
    steps_per_epoch = int(train_ds.cardinality())
    if steps_per_epoch <= 0:
        raise ValueError("lr_decay: cosine needs a training dataset of known length (a finite, batched tf.data pipeline).")
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(epochs * steps_per_epoch - warmup, 1), warmup_target=peak, warmup_steps=warmup
    )


def _builtin_callbacks(out, monitor, model, backup, ema=False):
    """The order matters at each epoch end: the history row is written before the backup (a kill in between
    redoes the epoch, whose row the resumed run then replaces), and the backup is saved before the EMA swap.
    With ``ema`` (training.ema_momentum set: Adam keeps an exponential moving average of the weights,
    Polyak averaging), validation, best.keras, the sample grid and final.keras use the averaged weights, while
    the backup (saved before the swap at the epoch end, or mid-epoch after the swap back) keeps the raw
    training state to resume from."""
    callbacks = [
        NaNGuard(last_good=out / "backup"),
        EpochTimer(out / "epoch_times.txt"),
        HistoryCSV(out / "history.csv"),
        backup,
        *([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)] if ema else []),
        BestModelCheckpoint(out / "best.keras", monitor=monitor, history_csv=out / "history.csv"),
        keras.callbacks.TensorBoard(str(out / "logs")),
    ]
    if len(model.data_event_shape) == 3:
        callbacks.append(SampleGrid(out / "logs" / "samples", out / "samples.png"))
    return callbacks


def evaluate(model, config, data_dir=None):
    """The held-out figure of a trained flow (a `FlowModel` or the path of a .keras file) on the config's held-out
    split: for an image model its bits/dim, measured as the model card measures it (`nfzoo.models.held_out`),
    ``{"all": ..., <set>: ...}``; for a vector model the mean log-likelihood in nats per example, ``{"all": ...}``."""
    config = load_config(config)
    if not isinstance(model, keras.Model):
        model = load_keras_model(model)
    splits = load_splits(config["data"], data_dir)
    if model.n_bits is not None:
        return held_out_bits_per_dim(model.log_likelihood, splits, model.n_bits)
    rows = np.asarray(splits.val_images, np.float32)
    log_prob = tf.function(model.log_likelihood, reduce_retracing=True)
    total = sum(float(tf.reduce_sum(log_prob(rows[i: i + 1024]))) for i in range(0, len(rows), 1024))
    return {"all": round(total / len(rows), 4)}


def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return True
    return resolver.task_type in (None, "chief") or (resolver.task_type == "worker" and resolver.task_id == 0)
