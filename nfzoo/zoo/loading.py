"""`nfzoo.load(model)`: a trained image flow as a `ZooModel`, offline, where ``model`` is any of

    a zoo name          glow_celeba                 saved_models/glow_celeba/ (`nfzoo.zoo.registry`)
    a .keras file       runs/glow_celeba/best.keras
    a run folder        runs/glow_celeba            its best.keras, else final.keras (both written by nfzoo train)
    a zoo-style folder  saved_models/glow_celeba    architecture.json + serving/<version>/ (the weights, read from
                                                    the SavedModel), or model.keras; + card.json, directions.npz, ...

`find_model` resolves ``model`` to its files, once for every command that takes a model (a wrong one raises
`ModelNotFound` naming what was tried); `load_flow` gives the bare `FlowModel` (also for flows on vectors,
which have no image API). A model from a .keras file or a run folder has no card and no attribute directions.
"""
from pathlib import Path
from typing import NamedTuple, Optional

import keras
import numpy as np

from nfzoo.models.flow_model import FlowModel
from nfzoo.models.image_vae import ImageVAE
from nfzoo.models.keras_file import load_keras_model
from nfzoo.serving.weights import restore_flow_weights
from nfzoo.zoo.records import ZooRecord, entry_files, read_card, read_record
from nfzoo.zoo.registry import ARCHITECTURE, REQUIRED_FILES, available, config_path, model_dir, serving_version
from nfzoo.zoo.zoo_model import ZooModel

RUN_FILES = ("best.keras", "final.keras")  # what a run folder offers, in order of preference


class ModelNotFound(KeyError):
    """No zoo model, .keras file or model folder goes by the name given (a KeyError, as for any unknown name)."""

    def __str__(self):
        return str(self.args[0])


class ModelFiles(NamedTuple):
    """Where a model's files are: its weights (``keras_file``, or ``architecture`` + the SavedModel ``serving_dir``
    of a zoo-style folder) and, for a zoo entry or zoo-style folder, the ``folder`` with its card, directions and
    example; ``rebuild`` says how to remake a zoo entry (for error messages)."""

    name: str
    keras_file: Optional[Path]
    folder: Optional[Path] = None
    rebuild: str = ""
    architecture: Optional[Path] = None
    serving_dir: Optional[Path] = None
    record: Optional[ZooRecord] = None  # a zoo entry's declarative record (`nfzoo.zoo.records`)

    @property
    def weights(self):
        """The file or folder the weights are read from (for messages)."""
        return self.keras_file or self.serving_dir


def find_model(model):
    """Resolves a zoo name, a .keras file, a run folder or a zoo-style folder to its `ModelFiles`."""
    text, path = str(model), Path(model)
    if text in available():
        return _zoo_entry(text)
    if path.is_file():
        if path.suffix != ".keras":
            raise ModelNotFound(f"{text} is not a .keras file (a model saved with model.save('....keras'))")
        named_after_folder = path.stem in ("best", "final", "model")
        return ModelFiles(path.resolve().parent.name if named_after_folder else path.stem, path)
    if path.is_dir():
        if (path / ARCHITECTURE).is_file() or (path / "model.keras").is_file():
            return _folder_files(path.resolve().name, path)
        for name in RUN_FILES:
            if (path / name).is_file():
                return ModelFiles(path.resolve().name, path / name)
        raise ModelNotFound(f"{text} is a folder without {ARCHITECTURE} or model.keras (a zoo-style folder) or "
                            f"{' / '.join(RUN_FILES)} (a run of nfzoo train)")
    raise ModelNotFound(f"no model {text!r}: not a zoo model (available: {', '.join(available()) or 'none'}), "
                        f"nor a .keras file or model folder at {path.resolve()}")


def load_flow(model):
    """The `FlowModel` of a zoo name, .keras file, run folder or zoo-style folder (not compiled)."""
    return _read_flow(find_model(model))


def load(model):
    """Loads ``model`` (a zoo name, .keras file, run folder or zoo-style folder) -> `ZooModel`. A wrong name or
    path raises `ModelNotFound`; a missing or corrupt file an error naming it (and how to rebuild a zoo entry)."""
    loaded = load_model(model)
    if not isinstance(loaded, ZooModel):
        raise ValueError(f"{model} is a flow on events of shape {list(loaded.data_event_shape)} with n_bits "
                         f"{loaded.n_bits}, not an image model; load it with nfzoo.zoo.load_flow")
    return loaded


def load_model(model):
    """``model`` read once: a `ZooModel` for an image model (n_bits, events [H, W, C]), else the bare flow."""
    files = find_model(model)
    flow = _read_flow(files)
    if flow.n_bits is None or len(flow.data_event_shape) != 3:
        return flow
    folder = files.folder
    directions, card, example = None, {}, None
    if folder is not None:  # a zoo entry's record, or the same facts of a zoo-style folder
        card = files.record.card if files.record else read_card(folder / "card.json", files.rebuild)
        entry = files.record.files if files.record else entry_files(folder)
        directions = entry["directions"] and _read_directions(folder / entry["directions"], files.rebuild)
        example = entry["example"] and folder / entry["example"]
    return ZooModel(flow, files.name, directions=directions, card=card, example_path=example)


def _zoo_entry(name):
    folder = model_dir(name)
    rebuild = (f": rebuild it with `nfzoo train {config_path(name).relative_to(folder.parents[1])}` and "
               f"`nfzoo publish {name}`")
    for required in REQUIRED_FILES:
        if not (folder / required).is_file():
            raise FileNotFoundError(f"{folder / required} is missing{rebuild}")
    return _folder_files(name, folder, rebuild)._replace(record=read_record(name, rebuild))


def _folder_files(name, folder, rebuild=""):
    """A zoo-style folder's files: architecture.json + its newest serving/<version>/, else model.keras."""
    if (folder / ARCHITECTURE).is_file():
        version = serving_version(folder)
        if version is None:
            raise FileNotFoundError(f"{folder / 'serving'} holds no SavedModel version (<n>/saved_model.pb) with "
                                    f"the weights of {folder / ARCHITECTURE}{rebuild}")
        return ModelFiles(name, None, folder=folder, rebuild=rebuild, architecture=folder / ARCHITECTURE,
                          serving_dir=version)
    if not (folder / "model.keras").is_file():
        raise FileNotFoundError(f"{folder} holds neither {ARCHITECTURE} + serving/ nor model.keras{rebuild}")
    return ModelFiles(name, folder / "model.keras", folder=folder, rebuild=rebuild)


def _read_flow(files):
    try:
        if files.keras_file is not None:
            flow = load_keras_model(files.keras_file)
        else:
            flow = restore_flow_weights(keras.models.model_from_json(files.architecture.read_text()), files.serving_dir)
    except Exception as error:  # a truncated/corrupt zip or checkpoint, a weights mismatch, an unknown class
        reason = " ".join(str(error).split())
        raise OSError(f"{files.weights} is corrupt or incompatible ({reason}){files.rebuild}") from None
    if not isinstance(flow, (FlowModel, ImageVAE)):
        raise ValueError(f"{files.weights} holds a {type(flow).__name__}, not an nfzoo FlowModel")
    return flow


def _read_directions(path, rebuild):
    if not path.is_file():
        return None
    try:
        with np.load(path) as npz:
            return {key: npz[key] for key in npz.files}
    except Exception as error:
        raise OSError(f"{path} is corrupt ({error}){rebuild}") from None
