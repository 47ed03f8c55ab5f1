"""The signatures of an exported image flow: uint8 images in and out, no client-side preprocessing.

* ``log_prob``: ``images`` uint8 [N, H, W, C] -> ``log_prob`` (nats) and ``bits_per_dim``, both [N].
  Each subpixel is reduced to n_bits and placed at the **centre of its bin** (`to_model_space`, as
  `ZooModel.encode` does), i.e. its uniform dequantisation noise is fixed at 1/2, and log_prob is the flow's
  `log_likelihood` there: the continuous density log p(k / 2**n_bits - 0.5 + 0.5 / 2**n_bits) at the bin
  centres, or for a flow with a learned dequantizer log p(y) - log q(u | k) at the point y its q makes of
  the centre. Deterministic and independent of the rest of the batch; bits_per_dim applies
  `nfzoo.data.images.bits_per_dim` to it. How it relates to the held-out figure of the model card,
  `nfzoo evaluate` and `ZooModel.bits_per_dim` (all `nfzoo.models.held_out`): those draw the noise u of each
  image once, uniformly in its bins (seeded), an unbiased one-sample estimate of the dequantisation bound
  E_u[-log p(x + u)]; this signature evaluates the same integrand at the single point u = 1/2. It is a
  one-point approximation of the per-image figure, not the same number: the two differ by how much the density
  varies inside a bin.
* ``encode``: ``images`` -> ``z`` [N, D]; ``decode``: ``z`` -> ``images`` (`to_uint8`, the bin centres).
* ``sample``: ``n``, ``temperature``, ``seed`` -> ``images``.
* with attribute directions, ``manipulate`` (``attribute`` an int32 index) and ``manipulate_by_name``
  (``attribute`` a string name): ``images``, ``attribute``, ``alpha`` -> ``images`` =
  decode(encode(images) + alpha * direction), plus ``attribute_index`` and ``attribute_name`` [N].
  ``attribute`` and ``alpha`` are one value for every image or one per image.
"""
import tensorflow as tf

from nfzoo.data.images import bits_per_dim, to_model_space, to_uint8
from nfzoo.models.signatures.flow_signatures import FlowSignatures
from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES
from nfzoo.models.signatures.request_checks import checked_finite, per_example


class ImageSignatures(FlowSignatures):
    """`FlowSignatures` for a flow on n_bits images (H, W, C); see the module docstring.

    Args:
      flow: an ActNorm-initialised image `FlowModel` with ``n_bits``.
      max_batch: the largest batch N of images or latents one request may send.
      max_samples: the largest ``n`` a ``sample`` request may ask for.
      attributes: an `AttributeTable` to export ``manipulate`` signatures, or None.
      jit_compile: XLA-compile the flow's encode, decode and density (`FlowSignatures`).
    """

    data_name, data_dtype = "images", tf.uint8

    def __init__(self, flow, max_batch=MAX_BATCH, max_samples=MAX_SAMPLES, attributes=None, jit_compile=False):
        super().__init__(flow, max_batch, max_samples, jit_compile)
        self.attributes = attributes

    def variables(self):
        extra = [] if self.attributes is None else [self.attributes.directions]
        return super().variables() + extra

    def to_model(self, images):
        return to_model_space(images, self.flow.n_bits)

    def from_model(self, x):
        return to_uint8(x, self.flow.n_bits)

    def density(self, x):
        log_prob = self.compiled(self.flow.log_likelihood)(x)
        return {"log_prob": log_prob, "bits_per_dim": bits_per_dim(log_prob, self.flow.num_dims, self.flow.n_bits)}

    def functions(self):
        functions = super().functions()
        if self.attributes is None:
            return functions
        table = self.attributes

        def specs(attribute_dtype):
            return [self.data_spec, tf.TensorSpec(None, attribute_dtype, name="attribute"),
                    tf.TensorSpec(None, tf.float32, name="alpha")]

        @tf.function(input_signature=specs(tf.int32), autograph=False)
        def manipulate(images, attribute, alpha):
            images = self.checked_data(images, "manipulate")
            index = table.check_index(per_example(attribute, tf.shape(images)[0], "attribute"))
            return self.edit(images, index, alpha)

        @tf.function(input_signature=specs(tf.string), autograph=False)
        def manipulate_by_name(images, attribute, alpha):
            images = self.checked_data(images, "manipulate_by_name")
            index = table.index_of(per_example(attribute, tf.shape(images)[0], "attribute"))
            return self.edit(images, index, alpha)

        return {**functions, "manipulate": manipulate, "manipulate_by_name": manipulate_by_name}

    def edit(self, images, index, alpha):
        """decode(encode(images) + alpha * directions[index]) with the named outputs of ``manipulate``, for
        checked ``images``."""
        alpha = checked_finite(per_example(alpha, tf.shape(images)[0], "alpha"), "alpha")
        z = self.encoder(self.to_model(images))
        edited = checked_finite(z + alpha[:, None] * tf.gather(self.attributes.directions, index),
                                "alpha too large: z + alpha * direction")
        return {"images": self.from_model(self.decoded(edited)), "attribute_index": index,
                "attribute_name": self.attributes.name_of(index)}
