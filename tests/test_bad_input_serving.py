"""Bad requests to exported flows: each is refused with one InvalidArgument line naming what was expected (over
REST: HTTP 400 ``{"error": ...}``), and none can take the server down.

Two tables, one row per bad request; to add a case, add a row. ``SIGNATURE_CASES`` call a signature directly,
``REST_CASES`` send a body to the REST emulator. All requests run in sequence in ONE child process, against the
SavedModels loaded by ``tf.saved_model.load`` and, where the inputs have the declared dtypes, by a TF1-style
session as TF Serving loads them; a request that aborted the process (as a rank-3 image once did, in the
dequantizer's first convolution) shows up as the child's return code and its last logged case instead of
killing pytest. The child ends with valid requests, whose answers must still be right.
"""
import json
import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from flow_checks import perturb_weights
from nfzoo.bijectors.actnorm import ActNorm
from nfzoo.bijectors.coupling import Coupling
from nfzoo.data.images import to_model_space
from nfzoo.models.flow_model import FlowModel
from nfzoo.models.glow import glow
from nfzoo.models.signatures.flow_signatures import OVERFLOW
from nfzoo.serving import export_serving
from nfzoo.zoo import ZooModel

SHAPE, N_BITS, NAMES, D = (8, 8, 3), 5, ["Smiling", "Male", "Young"], 8 * 8 * 3
VECTOR_MAX_BATCH, VECTOR_MAX_SAMPLES = 64, 16  # the vector flow is exported with its own bounds
RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (2, *SHAPE)).astype(np.uint8)
Z = RNG.normal(size=(2, D)).astype(np.float32)
X = RNG.normal(size=(3, 2)).astype(np.float32)


def expects(signature, shape_seen, name="images", event="8, 8, 3", dtype="uint8", bound=4096):
    """The message of a refused batch, e.g. ``encode expects images uint8 [N, 8, 8, 3] with 1 <= N <= 4096,
    got shape [8, 8, 3]``, as a regex."""
    return re.escape(f"{signature} expects {name} {dtype} [N, {event}] with 1 <= N <= {bound}, got shape {shape_seen}")


LATENTS = {"name": "z", "event": str(D), "dtype": "float32"}  # expects(...) of the image flow's decode


def vector_expects(signature, shape_seen, name="x"):
    return expects(signature, shape_seen, name, event="2", dtype="float32", bound=VECTOR_MAX_BATCH)


def images(*shape):
    return np.zeros(shape, np.uint8)


def sample(n=1, temperature=1.0, seed=0):
    return {"n": np.int32(n), "temperature": np.float32(temperature), "seed": np.int64(seed)}


def edit(attribute=0, alpha=1.0, batch=IMAGES):
    return {"images": batch, "attribute": np.asarray(attribute, np.int32), "alpha": np.asarray(alpha, np.float32)}


def edit_by_name(name, alpha=1.0, batch=IMAGES):
    return {"images": batch, "attribute": np.array(name, object), "alpha": np.float32(alpha)}


def nan_at(array, index=(0, 0), value=np.nan):
    array = array.copy()
    array[index] = value
    return array


