"""Learning-rate schedules of `nfzoo train`."""
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.training.schedules import LinearWarmup
from nfzoo.training.trainer import learning_rate_schedule


def batches(n):
    return tf.data.Dataset.from_tensor_slices(np.zeros((n * 4, 2), "float32")).batch(4, drop_remainder=True)


def test_linear_warmup_then_constant():
    schedule = learning_rate_schedule({"learning_rate": 1e-3, "warmup_steps": 10}, epochs=3, train_ds=batches(5))
    assert isinstance(schedule, LinearWarmup)
    np.testing.assert_allclose([float(schedule(s)) for s in (0, 9, 100)], [1e-4, 1e-3, 1e-3], rtol=1e-6)


def test_cosine_decay_after_warmup_ends_at_zero():
    training = {"learning_rate": 1e-3, "warmup_steps": 10, "lr_decay": "cosine"}
    schedule = learning_rate_schedule(training, epochs=4, train_ds=batches(10))  # 40 steps in all
    rates = np.array([float(schedule(s)) for s in range(41)])
    assert rates[0] < 1e-4 and np.isclose(rates[10], 1e-3)
    assert np.all(np.diff(rates[:11]) > 0) and np.all(np.diff(rates[10:]) < 0)
    assert np.isclose(rates[25], 0.5e-3, rtol=1e-3) and rates[40] < 1e-9


def test_unknown_decay_and_unknown_length_are_rejected():
    with pytest.raises(ValueError, match="lr_decay must be"):
        learning_rate_schedule({"lr_decay": "step"}, epochs=1, train_ds=batches(2))
    endless = batches(2).repeat()
    with pytest.raises(ValueError, match="known length"):
        learning_rate_schedule({"lr_decay": "cosine"}, epochs=1, train_ds=endless)
