"""Variational inference with a normalizing flow (Rezende & Mohamed 2015) against an unnormalised density.

A base sample z_0 ~ q_0 = N(0, I_d) is pushed through flow layers in their forward direction,
z_K = f_K o ... o f_1(z_0), so that

    ln q(z_K) = ln q_0(z_0) - sum_k ln|det df_k/dz_{k-1}|,

and the free energy F = E_q0[ln q_0(z_0) - sum_k ln|det df_k/dz_{k-1}| - ln p~(z_K)] >= -ln Z of a target
p~ (`nfzoo.variational.free_energy`, with annealing) is minimised.

`VariationalFlow` is a Keras 3 model whose ``train_step`` draws z_0 itself: it trains with ``model.fit`` on
`noise_batches`, a dataset whose elements only carry the batch size. `fit` wraps build + compile + fit.
"""
import math

import keras
import tensorflow as tf

from nfzoo.normal import standard_normal_log_prob
from nfzoo.variational.energies import ENERGIES
from nfzoo.variational.free_energy import FreeEnergyModel


def noise_batches(batch_size):
    """An endless dataset of empty ``[batch_size, 0]`` tensors: the batch size for `VariationalFlow.fit`."""
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return tf.data.Dataset.from_tensors(tf.zeros([int(batch_size), 0])).repeat()


def energy_target(name):
    """``ln p~(z) = -U(z)`` for a Rezende & Mohamed energy name in ``ENERGIES`` (``"u1"`` .. ``"u4"``)."""
    if name not in ENERGIES:
        raise ValueError(f"unknown energy {name!r}; expected one of {sorted(ENERGIES)}.")
    energy = ENERGIES[name]
    return lambda z: -energy(z)


