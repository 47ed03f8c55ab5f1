"""Small generated data and runs for tests: a CelebA-format npz subset of smooth 16x16 'faces', a tiny Glow config,
a zoo root with it trained and published, and a callback that stops `fit` mid-epoch as a kill would."""
import csv

import keras
import numpy as np
import pytest
import yaml

from nfzoo.data.celeba import CELEBA_ATTRIBUTES


def write_fake_celeba_npz(folder, n=96, size=16, identities=8, seed=0):
    """Writes images.npz, attributes.csv and identity_split.csv like ../shared/data/celeba_subset.
    Images are smooth colour gradients plus a bright blob whose size follows the 'Smiling' attribute, so a
    flow has structure to learn and an attribute has a visible direction."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1)
    attributes = rng.choice([-1, 1], size=(n, len(CELEBA_ATTRIBUTES))).astype(np.int8)
    smiling = CELEBA_ATTRIBUTES.index("Smiling")
    images = np.empty((n, size, size, 3), np.uint8)
    for i in range(n):
        colour = rng.uniform(0.2, 0.8, 3)
        radius = 0.35 if attributes[i, smiling] > 0 else 0.15
        blob = ((rows - 0.5) ** 2 + (cols - 0.5) ** 2 < radius**2).astype(float)
        image = colour * (0.5 + 0.5 * rows[..., None]) + 0.3 * blob[..., None] + rng.normal(0, 0.03, (size, size, 3))
        images[i] = np.clip(image * 255, 0, 255).astype(np.uint8)
    filenames = np.array([f"{i:06d}.jpg" for i in range(n)])
    np.savez_compressed(folder / "images.npz", images=images, filenames=filenames)
    with open(folder / "attributes.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", *CELEBA_ATTRIBUTES])
        writer.writerows([[name, *row] for name, row in zip(filenames, attributes.tolist())])
    with open(folder / "identity_split.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["filename", "celeba_identity", "source_folder", "source_split"])
        writer.writerows([[name, i % identities, "x", "train_dataset"] for i, name in enumerate(filenames)])
    return folder


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
