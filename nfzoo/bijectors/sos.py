"""Sum-of-squares polynomial flow (SOS; Jaini et al. 2019), on vectors, with linear tails.

Per dimension i, with parameters (c, A) = MADE(x_<i) (see `AutoregressiveFlow`), K squares of degree-r
polynomials in the scaled variable s = x / L (L = ``domain``), p_k(s) = sum_{l=0..r} A_kl s^l, and a floor
eps > 0 on the slope, the transformer on the domain |x| <= L is

    T(x) = c + eps x + integral_0^x sum_k p_k(u / L)^2 du = c + eps x + L sum_{n=0..2r} q_n s^(n+1) / (n+1),
    q_n = sum_k sum_{l+m=n} A_kl A_km,        T'(x) = eps + sum_k p_k(s)^2,

a strictly increasing polynomial of degree 2r+1 (closed-form integral: the coefficients q_n, then Horner;
the log-derivative comes from the squares themselves, so it is never below log eps). Outside the domain T
continues linearly with its end slopes, T(x) = T(x_c) + T'(x_c) (x - x_c), x_c = clip(x, -L, L): a C^1
bijection of R with log T'(x) = log T'(x_c).

Why the domain and the bound: a polynomial's tails grow like x^(2r+1), and stacked layers compound them (in
a breast_cancer run a standardised outlier at 12 reached 1e21 after five degree-7 layers), so outliers, and
then training, overflow float32. Linear tails make each layer grow at most linearly; bounded coefficients,
A_kl = b tanh(a_kl / b + atanh(o_kl / b)) with a the raw MADE output, o the initial offsets below and
b = ``coefficient_bound``, cap the slope at eps + K ((r + 1) b)^2 however far the conditioner's inputs are;
evaluating the polynomials in x / L keeps one optimiser step on A from moving T by more than O(L). Choose L
to cover the bulk of standardised data (default 5; the `nfzoo.models.sos` builder puts an ActNorm
before every layer). Inverse: D sweeps of an elementwise bisection; the slope is at least eps everywhere,
so the root of T(x) = y lies between 0 and (y - c) / eps.

Initialisation: the MADE's last layer is zero; the offsets o give p_k(s) =
sqrt((1 - eps) / K) + mu_k s with sum_k mu_k = 0 and sum_k mu_k^2 = gamma = 0.01, so the layer starts as
T(x) = x + gamma x^3 / (3 L^2) on the domain, close to the identity, with squares that are not proportional
to one another (proportional squares receive proportional gradients and would stay a single square).
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.autoregressive import AutoregressiveFlow

INIT_CUBIC = 0.01  # gamma above


@keras.saving.register_keras_serializable(package="nfzoo")
class SumOfSquares(AutoregressiveFlow):
    """Sum-of-squares polynomial transformer conditioned by a MADE; see the module docstring.

    Args:
      num_squares: K, polynomials squared and summed.
      degree: r, degree of each polynomial (T has degree 2r + 1).
      epsilon: eps, the slope floor.
      domain: L, half-width of the polynomial part; T is linear beyond +-L.
      coefficient_bound: b, |A_kl| < b.
      hidden_units, activation, input_order, context_size: of the MADE (see `AutoregressiveFlow`).
    """

    def __init__(self, num_squares=4, degree=3, epsilon=1e-3, domain=5.0, coefficient_bound=2.0, hidden_units=(64, 64),
                 activation="relu", input_order="left-to-right", context_size=0, **kwargs):
        if int(num_squares) < 1 or int(degree) < 0 or not 0 < epsilon < 1 or not domain > 0:
            raise ValueError(
                f"SumOfSquares expects num_squares >= 1, degree >= 0, 0 < epsilon < 1 and domain > 0, got "
                f"num_squares={num_squares}, degree={degree}, epsilon={epsilon}, domain={domain}."
            )
        self.num_squares, self.degree, self.epsilon = int(num_squares), int(degree), float(epsilon)
        self.domain, self.coefficient_bound = float(domain), float(coefficient_bound)
        super().__init__(num_params=1 + self.num_squares * (self.degree + 1), hidden_units=hidden_units,
                         activation=activation, input_order=input_order, context_size=context_size, **kwargs)
        k, r = self.num_squares, self.degree
        offsets = np.zeros((k, r + 1))
        offsets[:, 0] = np.sqrt((1.0 - self.epsilon) / k)
        if k > 1 and r > 0:
            centred = np.arange(k) - (k - 1) / 2.0
            offsets[:, 1] = np.sqrt(INIT_CUBIC) * centred / np.linalg.norm(centred)
        if np.abs(offsets).max() >= self.coefficient_bound:
            raise ValueError(f"coefficient_bound must exceed sqrt((1 - epsilon) / num_squares) = {offsets[0, 0]:.3f}, "
                             f"got {coefficient_bound}.")
        self.raw_offsets = np.arctanh(offsets / self.coefficient_bound)  # tanh(raw_offsets) b = offsets
        # anti_diagonal[l, m, n] = [l + m = n]: sums the products A_kl A_km into the coefficient q_n
        self.anti_diagonal = (np.add.outer(np.arange(r + 1), np.arange(r + 1))[..., None] == np.arange(2 * r + 1))

    def coefficients(self, params):
        """``(c [batch, D], A [batch, D, K, r + 1])``, A = b tanh((raw + offset) / b)."""
        dtype = params.dtype.as_numpy_dtype
        shape = tf.concat([tf.shape(params)[:-1], [self.num_squares, self.degree + 1]], axis=0)
        b = self.coefficient_bound
        return params[..., 0], b * tf.tanh(tf.reshape(params[..., 1:], shape) / b + self.raw_offsets.astype(dtype))

    def transform(self, x, params):
        shift, a = self.coefficients(params)
        dtype = a.dtype.as_numpy_dtype
        x_c = tf.clip_by_value(x, -self.domain, self.domain)
        s = x_c / self.domain
        products = tf.reduce_sum(a[..., :, None] * a[..., None, :], axis=-3)  # sum_k A_kl A_km: [.., r+1, r+1]
        q = tf.tensordot(products, self.anti_diagonal.astype(dtype), axes=2)
        integral = s * horner(q / np.arange(1, 2 * self.degree + 2, dtype=dtype), s)  # int_0^s sum_k p_k^2
        slope = self.epsilon + tf.reduce_sum(tf.square(horner(a, s[..., None])), axis=-1)  # T'(x_c)
        y = shift + self.epsilon * x_c + self.domain * integral + slope * (x - x_c)
        return y, tf.math.log(slope)

    def bracket(self, y, params):
        shift, _ = self.coefficients(params)
        far = (y - shift) / self.epsilon
        return tf.minimum(far, 0.0), tf.maximum(far, 0.0)

    def get_config(self):
        return {**super().get_config(), "num_squares": self.num_squares, "degree": self.degree,
                "epsilon": self.epsilon, "domain": self.domain,
                "coefficient_bound": self.coefficient_bound}


def horner(coefficients, x):
    """sum_n coefficients[..., n] x^n by Horner's rule (no powers: finite gradients at x = 0)."""
    *lower, value = tf.unstack(coefficients, axis=-1)
    for coefficient in reversed(lower):
        value = value * x + coefficient
    return value
