"""Deprecated: user images <-> model space moved to `nfzoo.data.images` (this path works until nfzoo 0.2)."""
from nfzoo.data import images
from nfzoo.deprecation import moved

__getattr__ = moved(__name__, {images: ["as_uint8_batch", "fit_to_model", "read_image", "save_png", "to_model_space"]})
