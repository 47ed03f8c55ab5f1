"""`ZooModel`: a trained flow with an image API, attribute directions and a model card.

Images in are uint8 [0, 255] or float [0, 1] (any size: see `nfzoo.zoo.images`); images out are uint8.
Latents are the flow's flat z [N, D] (standard normal under the model at temperature 1).
"""
import numpy as np
import tensorflow as tf

from nfzoo.data.preprocess import bits_per_dim, dequantize, quantize, to_uint8
from nfzoo.zoo.images import fit_to_model, to_model_space


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
            raise ValueError("a ZooModel needs an image flow built with n_bits")
        self.flow, self.name, self.card = flow, name, card or {}
        self.image_shape, self.n_bits = flow.data_event_shape, flow.n_bits
        self.directions = directions  # settable: e.g. after compute_directions(self, ...)
        self.example_path = example_path  # an example image made from the model's own samples
        # traced once per batch shape: running a deep flow eagerly layer by layer is several times slower
        self._encode = tf.function(flow.encode, reduce_retracing=True)
        self._decode = tf.function(flow.decode, reduce_retracing=True)
        self._log_likelihood = tf.function(flow.log_likelihood, reduce_retracing=True)

    # -- images <-> latents ----------------------------------------------------------------------------
    def prepare(self, images):
        """Any-size uint8/float images -> uint8 [N, H, W, C] at the model's resolution."""
        return fit_to_model(images, self.image_shape)

    def encode(self, images):
        """Images -> flat latents z [N, D] (pixels at their bin centres: decode(encode(x)) == x)."""
        return self._encode(to_model_space(self.prepare(images), self.n_bits)).numpy()

    def decode(self, z):
        """Flat latents [N, D] -> uint8 images [N, H, W, C]."""
        return to_uint8(self._decode(tf.convert_to_tensor(z, tf.float32)), self.n_bits).numpy()

    def sample(self, n, temperature=0.7, seed=None):
        """n uint8 images drawn at ``temperature`` (0.7 as in the Glow demo); a seed makes them repeatable."""
        return to_uint8(self._decode(temperature * self.flow.latent_noise(n, seed)), self.n_bits).numpy()

    def bits_per_dim(self, images, seed=0):
        """Per-image NLL in bits per subpixel of the n_bits data (one uniform dequantisation, fixed seed; a model
        with a variational dequantizer draws its noise from it)."""
        x = quantize(self.prepare(images), self.n_bits)
        x = dequantize(x, self.n_bits, seed=tf.constant([seed, 0], tf.int32))
        return bits_per_dim(self._log_likelihood(x), self.flow.num_dims, self.n_bits).numpy()

    # -- latent arithmetic -----------------------------------------------------------------------------
    @property
    def attributes(self):
        """Names of the attributes with a direction (empty if the model has none)."""
        return [] if self.directions is None else [str(n) for n in self.directions["names"]]

    def attribute_direction(self, attribute):
        """The latent direction [D] of an attribute, by name or index."""
        if self.directions is None:
            raise KeyError(f"{self.name} has no attribute directions (compute them with nfzoo.zoo.compute_directions)")
        names = self.attributes
        if isinstance(attribute, (int, np.integer)):
            if not 0 <= attribute < len(names):
                raise KeyError(f"attribute index {attribute} out of range 0..{len(names) - 1}")
            return self.directions["directions"][attribute]
        if attribute not in names:
            raise KeyError(f"unknown attribute {attribute!r}; {self.name} knows: {', '.join(names)}")
        return self.directions["directions"][names.index(attribute)]

    def manipulate(self, images, attribute, alpha):
        """Edits images along an attribute: decode(z + alpha * direction).

        ``alpha`` a scalar -> uint8 [N, H, W, C]; a list of k values -> a strip per image [N, k, H, W, C].
        """
        direction = self.attribute_direction(attribute)
        z = self.encode(images)
        alphas = np.atleast_1d(np.asarray(alpha, np.float32))
        edited = z[:, None, :] + alphas[None, :, None] * direction[None, None, :]
        out = self.decode(edited.reshape(-1, z.shape[1])).reshape(len(z), len(alphas), *self.image_shape)
        return out[:, 0] if np.ndim(alpha) == 0 else out

    def interpolate(self, a, b, steps=8):
        """Linear interpolation in latent space between images a and b -> uint8 [steps, H, W, C]."""
        za, zb = self.encode(a), self.encode(b)
        if len(za) != 1 or len(zb) != 1:
            raise ValueError("interpolate takes one image for each end")
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
        return self.decode((1 - t) * za + t * zb)

    def export_serving(self, base_dir, version=1, **kwargs):
        """Writes ``base_dir/<version>/`` for TF Serving (uint8 image API, ``manipulate`` with the attribute
        directions); see `nfzoo.serving.export_serving`."""
        from nfzoo.serving import export_serving  # imported here: nfzoo.serving imports this module

        return export_serving(self, base_dir, version=version, **kwargs)

    def __repr__(self):
        return f"ZooModel({self.name!r}, image_shape={self.image_shape}, n_bits={self.n_bits})"
