"""Sum-of-squares polynomial flow (Jaini et al. 2019) for vectors (`nfzoo.bijectors.sos`), inverted by bisection."""
from nfzoo.bijectors.sos import SumOfSquares
from nfzoo.models.vector_flow import ORDERS, vector_flow


def sos(event_shape, num_layers=5, num_squares=4, degree=3, epsilon=1e-3, domain=5.0, coefficient_bound=2.0,
        hidden_units=(128, 128), activation="relu", n_bits=None, name="sos"):
    """Sum-of-squares polynomial flow (Jaini et al. 2019): ``num_squares`` squares of degree ``degree`` on
    [-domain, domain], linear beyond, coefficients bounded by ``coefficient_bound`` (`nfzoo.bijectors.sos`)."""
    return vector_flow(event_shape, num_layers, lambda i: SumOfSquares(
        num_squares=num_squares, degree=degree, epsilon=epsilon, domain=domain, coefficient_bound=coefficient_bound,
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2],
    ), n_bits, name)
