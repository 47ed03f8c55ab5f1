"""An export with ``jit_compile=True`` (the flow's work XLA-compiled inside the signatures) answers as the plain
export does, still refuses bad requests with one line, and really holds XLA-compiled functions."""
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.saved_model import loader_impl

from flow_checks import perturb_weights
from nfzoo.data.images import to_model_space
from nfzoo.models.glow import glow
from nfzoo.models.signatures import save_signatures

SHAPE, N_BITS = (8, 8, 3), 5


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """{jit_compile: SavedModel folder} of one tiny Glow with random weights and a variational dequantizer."""
    flow = glow(SHAPE, levels=2, steps=1, hidden=8, n_bits=N_BITS, dequantization="variational")
    flow.initialize(to_model_space(images(32, seed=1), N_BITS))
    perturb_weights(flow, scale=0.05)
    base = tmp_path_factory.mktemp("jit")
    return {jit: str(save_signatures(flow, base / str(jit), jit_compile=jit)) for jit in (False, True)}


def images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, *SHAPE)).astype(np.uint8)


def test_jit_compiled_export_gives_the_same_answers(exports):
    plain, jit = (tf.saved_model.load(exports[jit]).signatures for jit in (False, True))
    x = tf.constant(images(5))
    z = jit["encode"](images=x)["z"]
    np.testing.assert_allclose(z, plain["encode"](images=x)["z"], rtol=1e-4, atol=1e-4)
    decoded = plain["decode"](z=z)["images"]  # the images at their n_bits bin centres
    np.testing.assert_array_equal(jit["decode"](z=z)["images"], decoded)
    np.testing.assert_array_equal(jit["decode"](z=jit["encode"](images=decoded)["z"])["images"], decoded)
    np.testing.assert_allclose(jit["log_prob"](images=x)["log_prob"], plain["log_prob"](images=x)["log_prob"],
                               rtol=1e-4)
    request = {"n": tf.constant(3), "temperature": tf.constant(0.7), "seed": tf.constant(4, tf.int64)}
    sampled, expected = jit["sample"](**request)["images"].numpy(), plain["sample"](**request)["images"].numpy()
    assert np.mean(sampled != expected) < 0.01  # a rare one-bin flip where float rounding meets a bin edge


def test_jit_compiled_export_still_refuses_bad_requests(exports):
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"encode expects images uint8 \[N, 8, 8, 3\]"):
        tf.saved_model.load(exports[True]).signatures["encode"](images=tf.constant(images(1)[0]))


def test_only_the_jit_export_holds_xla_compiled_functions(exports):
    def compiled_functions(path):
        library = loader_impl.parse_saved_model(path).meta_graphs[0].graph_def.library
        return [f.signature.name for f in library.function if f.attr["_XlaMustCompile"].b]

    assert not compiled_functions(exports[False])
    assert compiled_functions(exports[True])
