"""What the flows for vectors (tabular data, 2-D toy sets) share: `vector_flow` stacks ``num_layers`` blocks
``ActNorm -> flow layer`` from data to latent (`nfzoo.models.maf`, `iaf`, `naf`, `sos`, `realnvp_vector`):

* ActNorm (per feature, initialised on the first training batch by `FlowModel.fit`) stands in for the
  batch normalisation of the MAF / Real NVP papers: it needs no batch statistics at test time, and it keeps
  each layer's input standardised at the start, which the SOS polynomials need (see `nfzoo.bijectors.sos`).
* Consecutive autoregressive layers alternate the MADE input order (`ORDERS`: left-to-right, right-to-left),
  i.e. the MAF paper's order reversal; couplings alternate the parity of the half they update.

Cost of a model with D features: ``log_prob`` (hence ``fit``) runs every layer forward: one pass each for
all five families. ``sample``/``decode`` run the inverses: D passes per autoregressive layer (times a 60-step
bisection for NAF and SOS), one pass per coupling.

The first argument of every builder is the event: an int D or a shape ``(D,)`` (configs pass ``event_shape``).
"""
from numbers import Integral

from nfzoo.bijectors.actnorm import ActNorm
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