KNOWN = re.escape("(0=Smiling, 1=Male, 2=Young)")
# (id, export, signature, inputs, regex the InvalidArgument message must contain)
SIGNATURE_CASES = [
    ("rank-3 image (aborted the process)", "image", "serving_default", {"images": IMAGES[0]},
     expects("log_prob", "[8, 8, 3]")),
    ("image of another size", "image", "log_prob", {"images": images(1, 16, 16, 3)},
     expects("log_prob", "[1, 16, 16, 3]")),
    ("grey image to an RGB model", "image", "encode", {"images": images(1, 8, 8, 1)},
     expects("encode", "[1, 8, 8, 1]")),
    ("rank-5 images", "image", "encode", {"images": images(1, 1, 8, 8, 3)}, expects("encode", "[1, 1, 8, 8, 3]")),
    ("scalar image", "image", "encode", {"images": np.uint8(7)}, expects("encode", "[]")),
    ("empty batch", "image", "encode", {"images": images(0, 8, 8, 3)}, expects("encode", "[0, 8, 8, 3]")),
    ("batch over the bound", "image", "log_prob", {"images": images(4097, 8, 8, 3)},
     expects("log_prob", "[4097, 8, 8, 3]")),
    ("float images", "image", "encode", {"images": IMAGES.astype(np.float32)},
     "expected to be a uint8 tensor but is a float tensor"),
    ("rank-1 latent", "image", "decode", {"z": Z[0]}, expects("decode", f"[{D}]", **LATENTS)),
    ("latent of another size", "image", "decode", {"z": Z[:, :100]}, expects("decode", "[2, 100]", **LATENTS)),
    ("empty latent batch", "image", "decode", {"z": Z[:0]}, expects("decode", f"[0, {D}]", **LATENTS)),
    ("NaN latent (decoded to black)", "image", "decode", {"z": nan_at(Z)}, "decode expects finite z: got NaN or Inf"),
    ("infinite latent", "image", "decode", {"z": nan_at(Z, value=-np.inf)}, "decode expects finite z: got NaN or Inf"),
    ("latent whose decode overflows (decoded to black)", "image", "decode", {"z": np.full((1, D), 3e38, np.float32)},
     re.escape(OVERFLOW)),
    ("temperature whose samples overflow", "image", "sample", sample(temperature=3e38), re.escape(OVERFLOW)),
    ("no samples", "image", "sample", sample(n=0), re.escape("n (the number of samples) must be at least 1")),
    ("too many samples", "image", "sample", sample(n=1025), "n must be at most 1024"),
    ("two sample counts", "image", "sample", {**sample(), "n": np.int32([1, 2])}, "n must be one value"),
    ("zero temperature", "image", "sample", sample(temperature=0.0), "temperature must be > 0"),
    ("negative temperature", "image", "sample", sample(temperature=-1.0), "temperature must be > 0"),
    ("NaN temperature", "image", "sample", sample(temperature=np.nan), "temperature must be finite"),
    ("infinite temperature", "image", "sample", sample(temperature=np.inf), "temperature must be finite"),
    ("rank-3 image to manipulate", "image", "manipulate", edit(batch=IMAGES[0]), expects("manipulate", "[8, 8, 3]")),
    ("attribute index too large", "image", "manipulate", edit(attribute=3),
     rf"attribute index out of range 0..2 {KNOWN}; got \[3\]"),
    ("negative attribute index", "image", "manipulate", edit(attribute=[1, -1]),
     rf"attribute index out of range 0..2 {KNOWN}; got \[-1\]"),
    ("three attributes for two images", "image", "manipulate", edit(attribute=[0, 1, 2]),
     "attribute must be one value for all images or one value per image"),
    ("three alphas for two images", "image", "manipulate", edit(alpha=[1.0, 2.0, 3.0]),
     "alpha must be one value for all images or one value per image"),
    ("NaN alpha", "image", "manipulate", edit(alpha=np.nan), "alpha must be finite"),
    ("alpha that overflows the latent", "image", "manipulate", edit(alpha=3.4e38),
     re.escape("alpha too large: z + alpha * direction must be finite")),
    ("alpha whose edit overflows the decode", "image", "manipulate", edit(alpha=1e38), re.escape(OVERFLOW)),
    ("unknown attribute name", "image", "manipulate_by_name", edit_by_name(["Smiling", "Bald"]),
     rf"unknown attribute name {KNOWN}; got \[Bald\]"),
    ("empty batch to manipulate_by_name", "image", "manipulate_by_name", edit_by_name("Male", batch=images(0, 8, 8, 3)),
     expects("manipulate_by_name", "[0, 8, 8, 3]")),
    ("vector flow: one point without a batch", "vector", "log_prob", {"x": X[0]}, vector_expects("log_prob", "[2]")),
    ("vector flow: points of another dimension", "vector", "log_prob", {"x": np.zeros((3, 3), np.float32)},
     vector_expects("log_prob", "[3, 3]")),
    ("vector flow: NaN point", "vector", "log_prob", {"x": nan_at(X)}, "log_prob expects finite x: got NaN or Inf"),
    ("vector flow: infinite point", "vector", "encode", {"x": nan_at(X, value=np.inf)},
     "encode expects finite x: got NaN or Inf"),
    ("vector flow: batch over its bound", "vector", "encode", {"x": np.zeros((65, 2), np.float32)},
     vector_expects("encode", "[65, 2]")),
    ("vector flow: latent of another size", "vector", "decode", {"z": np.zeros((1, 3), np.float32)},
     vector_expects("decode", "[1, 3]", name="z")),
    ("vector flow: NaN latent", "vector", "decode", {"z": nan_at(X)}, "decode expects finite z: got NaN or Inf"),
    ("vector flow: too many samples", "vector", "sample", sample(n=17), "n must be at most 16"),
]

