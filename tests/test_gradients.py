"""mlnotes.gradients against TensorFlow, finite differences and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlnotes import gradients
from mlnotes.tf_env import tf

FINITE = st.floats(-3.0, 3.0, allow_nan=False)


def central_difference(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Jacobian of f: R^n -> R^m by central differences, float64."""
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


# ----------------------------------------------------------------- input_derivatives
@pytest.mark.parametrize(
    ("fn", "derivs"),
    [
        (tf.sin, [np.sin, np.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)]),
        (tf.exp, [np.exp] * 4),
        (tf.tanh, [np.tanh, lambda x: 1 - np.tanh(x) ** 2,
                   lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
                   lambda x: -2 * (1 - np.tanh(x) ** 2) ** 2 + 4 * np.tanh(x) ** 2 * (1 - np.tanh(x) ** 2)]),
        (lambda x: x**3, [lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6 + 0 * x]),
    ],
)
def test_input_derivatives_match_closed_forms(fn, derivs):
    x = np.linspace(-2, 2, 41)
    got = gradients.input_derivatives(fn, x, order=3)
    assert len(got) == 4
    for g, d in zip(got, derivs, strict=True):
        np.testing.assert_allclose(g, d(x), rtol=1e-10, atol=1e-10)


def test_input_derivatives_of_a_model_match_finite_differences():
    model = gradients.make_mlp(1, 1, hidden=(16, 16), activation="tanh", seed=3)
    x = np.linspace(-1.5, 1.5, 9, dtype=np.float32)[:, None]
    value, first, second = gradients.input_derivatives(model, x, order=2)
    assert value.shape == first.shape == second.shape == (9, 1)

    def f64(z):
        return model(z.astype(np.float32)).numpy().astype(np.float64)

    h = 1e-2  # float32 model: a larger step keeps rounding error below truncation error
    fd1 = (f64(x + h) - f64(x - h)) / (2 * h)
    fd2 = (f64(x + h) - 2 * f64(x) + f64(x - h)) / h**2
    np.testing.assert_allclose(first, fd1, atol=2e-3)
    np.testing.assert_allclose(second, fd2, atol=2e-2)


def test_relu_network_second_derivative_is_zero_not_none():
    model = gradients.make_mlp(1, 1, hidden=(8,), activation="relu", seed=0)
    x = np.linspace(-1, 1, 11, dtype=np.float32)[:, None]
    _, first, second = gradients.input_derivatives(model, x, order=2)
    assert np.all(second == 0.0)
    assert np.any(first != 0.0)


def test_input_derivatives_order_zero_returns_values():
    (value,) = gradients.input_derivatives(tf.sin, np.array([0.5]), order=0)
    np.testing.assert_allclose(value, np.sin([0.5]))


@settings(max_examples=25, deadline=None)
@given(coeffs=arrays(np.float64, 4, elements=FINITE), x=arrays(np.float64, 5, elements=FINITE))
def test_input_derivatives_of_polynomials_are_exact(coeffs, x):
    poly = np.polynomial.Polynomial(coeffs)

    def horner(t):  # not t**k: TensorFlow's pow gradient is NaN at t = 0 for k = 0
        out = tf.zeros_like(t) + coeffs[-1]
        for c in coeffs[-2::-1]:
            out = out * t + c
        return out

    got = gradients.input_derivatives(horner, x, order=3)
    for k in range(4):
        np.testing.assert_allclose(got[k], poly.deriv(k)(x), rtol=1e-9, atol=1e-9)


def test_input_derivatives_bad_inputs():
    with pytest.raises(TypeError, match="f must be callable"):
        gradients.input_derivatives(3.0, np.zeros(3))
    with pytest.raises(ValueError, match="x must have shape"):
        gradients.input_derivatives(tf.sin, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="x must be finite"):
        gradients.input_derivatives(tf.sin, np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="order must lie in"):
        gradients.input_derivatives(tf.sin, np.zeros(3), order=-1)
    with pytest.raises(TypeError, match="order must be an integer"):
        gradients.input_derivatives(tf.sin, np.zeros(3), order=1.5)
    with pytest.raises(ValueError, match="one value per input element"):
        gradients.input_derivatives(lambda t: tf.reduce_sum(t), np.zeros(3))
    with pytest.raises(TypeError, match="x must be a numeric array"):
        gradients.input_derivatives(tf.sin, "abc")


