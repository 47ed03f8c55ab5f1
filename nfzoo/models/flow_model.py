"""`FlowModel`: a Keras 3 model made of nfzoo flow layers, trained by maximum likelihood.

The layers map data x to latents (the normalizing direction). With ``log_det`` the sum of the layers'
log-determinants and ``z_1 .. z_L`` the latents (one per `Split` that factors channels out, plus the final
output),

    log p(x) = sum_l log N(z_l; 0, I) + log_det,

and ``sample(n, T)`` decodes ``z ~ N(0, T^2 I)`` (Glow's temperature: every level's prior std times T).
``encode``/``decode`` are an exact inverse pair between x and the flat latent vector z of size D = prod(x.shape).
Loss = mean negative log-likelihood in nats per example; with ``n_bits`` set (discrete images quantised as in
`nfzoo.data.images`), the ``bits_per_dim`` metric is the NLL of the discrete data in bits per subpixel.

Dequantisation: the data arrive uniformly dequantised (x = bin corner + uniform noise). With a ``dequantizer``
(`nfzoo.models.dequantizer`, variational dequantisation) the model re-draws the noise inside each bin from
its learned q(u | bin), reusing the uniform noise as its source of randomness, and trains on / reports the
bound ``log p(y) - log q(u | bin)`` (`log_likelihood`); without one, `log_likelihood` is ``log p(x)``.

Conditional flows (``num_classes`` K or ``context_size`` C, `nfzoo.models.conditioning`) model ``p(x | c)``: every
conditional layer gets the context c, and ``log_prob(x, context)``, ``sample(n, temperature, seed, context)``,
``encode(x, context)``, ``decode(z, context)`` take it (integer labels for a class-conditional model, or float rows
[batch, C] / one row [C] for the whole batch). ``fit``/``evaluate`` take ``(x, c)`` datasets (labels already
one-hot). A class-conditional model without a context scores the mixture ``p(x) = (1/K) sum_y p(x | y)``, and its
encode, decode and sample take the labels 0, 1, .., K-1, 0, .. by position (so decode(encode(x)) = x, and
sample(n) shows every class), which lets the tools made for unconditional models run on it.
"""
import math
import warnings
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import check_float
from nfzoo.data.images import bits_per_dim
from nfzoo.deprecation import moved
from nfzoo.models.conditioning import batch_size, context_width, model_context
from nfzoo.models.signatures import save_signatures
from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES
from nfzoo.normal import standard_normal_log_prob


