"""docs/serving.md runs as written (#21 point 6). Its Python sessions are doctests, run against a small randomly
weighted 32x32x3 8-bit Glow exported as exports/glow_celeba/1 with the 40 CelebA attribute names (so the documented
shapes, indices and names hold), with `requests.post` answered as TF Serving answers (`nfzoo.serving.rest`, the
request and the answer passed through JSON text). Every literal ``curl -d '<body>'`` gets the documented answer,
and the export snippet runs with that model's .keras file in place of the zoo name glow_celeba."""
import doctest
import json
import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import nfzoo
from nfzoo.data.celeba import CELEBA_ATTRIBUTES
from nfzoo.serving import export_serving, rest

DOC = Path(__file__).resolve().parents[1] / "docs" / "serving.md"
PREDICT_URL = re.compile(r"http://localhost:8501/v1/models/(\w+)(?:/versions/(\d+))?:predict")


def code_blocks(language):
    """[(line number, text)] of the doc's ```language blocks."""
    text = DOC.read_text()
    return [(text[:m.start()].count("\n") + 2, m.group(1)) for m in re.finditer(rf"```{language}\n(.*?)```", text, re.S)]


SESSIONS = [(line, text) for line, text in code_blocks("python") if text.startswith(">>>")]
SNIPPETS = [(line, text) for line, text in code_blocks("python") if not text.startswith(">>>")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A folder with exports/glow_celeba/1 (see the module docstring), its flow as small.keras (no directions) and
    face.png, an RGB photo of another size."""
    root, rng = tmp_path_factory.mktemp("serving_docs"), np.random.default_rng(0)
    flow = nfzoo.glow((32, 32, 3), levels=1, steps=1, hidden=4, n_bits=8)
    flow.initialize(rng.uniform(-0.5, 0.5, (8, 32, 32, 3)).astype(np.float32))
    for weight in flow.trainable_weights:  # away from the identity that zero-initialised couplings start as
        weight.assign(weight + rng.normal(0, 0.01, weight.shape).astype(np.float32))
    directions = rng.normal(0, 0.1, (len(CELEBA_ATTRIBUTES), flow.latent_dim))
    export_serving(flow, root / "exports" / "glow_celeba", directions={"names": CELEBA_ATTRIBUTES,
                                                                       "directions": directions})
    flow.save(root / "small.keras")
    Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)).save(root / "face.png")
    return root


def fake_requests(root):
    """A `requests` module whose ``post(url, json=body)`` is answered by `rest.respond` on root/exports/<name>/<v>."""
    loaded = {}

    def post(url, json=None):
        match = PREDICT_URL.fullmatch(url)
        assert match, f"not a TF Serving predict URL: {url}"
        name, version = match.groups()
        base = root / "exports" / name
        version = version or max((p.name for p in base.iterdir() if p.name.isdigit()), key=int)
        if (name, version) not in loaded:
            loaded[name, version] = tf.saved_model.load(str(base / version))
        status, answer = rest.respond(loaded[name, version], to_json_and_back(json))
        return types.SimpleNamespace(status_code=status, json=lambda: to_json_and_back(answer))

    return types.SimpleNamespace(post=post)


def to_json_and_back(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("line, session", SESSIONS, ids=[f"line{line}" for line, _ in SESSIONS])
def test_documented_session_runs_as_shown(served, line, session, monkeypatch):
    monkeypatch.chdir(served)
    monkeypatch.setitem(sys.modules, "requests", fake_requests(served))
    test = doctest.DocTestParser().get_doctest(session, {}, f"serving.md:{line}", str(DOC), line - 1)
    report = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    result = runner.run(test, out=report.append)
    assert result.attempted > 3 and result.failed == 0, "".join(report)


def test_sessions_call_every_signature_in_plain_tensorflow_and_over_rest():
    (client,), (over_rest,) = ([text for _, text in SESSIONS if marker in text] for marker in ("signatures[", "requests."))
    names = ["log_prob", "encode", "decode", "sample", "manipulate", "manipulate_by_name"]
    assert all(f'signatures["{name}"](' in client for name in names)
    assert all(f'"signature_name": "{name}"' in over_rest for name in names)
    assert '"instances"' in over_rest and '"inputs"' in over_rest


def test_curl_bodies_get_the_documented_answer(served):
    model = tf.saved_model.load(str(served / "exports" / "glow_celeba" / "1"))
    calls = [m for _, text in code_blocks("bash") for m in re.finditer(r"curl -d '(\{.*\})' \$URL\s+# \{\"(\w+)\"", text)]
    assert len(calls) >= 2
    for call in calls:
        status, answer = rest.respond(model, call.group(1))
        assert status == 200 and list(answer) == [call.group(2)], (call.group(0), status, str(answer)[:200])
        assert np.array(answer[call.group(2)]).shape == (4, 32, 32, 3)


def test_export_snippet_runs(served, tmp_path, monkeypatch):
    """The snippet defines every name it uses and writes the two exports it names."""
    (_, snippet), = [(line, text) for line, text in SNIPPETS if "export_serving(" in text]
    monkeypatch.chdir(tmp_path)
    exec(compile(snippet.replace('"glow_celeba"', repr(str(served / "small.keras"))), str(DOC), "exec"), {})
    for base in ("glow_celeba", "glow_celeba_flow"):
        assert (tmp_path / "exports" / base / "1" / "saved_model.pb").is_file(), base
