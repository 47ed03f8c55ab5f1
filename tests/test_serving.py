"""TF Serving export of a tiny Glow, checked the way a model server sees it: loaded by TensorFlow alone,
listed by saved_model_cli, called with REST bodies in both formats; every answer equals the Python API."""
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from flow_checks import perturb_weights
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.coupling import Coupling
from nfzoo.cli import export as export_cli
from nfzoo.cli import main
from nfzoo.data.images import to_model_space
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.glow import glow
from nfzoo.serving import export_serving, rest
from nfzoo.zoo import ZooModel

REPO = str(Path(__file__).resolve().parents[1])
SHAPE, N_BITS, NAMES = (8, 8, 3), 5, ["Smiling", "Male", "Young"]
IMAGE_SIGNATURES = {
    "serving_default": ({"images"}, {"log_prob", "bits_per_dim"}),
    "log_prob": ({"images"}, {"log_prob", "bits_per_dim"}),
    "encode": ({"images"}, {"z"}),
    "decode": ({"z"}, {"images"}),
    "sample": ({"n", "temperature", "seed"}, {"images"}),
    "manipulate": ({"images", "attribute", "alpha"}, {"images", "attribute_index", "attribute_name"}),
    "manipulate_by_name": ({"images", "attribute", "alpha"}, {"images", "attribute_index", "attribute_name"}),
}


def uint8_images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, *SHAPE)).astype(np.uint8)


def assert_images_match(actual, expected):
    """uint8 images equal up to rare one-bin flips (graph vs eager float rounding at a bin edge)."""
    actual, expected = np.asarray(actual, np.int32), np.asarray(expected, np.int32)
    assert actual.shape == expected.shape
    assert np.mean(actual != expected) < 0.01 and np.abs(actual - expected).max() <= 2 ** (8 - N_BITS)


