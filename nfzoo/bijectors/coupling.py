"""Coupling layers: NICE (additive) and Real NVP / Glow (affine).

The input is split by a mask into a conditioning part ``x_a`` (copied) and a transformed part ``x_b``:

    additive:  y_b = x_b + t(x_a),                       log|det J| = 0
    affine:    y_b = (x_b + t(x_a)) * s(x_a),  log s = max(log_sigmoid(h(x_a) + 2), -b),   log|det J| = sum log s

(Glow's form: the scale is in (0, 1) and starts near 0.88, the last conv of the network is zero-initialised.)
The floor e^-b on the scale (``log_scale_bound`` b, default `MAX_LOG_SCALE` = 10) bounds the inverse: it
multiplies by at most e^b (e^10 ~ 2.2e4), where Glow's unbounded form overflowed float32 at |x| ~ 1e3. Trained
networks stay inside it on their data (the shipped Glow and Real NVP models: log s >= -3.1 on their data and T=0.7
samples; a few of glow_celeba's T=1 samples reach it: scripts/round_trip.py), where the layer is exactly Glow's;
below it the scale is constant (no gradient to h there). A latent edited far from
the prior can still drive a network out of its training range, and then every later coupling's inverse may
multiply by e^b until float32 overflows: a small b (e.g. 3, glow_celeba64) keeps such decodes finite.

Masks: ``"channel"`` splits the last axis in halves (channels of an image, features of a vector);
``"checkerboard"`` (images) conditions on the pixels with ``(row + col + parity)`` even. ``parity`` flips
which half is transformed, so alternating layers update everything.

Conditional (``context_size`` C > 0): t and s also see a context vector c, ``t(x_a, c)``, ``s(x_a, c)``: the
conditioner network takes a learned projection of c beside x_a (`CouplingNetwork`), zero at the start. The
log-det keeps its form; c is fixed for the map, so it has no Jacobian of its own.
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import MAX_LOG_SCALE, FlowLayer, LayerFunction
from nfzoo.bijectors.batching import flatten_batch, unflatten_batch
from nfzoo.bijectors.networks import CouplingNetwork


KINDS = ("additive", "affine")
MASKS = ("channel", "checkerboard")


@keras.saving.register_keras_serializable(package="nfzoo")
class Coupling(FlowLayer):
    """Additive or affine coupling with a channel/half or checkerboard mask; see the module docstring."""

    def __init__(self, kind="affine", mask="channel", parity=0, hidden=512, num_hidden=2, network_dtype=None,
                 dropout=0.0, context_size=0, log_scale_bound=MAX_LOG_SCALE, **kwargs):
        super().__init__(**kwargs)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
        if mask not in MASKS:
            raise ValueError(f"mask must be one of {MASKS}, got {mask!r}.")
        if parity not in (0, 1):
            raise ValueError(f"parity must be 0 or 1, got {parity!r}.")
        if not (isinstance(log_scale_bound, (int, float)) and 0 < log_scale_bound < np.inf):
            raise ValueError(f"log_scale_bound must be a positive number (log s >= -bound), got {log_scale_bound!r}.")
        self.kind, self.mask, self.parity = kind, mask, parity
        self.hidden, self.num_hidden = hidden, num_hidden
        self.network_dtype = network_dtype  # dtype policy of the conditioner (networks.network_dtype)
        self.dropout = dropout  # the conditioner's dropout rate in training (CouplingNetwork)
        self.context_size = int(context_size)
        self.log_scale_bound = float(log_scale_bound)  # log s >= -log_scale_bound (affine couplings)

    def build_event(self, event_shape):
        channels = event_shape[-1]
        if self.mask == "checkerboard":
            if len(event_shape) != 3:
                raise ValueError(
                    f"a checkerboard coupling needs images [batch, H, W, C], got event shape {event_shape}."
                )
            rows, cols = np.meshgrid(np.arange(event_shape[0]), np.arange(event_shape[1]), indexing="ij")
            self.checker = ((rows + cols + self.parity) % 2 == 0).astype(self.compute_dtype)[..., None]
            transformed = channels
            net_input = event_shape
        else:
            if channels < 2:
                raise ValueError(
                    f"a channel coupling splits the last axis in two and needs at least 2 channels/features, "
                    f"got event shape {event_shape}; use mask='checkerboard' for 1-channel images."
                )
            self.num_cond = channels // 2
            transformed = channels - self.num_cond
            net_input = (*event_shape[:-1], self.num_cond)
        self.num_transformed = transformed
        outputs = transformed * (2 if self.kind == "affine" else 1)
        self.network = CouplingNetwork(
            outputs, hidden=self.hidden, num_hidden=self.num_hidden, dropout=self.dropout,
            context_size=self.context_size, dtype=self.network_dtype or self.dtype_policy, name="network",
        )
        self.network.build((None, *net_input))

    def _split(self, x):
        """-> (conditioning, transformed) parts of ``x``."""
        if self.mask == "checkerboard":
            return x * self.checker, x
        # tf.split, not slicing: its gradient is a concat, a sliced tensor's gradient is a zero-filled scatter.
        if self.parity == 0:
            return tf.split(x, [self.num_cond, self.num_transformed], axis=-1)
        transformed, cond = tf.split(x, [self.num_transformed, self.num_cond], axis=-1)
        return cond, transformed

    def _merge(self, cond, y_b):
        if self.mask == "checkerboard":
            return cond + (1.0 - self.checker) * y_b
        return tf.concat([cond, y_b] if self.parity == 0 else [y_b, cond], axis=-1)

    def shift_and_log_scale(self, cond, training=False, context=None):
        """-> (t, log s) of the module docstring; log s is None for additive couplings."""
        h = self.network(cond, context=context, training=training)
        if self.kind == "additive":
            return h, None
        shift, raw = tf.split(h, 2, axis=-1)
        return shift, tf.maximum(tf.math.log_sigmoid(raw + 2.0), -self.log_scale_bound)

    def log_scale(self, x, context=None):
        """log s(x_a) of the forward at ``x`` (0 where a checkerboard copies); None for an additive coupling."""
        cond, _ = self._split(x)
        _, log_scale = self.shift_and_log_scale(cond, context=context)
        return None if log_scale is None else self._mask_log_scale(log_scale)

    def _mask_log_scale(self, log_scale):
        return log_scale * (1.0 - self.checker) if self.mask == "checkerboard" else log_scale

    def forward(self, x, training=False, context=None):
        cond, x_b = self._split(x)
        shift, log_scale = self.shift_and_log_scale(cond, training=training, context=context)
        if log_scale is None:
            return self._merge(cond, x_b + shift), self.per_example(0.0, x)
        log_scale = self._mask_log_scale(log_scale)
        y_b = (x_b + shift) * tf.exp(log_scale)
        return self._merge(cond, y_b), self.sum_event(log_scale)

    def inverse(self, y, context=None):
        cond, y_b = self._split(y)
        shift, log_scale = self.shift_and_log_scale(cond, context=context)
        if log_scale is not None:
            y_b = y_b * tf.exp(-self._mask_log_scale(log_scale))
        return self._merge(cond, y_b - shift)

    @property
    def bijector(self):
        """Channel masks: stock ``tfb.RealNVP`` (y_b = x_b * exp(log s) + t * s) whose function is a
        `LayerFunction` on this layer's network; checkerboard: a LayerBijector. Both live, and both take
        ``context=c`` for a conditional layer (tfb.RealNVP hands it to the function)."""
        from nfzoo.bijectors.views import LayerBijector, tfb

        if self.mask == "checkerboard":
            return LayerBijector(self)

        def shift_and_log_scale_fn(cond, _num_outputs, context=None):
            flat, context, batch = flatten_batch(cond, (*self.event_shape[:-1], self.num_cond), context)
            shift, log_scale = self.shift_and_log_scale(flat, context=context)
            if log_scale is None:
                return unflatten_batch(shift, batch), None
            return unflatten_batch(shift * tf.exp(log_scale), batch), unflatten_batch(log_scale, batch)

        num_masked = self.num_cond if self.parity == 0 else -self.num_cond
        return tfb.RealNVP(num_masked=num_masked, shift_and_log_scale_fn=LayerFunction(self, shift_and_log_scale_fn))

    def get_config(self):
        return {
            **super().get_config(),
            "kind": self.kind,
            "mask": self.mask,
            "parity": self.parity,
            "hidden": self.hidden,
            "num_hidden": self.num_hidden,
            "network_dtype": self.network_dtype,
            "dropout": self.dropout,
            **({"context_size": self.context_size} if self.context_size else {}),
            **({"log_scale_bound": self.log_scale_bound} if self.log_scale_bound != MAX_LOG_SCALE else {}),
        }
