"""TF Serving's REST ``:predict`` call, emulated on a loaded SavedModel (to try request bodies offline).

Decoding follows the documented REST API (tensorflow.org/tfx/serving/api_rest):

* row format, ``{"instances": [...]}``: one entry per example. With one named input an entry may be the
  bare value; otherwise each entry is an object ``{input name: value}``. The values of each input are
  stacked along a new 0-th (batch) axis, so every input gets the same batch size.
* columnar format, ``{"inputs": {name: value, ...}}`` (or the bare value for a single input): each value is
  the whole tensor, in its natural nested-list form, with no batching.
* JSON numbers and strings become tensors of the dtype the signature declares; ``signature_name``
  defaults to ``serving_default``.

The answer is ``{"predictions": ...}`` for row requests (the bare list with one output, else one object per
example) and ``{"outputs": ...}`` for columnar ones (the bare value with one output, else an object).

`respond` is what the server sends back: ``(200, answer)``, or TF Serving's error answer ``{"error": message}``
with the HTTP status TF Serving gives the error: 400 for a malformed body or a request the signatures refuse
(`nfzoo.serving.request_checks`). A JSON value that does not fit the input's dtype (300 or 0.5 for uint8) is
refused here; TF Serving itself checks only that it is an integer.
"""
import json

import numpy as np
import tensorflow as tf


class BadRequest(ValueError):
    """A request body that cannot become the signature's inputs (HTTP 400 before the model runs)."""


def decode_request(body, input_specs):
    """A predict body (JSON text or dict) -> ({input name: tf.Tensor}, row_format); `BadRequest` if malformed.

    Args:
      input_specs: {name: tf.TensorSpec} of the signature, e.g. ``signature.structured_input_signature[1]``.
    """
    body = parse(body)
    if ("instances" in body) == ("inputs" in body):
        raise BadRequest('a predict body is a JSON object with exactly one of "instances" (row format) '
                         'or "inputs" (columnar)')
    names = sorted(input_specs)
    row_format = "instances" in body
    if row_format:
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            raise BadRequest('"instances" must be a non-empty list with one entry per example')
        if len(names) == 1 and not all(isinstance(entry, dict) for entry in instances):
            values = {names[0]: instances}
        else:
            for entry in instances:
                if not isinstance(entry, dict) or sorted(entry) != names:
                    raise BadRequest(f"each instance must be an object with the inputs {names}, got {entry!r:.80}")
            values = {name: [entry[name] for entry in instances] for name in names}
    else:
        values = body["inputs"]
        if len(names) == 1 and not isinstance(values, dict):
            values = {names[0]: values}
        if not isinstance(values, dict) or sorted(values) != names:
            raise BadRequest(f'"inputs" must be an object with the inputs {names}')
    return {name: as_tensor(values[name], input_specs[name].dtype, name) for name in names}, row_format


def parse(body):
    """JSON text or a dict -> the body dict; `BadRequest` for anything else."""
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise BadRequest(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"a predict body is a JSON object, got {type(body).__name__}")
    return body


def as_tensor(value, dtype, name):
    """A JSON value (a number, a string or nested lists of them) -> a tensor of ``dtype``; `BadRequest` when
    the lists are ragged or a value does not fit ``dtype`` (exports use string, integer and float inputs)."""
    try:
        array = np.array(value)
    except ValueError:
        raise BadRequest(f'input "{name}": nested lists of unequal lengths do not make a tensor') from None
    expected = f'input "{name}" expects {dtype.name} values'
    if array.size == 0:
        fits = True
    elif dtype == tf.string:
        fits = array.dtype.kind == "U"
    elif dtype.is_integer:
        expected += f" (integers {dtype.min}..{dtype.max})"
        fits = array.dtype.kind in "iu" and dtype.min <= array.min() and array.max() <= dtype.max
    else:
        expected += f" (numbers within +-{dtype.max:g})"
        fits = array.dtype.kind in "iuf" and not np.any(np.abs(array[np.isfinite(array)]) > dtype.max)
    if not fits:
        raise BadRequest(f"{expected}, got {describe(array)}")
    return tf.constant(array.astype(dtype.as_numpy_dtype))


def describe(array):
    """What a decoded JSON value holds, for error messages."""
    if array.dtype.kind in "iuf":
        return f"{'integers' if array.dtype.kind in 'iu' else 'numbers'} from {array.min():g} to {array.max():g}"
    return {"U": "text", "b": "true/false"}.get(array.dtype.kind, "objects, nulls or mixed values")


def encode_response(outputs, row_format):
    """{output name: tensor} -> the JSON-ready answer of TF Serving."""
    outputs = {name: as_json_value(value.numpy()) for name, value in outputs.items()}
    if not row_format:
        return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values()))}
    sizes = {len(value) for value in outputs.values()}
    if len(sizes) != 1:
        raise BadRequest("a row-format answer needs every output to have the same batch size; use \"inputs\"")
    return {"predictions": [{name: value[i] for name, value in outputs.items()} for i in range(sizes.pop())]}


def as_json_value(array):
    """numpy -> nested lists of Python numbers / str (TF Serving returns strings as text)."""
    if array.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(array).tolist()
    return array.tolist()


def predict(loaded, body):
    """``POST /v1/models/<name>:predict`` with ``body`` against ``tf.saved_model.load(...)`` -> answer dict.

    Raises `BadRequest` for a malformed body and ``tf.errors.InvalidArgumentError`` for a request the
    signature refuses; `respond` turns both into TF Serving's error answer.
    """
    body = parse(body)
    name = body.get("signature_name", "serving_default")
    if not isinstance(name, str) or name not in loaded.signatures:
        raise BadRequest(f"no signature {name!r}; the model has {sorted(loaded.signatures)}")
    signature = loaded.signatures[name]
    tensors, row_format = decode_request(body, signature.structured_input_signature[1])
    return encode_response(signature(**tensors), row_format)


# TF Serving's HTTP status for a TF error code (model_servers/http_server.cc); any other code is 500.
HTTP_STATUS = {tf.errors.INVALID_ARGUMENT: 400, tf.errors.FAILED_PRECONDITION: 400, tf.errors.OUT_OF_RANGE: 400,
               tf.errors.NOT_FOUND: 404, tf.errors.RESOURCE_EXHAUSTED: 429}


def respond(loaded, body):
    """What the REST server answers to ``body``: (HTTP status, JSON-ready dict), as TF Serving does:
    ``(200, {"predictions" | "outputs": ...})`` or ``(400, {"error": "..."})`` for a bad request."""
    try:
        return 200, predict(loaded, body)
    except BadRequest as error:
        return 400, {"error": str(error)}
    except tf.errors.OpError as error:
        return HTTP_STATUS.get(error.error_code, 500), {"error": error_text(error)}


def error_text(error):
    """A TF error's message without the lines TF wraps around it in Python (where the failing op was defined
    and the node names); e.g. ``assertion failed: [decode expects finite z: got NaN or Inf]``."""
    message = error.message.split("\n\t [[")[0].split(" [Op:")[0]
    return message.splitlines()[-1]
