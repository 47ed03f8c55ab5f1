"""Inverse autoregressive flow (Kingma et al. 2016) for vectors.

IAF layers are the affine autoregressive family parameterised from the noise side (``y = x exp(alpha(x)) + mu(x)``,
`nfzoo.bijectors.autoregressive`): running ``model.flow_layers`` forward on base noise gives a sample and its
log-density in one pass per layer (the variational use); ``log_prob`` needs D passes per layer.
"""
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.models.vector_flow import ORDERS, vector_flow


def iaf(event_shape, num_layers=5, hidden_units=(128, 128), activation="relu", log_scale_bound=3.0, n_bits=None,
        name="iaf"):
    """Inverse autoregressive flow (Kingma et al. 2016): affine MADE layers, ``y = x exp(alpha) + mu``."""
    return vector_flow(event_shape, num_layers, lambda i: MaskedAutoregressive(
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2], log_scale_bound=log_scale_bound,
        iaf=True,
    ), n_bits, name)
