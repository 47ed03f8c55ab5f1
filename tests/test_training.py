"""`nfzoo train` machinery: held-out bits/dim falls, resume after a kill, NaN guard, distribution."""
import csv
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from fixtures import StopAt, tiny_glow_config
from nfzoo.data.fake_celeba import write_fake_celeba_npz
from nfzoo.training.callbacks import NaNGuard
from nfzoo.training.trainer import evaluate, one_iterator_per_run, train


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fake_celeba_npz(tmp_path_factory.mktemp("celeba"))


def read_history(path):
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def finished_run(data_dir, tmp_path_factory):
    """(config, run folder) of a finished 4-epoch `train`."""
    config, run = tiny_glow_config(data_dir, epochs=4), tmp_path_factory.mktemp("run")
    train(config, out_dir=run, verbose=0)
    return config, run


def test_train_lowers_held_out_bits_per_dim_and_writes_run(finished_run):
    config, run = finished_run
    rows = read_history(run / "history.csv")
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3]
    val = [float(r["val_bits_per_dim"]) for r in rows]
    assert val[-1] < val[0] - 0.3, val
    for name in ("best.keras", "final.keras", "samples.png", "logs"):
        assert (run / name).exists(), name
    assert not (run / "backup").exists() and not [p for p in run.iterdir() if p.name.startswith(".")]
    figures = evaluate(run / "best.keras", config)
    assert figures["all"] == pytest.approx(min(val), abs=0.05) and len(figures) == 2  # all + the one folder


