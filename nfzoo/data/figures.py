"""Figures for people: model images enlarged (nearest neighbour) on a white page with labels.

``figure(rows, scale, column_labels, row_labels, title)`` lays out uint8 images ``[R, C, H, W, ch]`` as R rows
of C images, each enlarged ``scale`` times, with a label under every column (e.g. the alpha of an edit), one
at the left of every row and a title on top. ``display_scale(height)`` is the default enlargement: the
smallest integer that shows a face at least 128 pixels tall (4x for 32x32, 2x for 64x64).
"""
import math

import numpy as np

MIN_DISPLAY_PIXELS = 128
GUTTER = 4  # pixels between images
FONT_SIZE = 14


def display_scale(height):
    """The smallest integer enlargement that makes an image of ``height`` pixels >= 128 pixels tall."""
    return max(1, math.ceil(MIN_DISPLAY_PIXELS / height))


def enlarge(images, scale):
    """Nearest-neighbour enlargement of uint8 [..., H, W, C] by an integer ``scale`` (pixels stay pixels)."""
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    return np.repeat(np.repeat(images, scale, axis=-3), scale, axis=-2)


def figure(rows, scale=None, column_labels=None, row_labels=None, title=None):
    """uint8 [R, C, H, W, ch] -> uint8 RGB page [height, width, 3]; see the module docstring. ``scale`` None
    means `display_scale`."""
    from PIL import Image, ImageDraw, ImageFont

    rows = np.asarray(rows, np.uint8)
    if rows.ndim != 5 or rows.shape[-1] not in (1, 3):
        raise ValueError(f"figure expects uint8 images [rows, columns, H, W, 1 or 3], got shape {rows.shape}")
    n_rows, n_cols, height, width, _ = rows.shape
    for labels, count, what in ((column_labels, n_cols, "column"), (row_labels, n_rows, "row")):
        if labels is not None and len(labels) != count:
            raise ValueError(f"expected {count} {what} labels, got {len(labels)}")
    cells = enlarge(np.repeat(rows, 3, axis=-1) if rows.shape[-1] == 1 else rows, scale or display_scale(height))
    cell_h, cell_w = cells.shape[2:4]
    font = ImageFont.load_default(size=FONT_SIZE)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = lambda text: math.ceil(measure.textlength(str(text), font=font))  # noqa: E731
    line = FONT_SIZE + 6
    left = GUTTER + (max(map(text_w, row_labels)) + GUTTER if row_labels is not None else 0)
    top = GUTTER + (line if title else 0)
    bottom = line if column_labels is not None else 0
    page_w = max(left + n_cols * (cell_w + GUTTER), text_w(title) + 2 * GUTTER if title else 0)
    page_h = top + n_rows * (cell_h + GUTTER + bottom)
    page = Image.new("RGB", (page_w, page_h), "white")
    draw = ImageDraw.Draw(page)
    if title:
        draw.text((GUTTER, GUTTER), str(title), fill="black", font=font)
    for r in range(n_rows):
        y = top + r * (cell_h + GUTTER + bottom)
        if row_labels is not None:
            draw.text((GUTTER, y + cell_h // 2 - FONT_SIZE // 2), str(row_labels[r]), fill="black", font=font)
        for c in range(n_cols):
            x = left + c * (cell_w + GUTTER)
            page.paste(Image.fromarray(cells[r, c]), (x, y))
            if column_labels is not None:
                label = str(column_labels[c])
                draw.text((x + (cell_w - text_w(label)) // 2, y + cell_h + 2), label, fill="black", font=font)
    return np.asarray(page)
