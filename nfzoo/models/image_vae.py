"""An image VAE whose posterior is an inverse autoregressive flow (IAF-VAE, Kingma et al. 2016), on n-bit images.

Generative model on the discrete pixels k in {0 .. 2**n_bits - 1}^D (D = H * W * C):

    z ~ N(0, I_d),    k_i | z ~ DiscretizedLogistic(loc_i(z), s_i(z))    independently per subpixel,

with (loc, log s) = a conv decoder (dense -> 4x4 -> transposed convs) of z. Two options (`ImageVAE`): a spatial
latent (``latent_channels``: z is the decoder's smallest grid with c channels, flattened to d for the API, and
enters the decoder by a conv, not a dense layer), and ``channel_coupling`` (PixelCNN++'s dependence of a pixel's
subpixels: loc_G += a k~_R, loc_B += b k~_R + c k~_G with k~ the bin centres, so P(k | z) = prod over pixels of
P(R | z) P(G | R, z) P(B | R, G, z), still one decoder pass). The logistic lives in model space
[-0.5, 0.5], cut into the bins [k / 2**n - 0.5, (k + 1) / 2**n - 0.5) of `nfzoo.data.images`; the outer
bins reach to -inf and +inf (PixelCNN++, the IAF paper), so the 2**n probabilities sum to 1
(`discretized_logistic_log_prob`).

Posterior, all in one pass (IAF's point: no sequential sampling): h = conv encoder(x), then
`nfzoo.variational.vae.IAFPosterior`: z_0 = mu(h) + sigma(h) eps, eps ~ N(0, I_d), and K IAF steps
z_k = z_{k-1} exp(alpha_k) + mu_k with (mu_k, alpha_k) a MADE of (z_{k-1}, context(h)), so

    ln q(z_K | x) = ln N(eps; 0, I) - sum_i ln sigma_i - sum_k sum_i alpha_k,i,
    ELBO(k) = E_q[ln P(k | z) + ln N(z; 0, I) - ln q(z | x)] <= ln P(k).

The encoder sees the bin centres of the pixels, not their dequantisation noise, so q depends on k only.

Units shared with the flows: a flow reports ln p(x~) of the uniformly dequantised x~ and bits/dim
= -(ln p(x~) - D ln 2**n) / (D ln 2) (`nfzoo.data.images.bits_per_dim`). The VAE's discrete model is the
density P(k(x~)) * 2**(n D) on the cube (constant inside each bin), so `log_likelihood` returns

    ELBO(k) + D ln 2**n    nats per image,

and the same formula gives bits/dim = -ELBO(k) / (D ln 2), an upper bound on the NLL of the discrete pixels in
bits per subpixel, comparable with the flows' dequantisation bounds (``likelihood_bound = "elbo"``).
`importance_log_likelihood` tightens it with k posterior draws (Burda et al. 2016).

No KL warm-up and no free bits: the decoder is factorised over pixels (the coupling stays inside a pixel), so only
z can carry the structure between pixels and the posterior has no reason to collapse (on the faces its KL grows
from the first steps).
"""
import math

import keras
import numpy as np
import tensorflow as tf

from nfzoo.bijectors.base import check_float
from nfzoo.data.images import bits_per_dim, check_n_bits
from nfzoo.models.flow_model import FlowModel
from nfzoo.normal import standard_normal_log_prob
from nfzoo.variational.vae import DiagonalPosterior, IAFPosterior

MIN_LOG_SCALE = -7.0  # the decoder's logistic scale is at least e^-7 (PixelCNN++), a quarter of an 8-bit bin
# The decoder's log-scales start near -2 (the bias of its last layer): a logistic std of ~0.25, the spread of face
# pixels in model space. From 0 (std 1.8) Adam takes thousands of steps to shrink the scales (held-out bits/dim after
# 400 steps on the faces: 7.32 from 0, 6.77 from -2).
INITIAL_LOG_SCALE = -2.0


