"""Glow (Kingma & Dhariwal 2018), as in openai/glow.

For each of ``levels`` levels: squeeze -> ``steps`` x [ActNorm -> permutation -> coupling] -> split half
the channels under a learned conditional prior (all but the last level). The top latent gets a learned
per-channel Gaussian prior (``learn_top``), written as an affine standardisation. Permutation: ``invconv``
(LU 1x1 conv, the paper's best), ``invconv_full`` (1x1 conv without LU), ``shuffle`` or ``reverse``.
Coupling: ``affine`` (scale = sigmoid(h + 2), log scale >= -``log_scale_bound``, `nfzoo.bijectors.coupling`) or
``additive``. ``precision`` sets the conditioner networks' compute dtype (``"mixed_bfloat16"``: bfloat16
convolutions, e.g. on CPUs with AMX; ``"mixed_float16"`` on GPUs); the flow itself stays float32. ``dropout``
regularises the coupling networks in training (Flow++; for small datasets such as the 4,860 training faces of
glow_celeba). ``dequantization``: ``"uniform"`` noise or ``"variational"`` (a learned noise distribution inside
each bin, `nfzoo.models.dequantizer`).

Class-conditional Glow (``num_classes`` K, `nfzoo.models.conditioning`): every coupling network and split prior
also sees the one-hot label, and a `ContextAffine` after the top prior gives the top latent a mean and scale that
depend on it (openai/glow's ``ycond``). All context maps start at zero, so a fresh conditional Glow computes the
unconditional one.
"""
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.base import MAX_LOG_SCALE
from nfzoo.bijectors.context_affine import ContextAffine
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.invconv import InvertibleConv1x1
from nfzoo.bijectors.networks import network_dtype
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.models.dequantizer import dequantizer
from nfzoo.models.conditioning import context_width
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.image_shape import check_image_shape

PERMUTATIONS = ("invconv", "invconv_full", "shuffle", "reverse")


def permutation_layer(kind, seed):
    if kind == "invconv":
        return InvertibleConv1x1(lu=True, seed=seed)
    if kind == "invconv_full":
        return InvertibleConv1x1(lu=False, seed=seed)
    if kind in ("shuffle", "reverse"):
        return Permute(mode=kind, seed=seed)
    raise ValueError(f"permutation must be one of {PERMUTATIONS}, got {kind!r}.")


def glow(image_shape, levels=3, steps=8, hidden=512, coupling="affine", permutation="invconv", n_bits=8,
         learn_top=True, precision="float32", dropout=0.0, dequantization="uniform", num_classes=None, seed=0,
         log_scale_bound=MAX_LOG_SCALE, name="glow"):
    """Builds a Glow `FlowModel` for images of ``image_shape`` = (H, W, C) (class-conditional with
    ``num_classes``)."""
    check_image_shape(image_shape, levels)
    dtype = network_dtype(precision)
    context = context_width(num_classes)
    conditional = {"context_size": context} if context else {}
    layers = []
    for level in range(levels):
        layers.append(Squeeze())
        for step in range(steps):
            layers += [
                ActNorm(),
                permutation_layer(permutation, seed=seed + 1000 * level + step),
                Coupling(kind=coupling, mask="channel", hidden=hidden, network_dtype=dtype, dropout=dropout,
                         log_scale_bound=log_scale_bound, **conditional),
            ]
        if level < levels - 1:
            layers.append(Split(network_dtype=dtype, **conditional))
    if learn_top:
        layers.append(ElementwiseAffine(per="channel", shift=True, name="top_prior"))
    if context:
        layers.append(ContextAffine(context, name="context_prior"))
    return FlowModel(layers, event_shape=image_shape, n_bits=n_bits, dequantizer=dequantizer(dequantization),
                     num_classes=num_classes, name=name)
