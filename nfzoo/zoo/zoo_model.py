"""`ZooModel`: a trained flow with an image API, attribute directions and a model card.

Images in are uint8 [0, 255] or float [0, 1] (any size: see `nfzoo.data.images`); images out are uint8.
Latents are the flow's flat z [N, D] (standard normal under the model at temperature 1). The flow runs on at
most `BATCH` images at a time, so memory stays bounded for any number of images.
"""
import difflib
import math

import numpy as np
import tensorflow as tf

from nfzoo.data.images import fit_to_model, to_model_space, to_uint8
from nfzoo.models.held_out import SEED as HELD_OUT_SEED
from nfzoo.models.held_out import bits_per_dim_per_image
from nfzoo.serving import export_serving

BATCH = 256  # images per call of the flow
EAGER_CALLS = 8  # calls on at most EAGER_ROWS images that run eagerly before a method is traced
EAGER_ROWS = 16
FAR_MARGIN = 1.0  # bits/dim above the card's held-out figure at which an image counts as unlike the training data


class DecodeOverflowError(ValueError):
    """Latents so far from the prior that the flow's inverse overflowed (decoded to infinity).

    ``overflowed``: the indices of the request's rows (latents, samples, or images edited) that overflowed;
    ``images``: everything the request decoded, uint8 in the shape the method returns, black where it overflowed.
    """

    def __init__(self, message, overflowed, images):
        super().__init__(message)
        self.overflowed, self.images = overflowed, images


