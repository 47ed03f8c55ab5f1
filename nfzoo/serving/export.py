"""`export_serving`: one version of a TF Serving model, ``<base_dir>/<version>/saved_model.pb`` + ``variables/``.

The SavedModel is a `tf.Module` holding the flow's variables and one `tf.function` per signature (see
`FlowSignatures` and `ImageSignatures`); ``serving_default`` is ``log_prob``, the model's own ``call``: a
batch of examples in, one score per example out, which suits both REST request formats. The version is
written to a hidden staging directory and renamed into place, so a model server watching ``base_dir``
never loads a half-written version.
"""
import shutil
from pathlib import Path

import numpy as np
import tensorflow as tf

from nfzoo.models.flow_model import FlowModel
from nfzoo.models.image_vae import ImageVAE
from nfzoo.serving.attributes import AttributeTable
from nfzoo.serving.flow_signatures import MAX_BATCH, MAX_SAMPLES, FlowSignatures
from nfzoo.serving.image_signatures import ImageSignatures
from nfzoo.zoo.zoo_model import ZooModel

DEFAULT_SIGNATURE = "log_prob"
MAX_INT32 = 2**31 - 1  # batch sizes are int32 inside the graphs


def export_serving(model, base_dir, version=1, overwrite=False, max_batch=MAX_BATCH, max_samples=MAX_SAMPLES):
    """Exports ``model`` for TF Serving; returns the version directory.

    Args:
      model: a `ZooModel`, or a `FlowModel`: an image flow with ``n_bits`` gets the uint8 image API,
        any other flow the float API (log_prob, encode, decode, sample).
      base_dir: the model's base directory (TF Serving's ``--model_base_path``).
      version: positive integer version number.
      overwrite: replace an existing version directory.
      max_batch: the largest batch N of data or latents one request may send (larger ones are refused).
      max_samples: the largest ``n`` a ``sample`` request may ask for.
    """
    flow = model.flow if isinstance(model, ZooModel) else model
    if not isinstance(flow, (FlowModel, ImageVAE)):
        raise TypeError(f"export_serving expects a ZooModel or a FlowModel, got {type(model).__name__}")
    if not flow.is_initialized:
        raise ValueError("the flow's ActNorm layers are not initialised: call model.initialize(batch) on real data "
                         "(or train it) before exporting")
    if not is_positive_integer(version):
        raise ValueError(f"version must be a positive integer (TF Serving serves numbered directories), "
                         f"got {version!r}")
    for name, bound in (("max_batch", max_batch), ("max_samples", max_samples)):
        if not is_positive_integer(bound) or bound > MAX_INT32:
            raise ValueError(f"{name} must be an integer in 1..{MAX_INT32}, got {bound!r}")
    base_dir = Path(base_dir)
    target = base_dir / str(int(version))
    if target.exists() and not overwrite:
        raise ValueError(f"{target} already exists: choose another version or pass overwrite=True")

    signatures = signatures_for(model, max_batch, max_samples)
    module = tf.Module()
    module.saved_variables = signatures.variables()
    concrete = {}
    for name, function in signatures.functions().items():
        setattr(module, name, function)
        concrete[name] = function.get_concrete_function()
    concrete["serving_default"] = concrete[DEFAULT_SIGNATURE]

    staging = base_dir / f".{target.name}.partial"  # not a number: TF Serving ignores it
    if staging.exists():
        shutil.rmtree(staging)
    tf.saved_model.save(module, str(staging), signatures=concrete)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def is_positive_integer(value):
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1


def signatures_for(model, max_batch, max_samples):
    """The `FlowSignatures` that fits ``model`` (see `export_serving`)."""
    bounds = {"max_batch": max_batch, "max_samples": max_samples}
    if isinstance(model, ZooModel):
        table = None
        if model.attributes:
            directions = [model.attribute_direction(i) for i in range(len(model.attributes))]
            table = AttributeTable(model.attributes, directions)
        return ImageSignatures(model.flow, attributes=table, **bounds)
    if model.n_bits is not None and len(model.data_event_shape) == 3:
        return ImageSignatures(model, **bounds)
    return FlowSignatures(model, **bounds)
