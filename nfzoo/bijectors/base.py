"""The contract every nfzoo flow piece follows.

A `FlowLayer` is a Keras 3 layer that owns its weights and is an invertible map ``y = f(x)``.

* ``layer(x, training=False)`` returns ``(y, log_det)`` where ``log_det[b] = log|det df/dx|`` of example
  ``b`` (summed over the event dimensions). This is the fast path used in training: direct tensor ops on a
  batch ``[batch, *event_shape]`` (one batch axis).
* ``layer.inverse(y)`` returns ``x = f^{-1}(y)``.
* A conditional layer (built with ``context_size`` C > 0) is a family of maps ``y = f(x; c)`` indexed by a context
  vector ``c [batch, C]`` (a one-hot class, attributes): ``layer(x, context=c)``, ``layer.inverse(y, context=c)``,
  and its views take TFP's conditional keyword (``view.forward(x, context=c)``, ``TransformedDistribution.log_prob(
  y, bijector_kwargs={"context": c})``). ``c [1, C]`` applies to the whole batch. A conditional layer called
  without a context, or an unconditional one called with a context, raises one ValueError. The context maps are
  zero-initialised: a fresh conditional layer computes its unconditional twin's map for every c.
* ``layer.bijector`` is a TensorFlow Probability bijector on the same weights, giving the same numbers
  (``forward``, ``inverse``, ``forward_log_det_jacobian(x, event_ndims)``), so nfzoo flows compose with
  ``tfb.Chain``, ``tfd.TransformedDistribution`` and the rest of TFP. Layers with a stock TFP equivalent
  return it (``tfb.ScaleMatvecLU``, ``tfb.RealNVP``, ``tfb.Permute``, ...); the others return a
  `LayerBijector`, a ``tfb.Bijector`` whose ``_forward``/``_inverse``/``_forward_log_det_jacobian``
  are this layer's math.

Every view is live: it reads the layer's variables each time it runs (the variables themselves, a
``tfp.util.DeferredTensor`` or the layer's own math), so a view or a ``TransformedDistribution`` built once
follows every later change of the weights, gradients flow through it to the weights, and
``view.trainable_variables`` lists the layer's trainable variables. Views take any number of leading batch
axes (none for a single event). Like every TFP bijector, a view caches ``forward(x)`` by the identity of the
tensor ``x`` while its result is alive: after changing the weights, pass a new tensor.

The views live in `nfzoo.bijectors.views`, the one module that imports TensorFlow Probability: a layer imports it
inside ``bijector``, so a process that never asks for a view never loads TFP.

Inputs are float tensors ``[batch, *event_shape]`` (channels-last for images), float32 or float64 (build the
layer with ``dtype="float64"``). Bad input raises one `ValueError` naming what was expected.
"""
import keras
import tensorflow as tf

from nfzoo.bijectors.batching import layer_variables
from nfzoo.deprecation import moved

MAX_LOG_SCALE = 10.0  # input-dependent affine maps (couplings, split priors) scale by at most e^10 per element


