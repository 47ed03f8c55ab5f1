"""The signatures of an exported conditional flow: ``log_prob``, ``encode``, ``decode`` and ``sample`` of
`FlowSignatures` / `ImageSignatures`, each with one more input, the condition:

* a class-conditional flow (``num_classes`` K) takes ``label``, int32: one label for every example or one per
  example, each in 0..K-1 (e.g. ``{"signature_name": "sample", "inputs": {"n": 16, "temperature": 0.7, "seed": 0,
  "label": 3}}`` draws sixteen threes);
* a flow conditioned on float vectors (``context_size`` C) takes ``context``, float32 ``[C]`` (one row for every
  example) or ``[N, C]``.

Outputs are those of the unconditional signatures, now of ``p(x | condition)``. A label outside 0..K-1, a context
of another width or a non-finite one fails with one line (InvalidArgumentError, HTTP 400 from TF Serving) before
the flow runs. Attribute-direction edits are not exported for conditional flows.
"""
import tensorflow as tf

from nfzoo.data.images import bits_per_dim
from nfzoo.models.signatures.request_checks import checked_finite, fail_unless, per_example, sample_request


class ConditionalSignatures:
    """The conditional versions of ``base``'s signatures (a `FlowSignatures` or `ImageSignatures` of a conditional
    flow); see the module docstring."""

    def __init__(self, base):
        self.base, self.flow = base, base.flow
        self.num_classes, self.context_size = base.flow.num_classes, base.flow.context_size
        if not self.context_size:
            raise ValueError(f"{self.flow.name} is unconditional: export it with its plain signatures.")

    def variables(self):
        return self.base.variables()

    @property
    def condition_spec(self):
        if self.num_classes:
            return tf.TensorSpec(None, tf.int32, name="label")
        return tf.TensorSpec(None, tf.float32, name="context")

    def checked_condition(self, condition, n, signature):
        """The request's label(s) or context row(s) -> the flow's context, float32 [n, C]."""
        if self.num_classes:
            labels = per_example(condition, n, "label")
            in_range = tf.reduce_all((labels >= 0) & (labels < self.num_classes))
            message = f"{signature} expects label an integer in 0..{self.num_classes - 1} (a class of the model)"
            with tf.control_dependencies([fail_unless(in_range, message)]):
                return tf.one_hot(labels, self.num_classes)
        c = self.context_size
        flat = tf.reshape(condition, [-1])
        rows = tf.size(flat) // c
        well_formed = tf.logical_and(tf.equal(tf.size(flat) % c, 0),
                                     tf.logical_or(tf.equal(rows, 1), tf.equal(rows, n)))
        message = f"{signature} expects context float32 [{c}] (one row for all) or [N, {c}] (one row per example)"
        with tf.control_dependencies([fail_unless(well_formed, message)]):
            rows = checked_finite(tf.reshape(flat, [-1, c]), "context")
        return tf.broadcast_to(rows, tf.stack([n, c]))

    def density(self, x, context):
        """Named outputs of ``log_prob`` for model-space ``x`` under ``context``."""
        log_prob = self.base.compiled(self.flow.log_likelihood)(x, context)
        if self.flow.n_bits is None or len(self.flow.data_event_shape) != 3:
            return {"log_prob": log_prob}
        return {"log_prob": log_prob, "bits_per_dim": bits_per_dim(log_prob, self.flow.num_dims, self.flow.n_bits)}

    def functions(self):
        """{signature name: tf.function}."""
        base, flow, condition_spec = self.base, self.flow, self.condition_spec
        z_spec = tf.TensorSpec(None, tf.float32, name="z")
        sample_specs = [tf.TensorSpec(None, tf.int32, name="n"), tf.TensorSpec(None, tf.float32, name="temperature"),
                        tf.TensorSpec(None, tf.int64, name="seed"), condition_spec]

        def data_and_context(data, condition, signature):
            data = base.checked_data(data, signature)
            return base.to_model(data), self.checked_condition(condition, tf.shape(data)[0], signature)

        @tf.function(input_signature=[base.data_spec, condition_spec], autograph=False)
        def log_prob(data, condition):
            return self.density(*data_and_context(data, condition, "log_prob"))

        @tf.function(input_signature=[base.data_spec, condition_spec], autograph=False)
        def encode(data, condition):
            return {"z": base.encoder(*data_and_context(data, condition, "encode"))}

        @tf.function(input_signature=[z_spec, condition_spec], autograph=False)
        def decode(z, condition):
            z = base.checked_latents(z, "decode")
            context = self.checked_condition(condition, tf.shape(z)[0], "decode")
            return {base.data_name: base.from_model(base.decoded(z, context))}

        @tf.function(input_signature=sample_specs, autograph=False)
        def sample(n, temperature, seed, condition):
            n, temperature, seed = sample_request(n, temperature, seed, base.max_samples)
            context = self.checked_condition(condition, n, "sample")
            eps = tf.random.stateless_normal(tf.stack([n, flow.latent_dim]), seed=tf.stack([seed, 0]))
            return {base.data_name: base.from_model(base.decoded(temperature * eps, context))}

        return {"log_prob": log_prob, "encode": encode, "decode": decode, "sample": sample}
