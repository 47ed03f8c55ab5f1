"""Nothing is lost on a kill: the rename protocol at every step, the backup (Keras format, corrupt files, time and
epoch triggers), the history without repeated epochs, the run lock, and real `nfzoo train` processes SIGKILLed."""
import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import yaml

from fixtures import StopAt, tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.training import atomic
from nfzoo.training.backup import BackupUnreadable, KillSafeBackup
from nfzoo.training.callbacks import BestModelCheckpoint, HistoryCSV, keep_epochs_before
from nfzoo.training.run_lock import RunFolderInUse, run_lock

# Runs atomic.py alone (no TensorFlow: a few ms per process) and exits with os._exit, as a SIGKILL would (no
# cleanup, no finally), at the KILL_AT-th file-system step: a file written, renamed, unlinked, a folder removed.
PROTOCOL_SCRIPT = textwrap.dedent("""
    import importlib.util, os, shutil, sys
    spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
    atomic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(atomic)
    kill_at, steps = int(sys.argv[3]), [0]

    def step(function):
        def killable(*args, **kwargs):
            steps[0] += 1
            if steps[0] == kill_at:
                os._exit(9)
            return function(*args, **kwargs)
        return killable

    os.replace, os.unlink, os.rmdir = step(os.replace), step(os.unlink), step(os.rmdir)
    write = step(lambda path, text: path.write_text(text))
    target = atomic.Path(sys.argv[2])
    if sys.argv[4] == "replace":
        with atomic.replaced_folder(target) as new:
            for name in ("a", "b", "c"):
                write(new / name, "new " + name)
    else:
        atomic.remove_folder(target)
""")


def folder_state(path):
    return {p.name: p.read_text() for p in path.iterdir()} if path.exists() else None


@pytest.mark.parametrize("action, before, after", [
    ("replace", {"a": "old a", "b": "old b", "c": "old c", "d": "old d"}, {n: f"new {n}" for n in "abc"}),
    ("replace", None, {n: f"new {n}" for n in "abc"}),  # the first write
    ("remove", {"a": "old a", "b": "old b"}, None),
])
def test_a_folder_is_old_or_new_after_a_kill_at_every_step(tmp_path, action, before, after):
    script = tmp_path / "protocol.py"
    script.write_text(PROTOCOL_SCRIPT)
    kill_points = 0
    for kill_at in range(1, 100):
        target = tmp_path / "work" / "entry"
        if target.parent.exists():
            subprocess.run(["rm", "-rf", str(target.parent)], check=True)
        target.parent.mkdir()
        if before is not None:
            target.mkdir()
            for name, text in before.items():
                (target / name).write_text(text)
        done = subprocess.run([sys.executable, str(script), atomic.__file__, str(target), str(kill_at), action])
        atomic.recover_folder(target)
        assert folder_state(target) in (before, after), (kill_at, folder_state(target))
        assert sorted(p.name for p in target.parent.iterdir()) == ([] if folder_state(target) is None else ["entry"])
        if done.returncode == 0:
            assert folder_state(target) == after
            break
        assert done.returncode == 9
        kill_points += 1
    assert kill_points >= (3 if action == "remove" else 4)


def test_replaced_file_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.replaced_file(path) as partial:
            partial.write_text("half")
            raise RuntimeError("failed while writing")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


# --- the backup, on a tiny Dense model ---------------------------------------------------------------------------


class AtStart(keras.callbacks.Callback):
    """Records the state a resumed fit starts from (after the backup callbacks before it restored it)."""

    def on_train_begin(self, logs=None):
        self.weights = [w.numpy() for w in self.model.weights]
        self.iterations = int(self.model.optimizer.iterations.numpy())
        self.initial_epoch = self.model._initial_epoch


def dense_model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


def fit(model, callbacks, epochs=4):
    x = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
    return model.fit(x, x[:, :2], batch_size=4, epochs=epochs, callbacks=callbacks, verbose=0, shuffle=False)


def interrupted_run(backup, epoch, batch):
    stop = StopAt(epoch, batch)
    with pytest.raises(KeyboardInterrupt):
        fit(dense_model(), [backup, stop])
    return stop


def resumed_start(backup):
    start = AtStart()
    fit(dense_model(seed=1), [backup, start, StopAt(-1, -1)])
    return start


