"""Checks for nfzoo flow layers, shipped with the package (as TFP ships its bijector test utilities) so that
anyone can run them on their own `FlowLayer`:

    import functools
    from nfzoo.bijectors import Coupling
    from nfzoo.testing import check_flow_layer

    check_flow_layer(functools.partial(Coupling, hidden=8), x)   # x: a small batch [N, *event_shape]

`check_flow_layer` builds the layer in float64 (``layer_factory(dtype="float64")``), moves every trainable weight
away from its initialisation (a fresh flow is often the identity, which passes everything), and runs:

* round trip: ``inverse(forward(x)) = x``;
* log-det: the layer's ``log_det`` is ``log|det J|`` of the autodiff Jacobian;
* TFP view: ``layer.bijector`` gives the fast path's forward, inverse and log-det, and ``ildj(y) = -log_det``;
* batch axes: the view on ``[2, N, *event]`` and on one event ``[*event]`` agrees with the fast path;
* variables: every trainable weight reaches the output; the view lists exactly the layer's trainable variables
  and reads nothing Keras does not track;
* config: ``from_config(get_config())`` with the same weights computes the same map;
* float32: the float32 layer with the same weights agrees with the float64 one;
* extremes: inputs scaled by ``extreme_scale`` give finite outputs that invert (``out_of_domain`` inputs, for a
  layer with a restricted domain, raise a clear error);
* live view: a view and a ``TransformedDistribution`` built before a weight change follow it; gradients of
  ``log_prob`` through the view reach every trainable weight, equal the fast path's and match central finite
  differences; one optimizer step on the distribution's ``log_prob`` changes the weights.

Each check is also a function of its own, taking a built layer. Failures raise AssertionError naming the check.
A conditional layer (``layer(x, context=c)``) takes ``context=c`` everywhere. Tolerances are for float64.
TFP's own ``bijector_test_util`` is not part of the TFP wheel; these checks cover its bijectivity, finiteness
and log-det consistency assertions.
"""
import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

tfd = tfp.distributions


def perturb_weights(layer, scale=0.1, seed=0):
    """Adds ``scale`` x standard normal noise to every trainable weight of ``layer`` (a layer or model)."""
    rng = np.random.default_rng(seed)
    for w in layer.trainable_weights:
        w.assign(w.numpy() + scale * rng.standard_normal(w.shape).astype(w.dtype))


def autodiff_log_det(layer, x, context=None):
    """log|det dy/dx| per example from the autodiff Jacobian of ``layer(x)[0]`` (any callable returning
    ``(y, ...)`` that maps each example on its own), the determinant in float64."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reshape(_call(layer, x, context)[0], [x.shape[0], -1])
    jacobian = tf.reshape(tape.batch_jacobian(y, x), [x.shape[0], y.shape[1], -1])
    return np.linalg.slogdet(jacobian.numpy().astype(np.float64))[1]


def check_round_trip(layer, x, context=None, atol=1e-6):
    """``layer.inverse(layer(x)[0]) = x``."""
    y, _ = _call(layer, x, context)
    _close(_inverse(layer, y, context), x, atol, "round trip: inverse(forward(x)) != x")


def check_log_det(layer, x, context=None, atol=1e-6):
    """The layer's log-det equals log|det J| of the autodiff Jacobian."""
    _close(_call(layer, x, context)[1], autodiff_log_det(layer, x, context), atol,
           "log-det: layer's log_det != log|det J| of the autodiff Jacobian")


def check_view_agrees(layer, x, context=None, atol=1e-6):
    """``layer.bijector``'s forward, inverse, forward and inverse log-det equal the fast path's."""
    y, log_det = _call(layer, x, context)
    view, kwargs = layer.bijector, _condition(context)
    _close(view.forward(tf.identity(x), **kwargs), y, atol, "TFP view: forward != layer(x)")
    _close(view.inverse(tf.identity(y), **kwargs), x, atol, "TFP view: inverse(layer(x)) != x")
    fldj = view.forward_log_det_jacobian(tf.identity(x), event_ndims=layer.event_ndims, **kwargs)
    _close(np.broadcast_to(fldj, log_det.shape), log_det, atol, "TFP view: forward_log_det_jacobian != log_det")
    out_ndims = len(layer.output_event_shape(layer.event_shape))
    ildj = view.inverse_log_det_jacobian(tf.identity(y), event_ndims=out_ndims, **kwargs)
    _close(np.broadcast_to(ildj, log_det.shape), -log_det, atol, "TFP view: inverse_log_det_jacobian != -log_det")


