"""Argument types of the command line: each parses one value or rejects it with one line naming what it expects
(argparse reports it as ``nfzoo: error: argument -n: expected a positive int, got '0'``)."""
import argparse
import math
from pathlib import Path


NAMES = {int: "integer", float: "number"}


def positive(kind):
    """A finite ``kind`` (int or float) above 0: counts, temperatures, step sizes."""
    return at_least(kind, 0, inclusive=False)


def at_least(kind, low, inclusive=True):
    """A finite ``kind`` (int or float) >= ``low`` (> ``low`` unless ``inclusive``)."""
    name = NAMES[kind]
    if (low, inclusive) == (0, False):
        expected = f"a positive {name}"
    else:
        expected = f"{'an' if name == 'integer' else 'a'} {name} {'>=' if inclusive else '>'} {low}"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not (value >= low if inclusive else value > low):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


def finite_floats(text):
    """Comma-separated finite numbers, e.g. ``-1,0,0.5`` -> [-1.0, 0.0, 0.5]."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = None
    if not values or not all(map(math.isfinite, values)):
        raise argparse.ArgumentTypeError(f"expected comma-separated finite numbers such as -1,0,1, got {text!r}")
    return values


def image_output(text):
    """A path to write an image to: its folder exists and its extension is a format PIL writes (.png, .jpg...)."""
    from PIL import Image

    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {path.parent} of {text!r} does not exist")
    writable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}
    if path.suffix.lower() not in writable:
        raise argparse.ArgumentTypeError(f"expected an image file name ending in .png (or .jpg, ...), got {text!r}")
    return text