def discretized_logistic_log_prob(bins, loc, log_scale, n_bits):
    """ln P(k) elementwise for bins k (float, in 0 .. 2**n - 1) under a logistic(loc, s = e^log_scale) over model
    space, discretised into bins of width w = 1 / 2**n from -0.5, the outer bins extended to -inf and +inf.

    With a = (k w - 0.5 - loc) / s and b = a + w / s (the bin's edges in standard units),
    P(k) = sigmoid(b) - sigmoid(a) = sigmoid(b) sigmoid(-a) (1 - e^(a - b)), hence

        ln P(k) = -softplus(-b) - softplus(a) + ln(1 - e^(-w / s))      (0 < k < 2**n - 1)
        ln P(0) = -softplus(-b),   ln P(2**n - 1) = -softplus(a),

    finite and stable for any loc and scale.
    """
    top = 2.0**n_bits - 1.0
    width = 1.0 / 2.0**n_bits
    inv_scale = tf.exp(-log_scale)
    a = (bins * width - 0.5 - loc) * inv_scale
    b = a + width * inv_scale
    first, last = tf.equal(bins, 0.0), tf.equal(bins, top)
    zero = tf.zeros_like(a)
    log_below_upper = tf.where(last, zero, -tf.nn.softplus(-b))
    log_above_lower = tf.where(first, zero, -tf.nn.softplus(a))
    log_width = tf.where(first | last, zero, tf.math.log(-tf.math.expm1(-width * inv_scale)))
    return log_below_upper + log_above_lower + log_width


def conv_encoder(image_shape, widths, name="encoder"):
    """Per width: a stride-2 3x3 conv then a 3x3 conv (ELU), halving the resolution each time; then flatten."""
    layers = [keras.Input(image_shape)]
    for width in widths:
        layers += [keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="elu"),
                   keras.layers.Conv2D(width, 3, padding="same", activation="elu")]
    return keras.Sequential(layers + [keras.layers.Flatten()], name=name)


