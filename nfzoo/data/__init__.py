"""Data for nfzoo: the uint8 <-> model-space image convention (`nfzoo.data.images`), CelebA/TFDS loaders, vector
sets, tf.data pipelines and 2-D toy samplers, each imported on first use (`nfzoo.lazy`). The
Rezende & Mohamed energies moved to `nfzoo.variational.energies` (their old names here work until nfzoo 0.2)."""
from nfzoo.deprecation import moved
from nfzoo.lazy import lazy_exports

EXPORTS = {
    **dict.fromkeys(["CELEBA_ATTRIBUTES", "CelebAData", "crop_celeba", "identity_split", "load_celeba_folder",
                     "load_celeba_npz"], "nfzoo.data.celeba"),
    **dict.fromkeys(["bits_per_dim", "dequantize", "quantize", "resize_images", "to_uint8"], "nfzoo.data.images"),
    **dict.fromkeys(["image_dataset", "vector_dataset"], "nfzoo.data.pipeline"),
    **dict.fromkeys(["checkerboard", "eight_gaussians", "two_moons"], "nfzoo.data.targets"),
    **dict.fromkeys(["TFDS_NAMES", "load_tfds"], "nfzoo.data.tfds"),
}
__all__ = [
    "CELEBA_ATTRIBUTES",
    "CelebAData",
    "TFDS_NAMES",
    "bits_per_dim",
    "checkerboard",
    "crop_celeba",
    "dequantize",
    "eight_gaussians",
    "identity_split",
    "image_dataset",
    "load_celeba_folder",
    "load_celeba_npz",
    "load_tfds",
    "quantize",
    "resize_images",
    "to_uint8",
    "two_moons",
    "vector_dataset",
]

__getattr__, __dir__ = lazy_exports(__name__, EXPORTS, fallback=moved(__name__, {
    "nfzoo.variational.energies": ["ENERGIES", "energy_u1", "energy_u2", "energy_u3", "energy_u4"]}))
