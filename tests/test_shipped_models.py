"""Every model shipped in saved_models/ loads offline and works: sample, exact encode/decode, a card that
matches its config."""
import json

import numpy as np
import pytest

from nfzoo.zoo import list_models, load
from nfzoo.zoo.registry import available, model_dir

SHIPPED = available()


def test_the_zoo_lists_its_shipped_models():
    assert {"glow_digits", "nice_digits", "realnvp_digits"} <= set(list_models())


def test_the_zoo_ships_three_families_besides_glow_celeba():
    families = {json.loads((model_dir(name) / "card.json").read_text())["family"] for name in SHIPPED
                if name != "glow_celeba"}
    assert {"glow", "nice", "realnvp"} <= families


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_model_loads_samples_and_round_trips(name):
    model = load(name)
    assert model.card["name"] == name and model.card["held_out_bits_per_dim"] > 0
    # at the zoo's default temperature: a Glow's rare T=1 draws far from the training faces can sit where its
    # inverse is ill-conditioned and not round-trip (glow_celeba: 5 of 1,024 at T=1, none at 0.7; scripts/round_trip.py, RESULTS.md)
    images = model.sample(16, temperature=0.7, seed=0)
    assert images.shape == (16, *model.image_shape) and images.dtype == np.uint8
    z = model.encode(images)
    if model.card.get("likelihood_bound") == "elbo":  # a VAE: decode(encode(x)) is a reconstruction of x
        reconstructions = model.decode(z)
        assert reconstructions.shape == images.shape and reconstructions.dtype == np.uint8
        error = np.abs(reconstructions.astype(float) - images).mean(axis=(1, 2, 3))
        others = np.abs(reconstructions.astype(float) - np.roll(images, 1, axis=0)).mean(axis=(1, 2, 3))
        assert (error < others).all(), "each reconstruction should be nearer its own image than another one"
        assert np.isfinite(model.bits_per_dim(images)).all()
        return
    np.testing.assert_array_equal(model.decode(z), images)
    # exact in any batch too: bfloat16 conditioner networks failed both (glow_celeba: up to 5 of 255 levels),
    # which is why models are shipped with float32 networks
    np.testing.assert_array_equal(model.decode(np.concatenate([z] * 3))[:16], images)


PLAIN_TF_CLIENT = """
import json, sys
import numpy as np
import tensorflow as tf
version, example, inputs_file = sys.argv[1:4]
examples = json.loads(open(inputs_file).read())
loaded = tf.saved_model.load(version)
image = tf.io.decode_png(tf.io.read_file(example))[None]  # the entry's example face, uint8 [1, H, W, C]
z = None
results = {}
for name in sorted(loaded.signatures, key=lambda n: n != "encode"):  # encode first: decode gets its z
    signature = loaded.signatures[name]
    kwargs = {}
    for key, spec in signature.structured_input_signature[1].items():
        if key == "images":
            value = tf.cast(image, spec.dtype)
        elif key == "z" and z is not None:
            value = z
        elif key == "attribute" and spec.dtype == tf.string:
            value = tf.constant(examples["attribute_name"])
        elif key in examples:
            value = tf.constant(examples[key], spec.dtype)
        else:
            raise SystemExit(f"signature {name}: no example input for {key} ({spec.dtype.name})")
        kwargs[key] = value
    outputs = signature(**kwargs)
    if name == "encode":
        z = outputs["z"]
    results[name] = {key: [list(value.shape), value.dtype.name] for key, value in outputs.items()}
print(json.dumps(results))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_saved_model_signatures_run_in_plain_tensorflow(name, tmp_path):
    """Every signature of the shipped TF-Serving SavedModel loads and runs in a process that imports TensorFlow
    only (what TF Serving or a plain client has): no nfzoo code, no custom objects."""
    import subprocess
    import sys

    from nfzoo.zoo.registry import serving_version

    version = serving_version(model_dir(name))
    if version is None:
        pytest.skip(f"{name} is a model.keras entry (published before SavedModel entries): no serving/ folder")
    card = json.loads((model_dir(name) / "card.json").read_text())
    example = model_dir(name) / "example.png"
    directions = model_dir(name) / "directions.npz"
    names = [str(n) for n in np.load(directions)["names"]] if directions.is_file() else []
    examples = {"n": 2, "temperature": 0.7, "seed": 1, "alpha": 0.5, "label": 0, "attribute": 0,
                "attribute_name": names[0] if names else ""}
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps(examples))
    script = tmp_path / "client.py"
    script.write_text(PLAIN_TF_CLIENT)
    out = subprocess.run([sys.executable, str(script), str(version), str(example), str(inputs)],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"encode", "decode", "sample", "log_prob"} <= set(results)
    assert results["sample"]["images"] == [[2, *card["resolution"]], "uint8"]
    assert results["decode"]["images"] == [[1, *card["resolution"]], "uint8"]
    if names:
        assert {"manipulate", "manipulate_by_name"} <= set(results)
