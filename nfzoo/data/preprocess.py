"""Deprecated: the image convention moved to `nfzoo.data.images` (this path works until nfzoo 0.2)."""
from nfzoo.data import images
from nfzoo.deprecation import moved

__getattr__ = moved(__name__, {images: ["bits_per_dim", "check_n_bits", "dequantize", "quantize", "resize_images",
                                       "to_uint8"]})
