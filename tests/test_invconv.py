import functools

import numpy as np
import pytest

from nfzoo.bijectors.invconv import InvertibleConv1x1
from nfzoo.testing import check_flow_layer


@pytest.mark.parametrize("lu,n_vars", [(True, 3), (False, 1)])
@pytest.mark.parametrize("shape", [(2, 3, 3, 4), (3, 5)])
def test_invconv_checks(lu, n_vars, shape):
    x = np.random.default_rng(0).normal(size=shape)
    check_flow_layer(functools.partial(InvertibleConv1x1, lu=lu, seed=1), x, expected_trainable=n_vars)


def test_lu_log_det_is_positions_times_sum_log_s():
    layer = InvertibleConv1x1(seed=3)
    x = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype("float32")
    _, log_det = layer(x)
    _, logabsdet = np.linalg.slogdet(layer.matrix().numpy())
    np.testing.assert_allclose(log_det.numpy(), 20 * logabsdet, atol=1e-4)
    np.testing.assert_allclose(np.abs(logabsdet), 0.0, atol=1e-4)  # starts as a rotation


def test_seed_makes_init_reproducible():
    a, b = InvertibleConv1x1(seed=7), InvertibleConv1x1(seed=7)
    x = np.ones((1, 2, 2, 3), "float32")
    np.testing.assert_allclose(a(x)[0].numpy(), b(x)[0].numpy())
