"""Deprecated: moved to `nfzoo.models.signatures.request_checks` (this path works until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.models.signatures import request_checks

__getattr__ = moved(__name__, {request_checks: ["checked_batch", "checked_finite", "fail_unless", "per_example",
                                               "sample_request", "shape_text", "single_value"]})