IMAGE_JSON = IMAGES[0].tolist()
# (id, export, request body (a dict, or JSON text as sent), regex the {"error": ...} of the HTTP 400 must contain)
REST_CASES = [
    ("rank-3 image, columnar", "image", {"inputs": {"images": IMAGE_JSON}}, expects("log_prob", "[8, 8, 3]")),
    ("image of another size, rows", "image", {"instances": [images(16, 16, 3).tolist()]},
     expects("log_prob", "[1, 16, 16, 3]")),
    ("subpixel over 255", "image", {"signature_name": "encode", "inputs": [[[[300, 0, 0]] * 8] * 8]},
     re.escape('input "images" expects uint8 values (integers 0..255), got integers from 0 to 300')),
    ("negative subpixel", "image", {"signature_name": "encode", "inputs": [[[[-1, 0, 0]] * 8] * 8]},
     "got integers from -1 to 0"),
    ("fractional subpixel", "image", {"signature_name": "encode", "inputs": [[[[0.5, 0, 0]] * 8] * 8]},
     re.escape("(integers 0..255), got numbers from 0 to 0.5")),
    ("text as an image", "image", {"signature_name": "encode", "instances": ["face.png"]},
     re.escape('input "images" expects uint8 values (integers 0..255), got text')),
    ("ragged rows", "image", {"instances": [IMAGE_JSON, IMAGE_JSON[:4]]}, "nested lists of unequal lengths"),
    ("NaN latent", "image", json.dumps({"signature_name": "decode", "inputs": {"z": [[float("nan")] * D]}}),
     "decode expects finite z: got NaN or Inf"),
    ("latent beyond float32", "image", {"signature_name": "decode", "inputs": {"z": [[1e39] * D]}},
     re.escape('input "z" expects float32 values (numbers within +-3.40282e+38), got numbers from 1e+39')),
    ("sample count beyond int32", "image", {"signature_name": "sample", "inputs": {"n": 2**40, "temperature": 1,
                                                                                  "seed": 0}},
     re.escape('input "n" expects int32 values (integers -2147483648..2147483647), got integers')),
    ("no samples", "image", {"signature_name": "sample", "instances": [{"n": 0, "temperature": 1, "seed": 0}]},
     re.escape("n (the number of samples) must be at least 1")),
    ("NaN alpha", "image", json.dumps({"signature_name": "manipulate", "inputs": {
        "images": [IMAGE_JSON], "attribute": 0, "alpha": float("nan")}}), "alpha must be finite"),
    ("unknown attribute name", "image", {"signature_name": "manipulate_by_name", "inputs": {
        "images": [IMAGE_JSON], "attribute": "Bald", "alpha": 1}}, rf"unknown attribute name {KNOWN}; got \[Bald\]"),
    ("instance without an input", "image", {"signature_name": "manipulate", "instances": [{"images": IMAGE_JSON}]},
     re.escape("each instance must be an object with the inputs ['alpha', 'attribute', 'images']")),
    ("columnar without an input", "image", {"signature_name": "sample", "inputs": {"n": 1}},
     re.escape("\"inputs\" must be an object with the inputs ['n', 'seed', 'temperature']")),
    ("both formats", "image", {"instances": [IMAGE_JSON], "inputs": [IMAGE_JSON]}, 'exactly one of "instances"'),
    ("no instances", "image", {"instances": []}, '"instances" must be a non-empty list'),
    ("unknown signature", "image", {"signature_name": "encoder", "instances": [IMAGE_JSON]},
     re.escape("no signature 'encoder'; the model has ['decode', 'encode', 'log_prob', 'manipulate'")),
    ("signature name that is not text", "image", {"signature_name": 3, "instances": [IMAGE_JSON]}, "no signature 3"),
    ("not JSON", "image", '{"instances": [', "the body is not valid JSON"),
    ("JSON that is not an object", "image", "[1, 2]", "a predict body is a JSON object, got list"),
    ("vector flow: point of another dimension", "vector", {"instances": [[0.0, 1.0, 2.0]]},
     vector_expects("log_prob", "[1, 3]")),
]