# ------------------------------------------------------------------------- jacobian
def _affine_tanh(w: np.ndarray, b: np.ndarray):
    wt, bt = tf.constant(w), tf.constant(b)
    return lambda v: tf.tanh(tf.linalg.matvec(wt, v) + bt)


@pytest.mark.parametrize("method", ["loop", "vectorized"])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (3, 5), (7, 2)])
def test_jacobian_matches_closed_form_and_finite_differences(method, m, n):
    rng = np.random.default_rng(m * 10 + n)
    w, b, x = rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n)
    f = _affine_tanh(w, b)
    got = gradients.jacobian(f, x, method=method)
    exact = (1 - np.tanh(w @ x + b) ** 2)[:, None] * w
    np.testing.assert_allclose(got, exact, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got, central_difference(lambda v: f(tf.constant(v)).numpy(), x), atol=1e-7)


def test_jacobian_of_keras_model_all_methods_agree_with_tape_jacobian():
    model = gradients.make_mlp(6, 4, hidden=(16,), activation="tanh", seed=2)
    xb = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    batch = gradients.jacobian(model, xb, method="batch")
    assert batch.shape == (5, 4, 6)
    for k in range(5):
        single = lambda v: model(v[None])[0]  # noqa: E731
        loop = gradients.jacobian(single, xb[k], method="loop")
        vec = gradients.jacobian(single, xb[k], method="vectorized")
        x = tf.constant(xb[k])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = single(x)
        reference = tape.jacobian(y, x).numpy()
        for got in (loop, vec, batch[k]):
            np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_gradient_of_vector_output_is_column_sum_of_jacobian():
    rng = np.random.default_rng(1)
    f = _affine_tanh(rng.standard_normal((4, 3)), rng.standard_normal(4))
    x = tf.constant(rng.standard_normal(3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    summed = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(summed, gradients.jacobian(f, x.numpy()).sum(axis=0), rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(w=arrays(np.float64, (3, 4), elements=FINITE), x=arrays(np.float64, 4, elements=FINITE))
def test_jacobian_of_linear_map_is_the_matrix(w, x):
    wt = tf.constant(w)
    got = gradients.jacobian(lambda v: tf.linalg.matvec(wt, v), x, method="loop")
    np.testing.assert_allclose(got, w, rtol=0, atol=1e-12)


def test_jacobian_bad_inputs():
    with pytest.raises(ValueError, match="method must be one of"):
        gradients.jacobian(tf.sin, np.zeros(3), method="forward")
    with pytest.raises(ValueError, match="x must have 1 dimension"):
        gradients.jacobian(tf.sin, np.zeros((2, 3)), method="loop")
    with pytest.raises(ValueError, match="x must have 2 dimension"):
        gradients.jacobian(tf.sin, np.zeros(3), method="batch")
    with pytest.raises(ValueError, match=r"f must return a tensor of shape \(m,\)"):
        gradients.jacobian(lambda v: tf.reduce_sum(v), np.zeros(3), method="vectorized")
    with pytest.raises(ValueError, match="x must be finite"):
        gradients.jacobian(tf.sin, np.array([np.inf, 0.0]))


# -------------------------------------------------------------------- maximize_input
def _concave(center: float):
    """f(x, y) = -(y - center - x)^2 + x: maximum at y = x + center."""
    return lambda z: -tf.square(z[:, 1] - center - z[:, 0]) + z[:, 0]


def test_maximize_input_finds_interior_maximum():
    result = gradients.maximize_input(_concave(0.3), 0.5, -2.0, steps=400, learning_rate=0.1)
    assert result.converged, result.message
    np.testing.assert_allclose(result.y, [0.8], atol=1e-4)
    np.testing.assert_allclose(result.value, 0.5, atol=1e-6)
    assert result.history["value"].shape == (401, 1)
    assert np.all(np.diff(result.history["value"][:, 0]) >= -1e-6)  # ascent never goes down on a concave f


def test_maximize_input_respects_bounds_and_stops_at_the_boundary():
    result = gradients.maximize_input(_concave(0.3), 0.5, 0.0, bounds=(-1.0, 0.2), steps=200, n_starts=4)
    assert result.converged, result.message
    np.testing.assert_allclose(result.y, [0.2], atol=1e-6)
    assert "bound" in result.message
    assert np.all(result.finals >= -1.0) and np.all(result.finals <= 0.2)


def test_maximize_input_several_starts_escape_a_local_maximum():
    # two bumps in y: a low one at -1, the global one at +1.5
    def f(z):
        y = z[:, 1]
        return 0.5 * tf.exp(-4 * tf.square(y + 1.0)) + tf.exp(-4 * tf.square(y - 1.5))

    single = gradients.maximize_input(f, 0.0, -1.2, steps=300, learning_rate=0.1)
    multi = gradients.maximize_input(f, 0.0, -1.2, bounds=(-3.0, 3.0), steps=300, learning_rate=0.1,
                                     n_starts=8)
    np.testing.assert_allclose(single.y, [-1.0], atol=1e-3)
    np.testing.assert_allclose(multi.y, [1.5], atol=1e-3)
    assert multi.value > single.value


def test_maximize_input_reports_an_unbounded_problem():
    result = gradients.maximize_input(lambda z: z[:, 0] + 2.0 * z[:, 1], 1.0, 0.0, steps=100,
                                      learning_rate=0.1)
    assert not result.converged
    assert "no maximum" in result.message
    np.testing.assert_allclose(result.y, [20.0], rtol=1e-5)  # 100 steps of 0.1 * gradient 2


def test_maximize_input_bad_inputs():
    f = _concave(0.0)
    with pytest.raises(ValueError, match="low <= high"):
        gradients.maximize_input(f, 0.0, 0.0, bounds=(1.0, -1.0))
    with pytest.raises(TypeError, match="bounds must be a pair"):
        gradients.maximize_input(f, 0.0, 0.0, bounds=1.0)
    with pytest.raises(ValueError, match="y0 must be finite"):
        gradients.maximize_input(f, 0.0, np.nan)
    with pytest.raises(ValueError, match="learning_rate must lie in"):
        gradients.maximize_input(f, 0.0, 0.0, learning_rate=0.0)
    with pytest.raises(ValueError, match="n_starts must lie in"):
        gradients.maximize_input(f, 0.0, 0.0, n_starts=0)
    with pytest.raises(TypeError, match="f must be callable"):
        gradients.maximize_input(None, 0.0, 0.0)


# ------------------------------------------------------------- round_ste, soft_step
def test_round_ste_forward_is_tf_round_and_gradient_is_identity():
    x = tf.constant([-1.5, -0.4, 0.5, 0.6, 2.5, 3.49])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = gradients.round_ste(x)
        loss = tf.reduce_sum(y * tf.range(1.0, 7.0))
    np.testing.assert_array_equal(y.numpy(), tf.round(x).numpy())
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), np.arange(1.0, 7.0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        raw = tf.reduce_sum(tf.round(x))
    assert tape.gradient(raw, x) is None  # the reason the estimator exists


@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.01, 100.0), x=arrays(np.float64, 20, elements=st.floats(-50, 50)))
def test_soft_step_slope_never_exceeds_max_slope(k, x):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = gradients.soft_step(xt, k)
    slope = tape.gradient(y, xt).numpy()
    assert np.all(slope <= k * (1 + 1e-12))
    assert np.all((y.numpy() >= 0) & (y.numpy() <= 1))
    np.testing.assert_allclose(gradients.soft_step(np.zeros(1), k).numpy(), [0.5])


def test_soft_step_slope_reaches_max_slope_at_zero():
    x = tf.constant([0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = gradients.soft_step(x, 3.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.0])


def test_round_ste_and_soft_step_bad_inputs():
    with pytest.raises(ValueError, match="max_slope must lie in"):
        gradients.soft_step([0.0], 0.0)
    with pytest.raises(TypeError, match="max_slope must be a real number"):
        gradients.soft_step([0.0], "steep")
    with pytest.raises(TypeError, match="x must be a floating tensor"):
        gradients.round_ste(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="x must be finite"):
        gradients.round_ste([np.nan])


# ----------------------------------------------------------------- training helpers
def test_train_with_sobolev_loss_reduces_both_errors():
    x = tf.constant(np.linspace(-2, 2, 16, dtype=np.float32)[:, None])
    model = gradients.make_mlp(1, 1, hidden=(16,), activation="tanh", seed=0)
    history = gradients.train(
        model, lambda: gradients.sobolev_loss(model, x, tf.sin(x), tf.cos(x), 1.0), steps=300,
        learning_rate=1e-2
    )["loss"]
    assert history.shape == (300,)
    assert history[-1] < 0.05 * history[0]


def test_input_gradient_penalty_flattens_the_model():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.standard_normal((64, 2)).astype(np.float32))
    y = tf.constant((x.numpy()[:, :1] > 0).astype(np.float32))
    norms = {}
    for weight in (0.0, 1.0):
        model = gradients.make_mlp(2, 1, hidden=(16,), seed=0)
        gradients.train(model, lambda m=model, w=weight: gradients.input_gradient_penalty_loss(m, x, y, w),
                        steps=200, learning_rate=1e-2)
        jac = gradients.jacobian(model, x.numpy(), method="batch")
        norms[weight] = float(np.mean(np.linalg.norm(jac, axis=(1, 2))))
    assert norms[1.0] < norms[0.0]


def test_make_mlp_and_train_bad_inputs():
    with pytest.raises(ValueError, match="n_inputs must lie in"):
        gradients.make_mlp(0, 1)
    with pytest.raises(ValueError):
        gradients.make_mlp(1, 1, activation="no-such-activation")
    model = gradients.make_mlp(1, 1)
    with pytest.raises(ValueError, match="steps must lie in"):
        gradients.train(model, lambda: tf.constant(0.0), steps=0)
    with pytest.raises(TypeError, match="loss must be callable"):
        gradients.train(model, 1.0, steps=1)
    with pytest.raises(TypeError, match="model must be a Keras model or a sequence of tf.Variable"):
        gradients.train([1.0], lambda: tf.constant(0.0), steps=1)


def test_train_accepts_variables_and_leaves_disconnected_ones_unchanged():
    w, frozen = tf.Variable(3.0), tf.Variable(-1.0)
    history = gradients.train([w, frozen], lambda: tf.square(w - 1.0) + tf.cast(frozen > 0, tf.float32),
                              steps=400, learning_rate=0.05)["loss"]
    assert abs(w.numpy() - 1.0) < 1e-2 and history[-1] < history[0]
    assert frozen.numpy() == -1.0


# ------------------------------------------------------------- unconnected outputs, finiteness
@pytest.mark.parametrize("method", ["loop", "vectorized"])
def test_jacobian_of_outputs_that_ignore_x_is_zero(method):
    def f(v):  # first output ignores v entirely, second depends on v[0]
        return tf.stack([tf.constant(2.0, tf.float64), 3.0 * v[0]])

    got = gradients.jacobian(f, np.array([0.5, -1.0]), method=method)
    np.testing.assert_array_equal(got, [[0.0, 0.0], [3.0, 0.0]])
    const = gradients.jacobian(lambda v: tf.ones(3, tf.float64), np.zeros(2), method=method)
    np.testing.assert_array_equal(const, np.zeros((3, 2)))


def test_batch_jacobian_of_a_constant_is_zero():
    got = gradients.jacobian(lambda v: tf.ones((4, 3), tf.float64), np.zeros((4, 2)), method="batch")
    np.testing.assert_array_equal(got, np.zeros((4, 3, 2)))


def test_compiled_jacobian_does_no_eager_forward_pass():
    calls = []

    def f(v):
        calls.append(tf.inside_function())
        return tf.sin(v)

    x = np.linspace(0.0, 1.0, 3)
    for _ in range(3):
        np.testing.assert_allclose(gradients.jacobian(f, x), np.diag(np.cos(x)), rtol=1e-12)
    assert calls == [True]  # traced once, never run eagerly, never retraced


def test_backward_probe_counts_backward_passes():
    x = np.array([0.3, -0.7, 1.1])
    probe = gradients.BackwardProbe()
    loop = gradients.jacobian(lambda v: tf.sin(probe(v)), x, method="loop")
    assert probe.calls == [False] * 3  # one eager backward pass per output row
    probe.reset()
    vec = gradients.jacobian(lambda v: tf.sin(probe(v)), x)
    assert probe.calls == [True]  # one traced pass, vectorised over the rows by pfor
    np.testing.assert_allclose(loop, np.diag(np.cos(x)), rtol=1e-12)
    np.testing.assert_allclose(vec, loop, rtol=1e-12)


# ------------------------------------------------------------------- clipped soft-sign
@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.01, 1e6), x=arrays(np.float64, 20, elements=st.floats(-50, 50)))
def test_clipped_soft_sign_matches_the_askers_formula_and_its_slope(k, x):
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = gradients.clipped_soft_sign(xt, k)
    asker = np.clip(0.5 * (1 + k * x / (1 + k * np.abs(x))), 0, 1)
    np.testing.assert_allclose(y.numpy(), asker, rtol=1e-12, atol=1e-15)
    slope = tape.gradient(y, xt).numpy()
    # the tape differentiates x / (1/k + |x|), which cancels a few digits for large k|x|
    np.testing.assert_allclose(slope, k / (2 * (1 + k * np.abs(x)) ** 2), rtol=1e-6, atol=1e-300)
    assert np.all(slope <= k / 2 * (1 + 1e-12))


