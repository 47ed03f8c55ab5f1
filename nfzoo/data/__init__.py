"""Data for nfzoo: the uint8 <-> model-space image convention, CelebA/TFDS loaders, tf.data pipelines and
2-D toy targets. ``load_tfds`` imports tensorflow_datasets only when called."""
from nfzoo.data.celeba import (
    CELEBA_ATTRIBUTES,
    CelebAData,
    crop_celeba,
    identity_split,
    load_celeba_folder,
    load_celeba_npz,
)
from nfzoo.data.pipeline import image_dataset, vector_dataset
from nfzoo.data.preprocess import bits_per_dim, dequantize, quantize, resize_images, to_uint8
from nfzoo.data.targets import (
    ENERGIES,
    checkerboard,
    eight_gaussians,
    energy_u1,
    energy_u2,
    energy_u3,
    energy_u4,
    two_moons,
)
from nfzoo.data.tfds import TFDS_NAMES, load_tfds

__all__ = [
    "CELEBA_ATTRIBUTES",
    "CelebAData",
    "ENERGIES",
    "TFDS_NAMES",
    "bits_per_dim",
    "checkerboard",
    "crop_celeba",
    "dequantize",
    "eight_gaussians",
    "energy_u1",
    "energy_u2",
    "energy_u3",
    "energy_u4",
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
