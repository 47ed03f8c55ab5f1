"""Neural autoregressive flow (Huang et al. 2018) for vectors: deep sigmoidal transformers (`nfzoo.bijectors.naf`),
inverted by bisection.
"""
from nfzoo.bijectors.naf import NeuralAutoregressive
from nfzoo.models.vector_flow import ORDERS, vector_flow


def naf(event_shape, num_layers=5, num_units=8, hidden_units=(128, 128), activation="relu", n_bits=None,
        name="naf"):
    """Neural autoregressive flow (Huang et al. 2018), deep sigmoidal transformers of ``num_units`` units."""
    return vector_flow(event_shape, num_layers, lambda i: NeuralAutoregressive(
        num_units=num_units, hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2],
    ), n_bits, name)
