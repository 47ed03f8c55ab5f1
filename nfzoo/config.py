"""Zoo configs: YAML files (``zoo_configs/<name>.yaml``) that say how to build, train and describe a model.

    name: glow_celeba
    description: one line for ``nfzoo list``
    model:    {family: glow, image_shape: [32, 32, 3], levels: 3, steps: 8, hidden: 256, n_bits: 8, ...}
    data:     {source: celeba_npz, path: ../../shared/data/celeba_subset, image_size: 32, val_fraction: 0.1, ...}
    training: {batch_size: 64, epochs: 200, learning_rate: 1.0e-3, warmup_steps: 500, augment_flip: true,
               lr_decay: cosine, clipnorm: 50.0}

``model`` minus ``family`` are the keyword arguments of the family's builder (`FAMILIES`).
A relative ``data.path`` is relative to the config file.
"""
import inspect
from pathlib import Path

import yaml

from nfzoo.data.sources import resolve_path
from nfzoo.models.glow import glow
from nfzoo.models.maf import iaf, maf, naf, realnvp_vector, sos
from nfzoo.models.nice import nice
from nfzoo.models.realnvp import realnvp

FAMILIES = {"glow": glow, "realnvp": realnvp, "nice": nice, "maf": maf, "iaf": iaf, "naf": naf, "sos": sos,
            "realnvp_vector": realnvp_vector}
SECTIONS = ("model", "data", "training")


def load_config(source):
    """A config dict from a YAML path or a dict (copied); relative data paths resolved."""
    if isinstance(source, dict):
        config = {k: dict(v) if isinstance(v, dict) else v for k, v in source.items()}
        config_path = None
    else:
        config_path = Path(source)
        if not config_path.is_file():
            raise FileNotFoundError(f"no zoo config at {config_path}: expected a YAML file like zoo_configs/glow_celeba.yaml")
        config = yaml.safe_load(config_path.read_text())
    missing = [s for s in ("name", *SECTIONS) if s not in (config or {})]
    if missing:
        raise ValueError(f"zoo config {source} lacks the section(s) {missing}; expected name, model, data, training.")
    family = config["model"].get("family")
    if family not in FAMILIES:
        raise ValueError(f"model.family must be one of {sorted(FAMILIES)}, got {family!r}.")
    config["data"]["path"] = resolve_path(config["data"].get("path"), config_path)
    return config


def build(config):
    """A fresh, untrained `FlowModel` from a config (dict or YAML path)."""
    config = load_config(config)
    kwargs = dict(config["model"])
    builder = FAMILIES[kwargs.pop("family")]
    shape_key = "image_shape" if "image_shape" in kwargs else "event_shape"
    kwargs[shape_key] = tuple(kwargs[shape_key])
    accepted = inspect.signature(builder).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ValueError(f"model.{unknown[0]} is not an option of family {config['model']['family']!r}; "
                         f"expected some of {sorted(set(accepted) - {'name'})}.")
    return builder(name=config["name"], **kwargs)
