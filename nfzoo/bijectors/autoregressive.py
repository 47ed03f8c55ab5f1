"""Autoregressive flows on vectors: a MADE conditioner and an elementwise monotone transformer.

Every layer here is ``y_i = tau(x_i; theta_i)`` with ``theta_i = MADE(x_<i, context)``: the Jacobian dy/dx is
triangular (in the MADE's input order), so

    log|det dy/dx| = sum_i log tau'(x_i; theta_i).

The forward map is ONE MADE pass. The inverse is D sweeps: start from x = 0 and repeat
``x <- tau^{-1}(y; theta(x))``; after sweep t the first t dimensions (in order) are exact, so D sweeps give
x exactly. Transformers without a closed-form inverse (NAF, SOS) invert elementwise by bisection, which
needs only monotonicity and a bracket (`nfzoo.bijectors.bisection`: exact value, implicit-function gradient).
An optional context vector c (``context_size > 0``) enters the MADE: call ``layer(x, context=c)`` and
``layer.inverse(y, context=c)``; c broadcasts over the batch.

`MaskedAutoregressive` is the affine transformer, in two parameterisations of the same family:

* MAF (Papamakarios et al. 2017), ``iaf=False``: ``y = (x - mu) * exp(-alpha)``, log-det ``-sum alpha``.
  In a `FlowModel` (layers map data -> noise) this makes the density ``log p(x)`` one pass per layer and
  sampling D passes.
* IAF (Kingma et al. 2016), ``iaf=True``: ``y = x * exp(alpha) + mu``, log-det ``+sum alpha``, where the
  layer input x is the noise side: used forward from base noise (as in variational inference, like the
  planar and radial flows), a sample and its log-density take one pass per layer; evaluating the density
  of a given point needs the inverse, D passes.

The log-scale is softly bounded, alpha = b * tanh(a / b) with a the raw MADE output and b =
``log_scale_bound``: slope 1 at 0, |alpha| < b, so a layer scales by at most exp(+-b) and the sweeps cannot
overflow. The MADE's last layer starts at zero, so an affine layer starts as the identity.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer, LayerFunction
from nfzoo.bijectors.batching import flatten_batch, unflatten_batch
from nfzoo.bijectors.bisection import bisect
from nfzoo.bijectors.made import MADE


class AutoregressiveFlow(FlowLayer):
    """Abstract base of the MADE-conditioned elementwise flows; see the module docstring.

    Subclasses pass ``num_params`` (parameters per dimension) and implement ``transform(x, params)`` ->
    ``(y, log tau'(x))`` elementwise, plus either ``transform_inverse(y, params)`` or ``bracket(y, params)``
    -> ``(lo, hi)`` with tau(lo) <= y <= tau(hi) for the default bisection.

    Args:
      num_params: MADE outputs per input dimension.
      hidden_units: hidden layer sizes of the MADE.
      activation: hidden activation of the MADE.
      input_order: ``"left-to-right"`` or ``"right-to-left"`` (alternate them when stacking layers).
      context_size: width of the optional conditioning vector (0 = unconditional).

    TFP view: a live `LayerBijector` on this math; pass ``context=c`` to its methods for a conditional layer.
    """

    min_event_rank = 1
    max_event_rank = 1

    def __init__(self, num_params, hidden_units=(64, 64), activation="relu", input_order="left-to-right",
                 context_size=0, **kwargs):
        super().__init__(**kwargs)
        self.context_size = int(context_size)
        self.made = MADE(params=num_params, hidden_units=hidden_units, activation=activation,
                         input_order=input_order, context_size=context_size, dtype=self.dtype_policy, name="made")

    def build_event(self, event_shape):
        self.made.build((None, event_shape[0]))

    def conditioner(self, x, context=None):
        """theta(x_<i, context): ``[batch, D, num_params]``."""
        if context is None:
            return self.made(x)
        return self.made(x, tf.convert_to_tensor(context, x.dtype))

    def forward(self, x, training=False, context=None):
        y, log_derivative = self.transform(x, self.conditioner(x, context))
        return y, tf.reduce_sum(log_derivative, axis=-1)

    @tf.function(reduce_retracing=True)
    def inverse(self, y, context=None):
        """D sweeps of ``x <- tau^{-1}(y; theta(x))`` from x = 0, compiled (the loop is many small ops)."""

        def sweep(x):
            return (self.transform_inverse(y, self.conditioner(x, context)),)

        (x,) = tf.while_loop(lambda x: True, sweep, (tf.zeros_like(y),), maximum_iterations=self.event_shape[0])
        return x

    def transform(self, x, params):
        """-> ``(tau(x; params), log tau'(x; params))``, both ``[batch, D]``."""
        raise NotImplementedError

    def transform_inverse(self, y, params):
        """tau^{-1}(y; params) elementwise; default: bisection inside ``bracket(y, params)``."""
        lo, hi = self.bracket(y, params)
        return bisect(lambda x: self.transform(x, params)[0], y, lo, hi)

    def bracket(self, y, params):
        raise NotImplementedError

    def get_config(self):
        return {
            **super().get_config(),
            "hidden_units": self.made.hidden_units,
            "activation": self.made.activation_name,
            "input_order": self.made.input_order,
            "context_size": self.made.context_size,
        }


@keras.saving.register_keras_serializable(package="nfzoo")
class MaskedAutoregressive(AutoregressiveFlow):
    """Affine autoregressive flow, MAF (``iaf=False``) or IAF (``iaf=True``); see the module docstring.

    Args:
      hidden_units, activation, input_order, context_size: of the MADE (see `AutoregressiveFlow`).
      log_scale_bound: b in alpha = b * tanh(a / b).
      iaf: False: ``y = (x - mu) exp(-alpha)``; True: ``y = x exp(alpha) + mu``.
    """

    def __init__(self, hidden_units=(64, 64), activation="relu", input_order="left-to-right",
                 log_scale_bound=3.0, iaf=False, context_size=0, **kwargs):
        super().__init__(num_params=2, hidden_units=hidden_units, activation=activation, input_order=input_order,
                         context_size=context_size, **kwargs)
        if not log_scale_bound > 0:
            raise ValueError(f"log_scale_bound must be > 0, got {log_scale_bound}.")
        self.log_scale_bound = float(log_scale_bound)
        self.iaf = bool(iaf)

    def _shift_and_log_scale(self, params):
        shift, raw_log_scale = tf.unstack(params, num=2, axis=-1)
        b = self.log_scale_bound
        return shift, b * tf.tanh(raw_log_scale / b)

    def shift_and_log_scale(self, x, context=None):
        """``(mu(x), alpha(x))``, each ``[batch, D]``; the i-th entries depend only on x_<i (in order)."""
        return self._shift_and_log_scale(self.conditioner(x, context))

    def transform(self, x, params):
        shift, log_scale = self._shift_and_log_scale(params)
        if self.iaf:
            return x * tf.exp(log_scale) + shift, log_scale
        return (x - shift) * tf.exp(-log_scale), -log_scale

    def transform_inverse(self, y, params):
        shift, log_scale = self._shift_and_log_scale(params)
        if self.iaf:
            return (y - shift) * tf.exp(-log_scale)
        return y * tf.exp(log_scale) + shift

    @property
    def bijector(self):
        """``tfb.Invert(tfb.MaskedAutoregressiveFlow(fn))``. TFP's MAF forward is the D-pass map
        ``y = x exp(l(y)) + s(y)``; its one-pass inverse ``x = (y - s(y)) exp(-l(y))`` is the forward of the
        Invert, which equals this layer with (s, l) = (mu, alpha) for MAF and (-mu exp(-alpha), -alpha) for
        IAF. Pass ``context=c`` to its methods for a conditional layer (TFP forwards it to ``fn``). ``fn`` is a
        `LayerFunction`: the view lists the MADE's variables and reads them at every use."""
        from nfzoo.bijectors.views import tfb


        def shift_and_log_scale_fn(x, context=None):
            flat, context, batch = flatten_batch(x, self.event_shape, context)
            shift, log_scale = (unflatten_batch(t, batch) for t in self.shift_and_log_scale(flat, context))
            return (-shift * tf.exp(-log_scale), -log_scale) if self.iaf else (shift, log_scale)

        function = LayerFunction(self, shift_and_log_scale_fn)
        return tfb.Invert(tfb.MaskedAutoregressiveFlow(shift_and_log_scale_fn=function))

    def get_config(self):
        return {**super().get_config(), "log_scale_bound": self.log_scale_bound, "iaf": self.iaf}
