"""Bad zoo configs: each is refused by `load_config` with one line naming the key and what it expects.

To add a case, add a row to BAD_CONFIGS (a change to glow_digits.yaml and the text the error must contain).
"""
import copy
import inspect
from pathlib import Path

import pytest
import yaml

from nfzoo.config import FAMILIES, build, load_config
from nfzoo.config_schema import MODEL_OPTIONS, ConfigError, check_batch_fits

GOOD = Path(__file__).resolve().parents[1] / "zoo_configs" / "glow_digits.yaml"


def changed(section, **values):
    """A change to the good config: set ``values`` in ``section`` (None: delete the key)."""
    def apply(config):
        target = config if section is None else config[section]
        for key, value in values.items():
            if value is None:
                del target[key]
            else:
                target[key] = value
    return apply


BAD_CONFIGS = [
    (changed("training", learning_rat=1e-3), "training.learning_rat is not an option; did you mean learning_rate?"),
    (changed("data", val_fractoin=0.1), "data.val_fractoin is not an option; did you mean val_fraction?"),
    (changed(None, modle={}), "top-level key modle is not an option; did you mean model?"),
    (changed("model", levels="2"), "model.levels must be a positive integer, got '2' (text: remove the quotes)"),
    (changed("model", levels=True), "model.levels must be a positive integer, got True"),
    (changed("model", steps=2.0), "model.steps must be a positive integer, got 2.0"),
    (changed("model", n_bits=9), "model.n_bits must be an integer in 1..8 or null, got 9"),
    (changed("model", scales=3), "model.scales is not an option of family 'glow'; other families take it"),
    (changed("model", widht=64), "model.widht is not an option of family 'glow'; expected one of coupling,"),
    (changed("model", image_shape=None), "model.image_shape is required for family 'glow'"),
    (changed("model", image_shape=[8, 8]), None),  # the builder's own check: (height, width, channels)
    (changed("model", dequantization="learned"), "model.dequantization must be one of 'uniform', 'variational'"),
    (changed("model", dropout=1.0), "model.dropout must be a number in [0, 1), got 1.0"),
    (changed("model", precision="float16"), "model.precision must be one of 'float32', 'mixed_bfloat16'"),
    (changed("model", family="pixelcnn"), "model.family must be one of ["),
    (changed("data", val_fraction=1.5), "data.val_fraction must be a number in (0, 1) or a list of them, got 1.5"),
    (changed("data", val_fraction=[0.1, 0.2]), "data.val_fraction has 2 numbers but data.path names 1 folder(s)"),
    (changed("data", source="imagenet"), "data.source must be one of 'celeba_npz', 'celeba_folder', 'tfds'"),
    (changed("data", path=["a", 3]), "data.path must be a string or a list of them or null, got ['a', 3]"),
    (changed("data", max_train_images=0), "data.max_train_images must be a positive integer, got 0"),
    (changed("data", image_size=32), "data.image_size 32 does not match model.image_shape [8, 8, 1]"),
    (changed("data", split="people"), "data.split must be one of 'identity', 'random'"),
    (changed("training", learning_rate="1e-3"), "got '1e-3' (text: YAML reads 1e-3 as a string; write 1.0e-3)"),
    (changed("training", learning_rate=0.0), "training.learning_rate must be a positive number, got 0.0"),
    (changed("training", learning_rate=float("nan")), "training.learning_rate must be a positive number, got nan"),
    (changed("training", epochs=0), "training.epochs must be a positive integer, got 0"),
    (changed("training", batch_size=-64), "training.batch_size must be a positive integer, got -64"),
    (changed("training", ema_momentum=1.5), "training.ema_momentum must be a number in (0, 1] or null, got 1.5"),
    (changed("training", lr_decay="linear"), "training.lr_decay must be one of 'none', 'cosine'"),
    (changed("training", clipnorm=-1.0), "training.clipnorm must be a positive number or null, got -1.0"),
    (changed("training", augment_flip="yes"), "training.augment_flip must be true or false, got 'yes'"),
    (changed("training", warmup_steps=-1), "training.warmup_steps must be an integer >= 0, got -1"),
    (changed("training", seed=-1), "training.seed must be an integer >= 0, got -1"),
    (changed(None, training=[1, 2]), "training must be a mapping of options, got [1, 2]"),
    (changed(None, data=None), "lacks the section(s) ['data']"),
]


@pytest.mark.parametrize("change, message", BAD_CONFIGS, ids=[m or "builder" for _, m in BAD_CONFIGS])
def test_bad_config_is_refused_with_one_line_naming_the_key(change, message):
    config = yaml.safe_load(GOOD.read_text())
    change(config)
    with pytest.raises(ValueError) as raised:
        build(config)
    text = str(raised.value)
    assert "\n" not in text
    if message is not None:
        assert isinstance(raised.value, ConfigError) and message in text, text


def test_yaml_file_errors_name_the_file_and_the_position(tmp_path):
    config = yaml.safe_load(GOOD.read_text())
    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.read_text().replace("learning_rate: 1.0e-3", "learning_rate: 1e-3"))
    with pytest.raises(ConfigError, match=f"zoo config {path}: training.learning_rate .* write 1.0e-3"):
        load_config(path)
    path.write_text(GOOD.read_text().replace("levels: 2", 'levels: "2"'))
    with pytest.raises(ConfigError, match="model.levels must be a positive integer, got '2'"):
        load_config(path)
    path.write_text("name: x\nmodel: {family: glow\n")
    with pytest.raises(ConfigError, match=f"zoo config {path} is not valid YAML at line 3, column 1"):
        load_config(path)
    path.write_text("")
    with pytest.raises(ConfigError, match="expected a mapping with name, model, data and training, got None"):
        load_config(path)
    assert load_config(copy.deepcopy(config))["model"]["levels"] == 2  # the good config itself passes


def test_every_builder_option_has_an_expected_value():
    for family, builder in FAMILIES.items():
        options = set(inspect.signature(builder).parameters) - {"name"}
        assert options <= set(MODEL_OPTIONS), (family, sorted(options - set(MODEL_OPTIONS)))


def test_options_of_other_families_validate_for_theirs():
    config = {"name": "m", "model": {"family": "maf", "event_shape": [2], "hidden_units": [16, 16],
                                     "activation": "tanh", "log_scale_bound": 2.0},
              "data": {}, "training": {"batch_size": 8}}
    assert load_config(config)["model"]["activation"] == "tanh"
    config["model"]["activation"] = "relux"
    with pytest.raises(ConfigError, match="model.activation must be the name of a Keras activation"):
        load_config(config)


def test_a_batch_larger_than_the_split_names_both_sizes():
    check_batch_fits(64, 64)
    with pytest.raises(ConfigError, match="training.batch_size is 64, larger than the 40 images of the training"):
        check_batch_fits(64, 40)


def test_an_unknown_nice_partition_is_one_line_naming_the_choices():
    from nfzoo.config import load_config
    from nfzoo.config_schema import ConfigError

    config = {"name": "x", "model": {"family": "nice", "event_shape": [8, 8, 1], "partition": "alternate"},
              "data": {"source": "digits"}, "training": {}}
    with pytest.raises(ConfigError, match=r"^zoo config: model.partition must be one of 'odd_even', 'halves', "
                                          r"got 'alternate'\.$"):
        load_config(config)