def check_batch_axes(layer, x, context=None, atol=1e-6):
    """The view takes any number of leading batch axes: ``[2, N, *event]`` and a single event ``[*event]``."""
    x = tf.convert_to_tensor(x)
    view, kwargs, event_ndims = layer.bijector, _condition(context), layer.event_ndims
    halves = [_call(layer, t, context) for t in (x, 0.5 * x)]
    x2 = tf.stack([x, 0.5 * x])
    y2 = np.stack([h[0] for h in halves])
    _close(view.forward(x2, **kwargs), y2, atol, "batch axes: view.forward on [2, N, *event]")
    _close(view.inverse(tf.constant(y2), **kwargs), x2, atol, "batch axes: view.inverse on [2, N, *event]")
    fldj = view.forward_log_det_jacobian(x2, event_ndims=event_ndims, **kwargs)
    assert fldj.shape.rank == 0 or fldj.shape == (2, x.shape[0]), f"batch axes: log-det of shape {fldj.shape}"
    _close(np.broadcast_to(fldj, (2, x.shape[0])), np.stack([h[1] for h in halves]), atol,
           "batch axes: view.forward_log_det_jacobian on [2, N, *event]")
    one = {} if context is None else {"context": tf.reshape(context, [-1, context.shape[-1]])[0]}
    _close(view.forward(x[0], **one), halves[0][0][0], atol, "batch axes: view.forward on one event")
    fldj = view.forward_log_det_jacobian(x[0], event_ndims=event_ndims, **one)
    assert fldj.shape.rank == 0, f"batch axes: log-det of one event has shape {fldj.shape}, expected ()"
    _close(fldj, halves[0][1][0], atol, "batch axes: view.forward_log_det_jacobian on one event")


def check_variables(layer, x, context=None, expected_trainable=None):
    """Keras tracks ``expected_trainable`` trainable weights, each of which changes the output; the view lists
    exactly them in ``trainable_variables`` and reads no variable Keras does not track."""
    trainable = layer.trainable_weights
    if expected_trainable is not None:
        assert len(trainable) == expected_trainable, (
            f"variables: Keras tracks {len(trainable)} trainable weights, expected {expected_trainable}: "
            f"{[w.path for w in trainable]}")
    with tf.GradientTape() as tape:
        y, log_det = _call(layer, x, context)
        loss = tf.reduce_sum(y * _probe(y)) + tf.reduce_sum(log_det)
    unused = [w.path for w, g in zip(trainable, tape.gradient(loss, [w.value for w in trainable])) if g is None]
    assert not unused, f"variables: trainable weights that do not reach the output: {unused}"
    view, kwargs = layer.bijector, _condition(context)
    listed = {v.ref() for v in view.trainable_variables}
    assert listed == {w.value.ref() for w in trainable}, (
        f"variables: view.trainable_variables lists {sorted(v.name for v in view.trainable_variables)}, "
        f"the layer's trainable weights are {[w.path for w in trainable]}")
    with tf.GradientTape() as tape:
        view.forward(tf.identity(x), **kwargs)
        view.forward_log_det_jacobian(tf.identity(x), event_ndims=layer.event_ndims, **kwargs)
        view.inverse(tf.identity(y), **kwargs)
    tracked = {w.value.ref() for w in layer.weights}
    hidden = [v.name for v in tape.watched_variables() if v.ref() not in tracked]
    assert not hidden, f"variables: the view reads variables Keras does not track: {hidden}"


def check_config_round_trip(layer, x, context=None):
    """``from_config(get_config())`` with the same weights computes the same map."""
    clone = type(layer).from_config(layer.get_config())
    _call(clone, x, context)
    clone.set_weights(layer.get_weights())
    for a, b in zip(_call(clone, x, context), _call(layer, x, context)):
        np.testing.assert_array_equal(a, b, err_msg="config: from_config(get_config()) computes another map")


