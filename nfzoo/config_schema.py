"""What a zoo config may contain: every key of every section and the value it expects.

`check_config` raises one `ConfigError` line for the first problem it finds: an unknown key (with the closest
valid name: ``training.learning_rat is not an option; did you mean learning_rate?``), a missing required key,
or a value of the wrong type or range (``model.levels must be a positive integer, got '2' (text: remove the
quotes)``). The ``model`` keys are the keyword arguments of the family's builder (`nfzoo.config.FAMILIES`);
each has its expected value in `MODEL_OPTIONS`.

Values that depend on the data (a batch larger than the training set) are checked once the data is loaded:
`check_batch_fits`.
"""
import difflib
import inspect
import math
from typing import Callable, NamedTuple

import keras

from nfzoo.bijectors.coupling import KINDS
from nfzoo.bijectors.networks import PRECISIONS
from nfzoo.data.sources import SOURCES
from nfzoo.data.tfds import TFDS_NAMES
from nfzoo.data.vectors import SKLEARN_TABLES, VECTOR_SOURCES
from nfzoo.models.dequantizer import DEQUANTIZATIONS
from nfzoo.models.glow import PERMUTATIONS
from nfzoo.models.nice import PARTITIONS


class ConfigError(ValueError):
    """A zoo config that cannot be used as written; the message names the key and what it expects."""


class Expect(NamedTuple):
    """An expected value: ``accepts(value)`` says whether ``value`` is one, ``text`` says what one is."""

    text: str
    accepts: Callable[[object], bool]


def integer(low=None, high=None):
    """An int (not a bool) in [low, high]."""
    text = ("a positive integer" if low == 1 and high is None else
            f"an integer >= {low}" if high is None else f"an integer in {low}..{high}")
    ok = lambda v: (isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
                    and (low is None or v >= low) and (high is None or v <= high))
    return Expect(text, ok)


