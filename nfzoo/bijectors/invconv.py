"""Invertible 1x1 convolution (Glow): a learned C x C matrix W applied to the channels of every position.

    y[..., :] = W x[..., :],    log|det J| = P * log|det W|,   P = number of positions (H * W for images)

``lu=True`` (default) parameterises ``W = Perm L (U + diag(sign_s * exp(log_s)))`` with a fixed permutation,
unit lower-triangular L, strictly upper-triangular U and fixed signs, so ``log|det W| = sum(log_s)``
costs O(C) and the TFP view is the stock ``tfb.ScaleMatvecLU``. ``lu=False`` keeps a plain full matrix
(log-det by ``slogdet``; TFP view ``tfb.ScaleMatvecLinearOperator``). Both start from a random rotation.
Works on vectors too (a learned invertible linear map of the features). Both views are live: the LU view
reads the packed factor through a ``tfp.util.DeferredTensor``, the full one the kernel variable itself.

`constant_matrices(model)`: while tracing the serving functions of a trained model, W, W^-1 and log|det W| are
computed once (the inverse in float64) and traced as constants, so that a request does not rebuild W from its
factors (about a dozen small ops per layer, ~10% of a batch-1 request of glow_celeba).
"""
import contextlib

import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import FlowLayer
from nfzoo.bijectors.batching import layer_variables


@keras.saving.register_keras_serializable(package="nfzoo")
class InvertibleConv1x1(FlowLayer):
    """Learned channel mixing ``y = W x`` per position; see the module docstring."""

    def __init__(self, lu=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.lu = lu
        self.seed = seed
        self._constants = None  # (W, W^-1, log|det W|) as constants inside `constant_matrices`

    def build_event(self, event_shape):
        channels = event_shape[-1]
        self.positions = int(np.prod(event_shape[:-1]))
        rotation = np.linalg.qr(np.random.default_rng(self.seed).standard_normal((channels, channels)))[0]
        rotation = rotation.astype(self.variable_dtype)
        constant = lambda value: (lambda *a, **k: value)  # noqa: E731  (a Keras initializer for a fixed array)
        if not self.lu:
            self.kernel = self.add_weight(name="kernel", shape=(channels, channels), initializer=constant(rotation))
            return
        lower_upper, perm = (t.numpy() for t in tf.linalg.lu(tf.constant(rotation)))
        diag = np.diag(lower_upper)
        square = (channels, channels)
        self.lower = self.add_weight(name="lower", shape=square, initializer=constant(np.tril(lower_upper, -1)))
        self.upper = self.add_weight(name="upper", shape=square, initializer=constant(np.triu(lower_upper, 1)))
        self.log_s = self.add_weight(name="log_s", shape=(channels,), initializer=constant(np.log(np.abs(diag))))
        self.sign_s = self.add_weight(
            name="sign_s", shape=(channels,), initializer=constant(np.sign(diag)), trainable=False
        )
        self.perm = self.add_weight(
            name="perm", shape=(channels,), dtype="int32", initializer=constant(perm.astype("int32")), trainable=False
        )

    def lower_upper(self):
        """The packed LU factor ``tril(L, -1) + triu(U, 1) + diag(sign_s * exp(log_s))``."""
        return (
            tf.linalg.band_part(self.lower, -1, 0)
            - tf.linalg.band_part(self.lower, 0, 0)
            + tf.linalg.band_part(self.upper, 0, -1)
            - tf.linalg.band_part(self.upper, 0, 0)
            + tf.linalg.diag(self.sign_s * tf.exp(self.log_s))
        )

    def matrix(self):
        """W as a dense C x C matrix."""
        if self._constants is not None:
            return self._constants[0]
        if not self.lu:
            return self.kernel
        return tf.linalg.lu_reconstruct(self.lower_upper(), tf.convert_to_tensor(self.perm))

    def log_abs_det(self):
        if self._constants is not None:
            return self._constants[2]
        if self.lu:
            return tf.reduce_sum(self.log_s)
        return tf.linalg.slogdet(self.kernel)[1]

    def _apply(self, matrix, x):
        return tf.linalg.matvec(matrix, x) if self.event_ndims == 1 else tf.tensordot(x, matrix, [[-1], [1]])

    def forward(self, x, training=False):
        y = self._apply(self.matrix(), x)
        return y, self.per_example(self.positions * self.log_abs_det(), x)

    def inverse(self, y):
        if self._constants is not None:
            return self._apply(self._constants[1], y)
        if self.lu:
            inverse = tf.linalg.lu_matrix_inverse(self.lower_upper(), tf.convert_to_tensor(self.perm))
        else:
            inverse = tf.linalg.inv(self.kernel)
        return self._apply(inverse, y)

    @property
    def bijector(self):
        from nfzoo.bijectors.views import tfb, tfp

        if self.lu:
            # re-packed from the four weights at every use (the DeferredTensor's input is only a handle);
            # also_track lists the weights in the view's variables
            lower_upper = tfp.util.DeferredTensor(
                self.lower.value, lambda _: self.lower_upper(), also_track=layer_variables(self)
            )
            return tfb.ScaleMatvecLU(lower_upper, self.perm.value)
        return tfb.ScaleMatvecLinearOperator(tf.linalg.LinearOperatorFullMatrix(self.kernel.value))

    def get_config(self):
        return {**super().get_config(), "lu": self.lu, "seed": self.seed}


@contextlib.contextmanager
def constant_matrices(model):
    """Within this context every `InvertibleConv1x1` of ``model`` (a layer or model) uses W, W^-1 (inverted in
    float64) and log|det W| computed on entry, as constants: for tracing functions that serve fixed weights. The
    constants do not follow later weight changes, so nothing traced inside may be trained."""
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, InvertibleConv1x1)]
    for layer in layers:
        matrix = layer.matrix().numpy()
        inverse = np.linalg.inv(matrix.astype(np.float64)).astype(matrix.dtype)
        layer._constants = (tf.constant(matrix), tf.constant(inverse), tf.constant(layer.log_abs_det().numpy()))
    try:
        yield
    finally:
        for layer in layers:
            layer._constants = None
