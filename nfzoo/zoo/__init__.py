"""The pretrained zoo: `load`, `list_models`, `ZooModel`, `compute_directions`."""
from nfzoo.zoo.directions import compute_directions
from nfzoo.zoo.load import load
from nfzoo.zoo.registry import list_models
from nfzoo.zoo.zoo_model import ZooModel

__all__ = ["ZooModel", "compute_directions", "list_models", "load"]
