"""nfzoo: normalizing flows on TensorFlow Probability bijectors, trained with Keras 3.

    import nfzoo
    model = nfzoo.build("zoo_configs/glow_celeba.yaml")   # a keras.Model (FlowModel)
    model.fit(dataset); model.log_prob(x); model.sample(16, temperature=0.7)

    nfzoo.list_models()                                   # the pretrained zoo: {name: description}
    face_model = nfzoo.load("glow_celeba")                # a ZooModel: sample, encode, decode, manipulate
"""
from nfzoo.config import FAMILIES, build, load_config
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.glow import glow
from nfzoo.models.nice import nice
from nfzoo.models.realnvp import realnvp
from nfzoo.training import DebiasedEMAAdam, LinearWarmup  # noqa: F401  (registered: checkpoints load)
from nfzoo.zoo import compute_directions, list_models, load

__version__ = "0.1.0"
__all__ = ["FAMILIES", "FlowModel", "build", "compute_directions", "glow", "list_models", "load", "load_config",
           "nice", "realnvp"]
