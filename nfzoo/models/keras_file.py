"""`load_keras_model`: the one way nfzoo reads a ``.keras`` file (`FlowModel`, `ImageVAE`, `VariationalFlow`,
`VAE`, ...), with every class nfzoo registers with Keras imported first and without the optimizer state
(``compile=False``: checkpoints are read for their weights; training resumes from `nfzoo.training.backup`)."""
import keras

from nfzoo import bijectors
from nfzoo.models import dequantizer, flow_model, image_vae
from nfzoo.variational import free_energy, vae, variational_flow

# every module of a saved model's classes (tests/test_import_graph.py checks none is missing); the training package
# registers the optimizer and schedule too, which models loaded without compiling do not need
REGISTERING_MODULES = (bijectors, dequantizer, flow_model, image_vae, free_energy, vae, variational_flow)


def load_keras_model(path):
    """The model saved at ``path`` (a ``.keras`` file), not compiled."""
    return keras.models.load_model(path, compile=False)