CHILD = textwrap.dedent("""
    import json, pickle, sys
    import numpy as np
    import tensorflow as tf
    from nfzoo.serving import rest

    with open(sys.argv[1], "rb") as f:
        exports, signature_cases, rest_cases, valid = pickle.load(f)
    log = open(sys.argv[2], "w")

    def record(case, via, **answer):
        log.write(json.dumps({"case": case, "via": via, **answer}) + "\\n")
        log.flush()

    def outcome(call):
        try:
            outputs = call()
        except Exception as error:  # anything but an InvalidArgumentError fails the test that reads it
            return {"error": type(error).__name__, "message": str(error)}
        return {"outputs": {key: np.asarray(value).tolist() for key, value in outputs.items()}}

    loaded = {kind: tf.saved_model.load(path) for kind, path in exports.items()}
    sessions = {}  # TF Serving's way: the SavedModel restored into a TF1 session, signatures run by tensor names
    for kind, path in exports.items():
        session = tf.compat.v1.Session(graph=tf.Graph())
        sessions[kind] = (session, tf.compat.v1.saved_model.loader.load(session, ["serve"], path).signature_def)

    def run_in_session(kind, name, inputs):
        session, signature_defs = sessions[kind]
        signature = signature_defs[name]
        fetches = {key: info.name for key, info in signature.outputs.items()}
        return session.run(fetches, {signature.inputs[key].name: value for key, value in inputs.items()})

    def declared_dtypes(kind, name, inputs):
        inputs_def = sessions[kind][1][name].inputs
        return all(np.asarray(value).dtype == tf.as_dtype(inputs_def[key].dtype).as_numpy_dtype
                   for key, value in inputs.items())

    for case, kind, name, inputs in signature_cases:
        tensors = {key: tf.constant(value) for key, value in inputs.items()}
        record(case, "eager", **outcome(lambda: loaded[kind].signatures[name](**tensors)))
        if declared_dtypes(kind, name, inputs):  # a TF1 session would cast other dtypes silently
            record(case, "session", **outcome(lambda: run_in_session(kind, name, inputs)))
    for case, kind, body in rest_cases:
        status, answer = rest.respond(loaded[kind], body)
        record(case, "rest", status=status, answer=answer)

    images = valid["images"]
    record("valid", "eager", **outcome(lambda: loaded["image"].signatures["log_prob"](images=tf.constant(images))))
    record("valid", "session", **outcome(lambda: run_in_session("image", "log_prob", {"images": images})))
    status, answer = rest.respond(loaded["image"], {"inputs": {"images": images.tolist()}})
    record("valid", "rest", status=status, answer=answer)
""")