@keras.saving.register_keras_serializable(package="nfzoo")
class VariationalFlow(FreeEnergyModel):
    """q(z_K) = flow_layers pushed forward from N(0, I_dim), fitted to ``target``; see the module docstring.

    Args:
      target: ``ln p~``: a callable ``[batch, dim] -> [batch]``, or an energy name (``"u1"`` .. ``"u4"``, for
        ``-U``). Only a name survives `get_config`; a model rebuilt without a target can sample but not fit.
      flow_layers: `FlowLayer`s on vectors of size ``dim``, applied z_0 -> z_K.
      dim: dimension d of z.
      beta_schedule: callable ``step -> beta`` (e.g. `LinearBeta`), None for beta = 1.
      seed: seed of the z_0 draws in training and in `sample`.
    """

    def __init__(self, target, flow_layers, dim, beta_schedule=None, seed=None, **kwargs):
        super().__init__(beta_schedule=beta_schedule, seed=seed, **kwargs)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer (the size of z), got {dim!r}.")
        if target is not None and not (callable(target) or isinstance(target, str)):
            raise ValueError(f"target must be a callable ln p~(z) or an energy name, got {target!r}.")
        self.target = target
        self.target_log_prob = energy_target(target) if isinstance(target, str) else target
        self.flow_layers = list(flow_layers)
        self.dim = dim
        self.free_energy_tracker = keras.metrics.Mean(name="free_energy")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.build((None, dim))

    def build(self, input_shape):
        for layer in self.flow_layers:
            if layer.built and tuple(layer.event_shape) != (self.dim,):
                raise ValueError(
                    f"flow layer {layer.name} was built for events of shape {tuple(layer.event_shape)}, "
                    f"but this VariationalFlow has dim={self.dim}: expected ({self.dim},)."
                )
        z, _ = self._push_forward(tf.zeros((2, self.dim)))
        if tuple(z.shape) != (2, self.dim):
            raise ValueError(f"the flow layers must map [batch, {self.dim}] to [batch, {self.dim}], "
                             f"got {tuple(z.shape)}.")
        if self.target_log_prob is not None:
            self._check_target()
        self.built = True

    def _check_target(self):
        try:
            log_p = self.target_log_prob(tf.zeros((2, self.dim)))
        except (ValueError, tf.errors.InvalidArgumentError) as err:
            raise ValueError(f"target must map z of shape [batch, {self.dim}] (dim={self.dim}) to ln p~ of shape "
                             f"[batch]; calling it on zeros of shape [2, {self.dim}] failed: {err}") from err
        if tuple(log_p.shape) != (2,):
            raise ValueError(f"target must map z of shape [batch, {self.dim}] to ln p~ of shape [batch]; "
                             f"on [2, {self.dim}] it returned shape {tuple(log_p.shape)}.")

    # -- the flow --------------------------------------------------------------------------------------
    def call(self, z0, training=False):
        """z_0 [batch, dim] -> (z_K, ln q(z_K))."""
        return self._push_forward(z0, training=training)

    def _push_forward(self, z0, training=False):
        log_q = standard_normal_log_prob(z0)
        z = z0
        for layer in self.flow_layers:
            z, log_det = layer(z, training=training)
            log_q -= log_det
        return z, log_q

    def sample(self, n, seed=None):
        """n draws ``(z_K [n, dim], ln q(z_K) [n])``; an int ``seed`` makes them reproducible."""
        shape = (int(n), self.dim)
        z0 = tf.random.stateless_normal(shape, seed=[int(seed), 0]) if seed is not None else \
            keras.random.normal(shape, seed=self.seed_generator)
        return self(z0)

    def distribution(self):
        """q as a TFP distribution: ``TransformedDistribution(N(0, I), Chain of the layers' bijectors)``."""
        from nfzoo.bijectors.views import tfb, tfd

        base = tfd.MultivariateNormalDiag(loc=tf.zeros(self.dim))
        return tfd.TransformedDistribution(base, tfb.Chain([layer.bijector for layer in reversed(self.flow_layers)]))

    def log_prob(self, z):
        """Exact ln q(z) at points z [n, dim] (through the layers' inverses)."""
        z = tf.convert_to_tensor(z, tf.float32)
        if z.shape.rank != 2 or z.shape[-1] != self.dim:
            raise ValueError(f"log_prob expects points of shape [n, {self.dim}], got {tuple(z.shape)}.")
        return self.distribution().log_prob(z)

    # -- the objective ---------------------------------------------------------------------------------
    def _log_p(self, z):
        if self.target_log_prob is None:
            raise ValueError("this VariationalFlow has no target (rebuilt from a config with a callable target); "
                             "pass target=... to fit or evaluate it.")
        return self.target_log_prob(z)

    def free_energy(self, n=10_000, chunk=65_536, seed=None):
        """Monte-Carlo ``(F, standard error)`` from n samples; F >= -ln Z, with equality iff q = p."""
        values = []
        for start in range(0, int(n), chunk):
            z, log_q = self.sample(min(chunk, int(n) - start), seed=None if seed is None else seed + start)
            values.append(log_q - self._log_p(z))
        values = tf.concat(values, axis=0)
        return float(tf.reduce_mean(values)), float(tf.math.reduce_std(values)) / math.sqrt(int(n))

    def train_step(self, data):
        """One SGD step on F_beta; ``data`` only gives the batch size (see `noise_batches`)."""
        z0 = keras.random.normal((tf.shape(data)[0], self.dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            z, log_q = self(z0, training=True)
            log_p = self._log_p(z)
            loss = tf.reduce_mean(log_q - self.beta() * log_p)
        self.minimize(loss, tape)
        self.loss_tracker.update_state(loss)
        self.free_energy_tracker.update_state(tf.reduce_mean(log_q - log_p))
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.free_energy_tracker]

    def get_config(self):
        return {
            **super().get_config(),
            "target": self.target if isinstance(self.target, str) else None,
            "flow_layers": [keras.saving.serialize_keras_object(layer) for layer in self.flow_layers],
            "dim": self.dim,
        }

    @classmethod
    def from_config(cls, config):
        layers = [keras.saving.deserialize_keras_object(c) for c in config.pop("flow_layers")]
        return super().from_config({**config, "flow_layers": layers})


def fit(target, flow_layers, dim, steps, batch_size=256, learning_rate=1e-3, beta_schedule=None, seed=0,
        steps_per_execution=50, verbose=0):
    """Builds a `VariationalFlow`, trains it for ``steps`` Adam steps of ``batch_size`` samples; returns it
    (its ``history`` holds the per-epoch mean loss and free energy)."""
    if int(steps) < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    keras.utils.set_random_seed(seed)
    model = VariationalFlow(target, flow_layers, dim, beta_schedule=beta_schedule, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), steps_per_execution=steps_per_execution)
    model.fit(noise_batches(batch_size), epochs=1, steps_per_epoch=int(steps), verbose=verbose,
              shuffle=False)
    return model
