"""Deprecated: variational inference moved to `nfzoo.variational` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.variational import free_energy, variational_flow

__getattr__ = moved(__name__, {free_energy: ["FreeEnergyModel", "LinearBeta"],
                               variational_flow: ["VariationalFlow", "energy_target", "fit", "noise_batches"]})
