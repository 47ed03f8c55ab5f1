"""Deprecated: moved to `nfzoo.models.signatures.attributes` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.models.signatures import attributes

__getattr__ = moved(__name__, {attributes: ["AttributeTable", "first_misfits"]})
