"""`FlowModel`: a Keras 3 model made of nfzoo flow layers, trained by maximum likelihood.

The layers map data x to latents (the normalizing direction). With ``log_det`` the sum of the layers'
log-determinants and ``z_1 .. z_L`` the latents (one per `Split` that factors channels out, plus the final
output),

    log p(x) = sum_l log N(z_l; 0, I) + log_det,

and ``sample(n, T)`` decodes ``z ~ N(0, T^2 I)`` (Glow's temperature: every level's prior std times T).
``encode``/``decode`` are an exact inverse pair between x and the flat latent vector z of size D = prod(x.shape).
Loss = mean negative log-likelihood in nats per example; with ``n_bits`` set (discrete images quantised as in
`nfzoo.data.preprocess`), the ``bits_per_dim`` metric is the NLL of the discrete data in bits per subpixel.

Dequantisation: the data arrive uniformly dequantised (x = bin corner + uniform noise). With a ``dequantizer``
(`nfzoo.models.dequantizer`, variational dequantisation) the model re-draws the noise inside each bin from
its learned q(u | bin), reusing the uniform noise as its source of randomness, and trains on / reports the
bound ``log p(y) - log q(u | bin)`` (`log_likelihood`); without one, `log_likelihood` is ``log p(x)``.
"""
import math

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from nfzoo.bijectors.base import check_float
from nfzoo.data.preprocess import bits_per_dim

tfb, tfd = tfp.bijectors, tfp.distributions

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


