"""Keras conventions on the model itself: `FlowModel.export(path)` writes the SavedModel of `nfzoo export` (the same
named signatures and answers) for a freshly built, a trained and a loaded model, and `summary()` lists the flow."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from flow_checks import perturb_weights
from nfzoo.data.images import quantize, to_model_space, to_uint8
from nfzoo.models.glow import glow
from nfzoo.models.nice import nice
from nfzoo.serving import export_serving
from nfzoo.zoo import load_flow

SHAPE, N_BITS = (4, 4, 1), 4
SIGNATURES = ["decode", "encode", "log_prob", "sample", "serving_default"]
IMAGES = np.random.default_rng(0).integers(0, 256, (6, *SHAPE)).astype(np.uint8)


@pytest.fixture(scope="module")
def flows(tmp_path_factory):
    """{"fresh": a NICE as built (no data-initialised layers), "trained": a Glow after one fit step,
    "loaded": that Glow saved and loaded back}, each with random weights."""
    fresh = nice(SHAPE, couplings=2, hidden=8, num_hidden=1, n_bits=N_BITS)
    perturb_weights(fresh, scale=0.1)
    trained = glow(SHAPE, levels=1, steps=1, hidden=8, n_bits=N_BITS)
    trained.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = quantize(IMAGES, N_BITS) + np.random.default_rng(1).uniform(0, 2.0**-N_BITS, IMAGES.shape).astype(np.float32)
    trained.fit(x, epochs=1, batch_size=6, verbose=0)
    perturb_weights(trained, scale=0.05)
    path = tmp_path_factory.mktemp("keras") / "trained.keras"
    trained.save(path)
    return {"fresh": fresh, "trained": trained, "loaded": load_flow(path)}


@pytest.mark.parametrize("kind", ["fresh", "trained", "loaded"])
def test_export_writes_the_signatures_and_answers_of_nfzoo_export(flows, kind, tmp_path):
    flow = flows[kind]
    mine = tf.saved_model.load(str(flow.export(tmp_path / "export")))
    theirs = tf.saved_model.load(str(export_serving(flow, tmp_path / "serving", version=1)))
    assert sorted(mine.signatures) == sorted(theirs.signatures) == SIGNATURES
    log_prob = mine.signatures["log_prob"](images=IMAGES)["log_prob"].numpy()
    np.testing.assert_allclose(log_prob, flow.log_likelihood(to_model_space(IMAGES, N_BITS)), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(log_prob, theirs.signatures["log_prob"](images=IMAGES)["log_prob"])
    z = mine.signatures["encode"](images=IMAGES)["z"]
    np.testing.assert_allclose(z, flow.encode(to_model_space(IMAGES, N_BITS)), atol=1e-5)
    np.testing.assert_array_equal(mine.signatures["decode"](z=z)["images"], theirs.signatures["decode"](z=z)["images"])


def test_export_with_attribute_directions_adds_manipulate_and_refuses_other_formats(flows, tmp_path):
    flow = flows["loaded"]
    directions = {"names": np.array(["a", "b"]), "directions": np.random.default_rng(2).normal(size=(2, 16))}
    exported = tf.saved_model.load(str(flow.export(tmp_path / "export", directions=directions)))
    assert sorted(exported.signatures) == sorted(SIGNATURES + ["manipulate", "manipulate_by_name"])
    edited = exported.signatures["manipulate_by_name"](images=IMAGES, attribute=tf.constant("b"), alpha=0.5)
    z = flow.encode(to_model_space(IMAGES, N_BITS)) + 0.5 * directions["directions"][1].astype(np.float32)
    expected = to_uint8(flow.decode(z), N_BITS).numpy().astype(int)
    assert np.mean(edited["images"].numpy() != expected) < 0.05  # rare one-bin flips: graph vs eager rounding
    assert np.abs(edited["images"].numpy() - expected).max() <= 2 ** (8 - N_BITS)
    with pytest.raises(ValueError, match="writes format 'tf_saved_model'"):
        flow.export(tmp_path / "onnx", format="onnx")


@pytest.mark.parametrize("kind", ["fresh", "loaded"])
def test_summary_lists_every_flow_layer_and_the_parameter_count(flows, kind):
    flow, lines = flows[kind], []
    flow.summary(print_fn=lambda line, **_: lines.append(line))
    text = "\n".join(lines)
    for layer in flow.flow_layers:
        assert layer.name in text
    assert f"Total params: {flow.count_params():,}" in text