@pytest.fixture(scope="module")
def flows():
    """A tiny perturbed Glow with a variational dequantizer (a convolution reads the images first, as in
    glow_celeba) and attribute directions, and a tiny perturbed flow on 2-D points."""
    image_flow = glow(SHAPE, levels=1, steps=1, hidden=4, n_bits=N_BITS, dequantization="variational")
    image_flow.initialize(to_model_space(RNG.integers(0, 256, (16, *SHAPE)).astype(np.uint8), N_BITS))
    perturb_weights(image_flow, scale=0.05)
    perturb_weights(image_flow.dequantizer, scale=0.3, seed=4)
    directions = np.random.default_rng(2).normal(0.0, 0.5, (len(NAMES), D)).astype(np.float32)
    zoo = ZooModel(image_flow, "tiny", directions={"directions": directions, "names": np.array(NAMES)})

    layers = []
    for parity in (0, 1):
        layers += [ActNorm(), Coupling(hidden=8, parity=parity)]
    vector_flow = FlowModel(layers, event_shape=(2,))
    vector_flow.initialize(RNG.normal(size=(16, 2)).astype(np.float32))
    perturb_weights(vector_flow)
    return zoo, vector_flow


@pytest.fixture(scope="module")
def answers(flows, tmp_path_factory):
    """Runs every case in one child process -> {(case id, "eager" | "session" | "rest"): answer}, plus the
    child's return code and the tail of its stderr."""
    zoo, vector_flow = flows
    folder = tmp_path_factory.mktemp("bad_requests")
    exports = {"image": str(zoo.export_serving(folder / "image")),
               "vector": str(export_serving(vector_flow, folder / "vector", max_batch=VECTOR_MAX_BATCH,
                                            max_samples=VECTOR_MAX_SAMPLES))}
    signature_cases = [(case, kind, name, inputs) for case, kind, name, inputs, _ in SIGNATURE_CASES]
    rest_cases = [(case, kind, body) for case, kind, body, _ in REST_CASES]
    with open(folder / "cases.pkl", "wb") as f:
        pickle.dump((exports, signature_cases, rest_cases, {"images": IMAGES}), f)
    log = folder / "answers.jsonl"
    child = subprocess.run([sys.executable, "-c", CHILD, str(folder / "cases.pkl"), str(log)],
                           capture_output=True, text=True, timeout=600)
    entries = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    found = {(entry.pop("case"), entry.pop("via")): entry for entry in entries}
    last = f"{entries[-1]}" if entries else "none"
    return found, child.returncode, f"last answered: {last:.300}\n{child.stderr[-3000:]}"


def test_no_bad_request_takes_the_server_down_and_it_still_answers_right(flows, answers):
    found, returncode, log = answers
    assert returncode == 0, f"the serving process died (return code {returncode}); {log}"
    zoo = flows[0]
    expected = zoo.flow.log_likelihood(to_model_space(IMAGES, N_BITS)).numpy()
    for via in ("eager", "session"):
        np.testing.assert_allclose(found["valid", via]["outputs"]["log_prob"], expected, rtol=1e-5, atol=1e-3)
    assert found["valid", "rest"]["status"] == 200
    np.testing.assert_allclose(found["valid", "rest"]["answer"]["outputs"]["log_prob"], expected, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("case, message", [(case[0], case[-1]) for case in SIGNATURE_CASES],
                         ids=[case[0] for case in SIGNATURE_CASES])
def test_signature_refuses_with_an_invalid_argument_naming_what_it_expects(answers, case, message):
    found = answers[0]
    assert (case, "eager") in found, f"no answer: the serving process died before this case. {answers[2]}"
    for via in ("eager", "session"):
        if (case, via) in found:
            answer = found[case, via]
            assert answer.get("error") == "InvalidArgumentError", f"{via}: {answer}"
            assert re.search(message, answer["message"]), f"{via}: {answer['message']}"


@pytest.mark.parametrize("case, message", [(case[0], case[-1]) for case in REST_CASES],
                         ids=[case[0] for case in REST_CASES])
def test_rest_answers_400_with_one_error_naming_what_it_expects(answers, case, message):
    found = answers[0]
    assert (case, "rest") in found, f"no answer: the serving process died before this case. {answers[2]}"
    answer = found[case, "rest"]
    assert answer["status"] == 400 and list(answer["answer"]) == ["error"], answer
    error = answer["answer"]["error"]
    assert re.search(message, error) and "\n" not in error, error