@pytest.mark.parametrize("writer, reader", [("keras", "nfzoo"), ("nfzoo", "keras")])
def test_backups_are_keras_backups(tmp_path, writer, reader):
    """A backup of the stock callback (such as a run started before this version) resumes here, and back."""
    folder = tmp_path / "backup"
    callbacks = {"keras": lambda: keras.callbacks.BackupAndRestore(str(folder), save_freq=1, double_checkpoint=True),
                 "nfzoo": lambda: KillSafeBackup(folder, save_every=1)}
    stop = interrupted_run(callbacks[writer](), epoch=2, batch=1)
    start = resumed_start(callbacks[reader]())
    assert start.initial_epoch == 2 and start.iterations == 2 * 5 + 2
    for saved, restored in zip(stop.weights, start.weights, strict=True):
        np.testing.assert_array_equal(saved, restored)


def test_backups_are_saved_at_each_epoch_end_and_after_the_given_minutes(tmp_path):
    interrupted_run(KillSafeBackup(tmp_path / "rare", minutes=60), epoch=1, batch=3)
    assert json.loads((tmp_path / "rare" / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 0}
    interrupted_run(KillSafeBackup(tmp_path / "often", minutes=1e-9), epoch=1, batch=3)
    assert json.loads((tmp_path / "often" / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 3}


def test_a_resumed_run_records_its_epoch_in_a_backup_before_the_epoch_ends(tmp_path):
    """The stock callback writes epoch 0 here (it learns the epoch only when one ends): a second kill would
    restart the run with trained weights from its first epoch."""
    interrupted_run(KillSafeBackup(tmp_path / "backup", minutes=60), epoch=2, batch=1)  # saved as epoch 1 ended
    stop = StopAt(2, 2)
    with pytest.raises(KeyboardInterrupt):
        fit(dense_model(seed=1), [KillSafeBackup(tmp_path / "backup", save_every=1), stop])
    assert json.loads((tmp_path / "backup" / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 2}


@pytest.mark.parametrize("damage", ["truncated weights", "empty metadata"])
def test_an_unreadable_latest_backup_falls_back_to_the_previous_one(tmp_path, capfd, damage):
    # latest: the end of epoch 1; previous: the end of epoch 0
    interrupted_run(KillSafeBackup(tmp_path / "backup", minutes=60), epoch=2, batch=1)
    if damage == "truncated weights":
        weights = tmp_path / "backup" / "latest.weights.h5"
        content = weights.read_bytes()
        weights.unlink()  # a hard link shares its bytes with the previous backup: write a new file
        weights.write_bytes(content[:100])
    else:
        (tmp_path / "backup" / "training_metadata.json").write_text("")
    start = resumed_start(KillSafeBackup(tmp_path / "backup", minutes=60))
    assert start.initial_epoch == 1 and start.iterations == 5
    message = [line for line in capfd.readouterr().err.splitlines() if "backup" in line]
    assert len(message) == 1 and "resuming from the previous one (epoch 1)" in message[0], message


def test_unreadable_backups_say_which_folder_to_delete(tmp_path):
    interrupted_run(KillSafeBackup(tmp_path / "backup", minutes=60), epoch=2, batch=1)
    for name in ("training_metadata.json", "training_metadata.json.bkp"):
        (tmp_path / "backup" / name).write_text("")
    with pytest.raises(BackupUnreadable, match="delete that folder") as error:
        resumed_start(KillSafeBackup(tmp_path / "backup", minutes=60))
    assert str(tmp_path / "backup") in str(error.value) and "\n" not in str(error.value)


# --- history and lock ----------------------------------------------------------------------------------------------


def epochs_in(history_csv):
    with open(history_csv, newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_history_keeps_each_epoch_once_before_the_resumed_epoch(tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("epoch,loss\r\n0,3.0\r\n1,2.5\r\n1,2.4\r\n2,2.0\r\n3,1")  # an earlier version's history
    for _ in range(2):
        keep_epochs_before(path, 2)
        assert path.read_bytes() == b"epoch,loss\r\n0,3.0\r\n1,2.4\r\n"  # CSVLogger's line ends


def test_a_resumed_run_must_beat_the_best_model_of_the_epochs_it_keeps(tmp_path):
    """Epoch 1 is trained again (its backup was not saved): its logged 0.1 was never checkpointed, so the bar for
    best.keras is epoch 0's 1.0e9, which any epoch beats."""
    history = tmp_path / "history.csv"
    history.write_text("epoch,loss,val_loss\r\n0,1,1.0e9\r\n1,1,0.1\r\n")
    checkpoint = BestModelCheckpoint(tmp_path / "best.keras", "val_loss", history)
    bars = []
    probe = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: bars.append(checkpoint.best))
    model, x = dense_model(), np.ones((4, 3), "float32")
    model.fit(x, x[:, :2], validation_data=(x, x[:, :2]), initial_epoch=1, epochs=2, verbose=0,
              callbacks=[HistoryCSV(history), checkpoint, probe])
    assert bars == [1.0e9] and epochs_in(history) == [0, 1]
    assert keras.models.load_model(tmp_path / "best.keras").count_params() == 8


def test_a_second_training_in_a_run_folder_is_refused_while_the_first_lives(tmp_path, capsys):
    from nfzoo.cli import main

    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(tiny_glow_config(tmp_path)))
    (tmp_path / "run").mkdir()
    with run_lock(tmp_path / "run"):
        with pytest.raises(RunFolderInUse, match=f"process {os.getpid()} is training there"):
            with run_lock(tmp_path / "run"):
                pass
        assert main(["train", str(config), "--out", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and f"process {os.getpid()} is training there" in error, error


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "train.lock").write_text(dead.stdout)
    with run_lock(tmp_path) as lock:
        assert lock.read_text() == f"{os.getpid()}\n"


# --- real `nfzoo train` processes, SIGKILLed -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    path = folder / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_glow_config(write_fake_celeba_npz(folder), epochs=2)))
    return path


def train_command(config, run, *options):
    return [sys.executable, "-m", "nfzoo.cli", "train", str(config), "--out", str(run), *options]


def kill_when(command, condition, log, delay=0.0):
    """Runs ``command`` and SIGKILLs it ``delay`` s after ``condition()`` first holds (polled every ms); returns
    whether it was killed (False: it ended first)."""
    with open(log, "a") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            while process.poll() is None:
                if condition():
                    time.sleep(delay)
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    return True
                time.sleep(0.001)
        finally:
            process.kill()
            process.wait()
    return False


def appears(path):
    """A condition for `kill_when`: ``path`` exists, and has not existed at some point since the condition was
    made (so a folder left by the previous kill, which the next run clears first, does not count)."""
    was_absent = [not path.exists()]

    def condition():
        if not path.exists():
            was_absent[0] = True
            return False
        return was_absent[0]

    return condition


def read_lines(path):
    return path.read_text().splitlines() if path.is_file() else []


def finish(command, log):
    with open(log, "a") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=600)
    assert done.returncode == 0, Path(log).read_text()[-3000:]


def assert_finished(run, epochs):
    assert epochs_in(run / "history.csv") == list(range(epochs))
    model = keras.models.load_model(run / "final.keras")
    assert np.isfinite(model.bits_per_dim(np.zeros((2, 16, 16, 3), "float32")).numpy()).all()
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []
    assert not (run / "backup").exists()


def test_a_run_killed_while_writing_its_first_backup_resumes_and_finishes(tiny_config, tmp_path):
    run, log = tmp_path / "run", tmp_path / "log.txt"
    command = train_command(tiny_config, run, "--save-every", "1", "--epochs", "1")
    assert kill_when(command, appears(run / ".backup.new"), log)
    finish(command, log)
    assert_finished(run, epochs=1)


@pytest.mark.slow
def test_a_run_killed_at_many_points_resumes_each_time_and_finishes(tiny_config, tmp_path):
    """Kills: during backup writes (several delays), just after an epoch's history row (before or after its
    backup), and mid-epoch after a backup; every rerun resumes, and no epoch is trained twice once backed up."""
    run, log = tmp_path / "run", tmp_path / "log.txt"
    command = train_command(tiny_config, run, "--save-every", "2")

    def metadata():
        try:
            return json.loads((run / "backup" / "training_metadata.json").read_text())
        except (OSError, ValueError):
            return {}

    for delay in (0.0, 0.01, 0.03):
        assert kill_when(command, appears(run / ".backup.new"), log, delay)
    assert kill_when(command, lambda: len(read_lines(run / "history.csv")) > 1, log)  # a row: epoch 0 ended
    assert kill_when(command, lambda: metadata().get("epoch") == 1 and metadata().get("batch", 0) > 0, log)
    first_row = (run / "history.csv").read_text().splitlines()[1]
    finish(command, log)
    assert_finished(run, epochs=2)
    assert (run / "history.csv").read_text().splitlines()[1] == first_row  # resumed in epoch 1, not from scratch
    times = [line.split()[0] for line in (run / "epoch_times.txt").read_text().splitlines()]
    assert times.count("1") == 1, times
