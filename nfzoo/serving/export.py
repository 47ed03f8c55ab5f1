"""`export_serving`: one version of a TF Serving model, ``<base_dir>/<version>/saved_model.pb`` + ``variables/``.

TF Serving serves the numbered folders of a model's base directory (``--model_base_path``); each version is the
SavedModel `FlowModel.export` writes (`nfzoo.models.signatures`: the named signatures, written to a hidden sibling
and renamed into place). This module adds the version folder and refuses to replace one unless asked.
"""
from pathlib import Path

from nfzoo.models.flow_model import FlowModel
from nfzoo.models.image_vae import ImageVAE
from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES
from nfzoo.models.signatures.saved_model import is_positive_integer, save_signatures


def export_serving(flow, base_dir, version=1, directions=None, overwrite=False, max_batch=MAX_BATCH,
                   max_samples=MAX_SAMPLES):
    """Exports ``flow`` for TF Serving; returns the version directory.

    Args:
      flow: a trained `FlowModel` (or `ImageVAE`): an image flow with ``n_bits`` gets the uint8 image API,
        any other flow the float API (log_prob, encode, decode, sample).
      base_dir: the model's base directory (TF Serving's ``--model_base_path``).
      version: positive integer version number.
      directions: optional attribute directions ``{"names": [A], "directions": [A, D]}`` (`compute_directions`):
        adds the ``manipulate`` signatures.
      overwrite: replace an existing version directory.
      max_batch: the largest batch N of data or latents one request may send (larger ones are refused).
      max_samples: the largest ``n`` a ``sample`` request may ask for.
    """
    if not isinstance(flow, (FlowModel, ImageVAE)):
        raise TypeError(f"export_serving expects a FlowModel (a zoo model's .flow), got {type(flow).__name__}")
    if not is_positive_integer(version):
        raise ValueError(f"version must be a positive integer (TF Serving serves numbered directories), "
                         f"got {version!r}")
    target = Path(base_dir) / str(int(version))
    if target.exists() and not overwrite:
        raise ValueError(f"{target} already exists: choose another version or pass overwrite=True")
    target.parent.mkdir(parents=True, exist_ok=True)
    return save_signatures(flow, target, directions, max_batch=max_batch, max_samples=max_samples)