@keras.saving.register_keras_serializable(package="nfzoo")
class FlowModel(keras.Model):
    """A normalizing flow ``x -> z`` with a standard-normal base; see the module docstring.

    Args:
      flow_layers: `FlowLayer`s applied in order from data to latent.
      event_shape: shape of one example, e.g. ``(32, 32, 3)`` or ``(2,)``.
      n_bits: bits per subpixel of the discrete data (for ``bits_per_dim``); None for continuous data.
      dequantizer: optional `VariationalDequantizer` (images with ``n_bits`` only); None = uniform noise.
    """

    def __init__(self, flow_layers, event_shape, n_bits=None, dequantizer=None, **kwargs):
        super().__init__(**kwargs)
        self.flow_layers = list(flow_layers)
        self.data_event_shape = tuple(int(d) for d in event_shape)
        self.n_bits = n_bits
        if dequantizer is not None and (n_bits is None or len(self.data_event_shape) != 3):
            raise ValueError("a dequantizer needs discrete images: an event shape (H, W, C) and n_bits.")
        self.dequantizer = dequantizer
        self.num_dims = int(np.prod(self.data_event_shape))
        self.latent_dim = self.num_dims  # a flow's flat latent has the data's size (a VAE's has its own)
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")
        self.build((None, *self.data_event_shape))

    def build(self, input_shape):
        if self.dequantizer is not None:
            self.dequantizer(tf.zeros((1, *self.data_event_shape)), tf.fill((1, *self.data_event_shape), 0.5))
        latents, _ = self._forward(tf.zeros((1, *self.data_event_shape)))
        self.latent_shapes = [tuple(z.shape[1:]) for z in latents]
        self.built = True

    # -- the flow --------------------------------------------------------------------------------------
    def _forward(self, x, training=False, initialize=False):
        h, log_det, latents = x, tf.zeros(tf.shape(x)[:1], x.dtype), []
        for layer in self.flow_layers:
            if initialize:
                layer.initialize(h)
            h, layer_log_det = layer(h, training=training)
            log_det += layer_log_det
            if layer.factors_out:
                h, factored = layer.factor_out(h)
                latents.append(factored)
        latents.append(h)
        return latents, log_det

    def _inverse(self, latents):
        h, next_factored = latents[-1], len(latents) - 2
        for layer in reversed(self.flow_layers):
            if layer.factors_out:
                h = layer.merge(h, latents[next_factored])
                next_factored -= 1
            h = layer.inverse(h)
        return h

    def check_input(self, x):
        """Converts ``x`` to float32 and checks it is a batch of this model's events."""
        check_float(x, "FlowModel")
        x = tf.convert_to_tensor(x, tf.float32)
        if tuple(x.shape[1:]) != self.data_event_shape and None not in x.shape[1:]:
            raise ValueError(
                f"FlowModel expects a batch of shape [batch, {', '.join(map(str, self.data_event_shape))}], "
                f"got {tuple(x.shape)}."
            )
        return x

    # -- densities -------------------------------------------------------------------------------------
    def log_prob(self, x, training=False):
        """log p(x) per example, in nats, in the model's (continuous) data space."""
        x = self.check_input(x)
        x = tf.debugging.assert_all_finite(x, "FlowModel input contains NaN or Inf; expected finite floats")
        latents, log_det = self._forward(x, training=training)
        for z in latents:
            log_det += tf.reduce_sum(-0.5 * tf.square(z) - HALF_LOG_TWO_PI, axis=list(range(1, len(z.shape))))
        return log_det

    def log_likelihood(self, x, training=False):
        """What training maximises and bits/dim reports, per example in nats: ``log_prob(x)`` for uniformly
        dequantised ``x``; with a dequantizer, the bound ``log p(y) - log q(u | k)`` for the bin k of each
        subpixel of ``x``, where u ~ q is drawn from the uniform noise already in ``x``."""
        if self.dequantizer is None:
            return self.log_prob(x, training=training)
        x = self.check_input(x)
        bins = 2.0**self.n_bits
        position = (x + 0.5) * bins
        k = tf.floor(position)
        corner = k / bins - 0.5
        u, log_q = self.dequantizer(corner, position - k)
        return self.log_prob(corner + u / bins, training=training) - log_q

    def call(self, x, training=False):
        return self.log_likelihood(x, training=training)

    def bits_per_dim(self, x):
        """Per-example NLL of the discrete data in bits per subpixel (REFERENCE.md) from `log_likelihood`;
        needs ``n_bits``."""
        if self.n_bits is None:
            raise ValueError("bits_per_dim needs discrete data: build the model with n_bits (e.g. 8).")
        return bits_per_dim(self.log_likelihood(x), self.num_dims, self.n_bits)

    # -- latents ---------------------------------------------------------------------------------------
    def encode_levels(self, x):
        """x -> list of per-level latents (factored halves first, the top latent last)."""
        return self._forward(self.check_input(x))[0]

    def decode_levels(self, latents):
        return self._inverse([tf.convert_to_tensor(z, tf.float32) for z in latents])

    def encode(self, x):
        """x -> flat latent z ``[batch, D]``; exact inverse of `decode`."""
        latents = self.encode_levels(x)
        return tf.concat([tf.reshape(z, [tf.shape(z)[0], -1]) for z in latents], axis=-1)

    def decode(self, z):
        """Flat latent z ``[batch, D]`` -> x."""
        z = tf.convert_to_tensor(z, tf.float32)
        if z.shape[-1] != self.num_dims:
            raise ValueError(f"decode expects latents of shape [batch, {self.num_dims}], got {tuple(z.shape)}.")
        sizes = [int(np.prod(s)) for s in self.latent_shapes]
        parts = tf.split(z, sizes, axis=-1)
        return self.decode_levels([tf.reshape(p, [-1, *s]) for p, s in zip(parts, self.latent_shapes)])

    def latent_noise(self, n, seed=None):
        """n flat standard-normal latents [n, D]; the same ``seed`` gives the same draws."""
        shape = [int(n), self.num_dims]
        if seed is None:
            return tf.random.normal(shape)
        return tf.random.stateless_normal(shape, seed=[int(seed), 0])

    def sample(self, n, temperature=1.0, seed=None):
        """n samples with the prior std scaled by ``temperature``; the same ``seed`` gives the same samples."""
        return self.decode(temperature * self.latent_noise(n, seed))

    def distribution(self):
        """This flow as a TFP distribution over flat x: ``TransformedDistribution(N(0, I_D), decode)``."""
        return tfd.TransformedDistribution(
            tfd.Sample(tfd.Normal(0.0, 1.0), [self.num_dims]), tfb.Invert(FlowModelBijector(self))
        )

    def export_serving(self, base_dir, version=1, **kwargs):
        """Writes ``base_dir/<version>/`` for TF Serving; see `nfzoo.serving.export_serving`."""
        from nfzoo.serving import export_serving  # imported here: nfzoo.serving imports this module

        return export_serving(self, base_dir, version=version, **kwargs)

    # -- data-dependent initialisation -----------------------------------------------------------------
    @property
    def is_initialized(self):
        """True when every data-initialised layer (ActNorm) has seen data."""
        return all(layer.is_initialized for layer in self.flow_layers if hasattr(layer, "is_initialized"))

    def initialize(self, x):
        """Data-dependent initialisation (ActNorm) on a batch of real data, layer by layer."""
        self._forward(self.check_input(x), initialize=True)

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after initialising ActNorm layers on the first batch if they are not yet."""
        if not self.is_initialized:
            self.initialize(first_batch(x, kwargs.get("batch_size")))
        return super().fit(x, y, **kwargs)

    # -- Keras training hooks --------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Mean NLL (nats/example) of ``y_pred = log p(x)``, scaled for the replicas of a tf.distribute run."""
        loss = -tf.reduce_mean(y_pred)
        if self.losses:
            loss += tf.add_n([tf.reduce_sum(extra) for extra in self.losses])
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        return loss / replicas if replicas > 1 else loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if self.n_bits is not None:
            self.bits_per_dim_tracker.update_state(bits_per_dim(y_pred, self.num_dims, self.n_bits))
        results = {m.name: m.result() for m in self.metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3 reduces step outputs across workers with reduce("MEAN", axis=0), which fails on
            # scalars (tensorflow/tensorflow#72388): give each a length-1 axis to reduce over.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    @property
    def metrics(self):
        trackers = [self._loss_tracker] if getattr(self, "_loss_tracker", None) is not None else []
        return trackers + ([self.bits_per_dim_tracker] if self.n_bits is not None else [])

    def get_config(self):
        return {
            **super().get_config(),
            "flow_layers": [keras.saving.serialize_keras_object(layer) for layer in self.flow_layers],
            "event_shape": list(self.data_event_shape),
            "n_bits": self.n_bits,
            "dequantizer": None if self.dequantizer is None else keras.saving.serialize_keras_object(self.dequantizer),
        }

    @classmethod
    def from_config(cls, config):
        layers = [keras.saving.deserialize_keras_object(c) for c in config.pop("flow_layers")]
        dequantizer = config.pop("dequantizer", None)
        dequantizer = None if dequantizer is None else keras.saving.deserialize_keras_object(dequantizer)
        return cls(flow_layers=layers, dequantizer=dequantizer, **config)


class FlowModelBijector(tfb.Bijector):
    """A `FlowModel` as a TFP bijector from flat x ``[D]`` to flat z ``[D]`` (forward = encode)."""

    def __init__(self, model):
        self._model = model
        super().__init__(forward_min_event_ndims=1, parameters=dict(locals()), name="flow_model")

    @classmethod
    def _parameter_properties(cls, dtype, num_classes=None):
        return {}

    def _flat_x(self, x):
        return tf.reshape(x, [-1, *self._model.data_event_shape])

    def _forward(self, x):
        return tf.reshape(self._model.encode(self._flat_x(x)), tf.shape(x))

    def _inverse(self, z):
        x = self._model.decode(tf.reshape(z, [-1, self._model.num_dims]))
        return tf.reshape(x, tf.shape(z))

    def _forward_log_det_jacobian(self, x):
        _, log_det = self._model._forward(self._flat_x(x))
        return tf.reshape(log_det, tf.shape(x)[:-1])


def first_batch(data, batch_size=None):
    """The first batch of x from a tf.data.Dataset of x or (x, ...) tuples, or the first rows of an array."""
    if isinstance(data, tf.data.Dataset):
        element = next(iter(data))
        return element[0] if isinstance(element, (tuple, list)) else element
    return np.asarray(data)[: batch_size or 256]
