"""The image convention of nfzoo (openai/glow, Real NVP), in one place: uint8 pixels <-> model-space floats, any
image fitted to a model's size, grids and PNG files.

A uint8 image with values v in {0..255} is reduced to ``n_bits`` bits per subpixel and mapped to
model space:

    k = floor(v / 2**(8 - n_bits))            bin index in {0 .. 2**n_bits - 1}
    x = k / 2**n_bits - 0.5                   ``quantize``: float32 in [-0.5, 0.5)
    x~ = x + u,   u ~ U(0, 1 / 2**n_bits)     ``dequantize``: uniform dequantisation
    c = x + 0.5 / 2**n_bits                   ``to_model_space``: the bin centre (deterministic, u = 1/2 bin)

so every bin of width 1/2**n_bits is filled uniformly and the data set is a density on
[-0.5, 0.5]^D (the upper end 0.5 itself only appears through float32 rounding). A continuous density p
on that cube gives the discrete data the probability P(k) ~= p(x~) / (2**n_bits)**D, hence

    bits/dim = -(log p(x~) - D * log(2**n_bits)) / (D * ln 2)          ``bits_per_dim``

(the NLL of the discrete n_bits data in bits per subpixel; a uniform density on the cube gives n_bits).

``to_uint8`` goes back for display: the bin k = floor((x + 0.5) * 2**n_bits), clipped to the valid bins,
is shown at its centre, rounded down to an integer level: ``k * 2**(8 - n_bits) + 2**(8 - n_bits) // 2``
(so n_bits = 8 is the exact inverse, n_bits = 5 shows bin k at 8k + 4). ``quantize(to_uint8(x))`` equals
``quantize`` of the original image for every x in a bin.

``resize_images`` is the one resize of nfzoo's loaders: ``tf.image.resize`` with ``lanczos3`` and
antialiasing on float pixels, rounded and clipped back to uint8. It matches the PIL ``LANCZOS`` resize
used to build the shared CelebA 64x64 subset to about 0.1 grey level on average, and it runs inside
tf.data maps as well as on numpy batches.

``fit_to_model`` takes user images, uint8 [0, 255] or float [0, 1], one ``[H, W, C]`` or a batch, of any size:
an aligned CelebA frame (218x178) gets the training crop (rows 40:188, cols 15:163, ``crop_celeba``); any other
non-square image is centre-cropped to a square; then it is resized to the model's resolution.

Images are channels-last (NHWC). The optional logit transform is a bijector layer of the flow, not here.
"""
import math

import numpy as np
import tensorflow as tf

ALIGNED_SHAPE = (218, 178)  # height, width of an img_align_celeba JPEG
CROP_ROWS = slice(40, 188)
CROP_COLS = slice(15, 163)
CROP_SIZE = 148


def check_n_bits(n_bits):
    """Returns ``n_bits`` as an int after checking it is an integer in 1..8."""
    if isinstance(n_bits, bool) or not isinstance(n_bits, (int, np.integer)) or not 1 <= n_bits <= 8:
        raise ValueError(f"n_bits must be an integer in 1..8, got {n_bits!r}")
    return int(n_bits)


def quantize(images_uint8, n_bits=8):
    """uint8 images (any shape) -> float32 ``floor(v / 2**(8 - n_bits)) / 2**n_bits - 0.5`` in [-0.5, 0.5)."""
    n_bits = check_n_bits(n_bits)
    dtype = getattr(images_uint8, "dtype", None)
    if dtype is None or tf.as_dtype(dtype) != tf.uint8:
        raise ValueError(f"quantize expects uint8 images with values in [0, 255], got dtype {dtype}")
    x = tf.cast(images_uint8, tf.float32)
    return tf.floor(x / 2.0 ** (8 - n_bits)) / 2.0**n_bits - 0.5


def dequantize(x, n_bits=8, seed=None):
    """``x + U(0, 1 / 2**n_bits)``; stateless (reproducible) when ``seed`` is a shape-[2] int tensor."""
    n_bits = check_n_bits(n_bits)
    x = tf.convert_to_tensor(x, tf.float32)
    if seed is None:
        noise = tf.random.uniform(tf.shape(x), 0.0, 1.0 / 2**n_bits)
    else:
        noise = tf.random.stateless_uniform(tf.shape(x), seed=seed, minval=0.0, maxval=1.0 / 2**n_bits)
    return x + noise


def to_model_space(images_uint8, n_bits):
    """uint8 -> model-space floats at the centre of each n_bits bin."""
    return quantize(images_uint8, n_bits) + 0.5 / 2**n_bits


def to_uint8(x, n_bits=8):
    """Model-space floats -> uint8 display values: the centre of bin ``floor((x + 0.5) * 2**n_bits)``."""
    n_bits = check_n_bits(n_bits)
    x = tf.convert_to_tensor(x, tf.float32)
    k = tf.clip_by_value(tf.floor((x + 0.5) * 2.0**n_bits), 0.0, 2.0**n_bits - 1.0)
    width = 2 ** (8 - n_bits)
    return tf.cast(k * width + width // 2, tf.uint8)


def bits_per_dim(log_prob, num_dims, n_bits=8):
    """``-(log_prob - D * log(2**n_bits)) / (D * ln 2)`` for log-densities in model space (nats)."""
    n_bits = check_n_bits(n_bits)
    if isinstance(num_dims, bool) or not isinstance(num_dims, (int, np.integer)) or num_dims < 1:
        raise ValueError(f"num_dims must be a positive integer (pixels x channels), got {num_dims!r}")
    log_prob = tf.convert_to_tensor(log_prob)
    if not log_prob.dtype.is_floating:
        log_prob = tf.cast(log_prob, tf.float32)
    d = float(num_dims)
    return -(log_prob - d * n_bits * math.log(2.0)) / (d * math.log(2.0))


def resize_images(images, size):
    """Resizes uint8 images [..., H, W, C] to ``size`` (int or (height, width)) -> uint8 tf.Tensor.

    ``tf.image.resize(method="lanczos3", antialias=True)``, rounded and clipped to [0, 255]; images that
    already have the target size are returned unchanged.
    """
    dtype = getattr(images, "dtype", None)
    if dtype is None or tf.as_dtype(dtype) != tf.uint8:
        raise ValueError(f"resize_images expects uint8 images, got dtype {dtype}")
    height, width = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    images = tf.convert_to_tensor(images)
    if images.shape.rank not in (3, 4):
        raise ValueError(f"resize_images expects [H, W, C] or [N, H, W, C] images, got shape {images.shape}")
    if tuple(images.shape[-3:-1]) == (height, width):
        return images
    resized = tf.image.resize(tf.cast(images, tf.float32), (height, width), method="lanczos3", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)


def crop_celeba(images):
    """The aligned face crop of CelebA images [..., 218, 178, C] -> [..., 148, 148, C]."""
    return images[..., CROP_ROWS, CROP_COLS, :]


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


def image_grid(images, columns=None):
    """uint8 [N, H, W, C] -> one uint8 [rows*H, columns*W, C] grid (1-pixel dark gutters)."""
    n, h, w, c = images.shape
    columns = columns or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / columns))
    grid = np.zeros((rows * (h + 1) - 1, columns * (w + 1) - 1, c), np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = image
    return grid
