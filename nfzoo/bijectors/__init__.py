"""nfzoo's flow layers: Keras 3 layers that own their weights and hand out TFP bijectors (see base.py).
Importing this package registers every layer for Keras deserialisation (``keras.models.load_model``)."""
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.base import FlowLayer
from nfzoo.bijectors.context_affine import ContextAffine
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.invconv import InvertibleConv1x1
from nfzoo.bijectors.logit import Logit
from nfzoo.bijectors.made import MADE
from nfzoo.bijectors.naf import NeuralAutoregressive
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.planar import Planar
from nfzoo.bijectors.radial import Radial
from nfzoo.bijectors.reshape import Reshape
from nfzoo.bijectors.sos import SumOfSquares
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.lazy import lazy_exports

__all__ = [
    "MADE", "ActNorm", "ContextAffine", "Coupling", "ElementwiseAffine", "FlowLayer", "InvertibleConv1x1", "LayerBijector", "Logit",
    "MaskedAutoregressive", "NeuralAutoregressive", "Permute", "Planar", "Radial", "Reshape", "Split", "Squeeze",
    "SumOfSquares",
]

# LayerBijector is a TFP class: imported when first read, so that TFP loads only with a view (nfzoo.bijectors.views)
__getattr__, __dir__ = lazy_exports(__name__, {"LayerBijector": "nfzoo.bijectors.views"})
