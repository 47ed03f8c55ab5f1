"""Neural autoregressive flow with a deep sigmoidal transformer (DSF; Huang et al. 2018), on vectors.

Per dimension i, with K hidden units and parameters (a, b, w) = MADE(x_<i) (see `AutoregressiveFlow`):

    y_i = logit( sum_j w_j sigmoid(a_j x_i + b_j) ),    a_j = softplus(.) + a_min > 0,  w = softmax(.)

a strictly increasing map of R onto R. With z_j = a_j x + b_j and S = sum_j w_j sigmoid(z_j), everything is
done in log space (1 - S = sum_j w_j sigmoid(-z_j) because the w sum to 1):

    y = log S - log(1 - S),   log S = logsumexp_j(log w_j + log sigmoid(z_j)),
    log dy/dx = logsumexp_j(log w_j + log a_j + log sigmoid(z_j) + log sigmoid(-z_j)) - log S - log(1 - S).

Inverse: D sweeps of an elementwise bisection. S is a convex combination, so min_j z_j <= y <= max_j z_j,
which brackets the root: x in [min_j (y - b_j) / a_j, max_j (y - b_j) / a_j].

Numerical limit: the map is strictly increasing, but where every unit with weight saturates (|z_j| >> 1 for the
units that matter) its slope falls below the working precision: the forward stays finite, yet such inputs no
longer invert (measured: random weights, |x| ~ 1e3, float64). Inside the range the units cover (standardised
data; `nfzoo.models.naf` puts an ActNorm before every layer) the layer inverts to float precision.

Initialisation: the MADE's last layer is zero, so a_j = 1 and w is uniform; b_j = fixed offsets spread over
[-1, 1] (added to the MADE output) make the K units differ from the start — identical units would receive
identical gradients forever. The layer starts as y = logit(mean_j sigmoid(x + b_j)), close to the identity.
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.autoregressive import AutoregressiveFlow

MIN_SLOPE = 1e-3  # a_min: keeps log a finite and the bisection bracket bounded


@keras.saving.register_keras_serializable(package="nfzoo")
class NeuralAutoregressive(AutoregressiveFlow):
    """Deep sigmoidal flow transformer conditioned by a MADE; see the module docstring.

    Args:
      num_units: K, sigmoid units per dimension.
      hidden_units, activation, input_order, context_size: of the MADE (see `AutoregressiveFlow`).
    """

    def __init__(self, num_units=8, hidden_units=(64, 64), activation="relu", input_order="left-to-right",
                 context_size=0, **kwargs):
        if int(num_units) < 1:
            raise ValueError(f"num_units must be a positive integer, got {num_units!r}.")
        super().__init__(num_params=3 * int(num_units), hidden_units=hidden_units, activation=activation,
                         input_order=input_order, context_size=context_size, **kwargs)
        self.num_units = int(num_units)
        self.bias_offsets = np.linspace(-1.0, 1.0, self.num_units) if self.num_units > 1 else np.zeros(1)
        self.slope_offset = float(np.log(np.expm1(1.0 - MIN_SLOPE)))  # softplus(offset) + a_min = 1

    def unit_params(self, params):
        """``(log a, b, log w)``, each ``[batch, D, K]``."""
        raw_a, raw_b, raw_w = tf.split(params, 3, axis=-1)
        log_a = tf.math.log(tf.nn.softplus(raw_a + self.slope_offset) + MIN_SLOPE)
        return log_a, raw_b + self.bias_offsets.astype(params.dtype.as_numpy_dtype), tf.nn.log_softmax(raw_w)

    def transform(self, x, params):
        log_a, b, log_w = self.unit_params(params)
        z = tf.exp(log_a) * x[..., None] + b
        log_sig, log_sig_neg = tf.math.log_sigmoid(z), tf.math.log_sigmoid(-z)
        log_s = tf.reduce_logsumexp(log_w + log_sig, axis=-1)
        log_one_minus_s = tf.reduce_logsumexp(log_w + log_sig_neg, axis=-1)
        log_derivative = tf.reduce_logsumexp(log_w + log_a + log_sig + log_sig_neg, axis=-1)
        return log_s - log_one_minus_s, log_derivative - log_s - log_one_minus_s

    def bracket(self, y, params):
        log_a, b, _ = self.unit_params(params)
        roots = (y[..., None] - b) * tf.exp(-log_a)  # where each unit's z_j equals y
        return tf.reduce_min(roots, axis=-1), tf.reduce_max(roots, axis=-1)

    def get_config(self):
        return {**super().get_config(), "num_units": self.num_units}
