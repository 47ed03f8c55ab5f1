"""The pretrained zoo: `load` (a zoo name or a path), `load_flow`, `find_model`, `list_models`, `ZooModel`,
`compute_directions`, `DecodeOverflowError`. Imported on first use (`nfzoo.lazy`): `nfzoo list` reads the records
without TensorFlow."""
from nfzoo.lazy import lazy_exports

EXPORTS = {"compute_directions": "nfzoo.zoo.directions", "ModelNotFound": "nfzoo.zoo.loading",
           "find_model": "nfzoo.zoo.loading", "load": "nfzoo.zoo.loading", "load_flow": "nfzoo.zoo.loading",
           "list_models": "nfzoo.zoo.records", "ZooModel": "nfzoo.zoo.zoo_model",
           "DecodeOverflowError": "nfzoo.zoo.zoo_model"}
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
__all__ = sorted(EXPORTS)
