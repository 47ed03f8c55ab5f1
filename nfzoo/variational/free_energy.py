"""The base of nfzoo's variational models: a Keras model trained on an annealed free energy.

For a model q of the latent z and an unnormalised target p~ (a density known up to its normaliser Z, or the joint
p(x, z) of a latent-variable model), the free energy (negative ELBO)

    F = E_q[ln q(z) - ln p~(z)] = KL(q || p) - ln Z  >=  -ln Z

is minimised with reparameterised Monte-Carlo gradients. Annealing (Rezende & Mohamed 2015, section 6.1): minimise
F_beta = E[ln q(z) - beta_t ln p~(z)] with beta_t rising linearly to 1 (`LinearBeta`; the paper goes from 0.01 to
1 over the first 10,000 iterations). `FreeEnergyModel` holds the schedule; `VariationalFlow` and `VAE` derive from it.
"""
import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="nfzoo")
class LinearBeta:
    """Annealing schedule ``beta_t = min(1, initial + (1 - initial) t / steps)`` for training step t."""

    def __init__(self, steps=10_000, initial=0.01):
        if not steps > 0 or not 0.0 < initial <= 1.0:
            raise ValueError(f"LinearBeta expects steps > 0 and 0 < initial <= 1, got steps={steps}, "
                             f"initial={initial}.")
        self.steps, self.initial = int(steps), float(initial)

    def __call__(self, step):
        t = tf.cast(step, tf.float32)
        return tf.minimum(1.0, self.initial + (1.0 - self.initial) * t / self.steps)

    def get_config(self):
        return {"steps": self.steps, "initial": self.initial}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@keras.saving.register_keras_serializable(package="nfzoo")
class FreeEnergyModel(keras.Model):
    """Base of the variational models: a Keras model trained on an annealed free energy E[ln q - beta_t ln p].

    Holds the annealing schedule (``beta_schedule``: callable ``step -> beta``, None for beta = 1) and the seed
    of the model's own random draws; subclasses write ``train_step`` with `beta` and `minimize`.
    """

    def __init__(self, beta_schedule=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.beta_schedule, self.seed = beta_schedule, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def compile(self, optimizer="adam", **kwargs):
        """`keras.Model.compile`, then builds the optimizer's slots here rather than inside the first traced
        step (which would make TF trace the step twice)."""
        super().compile(optimizer=optimizer, **kwargs)
        self.optimizer.build(self.trainable_variables)

    def beta(self):
        """The annealing weight of ln p at the current training step."""
        return 1.0 if self.beta_schedule is None else self.beta_schedule(self.optimizer.iterations)

    def minimize(self, loss, tape):
        """One optimizer step on ``loss`` recorded by ``tape``."""
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)

    def get_config(self):
        return {**super().get_config(), "beta_schedule": keras.saving.serialize_keras_object(self.beta_schedule),
                "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(beta_schedule=keras.saving.deserialize_keras_object(config.pop("beta_schedule")), **config)
