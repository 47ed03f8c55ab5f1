"""Deprecated: moved to `nfzoo.models.signatures.flow_signatures` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.models.signatures import flow_signatures

__getattr__ = moved(__name__, {flow_signatures: ["FlowSignatures", "MAX_BATCH", "MAX_SAMPLES"]})