def check_float32_agrees(layer, x, context=None, rtol=1e-4):
    """The layer rebuilt in float32 with the same weights agrees with ``layer`` (float64) to float32 accuracy."""
    twin = type(layer).from_config({**layer.get_config(), "dtype": "float32"})
    x32 = tf.cast(x, tf.float32)
    context32 = None if context is None else tf.cast(context, tf.float32)
    _call(twin, x32, context32)
    twin.set_weights([np.asarray(w).astype(v.dtype) for w, v in zip(layer.get_weights(), twin.weights)])
    y, log_det = _call(layer, x, context)
    y32, log_det32 = _call(twin, x32, context32)
    assert y32.dtype == tf.float32 and log_det32.dtype == tf.float32, "float32: the float32 layer computes in float64"
    for got, want, what in [(y32, y, "forward"), (log_det32, log_det, "log_det"),
                            (_inverse(twin, tf.cast(y, tf.float32), context32), x, "inverse")]:
        _close(got, want, rtol * (1.0 + np.abs(np.asarray(want)).max()), f"float32: {what} differs from float64")


def check_extreme_inputs(layer, x, context=None, scale=1e3, rtol=1e-6):
    """Inputs ``scale * x`` (and outputs ``scale * y``) map to finite values; with ``rtol`` set, the far inputs
    also invert to within ``rtol`` of their size (None: finiteness only, for a layer that is numerically flat
    far out, such as a saturated neural autoregressive flow)."""
    for what, big, there in [
        ("forward", scale * tf.convert_to_tensor(x), lambda t: _call(layer, t, context)),
        ("inverse", scale * _call(layer, x, context)[0], lambda t: (_inverse(layer, t, context), None)),
    ]:
        out, log_det = there(big)
        finite = np.all(np.isfinite(out)) and (log_det is None or np.all(np.isfinite(log_det)))
        assert finite, f"extremes: {what} of inputs scaled by {scale:g} is not finite"
        if what == "forward" and rtol is not None:
            tolerance = rtol * np.abs(np.asarray(big)).max()
            _close(_inverse(layer, out, context), big, tolerance, f"extremes: round trip of inputs scaled by {scale:g}")


def check_out_of_domain(layer, x, context=None):
    """``layer(x)`` on inputs outside its domain raises one clear error (ValueError or InvalidArgumentError)."""
    try:
        _call(layer, x, context)
    except (ValueError, tf.errors.InvalidArgumentError) as error:
        return str(error)
    raise AssertionError("out of domain: the layer accepted inputs outside its domain without an error")


def check_live_view(layer, x, context=None, atol=1e-6, seed=0, step=1e-6):
    """A view and ``TransformedDistribution(N(0, I), view)`` built once follow a later weight change; gradients
    of log_prob through the view reach every trainable weight, equal the fast path's and match central finite
    differences along a random direction; an optimizer step on -log_prob changes the weights."""
    kwargs = _condition(context)
    view = layer.bijector
    base = tfd.Sample(tfd.Normal(tf.constant(0.0, x.dtype), 1.0), sample_shape=layer.event_shape)
    dist = tfd.TransformedDistribution(base, view)
    weights = layer.trainable_weights
    perturb_weights(layer, scale=0.05, seed=seed + 1)  # the change, after the view and the distribution exist
    y, _ = _call(layer, x, context)
    _close(view.forward(tf.identity(x), **kwargs), y, atol, "live view: a view built before a weight change")
    if not weights:
        return

    def log_prob():
        return tf.reduce_sum(dist.log_prob(tf.identity(y), bijector_kwargs=kwargs))

    variables = [w.value for w in weights]
    with tf.GradientTape(persistent=True) as tape:
        view_log_prob = log_prob()
        x_back = _inverse(layer, y, context)
        fast_log_prob = tf.reduce_sum(base.log_prob(x_back) - _call(layer, x_back, context)[1])
    _close(view_log_prob, fast_log_prob, atol, "live view: TransformedDistribution.log_prob != the fast path's")
    view_grads, fast_grads = tape.gradient(view_log_prob, variables), tape.gradient(fast_log_prob, variables)
    missing = [w.path for w, g in zip(weights, view_grads) if g is None]
    assert not missing, f"live view: no gradient through the view to {missing}"
    for w, g_view, g_fast in zip(weights, view_grads, fast_grads):
        _close(g_view, g_fast, atol * (1.0 + np.abs(np.asarray(g_fast)).max()), f"live view: gradient for {w.path}")
    rng = np.random.default_rng(seed + 2)
    direction = [rng.standard_normal(w.shape).astype(w.dtype) for w in weights]
    directional = sum(float(tf.reduce_sum(g * d)) for g, d in zip(view_grads, direction))
    start = [w.numpy() for w in weights]
    values = []
    for sign in (1.0, -1.0):
        for w, w0, d in zip(weights, start, direction):
            w.assign(w0 + sign * step * d)
        values.append(float(log_prob()))
    for w, w0 in zip(weights, start):
        w.assign(w0)
    finite_difference = (values[0] - values[1]) / (2.0 * step)
    assert abs(directional - finite_difference) <= 1e-5 * (1.0 + abs(finite_difference)), (
        f"live view: d log_prob along a random direction: autodiff {directional:.8g}, "
        f"finite differences {finite_difference:.8g}")
    optimizer = keras.optimizers.SGD(learning_rate=1e-2)
    with tf.GradientTape() as tape:
        loss = -log_prob()
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), weights))
    moved = [not np.array_equal(w.numpy(), w0) for w, w0 in zip(weights, start)]
    assert any(moved), "live view: an optimizer step on the distribution's log_prob left every weight unchanged"
    new_x = _inverse(layer, y, context)
    _close(log_prob(), tf.reduce_sum(base.log_prob(new_x) - _call(layer, new_x, context)[1]), atol,
           "live view: the distribution built once does not follow the optimizer step")


