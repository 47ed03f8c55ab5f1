"""NICE (Dinh et al. 2015): additive couplings with fully connected networks and a diagonal scaling.

The event is flattened; ``couplings`` additive couplings alternate which half of the units they update, each
conditioner a ReLU MLP of ``num_hidden`` x ``hidden`` units; then y = x * exp(s) with a learned s per dimension.
nfzoo uses a Gaussian base distribution (the paper reports both Gaussian and logistic).

``partition`` says which halves: ``"odd_even"`` (the paper's: a fixed `Permute` puts the even-indexed units of
the flattened event before the odd ones, so every pixel's transformation sees its neighbours) or ``"halves"``
(first half / second half of the flattened event: for an image, its top rows and its bottom rows, so a unit is
conditioned on far-away pixels only; nice_digits was trained so). On 32x32 faces the halves plateaued near
6.8 bits/dim within 24 epochs, where the paper's partition is the one that models local correlations.
"""
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.reshape import Reshape
from nfzoo.models.flow_model import FlowModel


PARTITIONS = ("odd_even", "halves")


def nice(event_shape, couplings=4, hidden=1000, num_hidden=5, partition="odd_even", n_bits=8, name="nice"):
    """Builds a NICE `FlowModel` for events of ``event_shape`` (images are flattened)."""
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}.")
    layers = [Reshape()] if len(event_shape) > 1 else []
    if partition == "odd_even":
        layers.append(Permute("odd_even", name="odd_even_partition"))
    layers += [
        Coupling(kind="additive", mask="channel", parity=i % 2, hidden=hidden, num_hidden=num_hidden)
        for i in range(couplings)
    ]
    layers.append(ElementwiseAffine(per="element", shift=False, name="diagonal_scaling"))
    return FlowModel(layers, event_shape=event_shape, n_bits=n_bits, name=name)