def number(low=None, high=None, low_open=False, high_open=False):
    """A finite int or float in the interval from ``low`` to ``high`` (``*_open``: excluding that end)."""
    if low == 0 and low_open and high is None:
        text = "a positive number"
    else:
        text = f"a number in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"

    def ok(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return False
        above = low is None or (v > low if low_open else v >= low)
        below = high is None or (v < high if high_open else v <= high)
        return above and below

    return Expect(text, ok)


def choice(*values):
    return Expect(f"one of {', '.join(map(repr, values))}", lambda v: isinstance(v, str) and v in values)


def boolean():
    return Expect("true or false", lambda v: isinstance(v, bool))


def text():
    return Expect("a string", lambda v: isinstance(v, str) and v != "")


def optional(expect):
    """``expect`` or null (YAML ``~`` or an empty value)."""
    return Expect(f"{expect.text} or null", lambda v: v is None or expect.accepts(v))


def one_or_list(expect):
    """``expect``, or a non-empty list of them (one per folder of ``data.path``)."""
    ok = lambda v: expect.accepts(v) or (isinstance(v, list) and v and all(map(expect.accepts, v)))  # noqa: E731
    return Expect(f"{expect.text} or a list of them", ok)


def list_of(expect, example):
    ok = lambda v: isinstance(v, (list, tuple)) and len(v) > 0 and all(map(expect.accepts, v))  # noqa: E731
    return Expect(f"a list of {expect.text.removeprefix('a ').removeprefix('an ')}s, e.g. {example}", ok)


def activation():
    """The name of a Keras activation (``relu``, ``tanh``, ...)."""
    def ok(v):
        try:
            return isinstance(v, str) and callable(keras.activations.get(v))
        except ValueError:
            return False

    return Expect("the name of a Keras activation, e.g. 'relu'", ok)


TOP_LEVEL = {"name": text(), "description": text(), "model": None, "data": None, "training": None}
REQUIRED = ("name", "model", "data", "training")

DATA_OPTIONS = {
    "source": choice(*SOURCES),
    "path": optional(one_or_list(text())),
    "image_size": optional(integer(1)),
    "split": choice("identity", "random"),
    "val_fraction": one_or_list(number(0, 1, low_open=True, high_open=True)),
    "seed": integer(0),
    "max_train_images": integer(1),
    "tfds_name": choice(*TFDS_NAMES),
    "train_split": text(),
    "val_split": text(),
    "pad_to": optional(integer(1)),
    "num_examples": integer(2),  # two_moons
    "noise": number(0),  # two_moons
    "sklearn_name": choice(*SKLEARN_TABLES),
    "licence": text(),  # the data's terms of use, quoted by the model card (`nfzoo.data.licences`)
}

TRAINING_OPTIONS = {
    "batch_size": integer(1),
    "eval_batch_size": integer(1),
    "epochs": integer(1),
    "learning_rate": number(0, low_open=True),
    "warmup_steps": integer(0),
    "lr_decay": choice("none", "cosine"),
    "ema_momentum": optional(number(0, 1, low_open=True)),
    "clipnorm": optional(number(0, low_open=True)),
    "augment_flip": boolean(),
    "seed": integer(0),
}

# Every keyword argument of every builder in nfzoo.config.FAMILIES (a test checks none is missing).
MODEL_OPTIONS = {
    "latent_dim": integer(1),  # iafvae
    "latent_channels": integer(0),  # iafvae: 0 flat latent, c > 0 a spatial latent of c channels
    "channel_coupling": boolean(),  # iafvae: a pixel's subpixels dependent (PixelCNN++)
    "widths": list_of(integer(1), "[64, 128, 128]"),
    "flow_steps": integer(0),
    "context_size": integer(1),  # iafvae
    "num_classes": optional(integer(2)),  # a class-conditional flow: labels 0..num_classes-1, one-hot
    "iaf_hidden_units": list_of(integer(1), "[256, 256]"),
    "image_shape": list_of(integer(1), "[32, 32, 3]"),
    "event_shape": list_of(integer(1), "[8, 8, 1] or [2]"),
    "n_bits": optional(integer(1, 8)),
    "levels": integer(1),
    "scales": integer(1),
    "steps": integer(1),
    "couplings": integer(1),
    "partition": choice(*PARTITIONS),  # nice
    "num_layers": integer(1),
    "hidden": integer(1),
    "num_hidden": integer(1),
    "hidden_units": list_of(integer(1), "[128, 128]"),
    "num_units": integer(1),
    "num_squares": integer(1),
    "degree": integer(1),
    "coupling": choice(*KINDS),
    "permutation": choice(*PERMUTATIONS),
    "precision": choice(*PRECISIONS),
    "dequantization": choice(*DEQUANTIZATIONS),
    "dropout": number(0, 1, high_open=True),
    "learn_top": boolean(),
    "learned_prior": boolean(),
    "logit": boolean(),
    "activation": activation(),
    "log_scale_bound": number(0, low_open=True),
    "epsilon": number(0, low_open=True),
    "domain": number(0, low_open=True),
    "coefficient_bound": number(0, low_open=True),
    "seed": integer(0),
}


def check_config(config, families, source="zoo config"):
    """Raises `ConfigError` (one line, starting with ``source``) at the first key of ``config`` that is unknown,
    missing or not what it expects; ``families`` maps ``model.family`` to its builder."""
    if not isinstance(config, dict):
        raise ConfigError(f"{source}: expected a mapping with name, model, data and training, got {config!r}")
    _check_keys(config, TOP_LEVEL, "", source)
    missing = [key for key in REQUIRED if key not in config]
    if missing:
        raise ConfigError(f"{source} lacks the section(s) {missing}; expected name, model, data, training.")
    for key in config.keys() & {"name", "description"}:
        _check_value(config, key, TOP_LEVEL[key], "", source)
    for section in ("model", "data", "training"):
        if not isinstance(config[section], dict):
            raise ConfigError(f"{source}: {section} must be a mapping of options, got {config[section]!r}")
    _check_section(config["data"], DATA_OPTIONS, "data.", source)
    _check_section(config["training"], TRAINING_OPTIONS, "training.", source)
    _check_model(config["model"], families, source)
    _check_data_matches_model(config["data"], config["model"], source)


def check_batch_fits(batch_size, num_images, key="training.batch_size", split="training"):
    """Raises `ConfigError` when a batch of ``batch_size`` is larger than the ``num_images`` of a split (training
    drops the last partial batch: no batch at all would be left)."""
    if batch_size > num_images:
        raise ConfigError(f"{key} is {batch_size}, larger than the {num_images} images of the {split} split; "
                          f"expected at most {num_images}.")


def _check_model(model, families, source):
    family = model.get("family")
    if family not in families:
        raise ConfigError(f"{source}: model.family must be one of {sorted(families)}, got {family!r}.")
    parameters = inspect.signature(families[family]).parameters
    options = {name: MODEL_OPTIONS[name] for name in parameters if name != "name"}
    _check_keys(model, {"family": None, **options}, "model.", source, f" of family {family!r}")
    required = [name for name, p in parameters.items() if p.default is inspect.Parameter.empty]
    for name in required:
        if name not in model:
            raise ConfigError(f"{source}: model.{name} is required for family {family!r}; "
                              f"expected {options[name].text}.")
    for key in model.keys() - {"family"}:
        _check_value(model, key, options[key], "model.", source)


def _check_section(section, options, prefix, source):
    _check_keys(section, options, prefix, source)
    for key in section:
        _check_value(section, key, options[key], prefix, source)


def _check_keys(section, options, prefix, source, of=""):
    for key in section:
        if key in options:
            continue
        close = difflib.get_close_matches(str(key), list(options), n=1, cutoff=0.75)
        hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(sorted(options))}."
        if of and key in MODEL_OPTIONS:
            hint = f"other families take it; this one takes {', '.join(sorted(options))}."
        raise ConfigError(f"{source}: {prefix or 'top-level key '}{key} is not an option{of}; {hint}")


