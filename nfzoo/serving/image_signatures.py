"""Deprecated: moved to `nfzoo.models.signatures.image_signatures` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.models.signatures import image_signatures

__getattr__ = moved(__name__, {image_signatures: ["ImageSignatures"]})
