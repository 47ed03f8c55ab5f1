"""Deprecated: the VAE moved to `nfzoo.variational.vae` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.variational import vae

__getattr__ = moved(__name__, {vae: ["DiagonalPosterior", "IAFPosterior", "PlanarPosterior", "POSTERIORS", "VAE",
                                     "mlp"]})