def _check_value(section, key, expect, prefix, source):
    value = section[key]
    if not expect.accepts(value):
        raise ConfigError(f"{source}: {prefix}{key} must be {expect.text}, got {value!r}{_text_hint(value)}.")


def _text_hint(value):
    """Why a number written in YAML came out as text."""
    if not isinstance(value, str):
        return ""
    try:
        if not math.isfinite(float(value)):
            return ""
    except ValueError:
        return ""
    if "e" in value.lower() and "." not in value:
        return " (text: YAML reads 1e-3 as a string; write 1.0e-3)"
    return " (text: remove the quotes)"


def _check_data_matches_model(data, model, source):
    fraction, path = data.get("val_fraction"), data.get("path")
    if isinstance(fraction, list):
        folders = len(path) if isinstance(path, list) else 1
        if len(fraction) != folders:
            raise ConfigError(f"{source}: data.val_fraction has {len(fraction)} numbers but data.path names "
                              f"{folders} folder(s); expected one number, or one per folder.")
    shape = list(model.get("image_shape", model.get("event_shape")))
    key = "image_shape" if "image_shape" in model else "event_shape"
    kind = data.get("source")
    if kind is not None and (kind in VECTOR_SOURCES) != (len(shape) == 1):
        expected = "a vector event, e.g. [2]" if len(shape) != 1 else "an image source such as digits"
        what = "vectors" if kind in VECTOR_SOURCES else "images"
        raise ConfigError(f"{source}: data.source {kind!r} gives {what} but model.{key} is {shape}; "
                          f"expected {expected}.")
    if kind == "two_moons" and shape != [2]:
        raise ConfigError(f"{source}: data.source 'two_moons' gives 2-D points; expected model.{key} [2], got {shape}.")
    size = data.get("image_size")
    if size is not None and len(shape) == 3 and shape[:2] != [size, size]:
        raise ConfigError(f"{source}: data.image_size {size} does not match model.{key} {shape}; "
                          f"expected [{size}, {size}, channels].")