def saved_model_cli_command():
    found = shutil.which("saved_model_cli")
    return [found] if found else [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


# Loads the export the way TF Serving's C++ loader does (restore op of the saver, init op, then a session run
# feeding and fetching the tensors named by each signature def), in a Python that cannot import nfzoo or TFP.
TF_ONLY_CLIENT = textwrap.dedent("""
    import importlib.abc, sys
    sys.path = [p for p in sys.path if p and not p.startswith(REPO)]

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("nfzoo", "tensorflow_probability"):
                raise ImportError(f"{name} must not be needed to serve the export")

    sys.meta_path.insert(0, Block())
    import numpy as np
    import tensorflow as tf

    inputs = np.load(INPUTS)
    images = inputs["images"]
    requests = {
        "log_prob": {"images": images},
        "serving_default": {"images": images},
        "encode": {"images": images},
        "decode": {"z": inputs["z"]},
        "sample": {"n": 3, "temperature": 0.7, "seed": 11},
        "manipulate": {"images": images, "attribute": 1, "alpha": 0.8},
        "manipulate_by_name": {"images": images, "attribute": ["Smiling", "Young", "Male", "Smiling"],
                               "alpha": [1.0, -1.0, 0.5, 0.0]},
    }
    outputs = {}
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(session, ["serve"], EXPORT)
        for name, feeds in requests.items():
            signature = meta_graph.signature_def[name]
            fetches = {key: info.name for key, info in signature.outputs.items()}
            answer = session.run(fetches, {signature.inputs[key].name: value for key, value in feeds.items()})
            outputs.update({f"{name}/{key}": value for key, value in answer.items()})
    leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("nfzoo", "tensorflow_probability"))
    assert not leaked, leaked
    np.savez(OUTPUTS, **{key: value.astype(bytes) if value.dtype == object else value
                         for key, value in outputs.items()})
""")


@pytest.fixture(scope="module")
def zoo():
    flow = glow(SHAPE, levels=2, steps=1, hidden=8, n_bits=N_BITS)
    flow.initialize(to_model_space(uint8_images(32, seed=1), N_BITS))
    perturb_weights(flow, scale=0.05)
    directions = np.random.default_rng(2).normal(0.0, 0.5, (len(NAMES), flow.num_dims)).astype(np.float32)
    return ZooModel(flow, "tiny", directions={"directions": directions, "names": np.array(NAMES)})


@pytest.fixture(scope="module")
def export_dir(zoo, tmp_path_factory):
    """``nfzoo export tiny --out ... --max-batch 512`` on a zoo folder (NFZOO_HOME) holding ``zoo`` -> the version
    directory."""
    home = tmp_path_factory.mktemp("zoo_home")
    (home / "zoo_configs").mkdir()
    (home / "zoo_configs" / "tiny.yaml").write_text("name: tiny\ndescription: test\n")
    folder = home / "saved_models" / "tiny"
    folder.mkdir(parents=True)
    zoo.flow.save(folder / "model.keras")
    np.savez(folder / "directions.npz", directions=[zoo.attribute_direction(n) for n in NAMES], names=NAMES)
    (folder / "card.json").write_text("{}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NFZOO_HOME", str(home))
        out = str(home / "serving" / "tiny")
        assert main(["export", "tiny", "--out", out, "--version", "1", "--max-batch", "512"]) == 0
    return home / "serving" / "tiny" / "1"


@pytest.fixture(scope="module")
def background(export_dir, tmp_path_factory):
    """The TF-only client and saved_model_cli, started together in the background as soon as the export exists
    (each spends seconds importing TensorFlow); the tests that read their answers come last."""
    folder = tmp_path_factory.mktemp("tf_only")
    z = np.random.default_rng(4).normal(size=(2, 192)).astype(np.float32)
    np.savez(folder / "inputs.npz", images=uint8_images(4, seed=3), z=z)
    header = (f"REPO, EXPORT, INPUTS, OUTPUTS = {REPO!r}, {str(export_dir)!r}, "
              f"{str(folder / 'inputs.npz')!r}, {str(folder / 'outputs.npz')!r}\n")
    running = {"client": start([sys.executable, "-I", "-c", header + TF_ONLY_CLIENT], folder / "client"),
               "cli": start([*saved_model_cli_command(), "show", "--dir", str(export_dir), "--all"], folder / "cli")}
    yield {**running, "folder": folder}
    for process, _ in running.values():
        if process.poll() is None:
            process.kill()


def start(command, log):
    """Runs ``command`` in the background (in ``log``'s folder) with its output in ``log``.out/.err."""
    with open(f"{log}.out", "w") as out, open(f"{log}.err", "w") as err:
        return subprocess.Popen(command, cwd=log.parent, stdout=out, stderr=err), log


def finished(started):
    """Waits for a `start`ed command; its stdout, after checking it succeeded."""
    process, log = started
    process.wait(timeout=180)
    assert process.returncode == 0, Path(f"{log}.err").read_text()[-3000:]
    return Path(f"{log}.out").read_text()


@pytest.fixture(scope="module")
def loaded(export_dir):
    return tf.saved_model.load(str(export_dir))


@pytest.mark.usefixtures("background")  # first test: starts the background processes early
def test_export_refuses_uninitialised_flow_existing_version_and_bad_input(zoo, export_dir, tmp_path):
    assert (export_dir / "saved_model.pb").is_file() and (export_dir / "variables").is_dir()
    assert [p.name for p in export_dir.parent.iterdir()] == ["1"]  # no staging directory left behind
    with pytest.raises(ValueError, match="ActNorm layers are not initialised"):
        export_serving(glow(SHAPE, levels=2, steps=1, hidden=8, n_bits=N_BITS), tmp_path)
    with pytest.raises(ValueError, match="already exists.*overwrite=True"):
        zoo.export_serving(export_dir.parent, version=1)
    with pytest.raises(ValueError, match="positive integer"):
        zoo.export_serving(tmp_path, version=0)
    with pytest.raises(ValueError, match="max_batch must be an integer in 1..2147483647, got 0"):
        export_serving(zoo.flow, tmp_path, max_batch=0)
    with pytest.raises(ValueError, match="max_samples must be an integer in 1..2147483647, got 2.5"):
        zoo.flow.export(tmp_path / "m", max_samples=2.5)
    with pytest.raises(TypeError, match="expects a FlowModel"):
        export_serving(keras.Sequential(), tmp_path)
    with pytest.raises(ValueError, match="attribute directions need an image flow"):
        vector_flow().export(tmp_path / "v", directions={"names": ["a"], "directions": np.zeros((1, 2))})


def test_rest_bodies_in_row_and_columnar_format_give_the_python_api_numbers(zoo, loaded):
    images = uint8_images(3, seed=5)

    def call(body):
        return rest.predict(loaded, json.dumps(body))  # a real JSON round trip, as a client sends it

    log_prob = zoo.flow.log_prob(to_model_space(images, N_BITS)).numpy()
    rows = call({"instances": [{"images": image.tolist()} for image in images]})["predictions"]  # serving_default
    np.testing.assert_allclose([row["log_prob"] for row in rows], log_prob, rtol=1e-5, atol=1e-3)
    columns = call({"signature_name": "log_prob", "inputs": {"images": images.tolist()}})["outputs"]
    np.testing.assert_allclose(columns["log_prob"], log_prob, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(columns["bits_per_dim"], [row["bits_per_dim"] for row in rows], rtol=1e-6)

    z = call({"signature_name": "encode", "instances": images.tolist()})["predictions"]  # bare single input
    np.testing.assert_allclose(z, zoo.encode(images), atol=1e-4)
    np.testing.assert_allclose(call({"signature_name": "encode", "inputs": images.tolist()})["outputs"], z, atol=1e-6)
    decoded = call({"signature_name": "decode", "inputs": {"z": z}})["outputs"]
    assert_images_match(decoded, zoo.decode(np.array(z, np.float32)))
    width = 2 ** (8 - N_BITS)
    assert_images_match(decoded, images // width * width + width // 2)  # decode(encode(x)) = x at its bin centre

    request = {"n": 2, "temperature": 0.7, "seed": 42}
    row = call({"signature_name": "sample", "instances": [request]})["predictions"]
    assert row == call({"signature_name": "sample", "instances": [request]})["predictions"]  # same seed, same images
    assert row == call({"signature_name": "sample", "inputs": request})["outputs"]
    assert row != call({"signature_name": "sample", "inputs": {**request, "seed": 43}})["outputs"]
    assert_images_match(row, zoo.sample(2, temperature=0.7, seed=42))

    edits = [{"images": image.tolist(), "attribute": i, "alpha": 1.5 - i} for i, image in enumerate(images)]
    rows = call({"signature_name": "manipulate", "instances": edits})["predictions"]
    assert [row["attribute_name"] for row in rows] == NAMES
    for i, row in enumerate(rows):
        assert_images_match(row["images"], zoo.manipulate(images[i: i + 1], i, 1.5 - i)[0])
    columns = call({"signature_name": "manipulate_by_name",
                    "inputs": {"images": images.tolist(), "attribute": "Young", "alpha": 2.0}})["outputs"]
    assert columns["attribute_index"] == [2, 2, 2]
    assert_images_match(columns["images"], zoo.manipulate(images, "Young", 2.0))


def vector_flow():
    """A small initialised flow on 2-D vectors with random weights."""
    layers = []
    for parity in (0, 1):
        layers += [ActNorm(), Coupling(hidden=8, parity=parity)]
    flow = FlowModel(layers, event_shape=(2,))
    flow.initialize(np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32))
    perturb_weights(flow)
    return flow


def test_float_flow_exports_log_prob_encode_decode_sample(tmp_path):
    flow = vector_flow()
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    model = tf.saved_model.load(str(export_serving(flow, tmp_path, version=3)))
    assert sorted(model.signatures) == ["decode", "encode", "log_prob", "sample", "serving_default"]
    np.testing.assert_allclose(model.signatures["log_prob"](x=x)["log_prob"], flow.log_prob(x), rtol=1e-5, atol=1e-4)
    z = model.signatures["encode"](x=x)["z"]
    np.testing.assert_allclose(z, flow.encode(x), atol=1e-5)
    np.testing.assert_allclose(model.signatures["decode"](z=z)["x"], x, atol=1e-4)
    answer = rest.predict(model, {"signature_name": "sample", "inputs": {"n": 4, "temperature": 0.5, "seed": 7}})
    np.testing.assert_allclose(answer["outputs"], flow.sample(4, temperature=0.5, seed=7), atol=1e-5)


def test_image_log_prob_of_a_flow_with_a_learned_dequantizer_is_its_bound_at_the_bin_centres(tmp_path):
    flow = glow(SHAPE, levels=1, steps=1, hidden=4, n_bits=N_BITS, dequantization="variational")
    centres = to_model_space(uint8_images(4, seed=3), N_BITS)
    flow.initialize(centres)
    perturb_weights(flow, scale=0.05)
    perturb_weights(flow.dequantizer, scale=0.3, seed=4)
    model = tf.saved_model.load(str(ZooModel(flow, "tiny_vd").export_serving(tmp_path)))
    served = model.signatures["log_prob"](images=uint8_images(4, seed=3))["log_prob"].numpy()
    np.testing.assert_allclose(served, flow.log_likelihood(centres), rtol=1e-5, atol=1e-3)
    assert np.abs(served - flow.log_prob(centres).numpy()).min() > 1.0, "q should move the bin centres"


def test_cli_takes_a_keras_file_and_refuses_an_existing_version_and_sets_the_batch_bound(export_dir, loaded, capsys):
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 <= N <= 512, got shape \\[513, 8, 8, 3\\]"):
        loaded.signatures["encode"](images=tf.zeros([513, *SHAPE], tf.uint8))  # export_dir ran --max-batch 512
    keras_file = str(export_dir.parents[2] / "saved_models" / "tiny" / "model.keras")  # written by export_dir
    model = export_cli.load_model(keras_file)  # an image flow gets the image signatures, without directions
    assert isinstance(model, ZooModel) and model.directions is None
    assert isinstance(model.flow, FlowModel) and model.n_bits == N_BITS and model.flow.is_initialized
    with pytest.raises(KeyError, match="nor a .keras file or model folder"):
        export_cli.load_model(keras_file.replace("model.keras", "missing.keras"))
    assert main(["export", keras_file, "--out", str(export_dir.parent), "--version", "1"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_tensorflow_alone_serves_every_signature_like_the_python_api(zoo, background):
    finished(background["client"])
    out = dict(np.load(background["folder"] / "outputs.npz"))
    inputs = np.load(background["folder"] / "inputs.npz")
    images, z = inputs["images"], inputs["z"]

    log_prob = zoo.flow.log_prob(to_model_space(images, N_BITS)).numpy()
    bits = (N_BITS * np.log(2) - log_prob / zoo.flow.num_dims) / np.log(2)
    for signature in ("log_prob", "serving_default"):
        np.testing.assert_allclose(out[f"{signature}/log_prob"], log_prob, rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(out[f"{signature}/bits_per_dim"], bits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["encode/z"], zoo.encode(images), atol=1e-4)
    assert_images_match(out["decode/images"], zoo.decode(z))
    assert_images_match(out["sample/images"], zoo.sample(3, temperature=0.7, seed=11))
    assert_images_match(out["manipulate/images"], zoo.manipulate(images, 1, 0.8))
    np.testing.assert_array_equal(out["manipulate/attribute_name"], [b"Male"] * 4)
    edits = zip(["Smiling", "Young", "Male", "Smiling"], [1.0, -1.0, 0.5, 0.0])
    by_name = [zoo.manipulate(images[i: i + 1], name, alpha)[0] for i, (name, alpha) in enumerate(edits)]
    assert_images_match(out["manipulate_by_name/images"], np.stack(by_name))
    np.testing.assert_array_equal(out["manipulate_by_name/attribute_index"], [0, 2, 1, 0])


def test_saved_model_cli_lists_every_signature_with_named_inputs_and_outputs(background):
    shown = finished(background["cli"])
    listed, current, side = {}, None, None
    for line in shown.splitlines():
        line = line.strip()
        if line.startswith("signature_def['"):
            current = line.split("'")[1]
            listed[current] = (set(), set())
        elif "following input(s)" in line or "following output(s)" in line:
            side = 0 if "input(s)" in line else 1
        elif current and line.startswith(("inputs['", "outputs['")):
            listed[current][side].add(line.split("'")[1])
    listed.pop("__saved_model_init_op", None)
    assert listed == IMAGE_SIGNATURES
    assert "output_0" not in shown
