"""Names that moved keep their old import path for one release: reading one warns with a DeprecationWarning naming
the new path and gives the same object; a name the old module never had still fails."""
import importlib

import numpy as np
import pytest

from nfzoo.bijectors import batching, views
from nfzoo.data import images
from nfzoo.models import flow_model_bijector, iaf
from nfzoo.models.signatures import flow_signatures
from nfzoo.variational import energies, free_energy, vae

MOVED = [
    ("nfzoo.data.preprocess", "quantize", images),
    ("nfzoo.zoo.images", "to_model_space", images),
    ("nfzoo.serving.flow_signatures", "FlowSignatures", flow_signatures),
    ("nfzoo.vi", "LinearBeta", free_energy),
    ("nfzoo.models.vae", "VAE", vae),
    ("nfzoo.models.maf", "iaf", iaf),
    ("nfzoo.data", "energy_u1", energies),
    ("nfzoo.bijectors.base", "LayerBijector", views),
    ("nfzoo.bijectors.base", "flatten_batch", batching),
    ("nfzoo.models.flow_model", "FlowModelBijector", flow_model_bijector),
]


@pytest.mark.parametrize("old, name, new", MOVED, ids=[f"{old}.{name}" for old, name, _ in MOVED])
def test_an_old_import_warns_and_gives_the_moved_object(old, name, new):
    with pytest.warns(DeprecationWarning, match=f"{old}.{name} moved to {new.__name__}.{name}"):
        found = getattr(importlib.import_module(old), name)
    assert found is getattr(new, name)


def test_an_unknown_name_still_fails():
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        importlib.import_module("nfzoo.vi").nothing


def test_flow_model_export_serving_warns_and_writes_the_version_folder(tmp_path):
    from nfzoo.models.nice import nice

    flow = nice((2,), couplings=2, hidden=4, num_hidden=1, n_bits=None)
    with pytest.warns(DeprecationWarning, match="export_serving is deprecated"):
        version = flow.export_serving(tmp_path, version=2)
    assert version == tmp_path / "2" and (version / "saved_model.pb").is_file()
    assert np.isfinite(flow.log_prob(np.zeros((1, 2), np.float32)).numpy()).all()
