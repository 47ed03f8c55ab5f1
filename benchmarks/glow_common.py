"""What the Glow benchmarks share: the architecture flags, the stock TFP baseline and a GradientTape training step.

The stock baseline is `tfb.Glow` with `GlowDefaultNetwork` couplings (3x3 -> 1x1 -> 3x3 convs of ``width``
channels, tf_keras) and `GlowDefaultExitNetwork` split priors, as a `TransformedDistribution` over a standard
normal; its variables are tf_keras variables, optimised with `tf.optimizers.Adam`.
"""
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfb, tfd = tfp.bijectors, tfp.distributions


def add_glow_arguments(parser, batch=64, size=32):
    """Adds --levels --steps --width --batch --size (the bench_glow.py architecture by default)."""
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--steps", type=int, default=8, help="flow steps per level")
    parser.add_argument("--width", type=int, default=128, help="channels of the coupling networks")
    parser.add_argument("--batch", type=int, default=batch)
    parser.add_argument("--size", type=int, default=size, help="image height = width")


def stock_glow(shape, levels=3, steps=8, width=128):
    """Stock TFP Glow as a distribution over images of ``shape``; call ``log_prob`` on real data first
    (it builds the variables and runs ActNorm's data-dependent initialisation)."""
    bijector = tfb.Glow(
        output_shape=shape, num_glow_blocks=levels, num_steps_per_block=steps,
        coupling_bijector_fn=lambda input_shape: tfb.GlowDefaultNetwork(input_shape, num_hidden=width),
        exit_bijector_fn=tfb.GlowDefaultExitNetwork,
    )
    return tfd.TransformedDistribution(tfd.Sample(tfd.Normal(0.0, 1.0), [int(np.prod(shape))]), bijector)


def tape_train_step(log_prob, variables, optimizer):
    """One maximum-likelihood step ``x -> loss`` in a tf.function: mean NLL, gradients, update.
    ``variables`` is a function returning the trainable variables (they may not exist before the first call).
    A Keras ``LossScaleOptimizer`` (float16 networks) scales the loss here and unscales the gradients itself."""

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = -tf.reduce_mean(log_prob(x))
            scaled = optimizer.scale_loss(loss)
        optimizer.apply_gradients(zip(tape.gradient(scaled, variables()), variables()))
        return loss

    return step
