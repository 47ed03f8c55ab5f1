"""Checks that an image shape suits a multi-scale flow."""


def check_image_shape(image_shape, levels):
    """Raises a clear ValueError unless ``image_shape`` is (H, W, C) with H, W divisible by 2**levels."""
    if len(image_shape) != 3 or min(image_shape) < 1:
        raise ValueError(f"image_shape must be (height, width, channels), got {tuple(image_shape)}.")
    height, width, _ = image_shape
    factor = 2**levels
    if height % factor or width % factor:
        raise ValueError(
            f"a {levels}-level multi-scale flow needs height and width divisible by 2**{levels} = {factor}, "
            f"got {height}x{width}."
        )
