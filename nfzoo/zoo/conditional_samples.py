"""Samples of a zoo model that may be class-conditional: ``nfzoo sample MODEL --label 3`` and the card's example.

A class-conditional flow draws ``x | y``: of one ``label`` given, else of the labels 0, 1, .., K-1, 0, .. in turn
(`FlowModel.sample`). An unconditional model draws as `ZooModel.sample` does and takes no label.
"""
import numpy as np

from nfzoo.data.images import to_uint8


def sample_images(model, n, temperature=0.7, seed=None, label=None):
    """uint8 images [n, H, W, C] drawn from the `ZooModel` ``model`` at ``temperature`` (of class ``label``)."""
    flow = model.flow
    if not getattr(flow, "num_classes", None):
        if label is not None:
            raise ValueError(f"{model.name} is not class-conditional: a label needs a model trained with "
                             f"model.num_classes (e.g. glow_digits_cond)")
        return model.sample(n, temperature=temperature, seed=seed)
    if label is not None and (isinstance(label, bool) or not isinstance(label, (int, np.integer))
                              or not 0 <= label < flow.num_classes):
        raise ValueError(f"the label must be a class of {model.name}: an integer in 0..{flow.num_classes - 1}, "
                         f"got {label!r}")
    return to_uint8(flow.sample(n, temperature=temperature, seed=seed, context=label), model.n_bits).numpy()