def test_clipped_soft_sign_maximum_slope_is_half_k_and_tails_are_slow():
    x = tf.constant([0.0, 10.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = gradients.clipped_soft_sign(x, 4.0)
    np.testing.assert_allclose(tape.gradient(y, x).numpy()[0], 2.0)  # k/2, not k
    np.testing.assert_allclose(1 - y.numpy()[1], 1 / (2 * (1 + 40.0)), rtol=1e-5)
    np.testing.assert_allclose(1 - gradients.soft_step(np.array([10.0]), 2.0).numpy(), [0.0], atol=1e-30)


@pytest.mark.parametrize("fn", [gradients.soft_step, gradients.clipped_soft_sign])
def test_step_surrogates_at_extreme_slopes_stay_finite(fn):
    x = np.array([-1.0, -1e-300, 0.0, 1e-300, 1.0])
    big = 1e308 if fn is gradients.soft_step else 4e307
    y = fn(x, big).numpy()
    assert np.all(np.isfinite(y))
    np.testing.assert_array_equal(y[[0, 2, 4]], [0.0, 0.5, 1.0])
    tiny = fn(x, 1e-300).numpy()
    np.testing.assert_allclose(tiny, 0.5, atol=1e-15)


# ----------------------------------------------------------------------- bad inputs
_M1 = None


def _model_1d():
    global _M1
    if _M1 is None:
        _M1 = gradients.make_mlp(1, 1, hidden=(4,), seed=0)
    return _M1


def _model_2d():
    return gradients.make_mlp(2, 1, hidden=(4,), seed=0)


_col = np.zeros((5, 1))
_concave_f = _concave(0.0)
BAD_CALLS = [
    # input_derivatives
    (lambda: gradients.input_derivatives(np.sin, np.zeros(3)), TypeError, "TensorFlow tensor"),
    (lambda: gradients.input_derivatives(lambda t: tf.cast(t > 0, tf.int32), np.zeros(3)), TypeError,
     "floating"),
    (lambda: gradients.input_derivatives(tf.sin, np.zeros(0)), ValueError, "at least 1"),
    (lambda: gradients.input_derivatives(tf.sqrt, np.zeros(3)), ValueError,
     "derivative of order 1 must be finite"),
    (lambda: gradients.input_derivatives(lambda t: 1 / t, np.zeros(3), order=0), ValueError,
     r"f\(x\) must be finite"),
    # jacobian
    (lambda: gradients.jacobian(np.sin, np.zeros(2), method="loop"), TypeError, "TensorFlow tensor"),
    (lambda: gradients.jacobian(lambda v: np.sin(v), np.zeros(2)), TypeError, "TensorFlow operations"),
    (lambda: gradients.jacobian(tf.sqrt, np.zeros(2)), ValueError, "Jacobian must be finite"),
    (lambda: gradients.jacobian(lambda v: v[:0], np.zeros(2)), ValueError, "at least one output"),
    (lambda: gradients.jacobian(lambda v: v[:2], np.zeros((4, 2)), method="batch"), ValueError,
     "one row per row"),
    (lambda: gradients.jacobian(tf.sin, [[1.0, "a"]]), TypeError, "x must be a numeric array"),
    (lambda: gradients.jacobian(tf.sin, np.zeros(2), method=None), ValueError, "method must be one of"),
    # sobolev_loss
    (lambda: gradients.sobolev_loss(_model_1d(), _col, np.zeros(5), _col), ValueError,
     r"y must have shape \(5, 1\)"),
    (lambda: gradients.sobolev_loss(_model_1d(), _col, _col, np.zeros((4, 1))), ValueError,
     "dydx must have shape"),
    (lambda: gradients.sobolev_loss(_model_1d(), np.zeros((5, 2)), _col, _col), ValueError,
     "x must have shape"),
    (lambda: gradients.sobolev_loss(_model_1d(), _col, _col, _col, -1.0), ValueError,
     "derivative_weight"),
    (lambda: gradients.sobolev_loss(_model_1d(), _col, np.full((5, 1), np.nan), _col), ValueError,
     "y must be finite"),
    (lambda: gradients.sobolev_loss("model", _col, _col, _col), TypeError, "model must be callable"),
    (lambda: gradients.sobolev_loss(lambda t: tf.concat([t, t], 1), _col, _col, _col), ValueError,
     r"model\(x\) must have shape"),
    # input_gradient_penalty_loss
    (lambda: gradients.input_gradient_penalty_loss(_model_2d(), np.zeros((5, 2)), np.full((5, 1), 2.0)),
     ValueError, r"labels in \[0, 1\]"),
    (lambda: gradients.input_gradient_penalty_loss(_model_2d(), np.zeros((5, 2)), _col, -0.5), ValueError,
     "penalty_weight"),
    (lambda: gradients.input_gradient_penalty_loss(_model_2d(), np.zeros((5, 2)), np.zeros(5)), ValueError,
     r"y must have shape \(5, 1\)"),
    (lambda: gradients.input_gradient_penalty_loss(_model_2d(), np.zeros(5), _col), ValueError,
     "x must have 2 dimension"),
    # maximize_input
    (lambda: gradients.maximize_input(_concave_f, 0.5, []), ValueError, "y0 must have at least 1"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 0.0, seed="abc"), TypeError, "seed must be"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 0.0, seed=-1), ValueError, "seed must be"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 1e39), ValueError, "y0 must fit in float32"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, [0.0], bounds=([0.0, 1.0], 2.0)), ValueError,
     r"bounds\[0\] must be a scalar or have shape \(1,\)"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 0.0, bounds=(np.nan, 1.0)), ValueError, "NaN"),
    (lambda: gradients.maximize_input(lambda z: z, 0.5, 0.0, steps=2), ValueError, "one value per row"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 0.0, tol=0.0), ValueError, "tol must lie in"),
    (lambda: gradients.maximize_input(_concave_f, 0.5, 0.0, steps=2.5), TypeError,
     "steps must be an integer"),
    # train
    (lambda: gradients.train([tf.Variable(1.0)], lambda: tf.ones(3), steps=1), ValueError, "scalar"),
    (lambda: gradients.train([tf.Variable(1.0)], lambda: tf.constant(1.0), steps=1), ValueError,
     "reaches none"),
    (lambda: gradients.train([tf.Variable(1.0)], lambda: 1.0, steps=1), TypeError, "TensorFlow tensor"),
    (lambda: gradients.train([tf.Variable(1.0)], lambda: tf.constant(1.0), steps=1, learning_rate=-1.0),
     ValueError, "learning_rate"),
    # soft_step, clipped_soft_sign, round_ste, BackwardProbe
    (lambda: gradients.soft_step(tf.constant([0.0]), 1e39), ValueError, "max_slope must be at most"),
    (lambda: gradients.soft_step(tf.constant([1, 2]), 1.0), TypeError, "floating tensor"),
    (lambda: gradients.soft_step([np.inf], 1.0), ValueError, "x must be finite"),
    (lambda: gradients.clipped_soft_sign([0.0], 0.0), ValueError, "k must lie in"),
    (lambda: gradients.clipped_soft_sign([0.0], np.inf), ValueError, "k must be finite"),
    (lambda: gradients.clipped_soft_sign(tf.constant([0.0]), 1e38), ValueError, "k must be at most"),
    (lambda: gradients.clipped_soft_sign("x", 1.0), TypeError, "x must be a numeric array"),
    (lambda: gradients.round_ste("x"), TypeError, "x must be a numeric array"),
    (lambda: gradients.BackwardProbe()(tf.constant([1, 2])), TypeError, "floating tensor"),
]


@pytest.mark.parametrize(("call", "error", "match"), BAD_CALLS)
def test_bad_inputs_are_refused_with_a_named_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_maximize_input_accepts_a_one_sided_box_and_a_function_that_ignores_y():
    f = _concave(0.3)  # maximum at y = x + 0.3 = 0.8
    result = gradients.maximize_input(f, 0.5, 2.0, bounds=(1.0, np.inf), steps=300, learning_rate=0.1,
                                      n_starts=3)
    np.testing.assert_allclose(result.y, [1.0], atol=1e-6)
    assert np.all(result.starts >= 1.0)
    flat = gradients.maximize_input(lambda z: z[:, 0] * 2.0, 0.5, 0.25, steps=5)
    assert flat.converged and flat.y[0] == 0.25 and flat.value == 1.0