class FlowLayer(keras.layers.Layer):
    """Base class: an invertible Keras 3 layer with a per-example log-determinant.

    Subclasses implement ``forward(x, training)`` -> ``(y, log_det)`` and ``inverse(y)`` -> ``x``, and may
    override ``build_event(event_shape)`` (create weights, validate the shape), ``output_event_shape``
    (for shape-changing layers) and ``bijector`` (a stock TFP view).

    Attributes:
      min_event_rank: the smallest event rank the layer accepts (1 = vectors, 3 = images HxWxC).
      max_event_rank: the largest event rank the layer accepts.
      factors_out: True for multi-scale split layers, whose output a `FlowModel` partly sets aside.
      context_size: 0 for an unconditional layer, else the width C of its context; a conditional layer's
        ``forward`` and ``inverse`` take ``context`` [batch or 1, C] as a keyword argument.
    """

    min_event_rank = 1
    max_event_rank = 3
    factors_out = False
    context_size = 0  # width C of the context vector; conditional layers set it from their constructor

    def build(self, input_shape):
        event_shape = tuple(input_shape[1:])
        rank = len(event_shape)
        if not self.min_event_rank <= rank <= self.max_event_rank:
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape [batch, *event] with an event of rank "
                f"{self.min_event_rank}..{self.max_event_rank}, got shape {tuple(input_shape)}."
            )
        if any(d is None for d in event_shape):
            raise ValueError(f"{type(self).__name__} needs a fully known event shape, got {tuple(input_shape)}.")
        self.event_shape = event_shape
        self.build_event(event_shape)
        super().build(input_shape)

    def build_event(self, event_shape):
        """Creates the weights for inputs of shape ``[batch, *event_shape]``; raise ValueError if unfit."""

    @property
    def event_ndims(self):
        return len(self.event_shape)

    def output_event_shape(self, event_shape):
        """Event shape of ``y`` for an input event of ``event_shape`` (identity unless overridden)."""
        return tuple(event_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_event_shape(input_shape[1:])), (input_shape[0],)

    def call(self, x, context=None, training=False):
        self.check_input(x)
        if not self.context_size:
            check_no_context(context, type(self).__name__)
            return self.forward(x, training=training)
        return self.forward(x, training=training, context=self.check_context(context, x))

    def check_context(self, context, x):
        """The context of a conditional layer as a float tensor ``[batch or 1, C]`` of ``x``'s dtype; one
        ValueError if it is missing or of another width."""
        name = type(self).__name__
        if context is None:
            raise ValueError(f"{name} is conditional (context_size={self.context_size}): pass context=c, "
                             f"a float tensor [batch, {self.context_size}].")
        if not tf.as_dtype(getattr(context, "dtype", tf.float32)).is_floating:
            raise ValueError(f"{name} expects a float context (e.g. a one-hot label), got {context.dtype.name}.")
        context = tf.convert_to_tensor(context, x.dtype)
        if context.shape.rank != 2 or context.shape[-1] != self.context_size:
            raise ValueError(f"{name} expects a context of shape [batch or 1, {self.context_size}], "
                             f"got shape {tuple(context.shape)}.")
        return context

    def check_input(self, x):
        """Raises one ValueError unless ``x`` is a float batch ``[batch, *event_shape]`` of the built shape."""
        check_float(x, type(self).__name__)
        shape = tf.TensorShape(getattr(x, "shape", None))
        if shape.rank is not None and not shape[1:].is_compatible_with(self.event_shape):
            event = ", ".join(map(str, self.event_shape))
            raise ValueError(
                f"{type(self).__name__} was built for inputs of shape [batch, {event}], got shape {tuple(shape)}."
            )

    def forward(self, x, training=False):
        raise NotImplementedError

    def inverse(self, y):
        raise NotImplementedError

    def initialize(self, x):
        """Data-dependent initialisation from a batch ``x`` of this layer's inputs (default: nothing)."""

    def __dir__(self):
        """Every attribute but ``bijector``. Keras' saving reads every attribute ``dir(layer)`` names (looking for
        state to save or load); for ``bijector`` that would build a TFP view, importing TFP, for every layer at
        every save and load. The view is no state: ``layer.bijector`` works as ever."""
        return [name for name in super().__dir__() if name != "bijector"]

    @property
    def bijector(self):
        """A live TFP bijector on this layer's weights (``forward`` = this layer's forward); see the module
        docstring."""
        from nfzoo.bijectors.views import LayerBijector

        return LayerBijector(self)

    def sum_event(self, t):
        """Sums a per-element tensor ``[batch, *event]`` over the event axes -> ``[batch]``."""
        return tf.reduce_sum(t, axis=list(range(1, 1 + self.event_ndims)))

    def per_example(self, value, x):
        """Broadcasts a scalar log-det ``value`` to shape ``[batch]`` of input ``x``."""
        return tf.fill(tf.shape(x)[:1], tf.cast(value, x.dtype))


class LayerFunction(tf.Module):
    """``fn``, a function of ``layer``'s weights, as a ``tf.Module`` that lists the layer's variables.

    Stock TFP bijectors keep their function arguments (``shift_and_log_scale_fn``) as attributes: a Module
    there puts the layer's variables in the bijector's ``trainable_variables``, where a closure would hide them.
    """

    def __init__(self, layer, fn):
        super().__init__(name="layer_function")
        self._fn = fn
        self._layer_variables = layer_variables(layer)

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)


def check_no_context(context, what):
    """Raises one ValueError if an unconditional ``what`` is given a context."""
    if context is not None:
        raise ValueError(f"{what} is unconditional (context_size=0) and takes no context; build it with "
                         f"context_size=C to condition it.")


def check_float(x, what):
    """Raises a clear ValueError unless ``x`` is a floating-point tensor."""
    dtype = tf.as_dtype(getattr(x, "dtype", tf.float32))
    if not dtype.is_floating:
        raise ValueError(
            f"{what} expects a floating-point tensor (e.g. float32 images scaled to [-0.5, 0.5)), got {dtype.name}."
        )


# moved to nfzoo.bijectors.views (the one module that imports TFP) and nfzoo.bijectors.batching (until nfzoo 0.2)
__getattr__ = moved(__name__, {"nfzoo.bijectors.views": ["LayerBijector"],
                               "nfzoo.bijectors.batching": ["flatten_batch", "unflatten_batch"]})
