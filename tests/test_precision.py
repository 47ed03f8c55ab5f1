"""Mixed precision: conditioner networks in bfloat16/float16, the flow in float32."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from nfzoo.models.glow import glow
from nfzoo.models.realnvp import realnvp


def tiny_glow(precision):
    return glow((8, 8, 3), levels=2, steps=2, hidden=16, precision=precision)


def perturb_trainable(model, seed=0):
    """Moves every trainable weight off its initial value (zero-initialised last convs would hide the networks)."""
    rng = np.random.default_rng(seed)
    for variable in model.trainable_variables:
        variable.assign(variable + 0.05 * rng.standard_normal(variable.shape).astype("float32"))


def test_bfloat16_networks_round_trip_and_match_float32():
    x = tf.random.stateless_uniform((4, 8, 8, 3), seed=[1, 2], minval=-0.5, maxval=0.5)
    full, mixed = tiny_glow("float32"), tiny_glow("mixed_bfloat16")
    full.initialize(x)
    perturb_trainable(full)
    mixed.set_weights(full.get_weights())
    assert all(v.dtype == "float32" for v in mixed.trainable_variables)  # float32 master weights
    coupling = next(layer for layer in mixed.flow_layers if type(layer).__name__ == "Coupling")
    assert coupling.network.compute_dtype == "bfloat16" and coupling.compute_dtype == "float32"
    z = mixed.encode(x)
    assert z.dtype == tf.float32
    np.testing.assert_allclose(mixed.decode(z), x, atol=1e-4)  # exact inverse: same network output both ways
    # bfloat16 has an 8-bit mantissa: the conditioners' outputs differ from float32 by ~1e-2 relative
    np.testing.assert_allclose(mixed.log_prob(x), full.log_prob(x), rtol=2e-2)
    assert not np.allclose(mixed.log_prob(x), full.log_prob(x), rtol=1e-7)  # the networks did run in bfloat16


def test_precision_survives_saving(tmp_path):
    model = realnvp((8, 8, 1), scales=2, hidden=8, num_hidden=1, precision="mixed_bfloat16")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    coupling = next(layer for layer in loaded.flow_layers if type(layer).__name__ == "Coupling")
    assert coupling.network.compute_dtype == "bfloat16"


def test_mixed_precision_fit_loss_falls():
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (64, 8, 8, 3)).astype("float32") * np.linspace(0.2, 1, 3)
    model = tiny_glow("mixed_bfloat16")
    model.compile(optimizer=keras.optimizers.Adam(3e-3))
    history = model.fit(x, batch_size=16, epochs=4, verbose=0).history["loss"]
    assert history[-1] < history[0]


def test_unknown_precision_is_rejected():
    with pytest.raises(ValueError, match="precision must be one of"):
        tiny_glow("float8")
