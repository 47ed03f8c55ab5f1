"""Real NVP, multi-scale (Dinh et al. 2017).

Optional logit preprocessing, then for each scale but the last: 3 checkerboard affine couplings
(alternating parity) -> squeeze -> 3 channel affine couplings (alternating) -> factor out half the
channels. The last scale: 4 checkerboard couplings. ActNorm follows every coupling in place of the
paper's batch normalisation (a data-initialised per-channel affine map that needs no batch statistics
at test time), and couplings use the Glow scale sigmoid(h + 2). ``learned_prior`` gives each factored
half a prior conditioned on the kept half (Glow); False keeps the paper's N(0, I). ``precision``: the
conditioner networks' compute dtype, and ``dequantization`` (uniform or variational), as in `nfzoo.models.glow`.
"""
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.logit import Logit
from nfzoo.bijectors.networks import network_dtype
from nfzoo.bijectors.split import Split
from nfzoo.bijectors.squeeze import Squeeze
from nfzoo.models.dequantizer import dequantizer
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.image_shape import check_image_shape


def realnvp(image_shape, scales=3, hidden=64, num_hidden=2, n_bits=8, logit=True, learned_prior=True,
            precision="float32", dequantization="uniform", name="realnvp"):
    """Builds a multi-scale Real NVP `FlowModel` for images of ``image_shape`` = (H, W, C)."""
    check_image_shape(image_shape, scales - 1)
    dtype = network_dtype(precision)

    def couplings(mask, count):
        out = []
        for parity in range(count):
            out += [Coupling(kind="affine", mask=mask, parity=parity % 2, hidden=hidden, num_hidden=num_hidden,
                             network_dtype=dtype),
                    ActNorm()]
        return out

    layers = [Logit()] if logit else []
    for _ in range(scales - 1):
        layers += couplings("checkerboard", 3) + [Squeeze()] + couplings("channel", 3)
        layers.append(Split(learned=learned_prior, network_dtype=dtype))
    layers += couplings("checkerboard", 4)
    return FlowModel(layers, event_shape=image_shape, n_bits=n_bits, dequantizer=dequantizer(dequantization), name=name)
