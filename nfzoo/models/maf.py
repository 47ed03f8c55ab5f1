"""Masked autoregressive flow (Papamakarios et al. 2017) for vectors: affine MADE layers (`vector_flow`).

The other vector families moved to their own modules (`nfzoo.models.iaf`, `naf`, `sos`, `realnvp_vector`; what
they share is `nfzoo.models.vector_flow`); their old imports from here work until nfzoo 0.2, with a
DeprecationWarning.
"""
import nfzoo.models.iaf as iaf_module
import nfzoo.models.naf as naf_module
import nfzoo.models.realnvp_vector as realnvp_vector_module
import nfzoo.models.sos as sos_module
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.deprecation import moved
from nfzoo.models.vector_flow import ORDERS, vector_flow


def maf(event_shape, num_layers=5, hidden_units=(128, 128), activation="relu", log_scale_bound=3.0, n_bits=None,
        name="maf"):
    """Masked autoregressive flow (Papamakarios et al. 2017): affine MADE layers, ``u = (x - mu) exp(-alpha)``."""
    return vector_flow(event_shape, num_layers, lambda i: MaskedAutoregressive(
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2], log_scale_bound=log_scale_bound,
    ), n_bits, name)


__getattr__ = moved(__name__, {iaf_module: ["iaf"], naf_module: ["naf"], sos_module: ["sos"],
                               realnvp_vector_module: ["realnvp_vector"]})