def check_flow_layer(layer_factory, x, *, context=None, expected_trainable=None, dtype="float64",
                     perturb_scale=0.1, seed=0, extreme_scale=1e3, extreme_rtol=1e-6, out_of_domain=None, atol=1e-6):
    """Runs every check of this module on a layer built by ``layer_factory``; returns the layer.

    Args:
      layer_factory: ``layer_factory(dtype=...)`` -> a new, unbuilt `FlowLayer` (a class or a
        ``functools.partial`` of one).
      x: a small batch ``[N, *event_shape]`` inside the layer's domain (N >= 2 keeps it fast and meaningful).
      context: the conditioning input of a conditional layer (``[1, C]`` or ``[N, C]``), else None.
      expected_trainable: the number of trainable weights Keras must see (None: not checked).
      dtype: the dtype the checks run in; float64 makes the tolerances tight.
      perturb_scale: std of the noise added to every trainable weight before the checks.
      seed: seeds the weight noise and the random directions.
      extreme_scale: inputs ``extreme_scale * x`` must map to finite values (None: skip).
      extreme_rtol: ... and invert to within this fraction of their size (None: finiteness only).
      out_of_domain: a batch outside the layer's domain that must raise a clear error (None: skip).
      atol: absolute tolerance of the float64 comparisons.
    """
    layer = layer_factory(dtype=dtype)
    x = tf.cast(x, dtype)
    context = None if context is None else tf.cast(context, dtype)
    _call(layer, x, context)  # builds
    perturb_weights(layer, scale=perturb_scale, seed=seed)
    check_round_trip(layer, x, context, atol)
    check_log_det(layer, x, context, atol)
    check_view_agrees(layer, x, context, atol)
    check_batch_axes(layer, x, context, atol)
    check_variables(layer, x, context, expected_trainable)
    check_config_round_trip(layer, x, context)
    check_float32_agrees(layer, x, context)
    if extreme_scale is not None:
        check_extreme_inputs(layer, x, context, extreme_scale, extreme_rtol)
    if out_of_domain is not None:
        check_out_of_domain(layer, tf.cast(out_of_domain, dtype), context)
    check_live_view(layer, x, context, atol, seed)
    return layer


def _call(layer, x, context):
    return layer(x) if context is None else layer(x, context=context)


def _inverse(layer, y, context):
    return layer.inverse(y) if context is None else layer.inverse(y, context=context)


def _condition(context):
    return {} if context is None else {"context": context}


def _probe(t):
    """Fixed weights in [0.5, 2.5] for a scalar summary of ``t`` (so no part of the output can cancel out)."""
    weights = tf.sin(tf.range(tf.size(t), dtype=tf.float32) * 1.7 + 0.3) + 1.5
    return tf.reshape(tf.cast(weights, t.dtype), tf.shape(t))


def _close(actual, desired, atol, message):
    try:
        np.testing.assert_allclose(np.asarray(actual), np.asarray(desired), rtol=1e-6, atol=atol)
    except AssertionError as error:
        raise AssertionError(f"{message}{error}") from None
