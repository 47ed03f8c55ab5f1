import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.bijectors.made import MADE
from nfzoo.testing import perturb_weights

D, C = 4, 3


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, D)).astype("float32"), rng.normal(size=(3, C)).astype("float32")


def jacobian(made, x, context):
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = made(x) if context is None else made(x, context)
    return tape.batch_jacobian(out, x).numpy()  # [batch, D (output), params, D (input)]


@pytest.mark.parametrize("order", ["left-to-right", "right-to-left"])
@pytest.mark.parametrize("context_size", [0, C])
@pytest.mark.parametrize("hidden_units", [[32, 32], []])
def test_output_i_depends_only_on_earlier_inputs(order, context_size, hidden_units):
    keras.utils.set_random_seed(0)  # the nonzero check below must not hinge on which relu units start dead
    x, context = inputs()
    made = MADE(params=2, hidden_units=hidden_units, input_order=order, context_size=context_size)
    context = context if context_size else None
    made(x) if context is None else made(x, context)
    perturb_weights(made, scale=0.5)
    jac = jacobian(made, x, context)
    position = np.arange(D) if order == "left-to-right" else np.arange(D)[::-1]  # 0 = first in the order
    allowed = position[None, :] < position[:, None]  # [output i, input j]
    allowed = np.broadcast_to(allowed[None, :, None, :], jac.shape)
    np.testing.assert_array_equal(jac[~allowed], 0.0)
    assert np.all(jac[allowed] != 0.0)  # the masks cut nothing more than they must


def test_shape_zero_init_and_context_effect():
    x, context = inputs()
    made = MADE(params=3, hidden_units=[8], context_size=C)
    out = made(x, context)
    assert out.shape == (3, D, 3)
    np.testing.assert_array_equal(out.numpy(), 0.0)  # zero-initialised last layer
    perturb_weights(made)
    assert not np.allclose(made(x, context).numpy(), made(x, 2.0 * context).numpy())


def test_bad_arguments():
    with pytest.raises(ValueError, match="input_order"):
        MADE(2, [8], input_order="random")


def test_config_round_trip():
    x, context = inputs()
    made = MADE(params=2, hidden_units=[8, 8], activation="tanh", input_order="right-to-left", context_size=C)
    made(x, context)
    perturb_weights(made)
    clone = MADE.from_config(made.get_config())
    clone(x, context)
    clone.set_weights(made.get_weights())
    np.testing.assert_array_equal(clone(x, context).numpy(), made(x, context).numpy())
