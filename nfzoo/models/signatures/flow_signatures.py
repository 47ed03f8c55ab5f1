"""The signatures of an exported flow on float data: ``log_prob``, ``encode``, ``decode``, ``sample``.

Data in and out are ``x``, float32 ``[N, *event_shape]`` in the model's space; latents are ``z``,
float32 ``[N, D]`` (`FlowModel.encode`). ``sample`` draws the same noise as `FlowModel.sample`
(``stateless_normal([n, D], seed=[seed, 0])`` times the temperature), so a seed gives the same samples
in Python and in TF Serving. `ImageSignatures` changes how data enter and leave the model.

Every request is checked before the flow sees it (`nfzoo.models.signatures.request_checks`): shapes, ``1 <= N <=
max_batch``, finite floats; the input specs leave shapes open so that a wrong shape meets those checks. A decode
that overflows (latents far from the prior: a huge temperature, alpha or z) fails with one line, `OVERFLOW`, as
`ZooModel` raises `DecodeOverflowError`, instead of answering with black images.

The flow's own work (``encode``, ``decode``, the density) runs as a nested ``tf.function`` called by the signatures,
so the SavedModel stores each once however many signatures call it (glow_celeba, with `constant_matrices` too:
saved_model.pb 7.8 MB instead of 22.5 MB, `tf.saved_model.load` 5.8 s instead of 14.8 in benchmarks/bench_serving.py;
TensorFlow inlines the calls when it runs them).
``jit_compile=True`` XLA-compiles these nested functions, so the request checks (assertions with string messages,
which XLA would drop or cannot compile) stay outside it. XLA compiles once per batch size, at its first request.
TF Serving runs such a SavedModel only when started with ``--xla_cpu_compilation_enabled=true`` (off by default;
without it the first request fails): tensorflow/serving, tensorflow_serving/model_servers/main.cc.
"""
import tensorflow as tf

from nfzoo.models.signatures.limits import MAX_BATCH, MAX_SAMPLES
from nfzoo.models.signatures.request_checks import checked_batch, checked_finite, sample_request

OVERFLOW = ("the flow overflowed decoding these latents (draws of the prior lie within a few units of 0): use a "
            "smaller temperature or alpha")


class FlowSignatures:
    """Builds the exported tf.functions (each with an input signature and a dict of named outputs).

    Args:
      flow: an ActNorm-initialised `FlowModel`.
      max_batch: the largest batch N of data or latents one request may send.
      max_samples: the largest ``n`` a ``sample`` request may ask for.
      jit_compile: XLA-compile the flow's encode, decode and density (see the module docstring).
    """

    data_name, data_dtype = "x", tf.float32

    def __init__(self, flow, max_batch=MAX_BATCH, max_samples=MAX_SAMPLES, jit_compile=False):
        self.flow, self.max_batch, self.max_samples = flow, int(max_batch), int(max_samples)
        self.jit_compile = bool(jit_compile)
        self.encoder, self.decoder = self.compiled(flow.encode), self.compiled(flow.decode)

    def compiled(self, method):
        """``method`` of the flow as the signatures call it: one nested tf.function, XLA-compiled with
        ``jit_compile``."""
        return tf.function(method, jit_compile=self.jit_compile or None, autograph=False)

    @property
    def data_spec(self):
        """Any shape: a loaded signature and TF Serving do not enforce a spec's shape (and a wrong shape can
        abort a convolution), so `checked_data` checks it in the graph, where the error can say what is expected."""
        return tf.TensorSpec(None, self.data_dtype, name=self.data_name)

    def checked_data(self, data, signature):
        """Request data, checked to be ``[N, *event_shape]`` with 1 <= N <= max_batch (finite if float)."""
        return checked_batch(data, signature, self.data_name, self.flow.data_event_shape, self.max_batch,
                             finite=self.data_dtype.is_floating)

    def checked_latents(self, z, signature):
        """Request latents, checked to be finite ``[N, D]`` with 1 <= N <= max_batch."""
        return checked_batch(z, signature, "z", (self.flow.latent_dim,), self.max_batch, finite=True)

    def decoded(self, z, *context):
        """decode(z) (given the context of a conditional flow), checked to be finite: the request fails with
        `OVERFLOW` where the flow's inverse overflowed."""
        return checked_finite(self.decoder(z, *context), "x", message=OVERFLOW)

    def variables(self):
        """The tf.Variables the signatures read, for the exporting module to track.

        The flow's Keras 3 variables are unwrapped (``.value``): a tracked Keras variable is saved as a copy
        that TF1-style loaders (TF Serving, ``saved_model_cli run``) restore while the graphs read the
        original, left uninitialised.
        """
        return [weight.value for weight in self.flow.weights]

    def to_model(self, data):
        """Request data -> model-space float32."""
        return data

    def from_model(self, x):
        """Model-space float32 -> response data."""
        return x

    def density(self, x):
        """Named outputs of ``log_prob`` for model-space ``x``."""
        return {"log_prob": self.compiled(self.flow.log_prob)(x)}

    def functions(self):
        """{signature name: tf.function}."""
        flow, data_name = self.flow, self.data_name
        z_spec = tf.TensorSpec(None, tf.float32, name="z")
        sample_specs = [tf.TensorSpec(None, tf.int32, name="n"), tf.TensorSpec(None, tf.float32, name="temperature"),
                        tf.TensorSpec(None, tf.int64, name="seed")]

        @tf.function(input_signature=[self.data_spec], autograph=False)
        def log_prob(data):
            return self.density(self.to_model(self.checked_data(data, "log_prob")))

        @tf.function(input_signature=[self.data_spec], autograph=False)
        def encode(data):
            return {"z": self.encoder(self.to_model(self.checked_data(data, "encode")))}

        @tf.function(input_signature=[z_spec], autograph=False)
        def decode(z):
            return {data_name: self.from_model(self.decoded(self.checked_latents(z, "decode")))}

        @tf.function(input_signature=sample_specs, autograph=False)
        def sample(n, temperature, seed):
            n, temperature, seed = sample_request(n, temperature, seed, self.max_samples)
            eps = tf.random.stateless_normal(tf.stack([n, flow.latent_dim]), seed=tf.stack([seed, 0]))
            return {data_name: self.from_model(self.decoded(temperature * eps))}

        return {"log_prob": log_prob, "encode": encode, "decode": decode, "sample": sample}
