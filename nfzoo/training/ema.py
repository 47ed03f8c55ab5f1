"""Adam with a weight average that forgets the initial weights (Polyak averaging without the start-up bias).

Keras' ``use_ema`` average starts as a copy of the first weights and then follows
``avg <- m avg + (1 - m) w``, so after t steps a fraction m**t of it is still the initial weights: 20% after the
1,600 steps of a 40-CPU-minute budget at m = 0.999, 5% after 3,000. `DebiasedEMAAdam` keeps the normalised
average instead (Adam's bias correction applied to the weights),

    avg_t = sum_{s <= t} m**(t - s) w_s / sum_{s <= t} m**(t - s),   i.e.   avg_t = avg_{t-1} + r_t (w_t - avg_{t-1}),
    r_t = (1 - m) / (1 - m**(t + 1)),

whose horizon is the same ~1 / (1 - m) steps once t >> 1 / (1 - m) (r_t -> 1 - m) but which carries no trace of the
initial weights (r_0 = 1: the first update copies). m = 1 keeps the average at the first weights, as Keras does.
"""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="nfzoo")
class DebiasedEMAAdam(keras.optimizers.Adam):
    """`keras.optimizers.Adam` whose ``use_ema`` average is normalised; see the module docstring."""

    def _update_model_variables_moving_average(self, trainable_variables):
        # Keras calls this after each update step, before incrementing ``iterations`` (0 on the first step).
        if not self.use_ema:
            return
        if self.ema_momentum == 1.0:  # avg <- avg: the average stays at the first weights, as in Keras
            rate = ops.cast(ops.equal(self.iterations, 0), "float32")
        else:
            steps = ops.cast(self.iterations, "float32") + 1.0
            rate = (1.0 - self.ema_momentum) / (1.0 - ops.power(self.ema_momentum, steps))
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                average.assign(average + ops.cast(rate, variable.dtype) * (variable - average))
