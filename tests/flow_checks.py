"""Shared checks every flow layer must pass (imported by the per-layer test files).

* round trip: ``|x - inverse(forward(x))| < 1e-4``;
* log-det: the layer's ``log_det`` equals ``log|det J|`` of the autodiff Jacobian (tf.GradientTape);
* TFP view: ``layer.bijector`` gives the same forward, inverse and log-det as the fast path;
* weights: Keras tracks exactly the trainable variables the layer creates, and every variable the TFP view
  touches is one of them (no invisible tf_keras weights);
* config: ``from_config(get_config())`` with the same weights computes the same map.
"""
import numpy as np
import tensorflow as tf


def perturb_weights(layer, scale=0.1, seed=0):
    """Moves every trainable weight away from its (often identity) initialisation, so checks are not
    trivially satisfied by an identity map."""
    rng = np.random.default_rng(seed)
    for w in layer.trainable_weights:
        w.assign(w.numpy() + scale * rng.standard_normal(w.shape).astype(w.dtype))


def check_round_trip(layer, x, atol=1e-4):
    y, _ = layer(x)
    x_back = layer.inverse(y)
    np.testing.assert_allclose(x_back.numpy(), np.asarray(x), atol=atol)
    return y


def autodiff_log_det(layer, x):
    """log|det df/dx| per example from the full Jacobian of the flattened map (float64 for accuracy)."""
    x = tf.convert_to_tensor(x)
    out = []
    for b in range(x.shape[0]):
        xb = x[b : b + 1]
        with tf.GradientTape() as tape:
            tape.watch(xb)
            yb, _ = layer(xb)
            yb = tf.reshape(yb, [-1])
        jac = tape.jacobian(yb, xb)
        jac = tf.reshape(jac, [yb.shape[0], -1])
        _, logabsdet = np.linalg.slogdet(jac.numpy().astype(np.float64))
        out.append(logabsdet)
    return np.array(out)


def check_log_det(layer, x, atol=1e-3):
    _, log_det = layer(x)
    np.testing.assert_allclose(log_det.numpy(), autodiff_log_det(layer, x), atol=atol, rtol=1e-4)


def check_bijector_agrees(layer, x, atol=1e-4):
    y, log_det = layer(x)
    bij = layer.bijector
    np.testing.assert_allclose(bij.forward(x).numpy(), y.numpy(), atol=atol)
    np.testing.assert_allclose(bij.inverse(y).numpy(), np.asarray(x), atol=atol)
    fldj = bij.forward_log_det_jacobian(x, event_ndims=layer.event_ndims)
    np.testing.assert_allclose(np.broadcast_to(fldj.numpy(), log_det.shape), log_det.numpy(), atol=atol, rtol=1e-5)


def check_variables(layer, x, expected_trainable):
    """Keras sees ``expected_trainable`` trainable variables, and the TFP view uses only those."""
    assert len(layer.trainable_weights) == expected_trainable, [w.path for w in layer.trainable_weights]
    with tf.GradientTape() as tape:
        layer.bijector.forward_log_det_jacobian(x, event_ndims=layer.event_ndims)
        layer.bijector.forward(x)
    keras_ids = {id(v.value) if hasattr(v, "value") else id(v) for v in layer.weights}
    keras_refs = {v.value.ref() for v in layer.weights}
    for v in tape.watched_variables():
        assert v.ref() in keras_refs or id(v) in keras_ids, f"TFP view uses a variable Keras does not track: {v.name}"


def check_config_round_trip(layer, x):
    clone = type(layer).from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    for a, b in zip(clone(x), layer(x)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def check_flow_layer(layer, x, expected_trainable, log_det_atol=1e-3):
    """All the checks above on one layer and input batch."""
    x = tf.convert_to_tensor(x, tf.float32)
    layer(x)  # build
    perturb_weights(layer)
    check_round_trip(layer, x)
    check_log_det(layer, x, atol=log_det_atol)
    check_bijector_agrees(layer, x)
    check_variables(layer, x, expected_trainable)
    check_config_round_trip(layer, x)
