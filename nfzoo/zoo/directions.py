"""Attribute directions in latent space (openai/glow).

For a labelled set of images with attributes a in {-1, 1}: ``direction_a = mean(z | a = +1) - mean(z | a = -1)``
over their flat latents z = encode(x). Editing ``z + alpha * direction_a`` and decoding moves an image along
the attribute (alpha = 1: by the full difference of the two class means).
"""
import numpy as np


def compute_directions(model, images, labels, attribute_names=None, batch_size=128):
    """-> dict with ``directions`` [A, D] float32, ``positives``/``negatives`` [A] counts, ``names``.

    Args:
      model: a `ZooModel` (or anything with ``encode(images) -> [N, D]``).
      images: uint8 [N, H, W, C] (or float [0, 1]) images.
      labels: [N, A] attribute labels in {-1, 1} (0/1 is accepted and mapped to -1/1).
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or len(labels) != len(images):
        raise ValueError(f"labels must be [N, A] for N = {len(images)} images, got shape {labels.shape}")
    labels = np.where(labels > 0, 1, -1)
    names = list(attribute_names) if attribute_names is not None else [f"attribute_{i}" for i in range(labels.shape[1])]
    if len(names) != labels.shape[1]:
        raise ValueError(f"{len(names)} attribute names for {labels.shape[1]} label columns")
    dims = None
    sums = {1: None, -1: None}
    for start in range(0, len(images), batch_size):
        z = np.asarray(model.encode(images[start: start + batch_size]), np.float64)
        if dims is None:
            dims = z.shape[1]
            sums = {1: np.zeros((labels.shape[1], dims)), -1: np.zeros((labels.shape[1], dims))}
        batch_labels = labels[start: start + batch_size]
        for sign in (1, -1):
            sums[sign] += (batch_labels == sign).T.astype(np.float64) @ z
    positives, negatives = (labels == 1).sum(0), (labels == -1).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        directions = sums[1] / positives[:, None] - sums[-1] / negatives[:, None]
    directions[(positives == 0) | (negatives == 0)] = 0.0  # undefined without both classes
    return {"directions": directions.astype(np.float32), "positives": positives, "negatives": negatives,
            "names": np.array(names)}
