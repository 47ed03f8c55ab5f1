"""User images -> model-space batches and back, for the zoo's image API.

Inputs are uint8 [0, 255] or float [0, 1] images, one ``[H, W, 3]`` or a batch ``[N, H, W, 3]``, of any
size: an aligned CelebA frame (218x178) gets the training crop (rows 40:188, cols 15:163); any other
non-square image is centre-cropped to a square; then it is resized to the model's resolution. The pixels
become model space at the centre of their n_bits bin (deterministic, so encode -> decode is exact).
"""
import numpy as np

from nfzoo.data.celeba import ALIGNED_SHAPE, crop_celeba
from nfzoo.data.preprocess import quantize, resize_images


def as_uint8_batch(images):
    """uint8 or float-in-[0, 1] images -> uint8 numpy batch [N, H, W, C]; one clear error otherwise."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"expected images [H, W, C] or [N >= 1, H, W, C] with 1 or 3 channels, "
                         f"got shape {images.shape}")
    if images.dtype == np.uint8:
        return images
    if np.issubdtype(images.dtype, np.floating):
        if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
            raise ValueError("float images must be finite and scaled to [0, 1] (or pass uint8 in [0, 255])")
        return np.round(images * 255.0).astype(np.uint8)
    raise ValueError(f"expected uint8 [0, 255] or float [0, 1] images, got dtype {images.dtype}")


def fit_to_model(images, image_shape):
    """Crops (aligned CelebA frame or centre square) and resizes uint8 images to ``image_shape`` (H, W, C)."""
    images = as_uint8_batch(images)
    height, width, channels = image_shape
    if images.shape[-1] != channels:
        raise ValueError(f"this model takes {channels}-channel images, got {images.shape[-1]} channels "
                         f"(read_image(path, channels={channels}) reads a file that way)")
    if images.shape[1:3] == ALIGNED_SHAPE:
        images = crop_celeba(images)
    elif images.shape[1] != images.shape[2] and height == width:
        side = min(images.shape[1:3])
        top, left = (images.shape[1] - side) // 2, (images.shape[2] - side) // 2
        images = images[:, top: top + side, left: left + side]
    return resize_images(images, (height, width)).numpy()


def to_model_space(images_uint8, n_bits):
    """uint8 -> model-space floats at the centre of each n_bits bin."""
    return quantize(images_uint8, n_bits) + 0.5 / 2**n_bits


def save_png(path, image):
    """Writes one uint8 image [H, W, C] (C = 1 or 3) as a PNG."""
    from PIL import Image

    image = np.asarray(image, np.uint8)
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)


def read_image(path, channels=3):
    """Reads an image file as uint8 [H, W, channels]: ``channels`` 1 gives luminance (ITU-R 601 L), 3 gives RGB;
    alpha is dropped. 16-bit greyscale files are scaled to 8 bits (v * 255 / 65535, rounded); PIL already reads
    16-bit colour files as 8-bit RGB. One clear error for a missing or unreadable file."""
    from PIL import Image, UnidentifiedImageError

    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels!r}")
    try:
        with Image.open(path) as image:
            if image.mode.startswith("I;16"):
                image = Image.fromarray(np.round(np.asarray(image, np.float64) / 257.0).astype(np.uint8))
            elif image.mode in ("I", "F"):
                raise ValueError(f"{path} has 32-bit {'integer' if image.mode == 'I' else 'float'} pixels; "
                                 f"expected an 8- or 16-bit image (PNG, JPEG, ...)")
            pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no image file at {path}") from None
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not an image file PIL can read (expected PNG, JPEG, ...)") from None
    return pixels[..., None] if channels == 1 else pixels
