"""NICE (Dinh et al. 2015): additive couplings with fully connected networks and a diagonal scaling.

The event is flattened; ``couplings`` additive couplings alternate which half of the vector they update
(the paper alternates odd/even units; halves are equivalent up to a fixed permutation), each conditioner
a ReLU MLP of ``num_hidden`` x ``hidden`` units; then y = x * exp(s) with a learned s per dimension.
nfzoo uses a Gaussian base distribution (the paper reports both Gaussian and logistic).
"""
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.reshape import Reshape
from nfzoo.models.flow_model import FlowModel


def nice(event_shape, couplings=4, hidden=1000, num_hidden=5, n_bits=8, name="nice"):
    """Builds a NICE `FlowModel` for events of ``event_shape`` (images are flattened)."""
    layers = [Reshape()] if len(event_shape) > 1 else []
    layers += [
        Coupling(kind="additive", mask="channel", parity=i % 2, hidden=hidden, num_hidden=num_hidden)
        for i in range(couplings)
    ]
    layers.append(ElementwiseAffine(per="element", shift=False, name="diagonal_scaling"))
    return FlowModel(layers, event_shape=event_shape, n_bits=n_bits, name=name)
