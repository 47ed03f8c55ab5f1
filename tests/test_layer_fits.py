"""Every flow layer that works on vectors learns: a small stack of it, fitted with Keras `fit` on a 2-D
data set, lowers the held-out NLL clearly: two moons, or a ring for radial flows (which can only reshape
densities radially about their centres). Image-only layers are fitted in test_flow_model / test_models.
The layers' TFP views train too: a `TransformedDistribution` built once on them, fitted by Keras."""
import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from sklearn.datasets import make_moons

from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.affine import ElementwiseAffine
from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.coupling import Coupling
from nfzoo.bijectors.invconv import InvertibleConv1x1
from nfzoo.bijectors.permute import Permute
from nfzoo.bijectors.planar import Planar
from nfzoo.bijectors.radial import Radial
from nfzoo.models.flow_model import FlowModel

tfb, tfd = tfp.bijectors, tfp.distributions

STACKS = {
    "additive_coupling": lambda i: [Coupling(kind="additive", hidden=32, parity=i % 2)],
    "affine_coupling+actnorm": lambda i: [ActNorm(), Coupling(hidden=32, parity=i % 2)],
    "invconv+coupling": lambda i: [InvertibleConv1x1(seed=i), Coupling(hidden=32)],
    "permute+coupling+scale": lambda i: [Permute("reverse"), Coupling(hidden=32), ElementwiseAffine(per="element")],
    "maf": lambda i: [
        MaskedAutoregressive(hidden_units=(32, 32), input_order=("left-to-right", "right-to-left")[i % 2])
    ],
    "planar": lambda i: [Planar(), Planar()],
    "radial": lambda i: [Radial(), Radial()],
}


def two_d_data(name):
    if name == "radial":
        rng = np.random.default_rng(1)
        angle, radius = rng.uniform(0, 2 * np.pi, 1200), rng.normal(2.0, 0.2, 1200)
        data = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    else:
        data, _ = make_moons(1200, noise=0.05, random_state=1)
        data = (data - data.mean(0)) / data.std(0)
    return data[:1000].astype("float32"), data[1000:].astype("float32")


@pytest.mark.parametrize("name", sorted(STACKS))
def test_stack_learns_2d_data(name):
    train, held_out = two_d_data(name)
    keras.utils.set_random_seed(0)
    layers = [layer for i in range(4) for layer in STACKS[name](i)]
    model = FlowModel(layers, event_shape=(2,))
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    before = model.evaluate(held_out, batch_size=200, verbose=0)
    model.fit(tf.data.Dataset.from_tensor_slices(train).shuffle(1000, seed=0).batch(100), epochs=12, verbose=0)
    after = model.evaluate(held_out, batch_size=200, verbose=0)
    assert np.isfinite(after) and after < before - 0.15, (before, after)


class DistributionModel(keras.Model):
    """A Keras model around ``TransformedDistribution(N(0, I), Chain(layer views))``, built once; its output is
    the NLL per example. It trains only if the views read the layers' variables live."""

    def __init__(self, flow_layers, dim):
        super().__init__()
        self.flow_layers = flow_layers
        for layer in flow_layers:
            layer(tf.zeros((1, dim)))
        base = tfd.Sample(tfd.Normal(0.0, 1.0), sample_shape=[dim])
        # layers map data -> noise, so the sampling direction (the distribution's bijector) is their inverse
        self.distribution = tfd.TransformedDistribution(
            base, tfb.Invert(tfb.Chain([layer.bijector for layer in reversed(flow_layers)]))
        )

    def call(self, x):
        return -self.distribution.log_prob(x)


def test_transformed_distribution_built_once_on_the_views_trains_with_fit():
    train, held_out = two_d_data("moons")
    keras.utils.set_random_seed(0)
    layers = [InvertibleConv1x1(seed=0), Coupling(hidden=16), ElementwiseAffine(per="element"), Planar()]
    model = DistributionModel(layers, dim=2)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=lambda _, nll: nll)
    before = [w.numpy() for w in model.trainable_weights]
    assert len(before) == 3 + 6 + 2 + 3
    nll_before = float(tf.reduce_mean(model(held_out)))
    model.fit(train, np.zeros(len(train)), batch_size=100, epochs=4, verbose=0)
    assert all(not np.array_equal(w.numpy(), w0) for w, w0 in zip(model.trainable_weights, before))
    nll_after = float(tf.reduce_mean(model(held_out)))
    assert np.isfinite(nll_after) and nll_after < nll_before - 0.2, (nll_before, nll_after)
