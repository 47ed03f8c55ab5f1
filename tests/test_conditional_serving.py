"""Exported conditional flows: the SavedModel's signatures take the label (or context rows), agree with the
flow, and refuse a bad label or context with one clear line; `nfzoo sample --label`."""
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.coupling import Coupling
from nfzoo.data.images import to_model_space, to_uint8
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.glow import glow
from nfzoo.models.signatures import save_signatures
from nfzoo.testing import perturb_weights
from nfzoo.zoo.zoo_model import ZooModel

K = 3


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny class-conditional image Glow (randomised weights) and its loaded SavedModel."""
    flow = glow((4, 4, 1), levels=2, steps=1, hidden=4, n_bits=5, num_classes=K, name="tiny_cond")
    flow.initialize(np.random.default_rng(0).uniform(-0.5, 0.5, (8, 4, 4, 1)).astype("float32"), np.arange(8) % K)
    perturb_weights(flow, scale=0.2)
    path = save_signatures(flow, tmp_path_factory.mktemp("serving") / "1")
    return flow, tf.saved_model.load(str(path)).signatures


def uint8_images(n, seed=1):
    return np.random.default_rng(seed).integers(0, 256, (n, 4, 4, 1)).astype("uint8")


def test_sample_takes_the_label(exported):
    flow, signatures = exported
    out = signatures["sample"](n=tf.constant(4), temperature=tf.constant(0.7), seed=tf.constant(0, tf.int64),
                               label=tf.constant(2))
    expected = to_uint8(flow.sample(4, temperature=0.7, seed=0, context=2), 5)
    np.testing.assert_array_equal(out["images"], expected)


def test_log_prob_encode_decode_take_a_label_per_image(exported):
    flow, signatures = exported
    images, labels = uint8_images(3), tf.constant([0, 2, 1])
    out = signatures["log_prob"](images=tf.constant(images), label=labels)
    x = to_model_space(images, 5)
    np.testing.assert_allclose(out["log_prob"], flow.log_likelihood(x, labels), rtol=1e-5)
    other = signatures["log_prob"](images=tf.constant(images), label=tf.constant([1]))["log_prob"]
    assert np.abs(other.numpy() - out["log_prob"].numpy()).max() > 1e-3, "the served density ignores the label"
    z = signatures["encode"](images=tf.constant(images), label=labels)["z"]
    back = signatures["decode"](z=z, label=labels)["images"]
    np.testing.assert_array_equal(back, to_uint8(x, 5))


@pytest.mark.parametrize("label", [[K], [-1], [0, 1]])
def test_a_bad_label_is_one_clear_error(exported, label):
    _, signatures = exported
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label (an integer in 0\.\.2|must be one value)"):
        signatures["log_prob"](images=tf.constant(uint8_images(3)), label=tf.constant(label))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label (an integer in 0\.\.2|must be one value)"):
        signatures["sample"](n=tf.constant(3), temperature=tf.constant(1.0), seed=tf.constant(0, tf.int64),
                             label=tf.constant(label))


def test_a_vector_context_flow_serves_context_rows(tmp_path):
    flow = FlowModel([Coupling(hidden=4, context_size=2), Coupling(hidden=4, parity=1, context_size=2)],
                     event_shape=(4,), context_size=2)
    perturb_weights(flow)
    signatures = tf.saved_model.load(str(save_signatures(flow, tmp_path / "1"))).signatures
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    c = np.array([[1.0, -1.0], [0.5, 0.0], [-1.0, 1.0]], "float32")
    np.testing.assert_allclose(signatures["log_prob"](x=tf.constant(x), context=tf.constant(c))["log_prob"],
                               flow.log_prob(x, c), rtol=1e-5)
    one_row = signatures["log_prob"](x=tf.constant(x), context=tf.constant(c[0]))["log_prob"]
    np.testing.assert_allclose(one_row, flow.log_prob(x, c[0]), rtol=1e-5)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"context float32 \[2\] .* or \[N, 2\]"):
        signatures["log_prob"](x=tf.constant(x), context=tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="context must be finite"):
        signatures["log_prob"](x=tf.constant(x), context=tf.constant([np.nan, 0.0]))


def test_zoo_model_samples_the_label_and_checks_it(exported):
    flow, _ = exported
    model = ZooModel(flow, "tiny_cond")
    np.testing.assert_array_equal(model.sample(2, 0.7, seed=3, label=1),
                                  to_uint8(flow.sample(2, temperature=0.7, seed=3, context=1), 5))
    assert model.sample(4, seed=0).shape == (4, 4, 4, 1)  # no label: the classes in turn
    with pytest.raises(ValueError, match=r"an integer in 0\.\.2, got 3"):
        model.sample(1, label=3)
    unconditional = glow((4, 4, 1), levels=1, steps=1, hidden=4, n_bits=5)
    unconditional.initialize(np.zeros((2, 4, 4, 1), "float32") + np.linspace(-0.4, 0.4, 16).reshape(1, 4, 4, 1))
    with pytest.raises(ValueError, match="not class-conditional"):
        ZooModel(unconditional, "plain").sample(1, label=0)
