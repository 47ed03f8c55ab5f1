"""Real NVP (Dinh et al. 2017) for vectors: affine couplings over the two halves of the features, alternating which
half they update (the image model with its multi-scale architecture is `nfzoo.models.realnvp`).
"""
from nfzoo.bijectors.coupling import Coupling
from nfzoo.models.vector_flow import vector_flow


def realnvp_vector(event_shape, num_layers=5, hidden=128, num_hidden=2, n_bits=None, name="realnvp_vector"):
    """Real NVP (Dinh et al. 2017) on vectors: affine couplings over feature halves, alternating parity
    (needs D >= 2)."""
    return vector_flow(event_shape, num_layers, lambda i: Coupling(
        kind="affine", mask="channel", parity=i % 2, hidden=hidden, num_hidden=num_hidden,
    ), n_bits, name)
