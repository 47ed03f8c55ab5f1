"""Training nfzoo models with Keras `fit`: schedules, callbacks, distribution strategies, the train loop.

Importing it registers the optimizer and schedule that `nfzoo train` compiles with (`DebiasedEMAAdam`,
`LinearWarmup`), so its checkpoints load with plain ``keras.models.load_model`` after ``import nfzoo``."""
from nfzoo.training.ema import DebiasedEMAAdam
from nfzoo.training.schedules import LinearWarmup

__all__ = ["DebiasedEMAAdam", "LinearWarmup"]