@keras.saving.register_keras_serializable(package="nfzoo")
class FlowModel(keras.Model):
    """A normalizing flow ``x -> z`` with a standard-normal base; see the module docstring.

    Args:
      flow_layers: `FlowLayer`s applied in order from data to latent.
      event_shape: shape of one example, e.g. ``(32, 32, 3)`` or ``(2,)``.
      n_bits: bits per subpixel of the discrete data (for ``bits_per_dim``); None for continuous data.
      dequantizer: optional `VariationalDequantizer` (images with ``n_bits`` only); None = uniform noise.
      num_classes: K for a class-conditional flow (context = one-hot label); None otherwise.
      context_size: C for a flow conditioned on float vectors (e.g. attributes); 0 = unconditional.
    """

    def __init__(self, flow_layers, event_shape, n_bits=None, dequantizer=None, num_classes=None, context_size=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.flow_layers = list(flow_layers)
        self.num_classes = num_classes
        self.context_size = context_width(num_classes, context_size)
        widths = {layer.context_size for layer in self.flow_layers} - {0}
        if widths - {self.context_size} or (self.context_size and not widths):
            raise ValueError(f"the conditional layers have context_size {sorted(widths)}; expected "
                             f"{self.context_size or 'none (an unconditional model)'}.")
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
        context = tf.zeros((1, self.context_size)) if self.context_size else None
        latents, _ = self._forward(tf.zeros((1, *self.data_event_shape)), context=context)
        self.latent_shapes = [tuple(z.shape[1:]) for z in latents]
        self.built = True

    # -- the flow --------------------------------------------------------------------------------------
    def _forward(self, x, training=False, initialize=False, context=None):
        h, log_det, latents = x, tf.zeros(tf.shape(x)[:1], x.dtype), []
        for layer in self.flow_layers:
            if initialize:
                layer.initialize(h)
            h, layer_log_det = layer(h, context=context, training=training) if layer.context_size else layer(
                h, training=training)
            log_det += layer_log_det
            if layer.factors_out:
                h, factored = layer.factor_out(h)
                latents.append(factored)
        latents.append(h)
        return latents, log_det

    def _inverse(self, latents, context=None):
        h, next_factored = latents[-1], len(latents) - 2
        for layer in reversed(self.flow_layers):
            if layer.factors_out:
                h = layer.merge(h, latents[next_factored])
                next_factored -= 1
            h = layer.inverse(h, context=context) if layer.context_size else layer.inverse(h)
        return h

    @property
    def is_conditional(self):
        """True for a flow of ``p(x | context)`` (built with ``num_classes`` or ``context_size``)."""
        return self.context_size > 0

    def check_context(self, context, batch):
        """The context of a batch of ``batch`` examples as float32 [batch, C] (None for an unconditional model);
        see `nfzoo.models.conditioning.model_context`. A class-conditional model given none takes the labels 0, 1,
        .., K-1, 0, .. by position."""
        if context is None and self.num_classes:
            context = tf.range(batch) % self.num_classes
        return model_context(context, batch, self.context_size, self.num_classes, self.name)

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
    def log_prob(self, x, context=None, training=False):
        """log p(x) (or log p(x | context)) per example, in nats, in the model's (continuous) data space."""
        x = self.check_input(x)
        x = tf.debugging.assert_all_finite(x, "FlowModel input contains NaN or Inf; expected finite floats")
        if self.num_classes and context is None:
            return self._mixture_log_prob(x, training)
        latents, log_det = self._forward(x, training=training, context=self.check_context(context, batch_size(x)))
        for z in latents:
            log_det += standard_normal_log_prob(z, event_ndims=len(z.shape) - 1)
        return log_det

    def _mixture_log_prob(self, x, training):
        """``log (1/K) sum_y p(x | y)`` of a class-conditional model: each example scored under every class."""
        k = self.num_classes
        every_class = tf.tile(tf.eye(k), [tf.shape(x)[0], 1])  # example i's rows i*K .. i*K + K-1: classes 0..K-1
        per_class = self.log_prob(tf.repeat(x, k, axis=0), every_class, training=training)
        return tf.reduce_logsumexp(tf.reshape(per_class, [-1, k]), axis=1) - math.log(k)

    def log_likelihood(self, x, context=None, training=False):
        """What training maximises and bits/dim reports, per example in nats: ``log_prob(x)`` for uniformly
        dequantised ``x``; with a dequantizer, the bound ``log p(y) - log q(u | k)`` for the bin k of each
        subpixel of ``x``, where u ~ q is drawn from the uniform noise already in ``x``. Given a context, both are
        conditional on it."""
        if self.dequantizer is None:
            return self.log_prob(x, context, training=training)
        x = self.check_input(x)
        bins = 2.0**self.n_bits
        position = (x + 0.5) * bins
        k = tf.floor(position)
        corner = k / bins - 0.5
        u, log_q = self.dequantizer(corner, position - k)
        return self.log_prob(corner + u / bins, context, training=training) - log_q

    def call(self, inputs, training=False):
        """`log_likelihood` of ``inputs``: ``x``, or ``(x, context)`` for a conditional model."""
        if self.context_size and isinstance(inputs, (tuple, list)):
            return self.log_likelihood(inputs[0], inputs[1], training=training)
        return self.log_likelihood(inputs, training=training)

    def bits_per_dim(self, x):
        """Per-example NLL of the discrete data in bits per subpixel (REFERENCE.md) from `log_likelihood`;
        needs ``n_bits``."""
        if self.n_bits is None:
            raise ValueError("bits_per_dim needs discrete data: build the model with n_bits (e.g. 8).")
        return bits_per_dim(self.log_likelihood(x), self.num_dims, self.n_bits)

    # -- latents ---------------------------------------------------------------------------------------
    def encode_levels(self, x, context=None):
        """x -> list of per-level latents (factored halves first, the top latent last)."""
        x = self.check_input(x)
        return self._forward(x, context=self.check_context(context, batch_size(x)))[0]

    def decode_levels(self, latents, context=None):
        latents = [tf.convert_to_tensor(z, tf.float32) for z in latents]
        return self._inverse(latents, self.check_context(context, batch_size(latents[-1])))

    def encode(self, x, context=None):
        """x -> flat latent z ``[batch, D]``; exact inverse of `decode` (with the same context)."""
        latents = self.encode_levels(x, context)
        return tf.concat([tf.reshape(z, [tf.shape(z)[0], -1]) for z in latents], axis=-1)

    def decode(self, z, context=None):
        """Flat latent z ``[batch, D]`` (and the context it was encoded with) -> x."""
        z = tf.convert_to_tensor(z, tf.float32)
        if z.shape[-1] != self.num_dims:
            raise ValueError(f"decode expects latents of shape [batch, {self.num_dims}], got {tuple(z.shape)}.")
        sizes = [int(np.prod(s)) for s in self.latent_shapes]
        parts = tf.split(z, sizes, axis=-1)
        return self.decode_levels([tf.reshape(p, [-1, *s]) for p, s in zip(parts, self.latent_shapes)], context)

    def latent_noise(self, n, seed=None):
        """n flat standard-normal latents [n, D]; the same ``seed`` gives the same draws."""
        shape = [int(n), self.num_dims]
        if seed is None:
            return tf.random.normal(shape)
        return tf.random.stateless_normal(shape, seed=[int(seed), 0])

    def sample(self, n, temperature=1.0, seed=None, context=None):
        """n samples with the prior std scaled by ``temperature``; the same ``seed`` gives the same samples. A
        conditional model samples ``x | context`` (a class-conditional one, without a context, the classes 0, 1, ..
        in turn)."""
        return self.decode(temperature * self.latent_noise(n, seed), context)

    def distribution(self):
        """This flow as a TFP distribution over flat x: ``TransformedDistribution(N(0, I_D), decode)``."""
        from nfzoo.bijectors.views import tfb, tfd
        from nfzoo.models.flow_model_bijector import FlowModelBijector

        return tfd.TransformedDistribution(
            tfd.Sample(tfd.Normal(0.0, 1.0), [self.num_dims]), tfb.Invert(FlowModelBijector(self))
        )

    # -- export ----------------------------------------------------------------------------------------
    def export(self, filepath, format="tf_saved_model", verbose=None, directions=None, max_batch=MAX_BATCH,
               max_samples=MAX_SAMPLES):
        """Keras 3's ``Model.export``: writes ``filepath`` as a TF-Serving-ready SavedModel with the named signatures
        of ``nfzoo export`` (``serving_default`` = ``log_prob``, ``encode``, ``decode``, ``sample``; with attribute
        ``directions``, ``{"names", "directions"}``, also ``manipulate`` / ``manipulate_by_name``); see
        `nfzoo.models.signatures`. ``max_batch`` / ``max_samples`` bound what one request may ask for."""
        if format != "tf_saved_model":
            raise ValueError(f"FlowModel.export writes format 'tf_saved_model' (TF Serving), got {format!r}")
        path = save_signatures(self, filepath, directions, max_batch=max_batch, max_samples=max_samples)
        if verbose:
            print(f"Saved the SavedModel of {self.name} at {path}")
        return path

    def export_serving(self, base_dir, version=1, overwrite=False, **kwargs):
        """Deprecated (until nfzoo 0.2): ``nfzoo.serving.export_serving(flow, base_dir, version)``, or
        ``flow.export(base_dir / version)``. Writes ``base_dir/<version>/``."""
        warnings.warn("FlowModel.export_serving is deprecated: use nfzoo.serving.export_serving(flow, base_dir, "
                      "version) or flow.export(path)", DeprecationWarning, stacklevel=2)
        target = Path(base_dir) / str(int(version))
        if target.exists() and not overwrite:
            raise ValueError(f"{target} already exists: choose another version or pass overwrite=True")
        return self.export(target, **kwargs)

    # -- data-dependent initialisation -----------------------------------------------------------------
    @property
    def is_initialized(self):
        """True when every data-initialised layer (ActNorm) has seen data."""
        return all(layer.is_initialized for layer in self.flow_layers if hasattr(layer, "is_initialized"))

    def initialize(self, x, context=None):
        """Data-dependent initialisation (ActNorm) on a batch of real data (and its context), layer by layer."""
        x = self.check_input(x)
        self._forward(x, initialize=True, context=self.check_context(context, batch_size(x)))

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after initialising ActNorm layers on the first batch if they are not yet. A
        conditional model takes ``(x, context)`` batches, or arrays ``x`` and ``y`` = the context."""
        if not self.is_initialized:
            batch, context = first_batch(x, y, kwargs.get("batch_size"))
            self.initialize(batch, context if self.context_size else None)
        if isinstance(x, tf.data.Dataset):  # a dataset is shuffled by its pipeline: Keras would warn and ignore it
            kwargs.setdefault("shuffle", False)
        return super().fit(x, y, **kwargs)

    def train_step(self, data):
        return super().train_step(self._with_context(data))

    def test_step(self, data):
        return super().test_step(self._with_context(data))

    def _with_context(self, data):
        """A conditional model's ``(x, context)`` batch as Keras' inputs ``((x, context),)``, so that `call`
        sees the context (Keras would hand it to the loss as a target)."""
        if self.context_size and isinstance(data, (tuple, list)) and len(data) >= 2:
            return ((data[0], data[1]),)
        return data

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
            **({"num_classes": self.num_classes} if self.num_classes else {}),
            **({"context_size": self.context_size} if self.context_size and not self.num_classes else {}),
        }

    @classmethod
    def from_config(cls, config):
        layers = [keras.saving.deserialize_keras_object(c) for c in config.pop("flow_layers")]
        dequantizer = config.pop("dequantizer", None)
        dequantizer = None if dequantizer is None else keras.saving.deserialize_keras_object(dequantizer)
        return cls(flow_layers=layers, dequantizer=dequantizer, **config)


def first_batch(data, y=None, batch_size=None):
    """``(x, y)`` of the first batch of a tf.data.Dataset of x or (x, y, ...) tuples, or the first rows of arrays
    ``data`` and ``y`` (y None when there is none)."""
    if isinstance(data, tf.data.Dataset):
        element = next(iter(data))
        if not isinstance(element, (tuple, list)):
            return element, None
        return element[0], element[1] if len(element) > 1 else None
    rows = slice(0, batch_size or 256)
    return np.asarray(data)[rows], None if y is None else np.asarray(y)[rows]


# moved to nfzoo.models.flow_model_bijector, imported with TFP on first use (until nfzoo 0.2)
__getattr__ = moved(__name__, {"nfzoo.models.flow_model_bijector": ["FlowModelBijector"]})
