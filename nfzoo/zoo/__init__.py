"""The pretrained zoo: `load` (a zoo name or a path), `load_flow`, `find_model`, `list_models`, `ZooModel`,
`compute_directions`."""
from nfzoo.zoo.directions import compute_directions
from nfzoo.zoo.load import ModelNotFound, find_model, load, load_flow
from nfzoo.zoo.registry import list_models
from nfzoo.zoo.zoo_model import ZooModel

__all__ = ["ModelNotFound", "ZooModel", "compute_directions", "find_model", "list_models", "load", "load_flow"]