def conv_decoder(latent_dim, image_shape, widths, latent_channels=0, coefficients=0, name="decoder"):
    """The encoder mirrored: z -> the smallest grid with ``widths[-1]`` channels -> a 3x3 conv; then per
    coarser level a stride-2 4x4 transposed conv and a 3x3 conv with the next finer width (ELU); last, a stride-2
    4x4 transposed conv to the full resolution with ``2 C + coefficients`` channels: the logistic locations, raw
    log-scales and raw channel-coupling coefficients (`coupled_locations`; biases start at 0, -2 and 0).
    z reaches the smallest grid by a dense layer (flat latent, ``latent_channels = 0``) or, for a spatial latent,
    by reshaping it to that grid with ``latent_channels`` channels and a 3x3 conv: each latent position then
    shapes its own region of the image. (Kernel 4 at stride 2: every output pixel gets the same number of taps,
    avoiding the uneven overlap behind checkerboard artefacts, Odena et al. 2016.)"""
    height, width, channels = image_shape
    factor = 2 ** len(widths)
    grid = (height // factor, width // factor, widths[-1])
    if latent_channels:
        to_grid = [keras.layers.Reshape((*grid[:2], latent_channels)),
                   keras.layers.Conv2D(widths[-1], 3, padding="same", activation="elu")]
    else:
        to_grid = [keras.layers.Dense(int(np.prod(grid)), activation="elu"), keras.layers.Reshape(grid)]
    layers = [keras.Input((latent_dim,)), *to_grid,
              keras.layers.Conv2D(widths[-1], 3, padding="same", activation="elu")]
    for conv_width in reversed(widths[:-1]):
        layers += [keras.layers.Conv2DTranspose(conv_width, 4, strides=2, padding="same", activation="elu"),
                   keras.layers.Conv2D(conv_width, 3, padding="same", activation="elu")]
    bias = keras.initializers.Constant([0.0] * channels + [INITIAL_LOG_SCALE] * channels + [0.0] * coefficients)
    last = keras.layers.Conv2DTranspose(2 * channels + coefficients, 4, strides=2, padding="same",
                                        bias_initializer=bias)
    return keras.Sequential(layers + [last], name=name)


@keras.saving.register_keras_serializable(package="nfzoo")
class ImageVAE(keras.Model):
    """IAF-VAE on n-bit images with `FlowModel`'s image API; see the module docstring.

    Args:
      image_shape: (H, W, C), H and W divisible by 2**len(widths).
      latent_dim: d, the size of the flat latent z.
      latent_channels: 0 for a latent without layout (a dense layer maps it to the decoder's smallest grid);
        c > 0 for a spatial latent: z is that grid, (H / 2**len(widths)) x (W / 2**len(widths)) x c, flattened to
        d (which must then equal its size), so the API still sees flat [N, d] latents.
      widths: channels of the encoder's levels (each halves the resolution); the decoder mirrors them.
      flow_steps: K IAF steps in the posterior (0: a diagonal Gaussian posterior).
      context_size: width of the IAF steps' context, a linear map of the encoder output h.
      iaf_hidden_units: hidden layer sizes of each step's MADE.
      n_bits: bits per subpixel of the discrete data.
      seed: seed of the posterior draws in training.
      channel_coupling: the subpixels of a pixel dependent, as in PixelCNN++: channel c's logistic location is
        shifted by a_cj times the value of every earlier channel j < c (a_cj in (-1, 1) from the decoder), so
        P(pixel | z) = prod_c P(k_c | k_<c, z), still one decoder pass; False: independent subpixels.
    """

    likelihood_bound = "elbo"  # log_likelihood is a variational lower bound (flows: a dequantisation bound)

    def __init__(self, image_shape, latent_dim=128, widths=(64, 128, 128), flow_steps=2, context_size=128,
                 iaf_hidden_units=(256, 256), n_bits=8, seed=None, latent_channels=0, channel_coupling=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.data_event_shape = tuple(int(d) for d in image_shape)
        self.widths = [int(w) for w in widths]
        factor = 2 ** len(self.widths)
        if len(self.data_event_shape) != 3 or min(self.data_event_shape) < 1 or \
                self.data_event_shape[0] % factor or self.data_event_shape[1] % factor:
            raise ValueError(f"image_shape must be (height, width, channels) with height and width divisible by "
                             f"2**len(widths) = {factor}, got {tuple(image_shape)}.")
        if int(latent_dim) < 1 or int(flow_steps) < 0 or not self.widths or min(self.widths) < 1:
            raise ValueError(f"ImageVAE expects latent_dim >= 1, flow_steps >= 0 and positive widths, got "
                             f"latent_dim={latent_dim}, flow_steps={flow_steps}, widths={list(widths)}.")
        self.latent_channels = int(latent_channels)
        grid_size = (self.data_event_shape[0] // factor) * (self.data_event_shape[1] // factor)
        if self.latent_channels < 0 or (self.latent_channels and int(latent_dim) != grid_size * self.latent_channels):
            raise ValueError(f"latent_channels must be 0 (flat latent) or c > 0 with latent_dim = {grid_size} c (the "
                             f"decoder's smallest grid, {grid_size} positions, times c), got latent_channels="
                             f"{latent_channels}, latent_dim={latent_dim}.")
        self.n_bits = check_n_bits(n_bits)
        self.latent_dim, self.flow_steps = int(latent_dim), int(flow_steps)
        self.context_size, self.iaf_hidden_units = int(context_size), [int(u) for u in iaf_hidden_units]
        self.seed = seed
        self.num_dims = int(np.prod(self.data_event_shape))
        self.encoder = conv_encoder(self.data_event_shape, self.widths)
        self.channel_coupling = bool(channel_coupling)
        channels = self.data_event_shape[-1]
        self.coupled_pairs = [(c, j) for c in range(channels) for j in range(c)] if self.channel_coupling else []
        self.decoder = conv_decoder(self.latent_dim, self.data_event_shape, self.widths, self.latent_channels,
                                    len(self.coupled_pairs))
        if self.flow_steps:
            self.posterior = IAFPosterior(self.latent_dim, self.flow_steps, self.context_size, self.iaf_hidden_units,
                                          name="posterior")
        else:
            self.posterior = DiagonalPosterior(self.latent_dim, name="posterior")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.bits_per_dim_tracker = keras.metrics.Mean(name="bits_per_dim")
        self.build((None, *self.data_event_shape))

    def build(self, input_shape):
        self.posterior.build(self.encoder.output_shape)
        self.built = True

    @property
    def is_initialized(self):
        """Always True: nothing is initialised from data (`export_serving` asks flows with ActNorm)."""
        return True

    def check_input(self, x):
        """Converts ``x`` to float32 and checks it is a batch of this model's images."""
        check_float(x, "ImageVAE")
        x = tf.convert_to_tensor(x, tf.float32)
        shape = x.shape
        if shape.rank is not None and (shape.rank != 4 or not shape[1:].is_compatible_with(self.data_event_shape)):
            raise ValueError(f"ImageVAE expects a batch of shape [batch, {', '.join(map(str, self.data_event_shape))}]"
                             f", got {tuple(shape)}.")
        return x

    # -- pieces ----------------------------------------------------------------------------------------
    def bins(self, x):
        """Model-space x in [-0.5, 0.5] -> its bins k = floor((x + 0.5) 2**n), clipped to 0 .. 2**n - 1 (float)."""
        return tf.clip_by_value(tf.floor((x + 0.5) * 2.0**self.n_bits), 0.0, 2.0**self.n_bits - 1.0)

    def bin_centres(self, bins):
        """Bins k -> their centres (k + 1/2) / 2**n - 0.5 in model space: what the encoder sees."""
        return (bins + 0.5) / 2.0**self.n_bits - 0.5

    def decoder_params(self, z, training=False):
        """z [N, d] -> (loc, log_scale, coefficients): [N, H, W, C] each, log_scale >= MIN_LOG_SCALE, and the
        channel-coupling coefficients in (-1, 1), [N, H, W, C (C - 1) / 2] (none without ``channel_coupling``)."""
        channels = self.data_event_shape[-1]
        loc, log_scale, raw = tf.split(self.decoder(z, training=training),
                                       [channels, channels, len(self.coupled_pairs)], axis=-1)
        return loc, tf.maximum(log_scale, MIN_LOG_SCALE), tf.tanh(raw)

    def coupled_locations(self, loc, coefficients, values=None):
        """The logistic locations with the channel coupling: loc_c + sum_{j < c} a_cj v_j for channel c, with v the
        pixel's own bin centres (the likelihood) or, for ``values = None``, the coupled locations themselves, v_j =
        loc_j + ... (the mean image, channel after channel). Without coupling (no pairs) the locations as they are."""
        columns = []
        for c in range(loc.shape[-1]):
            column = loc[..., c]
            for p, (target, source) in enumerate(self.coupled_pairs):
                if target == c:
                    column += coefficients[..., p] * (columns[source] if values is None else values[..., source])
            columns.append(column)
        return tf.stack(columns, axis=-1)

    def log_weights(self, bins, h, eps, training=False):
        """ln P(k | z) + ln p(z) - ln q(z | x) per row, for z = the posterior of encoder output h at noise eps."""
        z, log_q = self.posterior(h, eps)
        loc, log_scale, coefficients = self.decoder_params(z, training=training)
        loc = self.coupled_locations(loc, coefficients, self.bin_centres(bins))
        log_px_z = tf.reduce_sum(discretized_logistic_log_prob(bins, loc, log_scale, self.n_bits), axis=[1, 2, 3])
        return log_px_z + standard_normal_log_prob(z) - log_q

    def posterior_noise(self, n, seed=None):
        """eps [n, d] for the posterior: ``stateless_normal([n, d], seed=[seed, 0])``, or with seed None fresh draws
        from the model's seed generator."""
        if seed is None:
            return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
        return tf.random.stateless_normal((n, self.latent_dim), seed=[seed, 0])

    # -- the bound -------------------------------------------------------------------------------------
    def log_likelihood(self, x, training=False, seed=0):
        """ELBO(k) + D ln 2**n per image, in nats (module docstring): a lower bound on the model's log-density at
        the dequantised images x, from ONE posterior draw per image, ``posterior_noise(batch, seed)``: the same
        seed and batch size give the same draws (evaluation, publishing, serving); seed None draws afresh."""
        x = self.check_input(x)
        bins = self.bins(x)
        h = self.encoder(self.bin_centres(bins), training=training)
        eps = self.posterior_noise(tf.shape(x)[0], seed)
        return self.log_weights(bins, h, eps, training=training) + self.num_dims * self.n_bits * math.log(2.0)

    def call(self, x, training=False):
        """`log_likelihood`: fresh posterior draws in training, seed 0 otherwise."""
        return self.log_likelihood(x, training=training, seed=None if training else 0)

    @tf.function(reduce_retracing=True)
    def _importance_chunk(self, x, k, seed):
        bins = self.bins(x)
        h = tf.repeat(self.encoder(self.bin_centres(bins)), k, axis=0)
        eps = tf.random.stateless_normal((tf.shape(h)[0], self.latent_dim), seed=seed)
        log_w = tf.reshape(self.log_weights(tf.repeat(bins, k, axis=0), h, eps), [-1, k])
        return tf.reduce_logsumexp(log_w, axis=-1) - tf.math.log(tf.cast(k, tf.float32))

    def importance_log_likelihood(self, x, k=100, seed=0, max_rows=2048):
        """Like `log_likelihood` with the importance-weighted bound ln (1/k) sum_j P(x | z_j) p(z_j) / q(z_j | x),
        z_1 .. z_k ~ q, in place of the ELBO (x: the image's bins): a lower bound on ln P(x) that rises with k
        (Burda et al. 2016); k = 1 is `log_likelihood` with the same seed for a batch of at most ``max_rows``
        images. Runs ``max_rows // k`` images at a time, chunk c with seed [seed, c]."""
        x = self.check_input(x)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive number of importance samples, got {k!r}.")
        rows = max(1, int(max_rows) // int(k))
        chunks = [self._importance_chunk(x[start:start + rows], tf.constant(int(k)),
                                         tf.constant([int(seed), c], tf.int32))
                  for c, start in enumerate(range(0, int(x.shape[0]), rows))]
        return tf.concat(chunks, axis=0) + self.num_dims * self.n_bits * math.log(2.0)

    def bits_per_dim(self, x, k=1, seed=0):
        """Per-image upper bound on the NLL of the discrete pixels in bits per subpixel: -ELBO / (D ln 2) for
        ``k = 1``, the importance-weighted bound with ``k`` posterior draws otherwise."""
        log_likelihood = self.log_likelihood(x, seed=seed) if k == 1 else self.importance_log_likelihood(x, k, seed)
        return bits_per_dim(log_likelihood, self.num_dims, self.n_bits)

    # -- latents ---------------------------------------------------------------------------------------
    def encode(self, x):
        """x -> z [N, d]: the posterior's point at eps = 0, i.e. z_0 = mu(h) pushed through the IAF steps (for
        ``flow_steps = 0`` the posterior mean). Not an exact inverse: ``decode(encode(x))`` reconstructs x."""
        h = self.encoder(self.bin_centres(self.bins(self.check_input(x))))
        z, _ = self.posterior(h, tf.zeros((tf.shape(h)[0], self.latent_dim)))
        return z

    def decode(self, z):
        """z [N, d] -> the decoder's mean image [N, H, W, C] in model space: the logistic locations, clipped to
        [-0.5, 0.5] (the bin of a location inside the range is the most probable interior bin)."""
        z = tf.convert_to_tensor(z, tf.float32)
        if z.shape.rank is not None and (z.shape.rank != 2 or z.shape[-1] not in (None, self.latent_dim)):
            raise ValueError(f"decode expects latents of shape [batch, {self.latent_dim}], got {tuple(z.shape)}.")
        loc, _, coefficients = self.decoder_params(z)
        return tf.clip_by_value(self.coupled_locations(loc, coefficients), -0.5, 0.5)

    def latent_noise(self, n, seed=None):
        """n standard-normal latents [n, d]; the same ``seed`` gives the same draws."""
        shape = [int(n), self.latent_dim]
        if seed is None:
            return tf.random.normal(shape)
        return tf.random.stateless_normal(shape, seed=[int(seed), 0])

    def sample(self, n, temperature=1.0, seed=None):
        """n mean images of z ~ N(0, T^2 I) (T = ``temperature``); the same ``seed`` gives the same images."""
        return self.decode(temperature * self.latent_noise(n, seed))

    # -- Keras training hooks: FlowModel's (loss = -mean log_likelihood; metric bits/dim of it) -----------
    compute_loss = FlowModel.compute_loss
    compute_metrics = FlowModel.compute_metrics
    metrics = FlowModel.metrics

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": list(self.data_event_shape),
            "latent_dim": self.latent_dim,
            "latent_channels": self.latent_channels,
            "channel_coupling": self.channel_coupling,
            "widths": self.widths,
            "flow_steps": self.flow_steps,
            "context_size": self.context_size,
            "iaf_hidden_units": self.iaf_hidden_units,
            "n_bits": self.n_bits,
            "seed": self.seed,
        }


def iafvae(image_shape, latent_dim=128, widths=(64, 128, 128), flow_steps=2, context_size=128,
           iaf_hidden_units=(256, 256), n_bits=8, seed=0, latent_channels=0, channel_coupling=False,
           name="iafvae"):
    """Builds an `ImageVAE` with an IAF posterior for images of ``image_shape`` = (H, W, C) (zoo family ``iafvae``)."""
    return ImageVAE(image_shape, latent_dim=latent_dim, widths=widths, flow_steps=flow_steps,
                    context_size=context_size, iaf_hidden_units=iaf_hidden_units, n_bits=n_bits, seed=seed,
                    latent_channels=latent_channels, channel_coupling=channel_coupling, name=name)
