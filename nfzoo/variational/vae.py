"""A variational autoencoder with a flow posterior (amortised VI; Rezende & Mohamed 2015, Kingma et al. 2016).

Generative model on binary vectors x in {0, 1}^D: z ~ N(0, I_d), x | z ~ Bernoulli(sigmoid(decoder(z))), with
the decoder an MLP. Inference network: h = encoder(x) (an MLP), z_0 = mu(h) + sigma(h) eps, eps ~ N(0, I_d),
then K flow steps z_k = f_k(z_{k-1}) whose parameters depend on x through h:

* ``"diag"``: K = 0, q(z | x) = N(mu, diag sigma^2);
* ``"planar"``: f_k(z) = z + u_hat_k tanh(w_k^T z + b_k), (u_k, w_k, b_k) = a linear map of h, per example and
  step (`planar_forward`, the function the `Planar` layer runs on its own weights);
* ``"iaf"``: f_k = `MaskedAutoregressive` (iaf=True), z_k = z_{k-1} exp(alpha_k) + mu_k with (mu_k, alpha_k) a
  MADE of (z_{k-1}, c), context c = a linear map of h; input orders alternate between steps.

    ln q(z_K | x) = sum_i [ln N(eps_i; 0, 1) - ln sigma_i] - sum_k ln|det df_k/dz_{k-1}|
    ELBO(x) = E_q[ln p(x | z_K) + ln p(z_K) - ln q(z_K | x)] <= ln p(x)

Training minimises the mean negative ELBO (one z per example); with ``beta_schedule`` (e.g. `LinearBeta`) the
annealed E_q[ln q - beta_t ln p(x, z)] of R&M section 6. `importance_log_likelihood` estimates

    ln p(x) ~= ln (1/k) sum_i p(x, z_i) / q(z_i | x),    z_i ~ q(. | x),

whose expectation is a lower bound on ln p(x) that rises with k, from the ELBO at k = 1 (Burda et al. 2016).
"""
import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.autoregressive import MaskedAutoregressive
from nfzoo.bijectors.base import check_float
from nfzoo.bijectors.planar import planar_forward
from nfzoo.normal import standard_normal_log_prob
from nfzoo.variational.free_energy import FreeEnergyModel

@keras.saving.register_keras_serializable(package="nfzoo")
class DiagonalPosterior(keras.layers.Layer):
    """``(h, eps) -> (z, ln q(z | x))`` with z = mu(h) + sigma(h) eps: the base of the flow posteriors.

    Subclasses add steps by overriding ``flow(z, h)`` -> ``(z_K, sum_k ln|det df_k/dz_{k-1}|)``.
    """

    def __init__(self, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.gaussian = keras.layers.Dense(2 * self.latent_dim, name="gaussian")

    def build(self, h_shape, eps_shape=None):
        self.gaussian.build(h_shape)

    def call(self, h, eps):
        mu, log_sigma = tf.split(self.gaussian(h), 2, axis=-1)
        z, log_det = self.flow(mu + tf.exp(log_sigma) * eps, h)
        return z, standard_normal_log_prob(eps) - tf.reduce_sum(log_sigma, axis=-1) - log_det

    def flow(self, z, h):
        return z, tf.zeros(tf.shape(z)[:1], z.dtype)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="nfzoo")
class PlanarPosterior(DiagonalPosterior):
    """Diagonal Gaussian + ``steps`` amortised planar steps, (u, w, b) per example from h."""

    def __init__(self, latent_dim, steps, **kwargs):
        super().__init__(latent_dim, **kwargs)
        self.steps = int(steps)
        self.planar_params = keras.layers.Dense(self.steps * (2 * self.latent_dim + 1), name="planar_params")

    def build(self, h_shape, eps_shape=None):
        super().build(h_shape)
        self.planar_params.build(h_shape)

    def flow(self, z, h):
        d = self.latent_dim
        params = tf.reshape(self.planar_params(h), [-1, self.steps, 2 * d + 1])
        log_det = 0.0
        for k in range(self.steps):
            z, step_log_det = planar_forward(z, params[:, k, :d], params[:, k, d:2 * d], params[:, k, 2 * d])
            log_det += step_log_det
        return z, log_det

    def get_config(self):
        return {**super().get_config(), "steps": self.steps}


