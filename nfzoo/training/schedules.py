"""Learning-rate schedules."""
import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="nfzoo")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """``lr(step) = peak * min(1, (step + 1) / warmup_steps)``: linear warm-up, then constant (Glow)."""

    def __init__(self, peak, warmup_steps):
        self.peak = float(peak)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        fraction = (tf.cast(step, tf.float32) + 1.0) / max(self.warmup_steps, 1)
        return self.peak * tf.minimum(1.0, fraction)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps}
