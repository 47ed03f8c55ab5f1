"""A zoo entry keeps one copy of its weights: a flow rebuilt from its architecture reads them from the SavedModel."""
import numpy as np
import pytest

from flow_checks import perturb_weights
from nfzoo.models.glow import glow
from nfzoo.serving import export_serving
from nfzoo.serving.weights import restore_flow_weights

SHAPE = (8, 8, 3)


def _glow(seed):
    flow = glow(SHAPE, levels=2, steps=1, hidden=8, n_bits=5, dequantization="variational", seed=seed)
    flow.initialize(np.random.default_rng(seed).uniform(-0.5, 0.5, (4, *SHAPE)).astype("float32"))
    perturb_weights(flow, scale=0.1, seed=seed)
    return flow


def test_a_rebuilt_flow_reads_the_exported_weights_and_computes_the_same_map(tmp_path):
    flow = _glow(0)
    version = export_serving(flow, tmp_path / "serving")
    rebuilt = _glow(1)  # same architecture, other weights
    x = np.random.default_rng(2).uniform(-0.5, 0.5, (3, *SHAPE)).astype("float32")
    assert not np.allclose(rebuilt.log_prob(x), flow.log_prob(x))
    restore_flow_weights(rebuilt, version)
    for mine, theirs in zip(rebuilt.weights, flow.weights):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_array_equal(rebuilt.log_prob(x), flow.log_prob(x))
    np.testing.assert_array_equal(rebuilt.decode(rebuilt.encode(x)), flow.decode(flow.encode(x)))


def test_another_architecture_or_a_missing_checkpoint_is_one_clear_error(tmp_path):
    version = export_serving(_glow(0), tmp_path / "serving")
    wider = glow(SHAPE, levels=2, steps=1, hidden=16, n_bits=5, dequantization="variational")
    wider.initialize(np.zeros((2, *SHAPE), "float32"))
    with pytest.raises(ValueError, match="does not fit this architecture: weight"):
        restore_flow_weights(wider, version)
    with pytest.raises(ValueError, match="no readable SavedModel variables"):
        restore_flow_weights(wider, tmp_path / "nowhere")
