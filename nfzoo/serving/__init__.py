"""TF Serving export: each version of a flow as a SavedModel with named signatures (docs/serving.md).

    from nfzoo.serving import export_serving
    export_serving(flow, "exports/glow_digits", version=1)       # -> exports/glow_digits/1/saved_model.pb
    zoo_model.export_serving("exports/glow_celeba", version=1)   # the flow + its attribute directions

The signatures themselves live with the models (`nfzoo.models.signatures`): ``flow.export(path)`` writes the same
SavedModel without a version folder.

The SavedModel holds plain TensorFlow graphs: serving it needs neither nfzoo nor TensorFlow Probability.
`nfzoo.serving.rest` decodes TF Serving REST request bodies, to try requests without a model server.
"""
from nfzoo.serving.export import export_serving

__all__ = ["export_serving"]
