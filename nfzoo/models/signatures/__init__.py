"""The SavedModel signatures of a flow (``log_prob``, ``encode``, ``decode``, ``sample``, ``manipulate``...): plain
TensorFlow graphs that check every request, so serving needs neither nfzoo nor TFP. `save_signatures` writes them;
`FlowModel.export` and `nfzoo.serving.export_serving` (TF Serving's numbered versions) call it. Imported on
first use (`nfzoo.lazy`): the request limits (`limits`) are read without TensorFlow."""
from nfzoo.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {"save_signatures": "nfzoo.models.signatures.saved_model"})
__all__ = ["save_signatures"]