@keras.saving.register_keras_serializable(package="nfzoo")
class IAFPosterior(DiagonalPosterior):
    """Diagonal Gaussian + ``steps`` IAF steps conditioned on a context c = linear(h) of ``context_size``."""

    def __init__(self, latent_dim, steps, context_size=32, hidden_units=(64, 64), **kwargs):
        super().__init__(latent_dim, **kwargs)
        self.steps, self.context_size = int(steps), int(context_size)
        self.hidden_units = [int(u) for u in hidden_units]
        self.context = keras.layers.Dense(self.context_size, name="context")
        self.iaf_steps = [
            MaskedAutoregressive(hidden_units=self.hidden_units, iaf=True, context_size=self.context_size,
                                 input_order=("left-to-right", "right-to-left")[k % 2], name=f"iaf_{k}")
            for k in range(self.steps)
        ]

    def build(self, h_shape, eps_shape=None):
        super().build(h_shape)
        self.context.build(h_shape)
        for step in self.iaf_steps:
            step.build((None, self.latent_dim))

    def flow(self, z, h):
        c = self.context(h)
        log_det = 0.0
        for step in self.iaf_steps:
            z, step_log_det = step(z, context=c)
            log_det += step_log_det
        return z, log_det

    def get_config(self):
        return {**super().get_config(), "steps": self.steps, "context_size": self.context_size,
                "hidden_units": self.hidden_units}


POSTERIORS = ("diag", "planar", "iaf")


def mlp(hidden_units, out, name):
    """ReLU dense layers of ``hidden_units`` then a linear layer of width ``out`` (None: no last layer)."""
    layers = [keras.layers.Dense(u, activation="relu") for u in hidden_units]
    return keras.Sequential(layers + ([keras.layers.Dense(out)] if out else []), name=name)


