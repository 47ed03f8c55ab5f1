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
"""
import json

import numpy as np
import tensorflow as tf


def decode_request(body, input_specs):
    """A predict body (JSON text or dict) -> ({input name: tf.Tensor}, row_format).

    Args:
      input_specs: {name: tf.TensorSpec} of the signature, e.g. ``signature.structured_input_signature[1]``.
    """
    body = json.loads(body) if isinstance(body, (str, bytes)) else body
    if not isinstance(body, dict) or ("instances" in body) == ("inputs" in body):
        raise ValueError('a predict body is a JSON object with exactly one of "instances" (row format) '
                         'or "inputs" (columnar)')
    names = sorted(input_specs)
    row_format = "instances" in body
    if row_format:
        instances = body["instances"]
        if not isinstance(instances, list) or not instances:
            raise ValueError('"instances" must be a non-empty list with one entry per example')
        if len(names) == 1 and not all(isinstance(entry, dict) for entry in instances):
            values = {names[0]: instances}
        else:
            for entry in instances:
                if not isinstance(entry, dict) or sorted(entry) != names:
                    raise ValueError(f"each instance must be an object with the inputs {names}, got {entry!r:.80}")
            values = {name: [entry[name] for entry in instances] for name in names}
    else:
        values = body["inputs"]
        if len(names) == 1 and not isinstance(values, dict):
            values = {names[0]: values}
        if not isinstance(values, dict) or sorted(values) != names:
            raise ValueError(f'"inputs" must be an object with the inputs {names}')
    tensors = {name: tf.constant(np.array(values[name], dtype=input_specs[name].dtype.as_numpy_dtype))
               for name in names}
    return tensors, row_format


def encode_response(outputs, row_format):
    """{output name: tensor} -> the JSON-ready answer of TF Serving."""
    outputs = {name: as_json_value(value.numpy()) for name, value in outputs.items()}
    if not row_format:
        return {"outputs": next(iter(outputs.values())) if len(outputs) == 1 else outputs}
    if len(outputs) == 1:
        return {"predictions": next(iter(outputs.values()))}
    sizes = {len(value) for value in outputs.values()}
    if len(sizes) != 1:
        raise ValueError("a row-format answer needs every output to have the same batch size; use \"inputs\"")
    return {"predictions": [{name: value[i] for name, value in outputs.items()} for i in range(sizes.pop())]}


def as_json_value(array):
    """numpy -> nested lists of Python numbers / str (TF Serving returns strings as text)."""
    if array.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(array).tolist()
    return array.tolist()


def predict(loaded, body):
    """``POST /v1/models/<name>:predict`` with ``body`` against ``tf.saved_model.load(...)`` -> answer dict."""
    body = json.loads(body) if isinstance(body, (str, bytes)) else body
    name = body.get("signature_name", "serving_default")
    if name not in loaded.signatures:
        raise KeyError(f"no signature {name!r}; the model has {sorted(loaded.signatures)}")
    signature = loaded.signatures[name]
    tensors, row_format = decode_request(body, signature.structured_input_signature[1])
    return encode_response(signature(**tensors), row_format)
