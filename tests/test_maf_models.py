import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.config import FAMILIES
from nfzoo.data.pipeline import vector_dataset
from nfzoo.data.targets import two_moons
from nfzoo.models.flow_model import FlowModel

SMALL = {
    "maf": {"hidden_units": (32, 32)},
    "iaf": {"hidden_units": (32, 32)},
    "naf": {"hidden_units": (32, 32), "num_units": 4},
    "sos": {"hidden_units": (32, 32), "num_squares": 3, "degree": 2},
    "realnvp_vector": {"hidden": 32},
}


def moons():
    """1000 training and 200 held-out points of two moons, standardised with the training statistics."""
    x = two_moons(1200, seed=0)
    x = (x - x[:1000].mean(0)) / x[:1000].std(0)
    return x[:1000], x[1000:]


def held_out_nll(model, x):
    return float(-tf.reduce_mean(model.log_prob(x)))


@pytest.mark.parametrize("family", sorted(SMALL))
def test_fit_on_two_moons_then_round_trip(family):
    keras.utils.set_random_seed(0)
    train, test = moons()
    model = FAMILIES[family](event_shape=(2,), num_layers=2, n_bits=None, name=f"{family}_moons",
                                      **SMALL[family])
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.initialize(train[:256])
    before = held_out_nll(model, test)  # ActNorm-initialised: close to a diagonal Gaussian fit, ~2.8 nats
    model.fit(vector_dataset(train, 100, seed=0), epochs=10, verbose=0)
    after = held_out_nll(model, test)
    assert after < before - 0.2, (before, after)

    z = model.encode(test[:8])
    np.testing.assert_allclose(model.decode(z).numpy(), test[:8], atol=1e-4)
    clone = FlowModel.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.log_prob(test).numpy(), model.log_prob(test).numpy(), rtol=1e-5)
    assert model.name == f"{family}_moons"


def test_layers_alternate_order_with_actnorm_between():
    model = FAMILIES["naf"](3, num_layers=3, hidden_units=(8,), num_units=2)
    kinds = [type(layer).__name__ for layer in model.flow_layers]
    assert kinds == ["ActNorm", "NeuralAutoregressive"] * 3
    orders = [layer.made.input_order for layer in model.flow_layers[1::2]]
    assert orders == ["left-to-right", "right-to-left", "left-to-right"]
    assert all(layer.iaf for layer in FAMILIES["iaf"](3, num_layers=2, hidden_units=(8,)).flow_layers[1::2])


def test_bad_event_shape():
    with pytest.raises(ValueError, match=r"vector event: event_shape = D or \(D,\)"):
        FAMILIES["maf"]((4, 4))
    with pytest.raises(ValueError, match="num_layers >= 1"):
        FAMILIES["sos"](2, num_layers=0)
