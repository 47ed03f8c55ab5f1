"""The layer checks live in the package (`nfzoo.testing`); this module keeps the tests' old imports working."""
from nfzoo.testing import autodiff_log_det, perturb_weights  # noqa: F401
