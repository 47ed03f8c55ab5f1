"""Variational dequantisation (Ho et al. 2019, Flow++): learned noise q(u | k) inside each bin of the discrete data.

With bins of width 1/2**n_bits, bin k has lower corner x = k / 2**n_bits - 0.5, and noise u in [0, 1)^D (in bin
units) places the continuous point y = x + u / 2**n_bits inside it. For any q,

    log P(k) >= E_{u ~ q(. | k)} [log p(y) - log q(u | k)] - D log 2**n_bits,

tight when q(. | k) is the flow's own density inside the bin, normalised. Uniform noise (log q = 0) is the
usual bound; a learned q lets the flow put its mass unevenly inside bins and still be credited for it.

`VariationalDequantizer` is a one-layer, factorised form of Flow++'s dequantiser: each subpixel's uniform
noise e ~ U(0, 1) goes through a logistic-affine map whose shift b and log-scale s come from a network of the
bin corners x (zero-initialised, so it starts as the identity: exactly uniform dequantisation):

    h = exp(s) * logit(e) + b,    u = sigmoid(h),
    log q(u | k) = -sum [s + log sigmoid(h) + log sigmoid(-h) - log e - log(1 - e)]

(change of variables: du/de = exp(s) sigmoid'(h) / (e (1 - e))). b tilts the noise to one side of the bin,
s > 0 pushes it to the edges, s < 0 to the middle: inside a bin 1/256 wide a smooth flow's log-density is
close to linear, which a factorised q can follow.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.networks import CouplingNetwork

DEQUANTIZATIONS = ("uniform", "variational")
EDGE = 1e-6  # e and u are kept in [EDGE, 1 - EDGE]: logit(e) stays finite and float32 rounding of u cannot
# carry a point into the next bin (log q is that of the unclipped u; the clipped tails are rare: |h| > 13.8)


@keras.saving.register_keras_serializable(package="nfzoo")
class VariationalDequantizer(keras.layers.Layer):
    """``(x, e) -> (u, log q(u | x))`` for bin corners x [B, H, W, C] and uniform noise e of the same shape;
    see the module docstring. ``hidden``: channels of the conditioning network (3x3 -> 1x1 -> 3x3 convs)."""

    def __init__(self, hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f"VariationalDequantizer needs images [batch, H, W, C], got shape {input_shape}.")
        self.network = CouplingNetwork(2 * input_shape[-1], hidden=self.hidden, name="network")
        self.network.build(input_shape)

    def call(self, x, noise):
        shift, log_scale = tf.split(self.network(x), 2, axis=-1)
        e = tf.clip_by_value(noise, EDGE, 1.0 - EDGE)
        log_e, log_1_minus_e = tf.math.log(e), tf.math.log1p(-e)
        h = tf.exp(log_scale) * (log_e - log_1_minus_e) + shift
        log_q = -(log_scale + tf.math.log_sigmoid(h) + tf.math.log_sigmoid(-h) - log_e - log_1_minus_e)
        return tf.clip_by_value(tf.sigmoid(h), EDGE, 1.0 - EDGE), tf.reduce_sum(log_q, axis=[1, 2, 3])

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def dequantizer(dequantization, hidden=64):
    """The `FlowModel` dequantizer for a builder's ``dequantization`` option (None for uniform noise)."""
    if dequantization not in DEQUANTIZATIONS:
        raise ValueError(f"dequantization must be one of {DEQUANTIZATIONS}, got {dequantization!r}.")
    return VariationalDequantizer(hidden=hidden, name="dequantizer") if dequantization == "variational" else None
