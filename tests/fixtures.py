"""Small runs for tests: a tiny Glow config for generated faces (`nfzoo.data.fake_celeba`), a zoo root with it
trained and published, and a callback that stops `fit` mid-epoch as a kill would."""
import keras
import pytest
import yaml


def tiny_glow_config(data_dir, epochs=3, **model):
    return {
        "name": "tiny_glow",
        "description": "test",
        "model": {"family": "glow", "image_shape": [16, 16, 3], "levels": 2, "steps": 2, "hidden": 16,
                  "n_bits": 5, **model},
        "data": {"source": "celeba_npz", "path": str(data_dir), "val_fraction": 0.25, "seed": 0},
        "training": {"batch_size": 16, "epochs": epochs, "learning_rate": 2e-3, "warmup_steps": 5,
                     "augment_flip": True},
    }


def published_tiny_zoo(home, data_dir, epochs, **model):
    """Makes ``home`` a zoo root (NFZOO_HOME) whose one entry, tiny_glow, is trained for ``epochs`` on ``data_dir``
    (`tiny_glow_config` with ``model`` options) and published; returns ``home``."""
    from nfzoo.training.trainer import train
    from nfzoo.zoo.publish import publish

    (home / "zoo_configs").mkdir()
    (home / "zoo_configs" / "tiny_glow.yaml").write_text(yaml.safe_dump(tiny_glow_config(data_dir, epochs, **model)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NFZOO_HOME", str(home))
        mp.chdir(home)  # publish reads the run folder train wrote, runs/tiny_glow
        train(home / "zoo_configs" / "tiny_glow.yaml", out_dir=home / "runs" / "tiny_glow", verbose=0)
        publish("tiny_glow")
    return home


class StopAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of batch ``batch`` of epoch ``epoch`` (a kill, as far as fit can tell),
    keeping the model's weights at that moment in ``self.weights``."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            self.weights = [w.numpy() for w in self.model.weights]
            raise KeyboardInterrupt("simulated kill")
