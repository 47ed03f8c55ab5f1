"""A class-conditional zoo entry end to end, on scikit-learn's digits: `nfzoo train` feeds one-hot labels,
`nfzoo publish` writes the class-conditional card figures, `nfzoo sample --label` draws a class (a bad label: one
line, exit 2), and the shipped SavedModel serves labels."""
import json

import numpy as np
import pytest
import tensorflow as tf
import yaml

from nfzoo.cli import main
from nfzoo.data.sources import load_splits
from nfzoo.models.conditional_eval import bits_per_dim_per_label, class_conditional_scores
from nfzoo.models.held_out import bits_per_dim_per_image
from nfzoo.training.trainer import datasets, train
from nfzoo.zoo.publish import publish

CONFIG = {
    "name": "tiny_digits_cond",
    "description": "test",
    "model": {"family": "glow", "image_shape": [8, 8, 1], "levels": 2, "steps": 1, "hidden": 8, "n_bits": 5,
              "num_classes": 10},
    "data": {"source": "digits", "val_fraction": 0.1, "seed": 0, "max_train_images": 256},
    "training": {"batch_size": 64, "epochs": 2, "learning_rate": 2e-3, "warmup_steps": 5},
}


@pytest.fixture(scope="module")
def zoo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("zoo")
    (home / "zoo_configs").mkdir()
    (home / "zoo_configs" / "tiny_digits_cond.yaml").write_text(yaml.safe_dump(CONFIG))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NFZOO_HOME", str(home))
        mp.chdir(home)  # publish reads the run folder train wrote, runs/<name>
        train(home / "zoo_configs" / "tiny_digits_cond.yaml", out_dir=home / "runs" / "tiny_digits_cond", verbose=0)
        publish("tiny_digits_cond")
    return home


def test_train_feeds_one_hot_labels():
    train_ds, val_ds = datasets(CONFIG)
    x, context = next(iter(train_ds))
    assert x.shape == (64, 8, 8, 1) and context.shape == (64, 10)
    np.testing.assert_array_equal(tf.reduce_sum(context, axis=1), np.ones(64))
    splits = load_splits(CONFIG["data"])
    _, val_context = next(iter(val_ds))
    np.testing.assert_array_equal(np.argmax(val_context, axis=1), splits.val_labels[:len(val_context)])


def test_the_card_reports_bits_per_dim_given_the_label_and_the_accuracy(zoo):
    card = json.loads((zoo / "saved_models" / "tiny_digits_cond" / "card.json").read_text())
    facts = card["class_conditional"]
    assert facts["classes"] == 10 and facts["images"] == card["held_out_images"]
    assert 0.0 <= facts["held_out_accuracy"] <= 1.0
    text = (zoo / "saved_models" / "tiny_digits_cond" / "README.md").read_text()
    assert f"{facts['held_out_bits_per_dim_given_label']} bits/dim given the true label" in text
    assert "nfzoo sample tiny_digits_cond --label 3" in text


def test_class_conditional_scores_are_the_label_columns_and_their_argmin(zoo):
    """The figures are the one held-out measurement per label: bits[i, y_i] averaged, argmin_y as the guess; the
    mixture's bits/dim (the card's headline) lies below the mean given-label figure plus log2(K) / D."""
    from nfzoo import load

    flow = load("tiny_digits_cond").flow
    splits = load_splits(CONFIG["data"])
    images, labels = splits.val_images[:20], splits.val_labels[:20]
    bits = bits_per_dim_per_label(flow, images)
    np.testing.assert_allclose(bits[:, 4], bits_per_dim_per_image(lambda x: flow.log_likelihood(x, 4), images, 5))
    scores = class_conditional_scores(flow, images, labels)
    assert scores["bits_per_dim"] == round(float(bits[np.arange(20), labels].mean()), 4)
    assert scores["accuracy"] == round(float(np.mean(bits.argmin(1) == labels)), 4)
    mixture = bits_per_dim_per_image(flow.log_likelihood, images, 5)
    np.testing.assert_allclose(mixture, -np.log2(np.mean(2.0 ** (-64 * bits), axis=1)) / 64, rtol=1e-5)
    with pytest.raises(ValueError, match="one integer label per image"):
        class_conditional_scores(flow, images, labels[:5])


def test_sample_draws_a_label_and_refuses_a_bad_one(zoo, tmp_path, capsys):
    assert main(["sample", "tiny_digits_cond", "-n", "4", "--label", "3", "--raw", "-o",
                 str(tmp_path / "threes.png")]) == 0
    assert (tmp_path / "threes.png").is_file()
    assert main(["sample", "tiny_digits_cond", "-n", "4", "--label", "10", "-o", str(tmp_path / "bad.png")]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == ["nfzoo: error: the label must be a class of tiny_digits_cond: an integer in 0..9, got 10"]
    assert main(["sample", "tiny_digits_cond", "-n", "4", "--label", "3", "-t", "1e38", "-o",
                 str(tmp_path / "overflow.png")]) == 2  # an overflowed draw is refused, as without a label
    error = capsys.readouterr().err.strip().splitlines()
    assert error == ["nfzoo: error: the flow overflowed decoding 4 of 4 samples at temperature 1e+38: draw at a lower "
                     "temperature (0.7 by default) or with another seed"]


def test_the_shipped_saved_model_serves_labels(zoo):
    from nfzoo import load

    serving = sorted((zoo / "saved_models" / "tiny_digits_cond" / "serving").iterdir())[-1]
    signatures = tf.saved_model.load(str(serving)).signatures
    out = signatures["sample"](n=tf.constant(2), temperature=tf.constant(0.7), seed=tf.constant(0, tf.int64),
                               label=tf.constant(3))
    np.testing.assert_array_equal(out["images"], load("tiny_digits_cond").sample(2, 0.7, seed=0, label=3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label an integer in 0\.\.9"):
        signatures["log_prob"](images=tf.zeros((1, 8, 8, 1), tf.uint8), label=tf.constant([12]))