def test_resume_after_kill_continues_from_saved_state(data_dir, tmp_path):
    config = tiny_glow_config(data_dir, epochs=3)
    with pytest.raises(KeyboardInterrupt):
        train(config, out_dir=tmp_path, save_every=2, verbose=0, callbacks=[StopAt(epoch=1, batch=3)])
    assert [int(r["epoch"]) for r in read_history(tmp_path / "history.csv")] == [0]
    metadata = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 1  # backed up mid-epoch 1

    class FirstStep(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.iterations = int(self.model.optimizer.iterations.numpy())

    first = FirstStep()
    train(config, out_dir=tmp_path, save_every=2, verbose=0, callbacks=[first])
    assert first.iterations >= 4 + 4  # optimizer state restored: epoch 0 (4 steps) + steps of epoch 1
    assert [int(r["epoch"]) for r in read_history(tmp_path / "history.csv")] == [0, 1, 2]


def test_checkpoints_load_with_plain_keras_after_import_nfzoo(finished_run):
    """best.keras and final.keras hold their compiled optimizer (DebiasedEMAAdam) and schedule (LinearWarmup):
    a fresh process that imports nfzoo alone loads them with `keras.models.load_model`."""
    _, run = finished_run
    script = ("import sys, keras, nfzoo\n"
              "for path in sys.argv[1:]:\n"
              "    optimizer = keras.models.load_model(path).optimizer\n"
              "    print(type(optimizer).__name__, optimizer.get_config()['learning_rate']['class_name'])")
    result = subprocess.run([sys.executable, "-c", script, str(run / "best.keras"), str(run / "final.keras")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["DebiasedEMAAdam", "LinearWarmup"] * 2, result.stdout


def test_nan_guard_stops_with_a_clear_message(tmp_path):
    guard = NaNGuard(last_good=tmp_path / "backup")
    guard.on_batch_end(0, {"loss": 1.0})
    with pytest.raises(FloatingPointError, match="last good state is kept"):
        guard.on_batch_end(1, {"loss": float("nan")})


MIRRORED_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, tensorflow as tf, keras
    sys.path.insert(0, {tests!r})
    from nfzoo.training.distribute import get_strategy
    from nfzoo.config import build
    from fixtures import tiny_glow_config
    mirrored = get_strategy("mirrored", logical_cpus=2)
    assert mirrored.num_replicas_in_sync == 2
    config = tiny_glow_config("unused")
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (32, 16, 16, 3)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(x).batch(32)
    results = {{}}
    for name, strategy in (("single", tf.distribute.get_strategy()), ("mirrored", mirrored)):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = build(config)
            model.compile(optimizer=keras.optimizers.SGD(0.01))
        model.initialize(x)
        before = model.evaluate(ds, verbose=0, return_dict=True)["bits_per_dim"]
        model.fit(ds, epochs=1, verbose=0)
        after = model.evaluate(ds, verbose=0, return_dict=True)["bits_per_dim"]
        results[name] = (before, after, np.concatenate([w.numpy().ravel() for w in model.trainable_weights]))
    (b1, a1, w1), (b2, a2, w2) = results["single"], results["mirrored"]
    assert abs(b1 - b2) < 1e-4, (b1, b2)
    assert np.allclose(w1, w2, atol=1e-5), np.abs(w1 - w2).max()
    assert abs(a1 - a2) < 1e-3, (a1, a2)
    print("OK", b1, b2, a1, a2)
""")


def test_mirrored_strategy_matches_single_device(tmp_path):
    """Same data, same initial weights: the 2-replica evaluation and one SGD step equal single-device."""
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED_SCRIPT.format(tests=os.path.dirname(__file__)))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr[-3000:]


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multiworker_training_with_two_local_workers(data_dir, tmp_path):
    """`nfzoo train --strategy multiworker` with TF_CONFIG: two worker processes on 127.0.0.1 train together;
    the chief (worker 0) writes the run, the other worker writes to its own sub-folder."""
    import yaml

    config = tiny_glow_config(data_dir, epochs=1)
    config_path = tmp_path / "tiny.yaml"
    config_path.write_text(yaml.safe_dump(config))
    workers = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    processes = []
    for index in range(2):
        env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                                     "task": {"type": "worker", "index": index}}))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "nfzoo.cli", "train", str(config_path), "--strategy", "multiworker",
             "--out", str(tmp_path / "run")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [p.communicate(timeout=600)[0] for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert [p.returncode for p in processes] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    assert (tmp_path / "run" / "final.keras").is_file()
    assert (tmp_path / "run" / "worker_1").is_dir()
    assert len(read_history(tmp_path / "run" / "history.csv")) == 1


def test_init_from_starts_a_new_run_from_saved_weights(data_dir, tmp_path):
    config = tiny_glow_config(data_dir, epochs=1)
    train(config, out_dir=tmp_path / "first", verbose=0)
    first = keras.models.load_model(tmp_path / "first" / "final.keras")

    class WeightsAtStart(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = self.model.get_weights()

    probe = WeightsAtStart()
    train(config, out_dir=tmp_path / "second", verbose=0, callbacks=[probe], init_from=tmp_path / "first" / "final.keras")
    for a, b in zip(probe.weights, first.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_ema_weights_are_validated_checkpointed_and_shipped(data_dir, tmp_path):
    """With ema_momentum = 1 the average stays at the weights after the first step (Keras starts it there):
    validation scores the average, so held-out bits/dim is the same every epoch while training moves on, and
    best.keras/final.keras hold the average, not the last training weights. (Held-out dequantisation noise is
    redrawn every epoch: +-0.002 bits/dim on this tiny set.)"""
    config = tiny_glow_config(data_dir, epochs=3)
    config["training"]["ema_momentum"] = 1.0
    history = train(config, out_dir=tmp_path, save_every=1, verbose=0).history
    val, fitted = history["val_bits_per_dim"], history["bits_per_dim"]
    assert max(val) - min(val) < 0.005, val
    assert fitted[0] - fitted[-1] > 0.1, fitted
    for name in ("best.keras", "final.keras"):
        assert evaluate(tmp_path / name, config)["all"] == pytest.approx(val[-1], abs=0.005), name


def test_a_run_keeps_one_training_iterator_across_epochs():
    import tensorflow as tf

    finite = tf.data.Dataset.range(10).batch(3, drop_remainder=True)
    repeated, steps = one_iterator_per_run(finite)
    assert steps == 3 and repeated.cardinality() == tf.data.INFINITE_CARDINALITY
    assert list(repeated.take(7).map(lambda b: b[0]).as_numpy_iterator()) == [0, 3, 6, 0, 3, 6, 0]
    unknown = finite.filter(lambda b: True)
    assert one_iterator_per_run(unknown) == (unknown, None)


def test_debiased_ema_is_the_normalised_average_of_the_trajectory():
    from nfzoo.training.ema import DebiasedEMAAdam

    momentum = 0.9
    weight = keras.Variable(np.array([1.0, -2.0], np.float32))
    optimizer = DebiasedEMAAdam(0.1, use_ema=True, ema_momentum=momentum)
    trajectory = []
    for step in range(30):
        optimizer.apply_gradients([(np.array([1.0, -0.5], np.float32) * (step % 3 - 1), weight)])
        trajectory.append(weight.numpy())
    powers = momentum ** np.arange(len(trajectory))[::-1, None]
    expected = (powers * np.array(trajectory)).sum(0) / powers.sum()
    np.testing.assert_allclose(optimizer._model_variables_moving_average[0].numpy(), expected, rtol=1e-5)
    keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))  # saved runs and backups reload it
