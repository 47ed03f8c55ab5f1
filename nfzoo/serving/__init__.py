"""TF Serving export: each version of a flow as a SavedModel with named signatures (docs/serving.md).

    from nfzoo.serving import export_serving
    export_serving(zoo_model, "exports/glow_celeba", version=1)   # -> exports/glow_celeba/1/saved_model.pb

The SavedModel holds plain TensorFlow graphs: serving it needs neither nfzoo nor TensorFlow Probability.
`nfzoo.serving.rest` decodes TF Serving REST request bodies, to try requests without a model server.
"""
from nfzoo.serving.export import export_serving

__all__ = ["export_serving"]