class ZooModel:
    """Wraps a trained `FlowModel` (``.flow``) for people working with images.

    Args:
      flow: the trained FlowModel (with ``n_bits``).
      name: zoo name.
      directions: optional dict from `compute_directions` (``directions`` [A, D], ``names`` [A], counts).
      card: optional dict of the model card's measured facts.
    """

    def __init__(self, flow, name, directions=None, card=None, example_path=None):
        if flow.n_bits is None or len(flow.data_event_shape) != 3:
            raise ValueError(f"a ZooModel needs an image flow (event shape [H, W, C]) built with n_bits; got event "
                             f"shape {list(flow.data_event_shape)} and n_bits {flow.n_bits}")
        self.flow, self.name, self.card = flow, name, card or {}
        self.image_shape, self.n_bits = flow.data_event_shape, flow.n_bits
        self.directions = directions  # settable: e.g. after compute_directions(self, ...)
        self.example_path = example_path  # an example image made from the model's own samples
        self._encode, self._decode = EagerThenTraced(flow.encode), EagerThenTraced(flow.decode)
        self._log_likelihood = EagerThenTraced(flow.log_likelihood)

    # -- images <-> latents ----------------------------------------------------------------------------
    def prepare(self, images):
        """Any-size uint8/float images -> uint8 [N, H, W, C] at the model's resolution."""
        return fit_to_model(images, self.image_shape)

    def encode(self, images):
        """Images -> flat latents z [N, D] (pixels at their bin centres: decode(encode(x)) == x for a flow; for
        a VAE, z is its posterior point and decode(encode(x)) a reconstruction)."""
        return self._in_batches(self._encode, to_model_space(self.prepare(images), self.n_bits))

    def decode(self, z):
        """Flat latents [N, D] -> uint8 images [N, H, W, C]. Latents so far from the prior that the flow overflows
        (e.g. a huge temperature or alpha) raise `DecodeOverflowError` (a ValueError) rather than decode to black
        images."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.flow.latent_dim or len(z) == 0:
            raise ValueError(f"decode expects latents [N, {self.flow.latent_dim}] with N >= 1, got shape {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError("latents must be finite; got NaN or infinity")
        return self._images(self._in_batches(self._decode, z),
                            f"latents (|z| up to {np.abs(z).max():.3g}; draws of the prior lie within a few units of 0)",
                            "use a smaller temperature or alpha")

    def sample(self, n, temperature=0.7, seed=None, label=None):
        """n uint8 images drawn at ``temperature`` (0.7 as in the Glow demo); a seed makes them repeatable. A
        class-conditional model (built with ``num_classes``) draws x | ``label``, or without one the classes 0, 1,
        .., K-1, 0, .. in turn (`FlowModel.sample`); any other model takes no label. A few draws at temperature 1
        can land where the flow's inverse overflows (glow_celeba: 4 of 1,024, benchmarks/RESULTS.md): then
        `DecodeOverflowError` names them and holds the other samples (``.images``)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if not (isinstance(temperature, (int, float, np.number)) and math.isfinite(temperature) and temperature > 0):
            raise ValueError(f"temperature must be a finite number above 0, got {temperature!r}")
        z = temperature * self.flow.latent_noise(n, seed)
        overflow = (f"samples at temperature {temperature:g}",
                    "draw at a lower temperature (0.7 by default) or with another seed")
        if label is None:
            return self._images(self._in_batches(self._decode, z.numpy()), *overflow)
        classes = getattr(self.flow, "num_classes", None)
        if not classes:
            raise ValueError(f"{self.name} is not class-conditional: a label needs a model trained with "
                             f"model.num_classes (e.g. glow_digits_cond)")
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label < classes:
            raise ValueError(f"the label must be a class of {self.name}: an integer in 0..{classes - 1}, "
                             f"got {label!r}")
        return self._images(self.flow.decode(z, label).numpy(), *overflow)

    def bits_per_dim(self, images, seed=HELD_OUT_SEED):
        """Per-image NLL in bits per subpixel of the n_bits data, measured as the model card measures it
        (`nfzoo.models.held_out`: one uniform dequantisation per image from ``seed``, the card's by default; a
        model with a variational dequantizer maps it through its q)."""
        return bits_per_dim_per_image(self._log_likelihood, self.prepare(images), self.n_bits, seed, trace=False)

    def far_from_training_data(self, images, margin=FAR_MARGIN):
        """``[(index, bits/dim)]`` of the images that score more than ``margin`` bits/dim above the model card's
        held-out figure: unlike the training data, so their latents and edits are unreliable. Empty for a model
        without a card figure."""
        reference = self.card.get("held_out_bits_per_dim")
        if reference is None:
            return []
        return [(i, float(bits)) for i, bits in enumerate(self.bits_per_dim(images)) if bits > reference + margin]

    def _images(self, x, what, advice):
        """Decoded float ``x`` [N, H, W, C] -> uint8 images, or `DecodeOverflowError` ("the flow overflowed decoding
        k of N <what>: <advice>") where some rows are not finite."""
        finite = np.isfinite(x).reshape(len(x), -1).all(axis=1)
        images = to_uint8(np.where(finite[:, None, None, None], x, 0.0), self.n_bits).numpy()
        images[~finite] = 0
        if not finite.all():
            raise DecodeOverflowError(f"the flow overflowed decoding {np.sum(~finite)} of {len(x)} {what}: {advice}",
                                      np.flatnonzero(~finite), images)
        return images

    def _in_batches(self, function, x):
        """``function`` (a traced flow method) on at most `BATCH` rows of ``x`` at a time -> one numpy array."""
        return np.concatenate([function(x[i: i + BATCH]).numpy() for i in range(0, len(x), BATCH)])

    # -- latent arithmetic -----------------------------------------------------------------------------
    @property
    def attributes(self):
        """Names of the attributes with a direction (empty if the model has none)."""
        return [] if self.directions is None else [str(n) for n in self.directions["names"]]

    def attribute_direction(self, attribute):
        """The latent direction [D] of an attribute, by name or index."""
        if self.directions is None:
            raise KeyError(f"{self.name} has no attribute directions (its attributes: none); compute them from "
                           "labelled images: model.directions = nfzoo.compute_directions(model, images, labels, names)")
        names = self.attributes
        if isinstance(attribute, (int, np.integer)):
            if not 0 <= attribute < len(names):
                raise KeyError(f"attribute index {attribute} out of range 0..{len(names) - 1}")
            return self.directions["directions"][attribute]
        if attribute not in names:
            close = difflib.get_close_matches(str(attribute), names, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise KeyError(f"unknown attribute {attribute!r}; {hint}{self.name} knows: {', '.join(names)}")
        return self.directions["directions"][names.index(attribute)]

    def manipulate(self, images, attribute, alpha):
        """Edits images along an attribute: decode(z + alpha * direction).

        ``alpha`` a scalar -> uint8 [N, H, W, C]; a list of k values -> a strip per image [N, k, H, W, C].
        """
        direction = self.attribute_direction(attribute)
        alphas = np.atleast_1d(np.asarray(alpha, np.float32))
        if alphas.ndim != 1 or len(alphas) == 0 or not np.all(np.isfinite(alphas)):
            raise ValueError(f"alpha must be a finite number or a non-empty list of them, got {alpha!r}")
        z = self.encode(images)
        edited = z[:, None, :] + alphas[None, :, None] * direction[None, None, :]
        strips = (len(z), len(alphas), *self.image_shape)
        try:
            out = self.decode(edited.reshape(-1, z.shape[1])).reshape(strips)
        except DecodeOverflowError as error:  # rows of strips -> the images whose edits overflowed
            out = error.images.reshape(strips)
            raise DecodeOverflowError(str(error), np.unique(error.overflowed // len(alphas)),
                                      out[:, 0] if np.ndim(alpha) == 0 else out) from None
        return out[:, 0] if np.ndim(alpha) == 0 else out

    def interpolate(self, a, b, steps=8):
        """Linear interpolation in latent space between images a and b -> uint8 [steps, H, W, C]."""
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2 (the two ends included), got {steps!r}")
        za, zb = self.encode(a), self.encode(b)
        if len(za) != 1 or len(zb) != 1:
            raise ValueError("interpolate takes one image for each end")
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1 - t) * za + t * zb)

    def export_serving(self, base_dir, version=1, **kwargs):
        """Writes ``base_dir/<version>/`` for TF Serving (uint8 image API, ``manipulate`` with the attribute
        directions); see `nfzoo.serving.export_serving`."""
        return export_serving(self.flow, base_dir, version=version, directions=self.directions, **kwargs)

    def __repr__(self):
        return f"ZooModel({self.name!r}, image_shape={self.image_shape}, n_bits={self.n_bits})"


class EagerThenTraced:
    """A flow method that runs eagerly for its first `EAGER_CALLS` calls on at most `EAGER_ROWS` rows, and as one
    traced ``tf.function`` (shapes relaxed, so one trace serves every batch size) otherwise.

    Tracing a deep flow takes seconds (glow_celeba's encode: ~3.6 s on this CPU, mostly graph building and
    optimisation) while an eager call on a few images takes ~0.4 s; a traced call then takes ~20 ms. So a person
    trying a few images never waits for a trace, and loops and large batches still get the traced speed. Both
    run the same layers on the same weights (benchmarks/bench_interactive.py measures the first calls).
    """

    def __init__(self, method):
        self.method, self.traced, self.eager_calls = method, tf.function(method, reduce_retracing=True), 0

    def __call__(self, x):
        if self.eager_calls < EAGER_CALLS and len(x) <= EAGER_ROWS:
            self.eager_calls += 1
            return self.method(tf.convert_to_tensor(x))
        return self.traced(x)
