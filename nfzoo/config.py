"""Zoo configs: YAML files (``zoo_configs/<name>.yaml``) that say how to build, train and describe a model.

    name: glow_celeba
    description: one line for ``nfzoo list``
    model:    {family: glow, image_shape: [32, 32, 3], levels: 3, steps: 8, hidden: 256, n_bits: 8, ...}
    data:     {source: celeba_npz, path: ../../shared/data/celeba_subset, image_size: 32, val_fraction: 0.1, ...}
    training: {batch_size: 64, epochs: 200, learning_rate: 1.0e-3, warmup_steps: 500, augment_flip: true,
               lr_decay: cosine, clipnorm: 50.0}

``model`` minus ``family`` are the keyword arguments of the family's builder (`FAMILIES`); every key of every
section is checked when the config is loaded (`nfzoo.config_schema`). A relative ``data.path`` is relative to the
config file.
"""
from pathlib import Path

import yaml

from nfzoo.config_schema import ConfigError, check_config
from nfzoo.data.sources import resolve_path
from nfzoo.models.glow import glow
from nfzoo.models.iaf import iaf
from nfzoo.models.image_vae import iafvae
from nfzoo.models.maf import maf
from nfzoo.models.naf import naf
from nfzoo.models.nice import nice
from nfzoo.models.realnvp import realnvp
from nfzoo.models.realnvp_vector import realnvp_vector
from nfzoo.models.sos import sos

FAMILIES = {"glow": glow, "iafvae": iafvae, "realnvp": realnvp, "nice": nice, "maf": maf, "iaf": iaf, "naf": naf, "sos": sos,
            "realnvp_vector": realnvp_vector}


def load_config(source):
    """A config dict from a YAML path or a dict (copied), checked against `nfzoo.config_schema` (one
    `ConfigError` line naming the key and what it expects); relative data paths resolved."""
    if isinstance(source, dict):
        config = {k: dict(v) if isinstance(v, dict) else v for k, v in source.items()}
        config_path, name = None, "zoo config"
    else:
        config_path = Path(source)
        if not config_path.is_file():
            raise FileNotFoundError(f"no zoo config at {config_path}: expected a YAML file like "
                                    f"zoo_configs/glow_celeba.yaml")
        config, name = read_yaml(config_path), f"zoo config {config_path}"
    check_config(config, FAMILIES, name)
    config["data"]["path"] = resolve_path(config["data"].get("path"), config_path)
    return config


def read_yaml(path):
    """The YAML document in ``path``; a syntax error becomes one `ConfigError` line with its position."""
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"zoo config {path} is not valid YAML{where}: {problem}") from None


def build(config):
    """A fresh, untrained `FlowModel` from a config (dict or YAML path)."""
    config = load_config(config)
    kwargs = dict(config["model"])
    builder = FAMILIES[kwargs.pop("family")]
    shape_key = "image_shape" if "image_shape" in kwargs else "event_shape"
    kwargs[shape_key] = tuple(kwargs[shape_key])
    return builder(name=config["name"], **kwargs)
