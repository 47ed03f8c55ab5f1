"""Flows for vectors (tabular data, 2-D toy sets): MAF, IAF, NAF, SOS and Real NVP with vector couplings.

Every builder stacks ``num_layers`` blocks ``ActNorm -> flow layer`` from data to latent:

* ActNorm (per feature, initialised on the first training batch by `FlowModel.fit`) stands in for the
  batch normalisation of the MAF / Real NVP papers: it needs no batch statistics at test time, and it keeps
  each layer's input standardised at the start, which the SOS polynomials need (see `nfzoo.bijectors.sos`).
* Consecutive autoregressive layers alternate the MADE input order (left-to-right, right-to-left), i.e.
  the MAF paper's order reversal; couplings alternate the parity of the half they update.

Cost of a model with D features: ``log_prob`` (hence ``fit``) runs every layer forward: one pass each for
all five. ``sample``/``decode`` run the inverses: D passes per autoregressive layer (times a 60-step
bisection for NAF and SOS), one pass per coupling. IAF layers are the affine family parameterised from the
noise side (``y = x exp(alpha(x)) + mu(x)``, `nfzoo.bijectors.autoregressive`); running ``model.flow_layers``
forward on base noise gives a sample and its log-density in one pass per layer (the variational use).

The first argument is the event: an int D or a shape ``(D,)`` (the config system passes ``event_shape``).
"""
from numbers import Integral

from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.naf import NeuralAutoregressive
from nfzoo.bijectors.sos import SumOfSquares
from nfzoo.models.flow_model import FlowModel

ORDERS = ("left-to-right", "right-to-left")


def vector_flow(event_shape, num_layers, make_layer, n_bits, name):
    """A `FlowModel` of ``num_layers`` blocks ``[ActNorm(), make_layer(i)]`` on vectors of size D."""
    shape = (event_shape,) if isinstance(event_shape, Integral) else tuple(event_shape)
    if len(shape) != 1 or not isinstance(shape[0], Integral) or shape[0] < 1:
        raise ValueError(f"{name} expects a vector event: event_shape = D or (D,) with D >= 1, got {event_shape!r}.")
    if int(num_layers) < 1:
        raise ValueError(f"{name} expects num_layers >= 1, got {num_layers!r}.")
    layers = []
    for i in range(int(num_layers)):
        layers += [ActNorm(), make_layer(i)]
    return FlowModel(layers, event_shape=shape, n_bits=n_bits, name=name)


def maf(event_shape, num_layers=5, hidden_units=(128, 128), activation="relu", log_scale_bound=3.0, n_bits=None,
        name="maf"):
    """Masked autoregressive flow (Papamakarios et al. 2017): affine MADE layers, ``u = (x - mu) exp(-alpha)``."""
    return vector_flow(event_shape, num_layers, lambda i: MaskedAutoregressive(
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2], log_scale_bound=log_scale_bound,
    ), n_bits, name)


def iaf(event_shape, num_layers=5, hidden_units=(128, 128), activation="relu", log_scale_bound=3.0, n_bits=None,
        name="iaf"):
    """Inverse autoregressive flow (Kingma et al. 2016): affine MADE layers, ``y = x exp(alpha) + mu``."""
    return vector_flow(event_shape, num_layers, lambda i: MaskedAutoregressive(
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2], log_scale_bound=log_scale_bound,
        iaf=True,
    ), n_bits, name)


def naf(event_shape, num_layers=5, num_units=8, hidden_units=(128, 128), activation="relu", n_bits=None,
        name="naf"):
    """Neural autoregressive flow (Huang et al. 2018), deep sigmoidal transformers of ``num_units`` units."""
    return vector_flow(event_shape, num_layers, lambda i: NeuralAutoregressive(
        num_units=num_units, hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2],
    ), n_bits, name)


def sos(event_shape, num_layers=5, num_squares=4, degree=3, epsilon=1e-3, domain=5.0, coefficient_bound=2.0,
        hidden_units=(128, 128), activation="relu", n_bits=None, name="sos"):
    """Sum-of-squares polynomial flow (Jaini et al. 2019): ``num_squares`` squares of degree ``degree`` on
    [-domain, domain], linear beyond, coefficients bounded by ``coefficient_bound`` (`nfzoo.bijectors.sos`)."""
    return vector_flow(event_shape, num_layers, lambda i: SumOfSquares(
        num_squares=num_squares, degree=degree, epsilon=epsilon, domain=domain, coefficient_bound=coefficient_bound,
        hidden_units=hidden_units, activation=activation, input_order=ORDERS[i % 2],
    ), n_bits, name)


def realnvp_vector(event_shape, num_layers=5, hidden=128, num_hidden=2, n_bits=None, name="realnvp_vector"):
    """Real NVP (Dinh et al. 2017) on vectors: affine couplings over feature halves, alternating parity
    (needs D >= 2)."""
    return vector_flow(event_shape, num_layers, lambda i: Coupling(
        kind="affine", mask="channel", parity=i % 2, hidden=hidden, num_hidden=num_hidden,
    ), n_bits, name)