@keras.saving.register_keras_serializable(package="nfzoo")
class VAE(FreeEnergyModel):
    """Bernoulli VAE with a diagonal, planar or IAF posterior; see the module docstring.

    Args:
      data_dim: D, size of a flattened binary example.
      latent_dim: d.
      hidden_units: hidden layer sizes of the encoder (the decoder mirrors them).
      posterior: ``"diag"``, ``"planar"`` or ``"iaf"``.
      flow_steps: K (0 for ``"diag"``, >= 1 otherwise).
      context_size, iaf_hidden_units: IAF context width and MADE hidden sizes.
      beta_schedule: callable ``step -> beta`` for annealing ln p(x, z), None for beta = 1.
      seed: seed of the posterior draws.
    """

    def __init__(self, data_dim, latent_dim=8, hidden_units=(256, 256), posterior="diag", flow_steps=0,
                 context_size=32, iaf_hidden_units=(64, 64), beta_schedule=None, seed=None, **kwargs):
        super().__init__(beta_schedule=beta_schedule, seed=seed, **kwargs)
        if posterior not in POSTERIORS:
            raise ValueError(f"posterior must be one of {POSTERIORS}, got {posterior!r}.")
        if (posterior == "diag") != (int(flow_steps) == 0) or int(flow_steps) < 0:
            raise ValueError(f"posterior {posterior!r} expects flow_steps "
                             f"{'= 0' if posterior == 'diag' else '>= 1'}, got {flow_steps}.")
        if int(data_dim) < 1 or int(latent_dim) < 1:
            raise ValueError(f"data_dim and latent_dim must be positive, got {data_dim} and {latent_dim}.")
        self.data_dim, self.latent_dim = int(data_dim), int(latent_dim)
        self.hidden_units = [int(u) for u in hidden_units]
        self.posterior_kind, self.flow_steps = posterior, int(flow_steps)
        self.context_size, self.iaf_hidden_units = int(context_size), [int(u) for u in iaf_hidden_units]
        self.encoder = mlp(self.hidden_units, None, name="encoder")
        self.decoder = mlp(self.hidden_units[::-1], self.data_dim, name="decoder")
        if posterior == "diag":
            self.posterior = DiagonalPosterior(self.latent_dim, name="posterior")
        elif posterior == "planar":
            self.posterior = PlanarPosterior(self.latent_dim, self.flow_steps, name="posterior")
        else:
            self.posterior = IAFPosterior(self.latent_dim, self.flow_steps, self.context_size,
                                          self.iaf_hidden_units, name="posterior")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.neg_elbo_tracker = keras.metrics.Mean(name="neg_elbo")
        self.build((None, self.data_dim))

    def build(self, input_shape):
        self.encoder.build((None, self.data_dim))
        h_shape = self.encoder.compute_output_shape((None, self.data_dim))
        self.posterior.build(h_shape)
        self.decoder.build((None, self.latent_dim))
        self.built = True

    def check_input(self, x):
        """Converts ``x`` to float32 after checking it is a float batch [batch, data_dim] (0/1 pixels)."""
        check_float(x, "VAE")
        x = tf.convert_to_tensor(x, tf.float32)
        if x.shape.rank != 2 or x.shape[-1] != self.data_dim:
            raise ValueError(f"VAE expects binary data of shape [batch, {self.data_dim}], got {tuple(x.shape)}.")
        return x

    # -- the bound -------------------------------------------------------------------------------------
    def log_joint_and_q(self, x, h):
        """One draw z ~ q(. | x) per row: ``(ln p(x, z), ln q(z | x))``, given the encoder output h."""
        eps = keras.random.normal((tf.shape(h)[0], self.latent_dim), seed=self.seed_generator)
        z, log_q = self.posterior(h, eps)
        log_px_z = -tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=self.decoder(z)), -1)
        return log_px_z + standard_normal_log_prob(z), log_q

    def call(self, x, training=False):
        """Single-sample ELBO per example [batch], in nats."""
        log_joint, log_q = self.log_joint_and_q(x, self.encoder(x, training=training))
        return log_joint - log_q

    def elbo(self, x, samples=1):
        """Per-example ELBO averaged over ``samples`` posterior draws (numpy [n])."""
        x = self.check_input(x)
        return np.mean([self(x).numpy() for _ in range(int(samples))], axis=0)

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32), tf.TensorSpec([], tf.int32)])
    def _importance_batch(self, x, k):
        h = tf.repeat(self.encoder(x), k, axis=0)
        log_joint, log_q = self.log_joint_and_q(tf.repeat(x, k, axis=0), h)
        log_w = tf.reshape(log_joint - log_q, [-1, k])
        return tf.reduce_logsumexp(log_w, axis=-1) - tf.math.log(tf.cast(k, tf.float32))

    def importance_log_likelihood(self, x, k=500, max_rows=50_000):
        """ln p(x) per example (numpy [n]) by importance sampling with ``k`` posterior draws."""
        x = self.check_input(x)
        if int(k) < 1:
            raise ValueError(f"k must be a positive number of importance samples, got {k!r}.")
        batch = max(1, int(max_rows) // int(k))
        return np.concatenate([self._importance_batch(x[i:i + batch], tf.constant(int(k)))
                               for i in range(0, x.shape[0], batch)])

    # -- Keras training hooks --------------------------------------------------------------------------
    def train_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            log_joint, log_q = self.log_joint_and_q(x, self.encoder(x, training=True))
            loss = tf.reduce_mean(log_q - self.beta() * log_joint)
        self.minimize(loss, tape)
        self.loss_tracker.update_state(loss)
        self.neg_elbo_tracker.update_state(tf.reduce_mean(log_q - log_joint))
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        neg_elbo = -tf.reduce_mean(self(x))
        self.loss_tracker.update_state(neg_elbo)
        self.neg_elbo_tracker.update_state(neg_elbo)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.neg_elbo_tracker]

    def get_config(self):
        return {
            **super().get_config(),
            "data_dim": self.data_dim,
            "latent_dim": self.latent_dim,
            "hidden_units": self.hidden_units,
            "posterior": self.posterior_kind,
            "flow_steps": self.flow_steps,
            "context_size": self.context_size,
            "iaf_hidden_units": self.iaf_hidden_units,
        }
