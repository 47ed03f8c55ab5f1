"""Held-out measurements of a class-conditional flow: bits/dim given the true label, and classification by
``argmax_y p(x | y)``.

Every image is scored under every label with the same dequantisation noise (`nfzoo.models.held_out`: the noise of
an image depends only on the seed and its position), so for image i and label y

    bits[i, y] = -(log p(x_i + u_i | y) - D n ln 2) / (D ln 2),

the conditional figure is the mean of ``bits[i, y_i]``, and the predicted label ``argmin_y bits[i, y]`` =
``argmax_y p(x_i | y)`` (Bayes' rule with a uniform class prior). For a flow with a learned dequantizer, p is its
variational bound, as in the card's other figures.
"""
import numpy as np
import tensorflow as tf

from nfzoo.models.held_out import SEED, bits_per_dim_per_image


def bits_per_dim_per_label(flow, images, seed=SEED):
    """float64 [N, K]: bits/dim of each uint8 image [N, H, W, C] under each of the K labels of a class-conditional
    ``flow``."""
    if not flow.num_classes:
        raise ValueError(f"{flow.name} is not class-conditional (built without num_classes): it has no labels to "
                         f"score images under.")
    label = tf.Variable(0)  # read by one traced function: the flow is traced once, not once per label
    score = tf.function(lambda x: flow.log_likelihood(x, label.read_value()), reduce_retracing=True)
    columns = []
    for y in range(flow.num_classes):
        label.assign(y)
        columns.append(bits_per_dim_per_image(score, images, flow.n_bits, seed))
    return np.stack(columns, axis=1)


def class_conditional_scores(flow, images, labels, seed=SEED):
    """``{"bits_per_dim": mean bits/dim of each image given its label, "accuracy": fraction of images whose label
    is argmax_y p(x | y), "images": N}`` for uint8 ``images`` [N, H, W, C] and integer ``labels`` [N]."""
    labels = np.asarray(labels)
    if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"expected one integer label per image ({len(images)}), got {labels.dtype} {labels.shape}")
    bits = bits_per_dim_per_label(flow, images, seed)
    rows = np.arange(len(labels))
    return {"bits_per_dim": round(float(bits[rows, labels].mean()), 4),
            "accuracy": round(float(np.mean(bits.argmin(axis=1) == labels)), 4),
            "images": int(len(labels))}
