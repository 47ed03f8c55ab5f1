"""`nfzoo.load(name)`: a shipped zoo model, offline, from ``saved_models/<name>/``."""
import json

import keras
import numpy as np

import nfzoo.bijectors  # noqa: F401  (registers the layers for deserialisation)
from nfzoo.zoo.registry import REQUIRED_FILES, available, config_path, model_dir
from nfzoo.zoo.zoo_model import ZooModel


def load(name):
    """Loads zoo model ``name`` -> `ZooModel`. Unknown names raise KeyError listing the zoo; a missing or
    corrupt file raises an error naming it and how to rebuild the entry."""
    if name not in available():
        raise KeyError(f"unknown zoo model {name!r}; available: {', '.join(available()) or '(none shipped)'}")
    folder = model_dir(name)
    rebuild = (f"rebuild it with `nfzoo train {config_path(name).relative_to(folder.parents[1])}` and "
               f"`nfzoo publish {name}`")
    for required in REQUIRED_FILES:
        if not (folder / required).is_file():
            raise FileNotFoundError(f"{folder / required} is missing: {rebuild}")
    try:
        flow = keras.models.load_model(folder / "model.keras")
    except Exception as error:  # a truncated/corrupt zip or a weights mismatch
        raise OSError(f"{folder / 'model.keras'} is corrupt or incompatible ({error}): {rebuild}") from None
    directions = None
    if (folder / "directions.npz").is_file():
        try:
            with np.load(folder / "directions.npz") as npz:
                directions = {key: npz[key] for key in npz.files}
        except Exception as error:
            raise OSError(f"{folder / 'directions.npz'} is corrupt ({error}): {rebuild}") from None
    try:
        card = json.loads((folder / "card.json").read_text())
    except json.JSONDecodeError as error:
        raise OSError(f"{folder / 'card.json'} is not valid JSON ({error}): {rebuild}") from None
    example = folder / "example.png"
    return ZooModel(flow, name, directions=directions, card=card, example_path=example if example.is_file() else None)
