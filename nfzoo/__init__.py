"""nfzoo: normalizing flows on TensorFlow Probability bijectors, trained with Keras 3.

    import nfzoo
    model = nfzoo.build("zoo_configs/glow_celeba.yaml")   # a keras.Model (FlowModel)
    model.fit(dataset); model.log_prob(x); model.sample(16, temperature=0.7)

    nfzoo.list_models()                                   # the pretrained zoo: {name: description}
    face_model = nfzoo.load("glow_celeba")                # a ZooModel: sample, encode, decode, manipulate

``import nfzoo`` registers every class nfzoo saves with Keras (layers, models, optimizer, schedule), so a checkpoint
loads with ``keras.models.load_model`` right after it; the names below are imported when first read (`nfzoo.lazy`).
The ``nfzoo`` command sets ``NFZOO_LAZY_IMPORT=1`` before importing the package: then nothing is registered up
front (each command imports what it runs), and ``nfzoo --help`` and ``nfzoo list`` never import TensorFlow.
"""
import os

from nfzoo.lazy import lazy_exports

EXPORTS = {"FAMILIES": "nfzoo.config", "build": "nfzoo.config", "load_config": "nfzoo.config",
           "FlowModel": "nfzoo.models.flow_model", "glow": "nfzoo.models.glow", "nice": "nfzoo.models.nice",
           "realnvp": "nfzoo.models.realnvp", "compute_directions": "nfzoo.zoo", "list_models": "nfzoo.zoo",
           "load": "nfzoo.zoo"}
__getattr__, __dir__ = lazy_exports(__name__, EXPORTS)
__version__ = "0.1.0"
__all__ = sorted(EXPORTS)

if os.environ.get("NFZOO_LAZY_IMPORT") != "1":
    import nfzoo.models.keras_file  # noqa: F401  (every saved layer and model class)
    import nfzoo.training  # noqa: F401  (the optimizer and schedule `nfzoo train` compiles with)
