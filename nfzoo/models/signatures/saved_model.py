"""A flow as one TF-Serving-ready SavedModel with named signatures: what `FlowModel.export` and `nfzoo export` write.

``save_signatures(flow, path, directions)`` writes ``path/saved_model.pb`` + ``variables/``: a `tf.Module` that
holds the flow's variables as ``saved_variables`` (in ``flow.weights`` order, then the attribute directions:
`nfzoo.serving.weights` reads a flow's weights back by that order) and one `tf.function` per signature
(`FlowSignatures`, or `ImageSignatures` for a flow on n_bits images); ``serving_default`` is ``log_prob``, the
model's own ``call``: a batch of examples in, one score per example out, which suits both REST request formats.
The SavedModel is written to a hidden sibling folder and renamed into place, so a model server watching the parent
folder never loads a half-written one; an existing ``path`` is replaced (as Keras' ``Model.export`` does).
The functions are traced with the 1x1 convolutions' matrices as constants (`constant_matrices`): they serve the
weights as saved, and a request skips rebuilding them.
"""
import shutil
from pathlib import Path

import numpy as np
import tensorflow as tf

from nfzoo.bijectors.invconv import constant_matrices
from nfzoo.models.signatures.attributes import AttributeTable
from nfzoo.models.signatures.conditional_signatures import ConditionalSignatures
from nfzoo.models.signatures.flow_signatures import FlowSignatures
from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES
from nfzoo.models.signatures.image_signatures import ImageSignatures

DEFAULT_SIGNATURE = "log_prob"
MAX_INT32 = 2**31 - 1  # batch sizes are int32 inside the graphs


def save_signatures(flow, path, directions=None, max_batch=MAX_BATCH, max_samples=MAX_SAMPLES, jit_compile=False):
    """Writes the SavedModel of ``flow`` to ``path``; returns ``path``.

    Args:
      flow: an ActNorm-initialised `FlowModel` (or `ImageVAE`): an image flow with ``n_bits`` gets the uint8 image
        API, any other flow the float API (log_prob, encode, decode, sample).
      path: the SavedModel folder (for TF Serving: ``<base_dir>/<version>``).
      directions: optional attribute directions ``{"names": [A], "directions": [A, D]}`` (`compute_directions`'s
        dict) of an image flow: adds the ``manipulate`` and ``manipulate_by_name`` signatures.
      max_batch: the largest batch N of data or latents one request may send (larger ones are refused).
      max_samples: the largest ``n`` a ``sample`` request may ask for.
      jit_compile: XLA-compile the flow's encode, decode and density inside the signatures (TF Serving then needs
        ``--xla_cpu_compilation_enabled=true`` on CPU; `nfzoo.models.signatures.flow_signatures`).
    """
    if not flow.is_initialized:
        raise ValueError("the flow's ActNorm layers are not initialised: call model.initialize(batch) on real data "
                         "(or train it) before exporting")
    for name, bound in (("max_batch", max_batch), ("max_samples", max_samples)):
        if not is_positive_integer(bound) or bound > MAX_INT32:
            raise ValueError(f"{name} must be an integer in 1..{MAX_INT32}, got {bound!r}")
    signatures = signatures_for(flow, directions, max_batch, max_samples, jit_compile)
    module = tf.Module()
    module.saved_variables = signatures.variables()
    path = Path(path)
    staging = path.parent / f".{path.name}.partial"  # not a number: TF Serving ignores it
    if staging.exists():
        shutil.rmtree(staging)
    with constant_matrices(flow):
        concrete = {}
        for name, function in signatures.functions().items():
            setattr(module, name, function)
            concrete[name] = function.get_concrete_function()
        concrete["serving_default"] = concrete[DEFAULT_SIGNATURE]
        tf.saved_model.save(module, str(staging), signatures=concrete)
    if path.exists():
        shutil.rmtree(path)
    staging.rename(path)
    return path


def is_positive_integer(value):
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= 1


def signatures_for(flow, directions, max_batch, max_samples, jit_compile=False):
    """The `FlowSignatures` that fits ``flow`` (see `save_signatures`)."""
    options = {"max_batch": max_batch, "max_samples": max_samples, "jit_compile": jit_compile}
    is_image_flow = flow.n_bits is not None and len(flow.data_event_shape) == 3
    if getattr(flow, "is_conditional", False):  # its signatures take the label or context (no attribute edits)
        base = ImageSignatures(flow, **options) if is_image_flow else FlowSignatures(flow, **options)
        return ConditionalSignatures(base)
    if directions is not None and len(directions["names"]):
        if not is_image_flow:
            raise ValueError(f"attribute directions need an image flow (events [H, W, C] with n_bits); this flow has "
                             f"events {list(flow.data_event_shape)} and n_bits {flow.n_bits}")
        table = AttributeTable(directions["names"], directions["directions"])
        return ImageSignatures(flow, attributes=table, **options)
    return ImageSignatures(flow, **options) if is_image_flow else FlowSignatures(flow, **options)
