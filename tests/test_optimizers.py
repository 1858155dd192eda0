"""mlnotes.optimizers against Keras 3, the TF1 optimiser, PyTorch's published formula and
finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlnotes import optimizers
from mlnotes.tf_env import keras, tf

SHAPES = [(7,), (3, 4), (2,)]  # a vector, a matrix and a bias-sized vector


def f32(x: float) -> float:
    """TensorFlow stores Python-float hyperparameters as float32 tensors before casting them."""
    return float(np.float32(x))


def gradient_stream(seed: int, steps: int, shapes=SHAPES) -> list[list[np.ndarray]]:
    """Gradients whose scale changes by orders of magnitude across steps and coordinates."""
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s) * 10.0 ** rng.uniform(-4, 1, s) for s in shapes] for _ in range(steps)]


def run_reference(opt, params, grads_per_step):
    """Apply a TensorFlow/Keras optimiser to float64 variables; return the weight changes per step."""
    variables = [tf.Variable(p, dtype=tf.float64) for p in params]
    deltas = []
    for grads in grads_per_step:
        before = [v.numpy() for v in variables]
        opt.apply_gradients(zip([tf.constant(g) for g in grads], variables, strict=True))
        deltas.append([v.numpy() - b for v, b in zip(variables, before, strict=True)])
    return deltas


def run_ours(opt, params, grads_per_step):
    deltas = []
    for grads in grads_per_step:
        params = opt.step(params, grads)
        deltas.append(opt.last_deltas)
    return deltas


def assert_same_deltas(ours, ref, rtol):
    for step, (a, b) in enumerate(zip(ours, ref, strict=True)):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            # Differencing O(1) weights in float64 loses a few 1e-16 of absolute precision.
            np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * np.max(np.abs(y)) + 4e-15,
                                       err_msg=f"step {step}, parameter {i}")


# -------------------------------------------------------------------------- RMSProp vs Keras
KERAS_SETTINGS = [
    dict(),
    dict(momentum=0.9),
    dict(centered=True),
    dict(centered=True, momentum=0.5),
    dict(epsilon=1e-2),
    dict(learning_rate=0.1, rho=0.5),
    dict(learning_rate=3e-5, rho=0.99),
    dict(learning_rate=0.02, momentum=0.7, epsilon=1.0, centered=True),
]


def settings_id(kwargs: dict) -> str:
    return ",".join(f"{a}={b}" for a, b in kwargs.items()) or "plain"


@pytest.mark.parametrize("kwargs", KERAS_SETTINGS, ids=settings_id)
def test_rmsprop_keras_convention_matches_keras(kwargs):
    params = [np.random.default_rng(1).standard_normal(s) for s in SHAPES]
    grads = gradient_stream(2, 50)
    ref = run_reference(keras.optimizers.RMSprop(**kwargs), params, grads)
    # Keras keeps the learning rate in a float32 variable: give ours the same number.
    ours_kwargs = dict(kwargs, learning_rate=f32(kwargs.get("learning_rate", 0.001)))
    ours = run_ours(optimizers.RMSProp(**ours_kwargs), params, grads)
    assert_same_deltas(ours, ref, rtol=1e-9)
    # With the exact Python float the match is still at the float32 rounding of lr.
    loose = run_ours(optimizers.RMSProp(**kwargs), params, grads)
    assert_same_deltas(loose, ref, rtol=1e-6)


def test_rmsprop_keras_first_step_is_lr_over_sqrt_one_minus_rho_times_sign():
    # v_1 = (1 - rho) g^2, so |delta_1| = lr |g| / sqrt((1 - rho) g^2 + eps) ~ lr / sqrt(1 - rho).
    g = np.array([0.1, -3.0, 250.0])
    opt = optimizers.RMSProp(learning_rate=0.01, rho=0.9, epsilon=1e-14)
    opt.step([np.zeros(3)], [g])
    np.testing.assert_allclose(opt.last_deltas[0], -0.01 * np.sign(g) / np.sqrt(0.1), rtol=1e-10)


# -------------------------------------------------------------------------- RMSProp vs TF1
TF1_SETTINGS = [
    dict(learning_rate=0.01, epsilon=1e-10),
    dict(learning_rate=0.01, momentum=0.9, epsilon=1e-10),
    dict(learning_rate=0.05, rho=0.8, centered=True, momentum=0.3, epsilon=1e-6),
    dict(learning_rate=0.001, centered=True, epsilon=1e-10),
]


@pytest.mark.parametrize("kwargs", TF1_SETTINGS, ids=settings_id)
def test_rmsprop_tf1_convention_matches_tf_compat_v1(kwargs):
    params = [np.random.default_rng(3).standard_normal(s) for s in SHAPES]
    grads = gradient_stream(4, 50)
    rho = kwargs.get("rho", 0.9)
    ref_opt = tf.compat.v1.train.RMSPropOptimizer(
        kwargs["learning_rate"], decay=rho, momentum=kwargs.get("momentum", 0.0),
        epsilon=kwargs["epsilon"], centered=kwargs.get("centered", False))
    ref = run_reference(ref_opt, params, grads)
    ours_kwargs = {k: (f32(v) if isinstance(v, float) else v) for k, v in kwargs.items()}
    ours_kwargs["rho"] = f32(rho)
    ours = run_ours(optimizers.RMSProp(convention="tf1", **ours_kwargs), params, grads)
    assert_same_deltas(ours, ref, rtol=1e-9)


def test_tf1_first_step_starts_from_a_mean_square_of_one():
    # v_1 = rho * 1 + (1 - rho) g^2: small gradients take almost plain-SGD steps at first.
    g = np.array([1e-3, -0.5, 40.0])
    opt = optimizers.RMSProp(learning_rate=0.01, rho=0.9, epsilon=1e-10, convention="tf1")
    opt.step([np.zeros(3)], [g])
    np.testing.assert_allclose(opt.last_deltas[0], -0.01 * g / np.sqrt(0.9 + 0.1 * g**2 + 1e-10), rtol=1e-14)


# -------------------------------------------------------------------------- RMSProp vs PyTorch's formula
def torch_published(grads_per_step, lr, alpha, eps, momentum, centered):
    """torch.optim.RMSprop's documented algorithm, transcribed loop by loop (weight_decay=0)."""
    v = [np.zeros(s) for s in SHAPES]
    gave = [np.zeros(s) for s in SHAPES]
    buf = [np.zeros(s) for s in SHAPES]
    out = []
    for grads in grads_per_step:
        step = []
        for i, g in enumerate(grads):
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            vt = v[i]
            if centered:
                gave[i] = gave[i] * alpha + (1 - alpha) * g
                vt = vt - gave[i] ** 2
            if momentum > 0:
                buf[i] = momentum * buf[i] + g / (np.sqrt(vt) + eps)
                step.append(-lr * buf[i])
            else:
                step.append(-lr * g / (np.sqrt(vt) + eps))
        out.append(step)
    return out


@pytest.mark.parametrize(("momentum", "centered"), [(0.0, False), (0.9, False), (0.0, True), (0.5, True)])
def test_rmsprop_torch_convention_matches_published_formula(momentum, centered):
    grads = gradient_stream(6, 40)
    ref = torch_published(grads, lr=0.01, alpha=0.99, eps=1e-8, momentum=momentum, centered=centered)
    opt = optimizers.RMSProp(learning_rate=0.01, rho=0.99, momentum=momentum, epsilon=1e-8,
                             centered=centered, convention="torch")
    assert_same_deltas(run_ours(opt, [np.zeros(s) for s in SHAPES], grads), ref, rtol=1e-12)


def test_momentum_forms_differ_after_a_learning_rate_change():
    grads = gradient_stream(7, 20)
    params = [np.zeros(s) for s in SHAPES]
    runs = {}
    for conv in ("keras", "torch"):
        # epsilon tiny, so inside/outside the root does not matter; only the buffer does.
        opt = optimizers.RMSProp(learning_rate=0.1, momentum=0.9, epsilon=1e-30, convention=conv)
        p = params
        for t, g in enumerate(grads):
            if t == 10:
                opt.learning_rate = 0.01
            p = opt.step(p, g)
            if t == 9:
                before_change = [d.copy() for d in opt.last_deltas]
        runs[conv] = (before_change, opt.last_deltas)
    assert_same_deltas([runs["keras"][0]], [runs["torch"][0]], rtol=1e-10)
    # Keras' buffer still carries steps taken at lr=0.1, torch rescales the whole buffer.
    assert not np.allclose(runs["keras"][1][0], runs["torch"][1][0], rtol=1e-3)


# -------------------------------------------------------------------------- SGD
@pytest.mark.parametrize(("lr", "momentum"), [(0.1, 0.0), (0.01, 0.9), (0.5, 0.5)])
def test_sgd_matches_keras(lr, momentum):
    params = [np.random.default_rng(8).standard_normal(s) for s in SHAPES]
    grads = gradient_stream(9, 30)
    ref = run_reference(keras.optimizers.SGD(learning_rate=lr, momentum=momentum), params, grads)
    ours = run_ours(optimizers.SGD(f32(lr), momentum=f32(momentum)), params, grads)
    assert_same_deltas(ours, ref, rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (4,), elements=st.floats(-1e3, 1e3)), st.floats(1e-6, 10.0))
def test_sgd_without_momentum_steps_minus_lr_times_gradient(g, lr):
    opt = optimizers.SGD(lr)
    new = opt.step([np.ones(4)], [g])
    np.testing.assert_allclose(opt.last_deltas[0], -lr * g, rtol=1e-15, atol=0)
    np.testing.assert_allclose(new[0], 1.0 - lr * g, rtol=1e-14, atol=1e-14)


# -------------------------------------------------------------------------- properties
@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (5,), elements=st.floats(-1e4, 1e4)),
       st.floats(0.0, 0.999), st.sampled_from(optimizers.CONVENTIONS), st.booleans())
def test_delta_is_minus_step_size_times_gradient_without_momentum(g, rho, convention, centered):
    opt = optimizers.RMSProp(learning_rate=0.01, rho=rho, epsilon=1e-7, centered=centered,
                             convention=convention)
    new = opt.step([np.ones(5)], [g])
    np.testing.assert_allclose(opt.last_deltas[0], -opt.step_sizes()[0] * g, rtol=1e-14)
    # the first step in closed form, per convention
    square = (1 - rho) * g**2 + (rho if convention == "tf1" else 0.0)
    if centered:
        square = np.maximum(square - ((1 - rho) * g) ** 2, 0.0)
    denominator = np.sqrt(square) + 1e-7 if convention == "torch" else np.sqrt(square + 1e-7)
    np.testing.assert_allclose(new[0], 1.0 - 0.01 * g / denominator, rtol=1e-12, atol=1e-15)


NONZERO = st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (6,), elements=NONZERO), st.sampled_from(["keras", "torch"]), st.floats(1e-3, 1e3))
def test_rmsprop_is_invariant_to_gradient_scale_when_epsilon_is_negligible(g, convention, scale):
    # Dividing by the root mean square makes the step independent of the gradient's units
    # (not for "tf1", whose mean square starts at 1 in the gradient's squared units).
    def deltas(stream):
        opt = optimizers.RMSProp(learning_rate=0.01, epsilon=1e-300, convention=convention)
        return run_ours(opt, [np.zeros(6)], [[s] for s in stream])
    stream = [g, 0.5 * g, -g]
    assert_same_deltas(deltas([scale * s for s in stream]), deltas(stream), rtol=1e-9)


def test_step_does_not_modify_inputs_and_returns_float64():
    p = [np.ones(3, dtype=np.float32)]
    g = [np.full(3, 2.0)]
    out = optimizers.RMSProp().step(p, g)
    assert out[0].dtype == np.float64 and np.all(p[0] == 1.0) and np.all(g[0] == 2.0)


def test_extreme_gradients_give_finite_bounded_steps():
    for conv in optimizers.CONVENTIONS:
        opt = optimizers.RMSProp(learning_rate=0.01, convention=conv)
        opt.step([np.zeros(3)], [np.array([1e150, -1e-150, 0.0])])
        d = opt.last_deltas[0]
        assert np.all(np.isfinite(d)) and np.all(np.abs(d) <= 0.01 / np.sqrt(0.1) * (1 + 1e-12))
        assert d[2] == 0.0


# -------------------------------------------------------------------------- the NumPy network
def keras_twin(params):
    w1, b1, w2, b2 = params
    model = keras.Sequential([keras.Input((w1.shape[0],), dtype="float64"),
                              keras.layers.Dense(w1.shape[1], activation="tanh", dtype="float64"),
                              keras.layers.Dense(w2.shape[1], dtype="float64")])
    model.set_weights([w1, b1, w2, b2])
    return model


@pytest.mark.parametrize(("n", "d", "h", "k", "seed"),
                         [(20, 5, 4, 3, 0), (7, 64, 16, 10, 1), (1, 2, 3, 2, 2)])
def test_mlp_loss_and_grads_match_keras(n, d, h, k, seed):
    rng = np.random.default_rng(seed)
    params = optimizers.mlp_init(d, h, k, seed=seed)
    params[1] = rng.standard_normal(h)  # non-zero biases exercise their gradients
    params[3] = rng.standard_normal(k)
    x, y = rng.standard_normal((n, d)), rng.integers(0, k, n)
    loss, grads = optimizers.mlp_loss_and_grads(params, x, y)
    model = keras_twin(params)
    with tf.GradientTape() as tape:
        ref_loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True))
    ref_grads = tape.gradient(ref_loss, model.trainable_variables)
    np.testing.assert_allclose(loss, float(ref_loss), rtol=1e-12)
    for a, b in zip(grads, ref_grads, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-9, atol=1e-14)


def test_mlp_loss_is_stable_for_huge_logits():
    params = optimizers.mlp_init(2, 3, 2, seed=0)
    params[3] = np.array([1e6, -1e6])
    loss, grads = optimizers.mlp_loss_and_grads(params, np.zeros((2, 2)), np.array([0, 1]))
    assert loss == pytest.approx(1e6) and all(np.all(np.isfinite(g)) for g in grads)


def test_per_example_gradients_average_to_the_batch_gradient():
    rng = np.random.default_rng(3)
    params = optimizers.mlp_init(6, 5, 4, seed=3)
    x, y = rng.standard_normal((11, 6)), rng.integers(0, 4, 11)
    per = optimizers.mlp_per_example_gradients(params, x, y)
    _, grads = optimizers.mlp_loss_and_grads(params, x, y)
    np.testing.assert_allclose(per.mean(axis=0), np.concatenate([g.ravel() for g in grads]),
                               rtol=1e-12, atol=1e-15)
    _, g3 = optimizers.mlp_loss_and_grads(params, x[3:4], y[3:4])
    np.testing.assert_allclose(per[3], np.concatenate([g.ravel() for g in g3]), rtol=1e-12, atol=1e-15)


def test_gradient_noise_scale_matches_its_definition_and_batch_variance():
    rng = np.random.default_rng(4)
    g = rng.standard_normal((400, 3)) * np.array([1.0, 2.0, 0.5]) + np.array([0.3, -0.1, 0.2])
    b_simple = optimizers.gradient_noise_scale(g)
    trace = np.trace(np.cov(g, rowvar=False))
    mean = g.mean(axis=0)
    assert b_simple == pytest.approx(trace / (mean @ mean), rel=1e-12)
    # Mini-batches of size B (with replacement) have total variance tr(Sigma)/B.
    for batch in (1, 8, 64):
        means = g[rng.integers(0, 400, (4000, batch))].mean(axis=1)
        total_var = np.sum(np.var(means, axis=0))
        assert total_var == pytest.approx(trace * 399 / 400 / batch, rel=0.1)
    assert optimizers.gradient_noise_scale(np.array([[1.0, -1.0], [-1.0, 1.0]])) == np.inf


def test_train_minibatch_learns_and_full_batch_equals_manual_gd():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((60, 4))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    params = optimizers.mlp_init(4, 8, 2, seed=5)
    run = optimizers.train_minibatch(params, x, y, optimizers.SGD(0.5), batch_size=60, epochs=30)
    p = params
    for _ in range(30):
        _, g = optimizers.mlp_loss_and_grads(p, x, y)
        p = [a - 0.5 * b for a, b in zip(p, g, strict=True)]
    for a, b in zip(run.params, p, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not run.diverged and run.history["loss"][-1] < 0.5 * run.history["loss"][0]
    assert list(run.history["samples_seen"]) == [60 * i for i in range(31)]
    uneven = optimizers.train_minibatch(params, x, y, optimizers.SGD(0.5), batch_size=7, epochs=2,
                                        eval_every=50)
    # batches of 7 (and a last one of 4 per epoch): counts 56 >= 50, 102 >= 100, then the end at 120
    assert list(uneven.history["samples_seen"]) == [0, 56, 102, 120]
    end_loss, _ = optimizers.mlp_loss_and_grads(uneven.params, x, y)
    np.testing.assert_allclose(uneven.history["loss"][-1], end_loss, rtol=1e-14)


def test_train_minibatch_reports_divergence():
    rng = np.random.default_rng(6)
    x = 50 * rng.standard_normal((40, 3))
    y = rng.integers(0, 3, 40)
    run = optimizers.train_minibatch(optimizers.mlp_init(3, 4, 3), x, y, optimizers.SGD(1e4),
                                     batch_size=1, epochs=5, max_loss=50.0)
    assert run.diverged and run.history["loss"][-1] > 50.0
    assert len(run.history["loss"]) == len(run.history["samples_seen"])


# -------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(("kwargs", "exc", "name"), [
    (dict(learning_rate=-1.0), ValueError, "learning_rate"),
    (dict(learning_rate="0.1"), TypeError, "learning_rate"),
    (dict(rho=1.0), ValueError, "rho"),
    (dict(momentum=-0.1), ValueError, "momentum"),
    (dict(epsilon=0.0), ValueError, "epsilon"),
    (dict(epsilon=float("nan")), ValueError, "epsilon"),
    (dict(centered="yes"), TypeError, "centered"),
    (dict(convention="jax"), ValueError, "convention"),
])
def test_rmsprop_rejects_bad_settings(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        optimizers.RMSProp(**kwargs)


def test_optimizers_reject_bad_params_and_grads():
    opt = optimizers.RMSProp()
    with pytest.raises(TypeError, match="params"):
        opt.step(np.zeros(3), [np.zeros(3)])
    with pytest.raises(ValueError, match="params"):
        opt.step([], [])
    with pytest.raises(ValueError, match="grads"):
        opt.step([np.zeros(3)], [np.zeros(3), np.zeros(2)])
    with pytest.raises(ValueError, match=r"grads\[0\]"):
        opt.step([np.zeros(3)], [np.zeros(4)])
    with pytest.raises(ValueError, match=r"grads\[0\] must be finite"):
        opt.step([np.zeros(3)], [np.array([1.0, np.nan, 0.0])])
    with pytest.raises(TypeError, match=r"params\[0\]"):
        opt.step([np.array(["a"])], [np.zeros(1)])
    opt.step([np.zeros(3)], [np.ones(3)])
    with pytest.raises(ValueError, match="params must keep the shapes"):
        opt.step([np.zeros(4)], [np.ones(4)])
    with pytest.raises(ValueError, match="step_sizes"):
        optimizers.RMSProp().step_sizes()
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(0.1).learning_rate = -2.0
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(0.1, momentum=1.0)


def test_network_functions_reject_bad_input():
    params = optimizers.mlp_init(3, 4, 2)
    x, y = np.zeros((5, 3)), np.zeros(5, dtype=int)
    with pytest.raises(ValueError, match="n_classes"):
        optimizers.mlp_init(3, 4, 1)
    with pytest.raises(ValueError, match="params"):
        optimizers.mlp_loss_and_grads(params[:3], x, y)
    with pytest.raises(ValueError, match="x must have shape"):
        optimizers.mlp_loss_and_grads(params, np.zeros((5, 2)), y)
    with pytest.raises(TypeError, match="y must hold integer"):
        optimizers.mlp_loss_and_grads(params, x, y.astype(float))
    with pytest.raises(ValueError, match="y must hold labels"):
        optimizers.mlp_loss_and_grads(params, x, y + 2)
    with pytest.raises(ValueError, match="y must have shape"):
        optimizers.mlp_loss_and_grads(params, x, y[:4])
    with pytest.raises(ValueError, match="per_example_grads"):
        optimizers.gradient_noise_scale(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="optimizer"):
        optimizers.train_minibatch(params, x, y, "sgd", batch_size=1, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        optimizers.train_minibatch(params, x, y, optimizers.SGD(0.1), batch_size=6, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        optimizers.train_minibatch(params, x, y, optimizers.SGD(0.1), batch_size=1, epochs=0)


# -------------------------------------------------------------------------- RMSProp vs optax
OPTAX_SETTINGS = [
    dict(learning_rate=0.001),
    dict(learning_rate=0.01, momentum=0.9),
    dict(learning_rate=0.003, centered=True),
    dict(learning_rate=0.02, centered=True, momentum=0.5, epsilon=1e-3),
    dict(learning_rate=0.1, rho=0.5, epsilon=1.0),
    dict(learning_rate=3e-5, rho=0.99, epsilon=1e-12),
]


def run_optax(params, grads_per_step, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-8, centered=False):
    """optax.rmsprop on float64 JAX arrays; the weight changes per step."""
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jax.config.update("jax_enable_x64", True)
    opt = optax.rmsprop(learning_rate, decay=rho, eps=epsilon, centered=centered,
                        momentum=momentum if momentum > 0 else None)
    p = [jax.numpy.asarray(a, dtype=jax.numpy.float64) for a in params]
    state, deltas = opt.init(p), []
    for grads in grads_per_step:
        updates, state = opt.update([jax.numpy.asarray(g) for g in grads], state, p)
        new = optax.apply_updates(p, updates)
        deltas.append([np.asarray(a) - np.asarray(b) for a, b in zip(new, p, strict=True)])
        p = new
    return deltas


@pytest.mark.parametrize("kwargs", OPTAX_SETTINGS, ids=settings_id)
def test_rmsprop_optax_convention_matches_optax(kwargs):
    params = [np.random.default_rng(11).standard_normal(s) for s in SHAPES]
    grads = gradient_stream(12, 40)
    settings = dict(dict(epsilon=1e-8), **kwargs)
    ref = run_optax(params, grads, **settings)
    ours = run_ours(optimizers.RMSProp(convention="optax", **settings), params, grads)
    # optax computes in float64 with the exact learning rate: no float32 rounding to mimic.
    assert_same_deltas(ours, ref, rtol=1e-10)


def test_optax_epsilon_sits_inside_the_root_unlike_torch():
    # A gradient of 1e-6 in steady state: inside the root (eps 1e-8) the step is
    # g / sqrt(g^2 + eps) ~ 0.01 eta; outside it would be g / (g + eps) ~ 0.99 eta.
    grads = [[np.array([1e-6])] for _ in range(300)]
    ref = run_optax([np.zeros(1)], grads, learning_rate=1.0)
    np.testing.assert_allclose(-ref[-1][0], 1e-6 / np.sqrt(1e-12 + 1e-8), rtol=1e-6)
    torch_like = run_ours(optimizers.RMSProp(learning_rate=1.0, epsilon=1e-8, convention="torch"),
                          [np.zeros(1)], grads)
    assert -torch_like[-1][0][0] > 50 * -ref[-1][0][0]


def test_library_defaults_are_the_libraries_defaults():
    import inspect

    optax = pytest.importorskip("optax")
    keras_opt = keras.optimizers.RMSprop()
    assert optimizers.LIBRARY_DEFAULTS["keras"] == {
        "learning_rate": pytest.approx(float(keras_opt.learning_rate.numpy())),
        "rho": keras_opt.rho, "epsilon": keras_opt.epsilon}
    sig = inspect.signature(optax.rmsprop).parameters
    assert sig["learning_rate"].default is inspect.Parameter.empty
    assert optimizers.LIBRARY_DEFAULTS["optax"] == {"learning_rate": None, "rho": sig["decay"].default,
                                                   "epsilon": sig["eps"].default}
    assert sig["initial_scale"].default == 0.0 and sig["eps_in_sqrt"].default is True
    assert sig["bias_correction"].default is False
    tf1 = inspect.signature(tf.compat.v1.train.RMSPropOptimizer.__init__).parameters
    assert tf1["learning_rate"].default is inspect.Parameter.empty
    assert optimizers.LIBRARY_DEFAULTS["tf1"] == {"learning_rate": None, "rho": tf1["decay"].default,
                                                 "epsilon": tf1["epsilon"].default}


# -------------------------------------------------------------------------- summed loss
def test_summed_loss_gradient_is_batch_size_times_the_mean_gradient():
    rng = np.random.default_rng(13)
    params = optimizers.mlp_init(5, 6, 3, seed=13)
    x, y = rng.standard_normal((24, 5)), rng.integers(0, 3, 24)
    mean_loss, mean_grads = optimizers.mlp_loss_and_grads(params, x, y)
    sum_loss, sum_grads = optimizers.mlp_loss_and_grads(params, x, y, reduction="sum")
    assert sum_loss == pytest.approx(24 * mean_loss, rel=1e-12)
    # the sum of per-example gradients, computed independently
    per = optimizers.mlp_per_example_gradients(params, x, y).sum(axis=0)
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in sum_grads]), per, rtol=1e-10, atol=1e-13)
    for a, b in zip(sum_grads, mean_grads, strict=True):
        np.testing.assert_allclose(a, 24 * b, rtol=1e-10, atol=1e-13)


def test_summed_loss_training_equals_mean_loss_at_batch_times_the_rate():
    rng = np.random.default_rng(14)
    x, y = rng.standard_normal((64, 4)), rng.integers(0, 3, 64)
    start = optimizers.mlp_init(4, 5, 3, seed=14)
    summed = optimizers.train_minibatch(start, x, y, optimizers.SGD(0.01), batch_size=16, epochs=3,
                                        reduction="sum")
    mean = optimizers.train_minibatch(start, x, y, optimizers.SGD(0.16), batch_size=16, epochs=3)
    np.testing.assert_allclose(summed.history["loss"], mean.history["loss"], rtol=1e-12)
    same_rate = optimizers.train_minibatch(start, x, y, optimizers.SGD(0.01), batch_size=16, epochs=3)
    assert abs(same_rate.history["loss"][-1] - summed.history["loss"][-1]) > 1e-3


# -------------------------------------------------------------------------- bad and extreme input
@pytest.mark.parametrize(("make", "exc", "match"), [
    (lambda: optimizers.RMSProp(learning_rate=0.0), ValueError, "learning_rate must lie in"),
    (lambda: optimizers.RMSProp(learning_rate=np.inf), ValueError, "learning_rate must be finite"),
    (lambda: optimizers.RMSProp(learning_rate=True), TypeError, "learning_rate must be a real number"),
    (lambda: optimizers.RMSProp(rho=-0.1), ValueError, "rho must lie in"),
    (lambda: optimizers.RMSProp(momentum=1.0), ValueError, "momentum must lie in"),
    (lambda: optimizers.RMSProp(centered=1), TypeError, "centered must be True or False"),
    (lambda: optimizers.RMSProp(convention="Keras"), ValueError, "convention must be one of"),
    (lambda: optimizers.RMSProp(convention=None), ValueError, "convention must be one of"),
    (lambda: optimizers.SGD(0.0), ValueError, "learning_rate must lie in"),
    (lambda: optimizers.SGD(-0.1), ValueError, "learning_rate must lie in"),
    (lambda: optimizers.SGD("0.1"), TypeError, "learning_rate must be a real number"),
    (lambda: optimizers.SGD(0.1, momentum=np.nan), ValueError, "momentum must be finite"),
    (lambda: optimizers.SGD(0.1).step([np.zeros(2)], [np.zeros(2), np.zeros(2)]), ValueError,
     "grads must have one array per parameter"),
    (lambda: optimizers.SGD(0.1).step([np.zeros(2)], np.zeros((1, 2))), TypeError, "grads must be a list"),
    (lambda: optimizers.SGD(0.1).step([np.zeros(2)], [np.array([np.inf, 0.0])]), ValueError,
     r"grads\[0\] must be finite"),
    (lambda: optimizers.SGD(0.1).step([np.array([1j, 0])], [np.zeros(2)]), TypeError,
     r"params\[0\] must be real"),
    (lambda: optimizers.SGD(0.1).step("w", ["g"]), TypeError, "params must be a list"),
    (lambda: optimizers.mlp_init(0, 3, 2), ValueError, "n_inputs must lie in"),
    (lambda: optimizers.mlp_init(2, 3, 2, seed=-1), ValueError, "seed must be a non-negative integer"),
    (lambda: optimizers.mlp_init(2, 3, 2, seed="a"), TypeError, "seed must be a non-negative integer"),
    (lambda: optimizers.mlp_loss_and_grads(optimizers.mlp_init(2, 3, 2), np.zeros((0, 2)), np.zeros(0, int)),
     ValueError, "x must have at least 1"),
    (lambda: optimizers.mlp_loss_and_grads(optimizers.mlp_init(2, 3, 2), np.zeros((1, 2)), [0],
                                           reduction="avg"),
     ValueError, "reduction must be one of"),
    (lambda: optimizers.mlp_loss_and_grads(optimizers.mlp_init(2, 3, 2), [[np.nan, 0]], [0]), ValueError,
     "x must be finite"),
    (lambda: optimizers.gradient_noise_scale(np.zeros((4, 0))), ValueError, "at least 2 rows and 1 column"),
    (lambda: optimizers.gradient_noise_scale([[1.0, np.nan], [0.0, 1.0]]), ValueError, "must be finite"),
    (lambda: optimizers.train_minibatch(optimizers.mlp_init(2, 3, 2), np.zeros((4, 2)), np.zeros(4, int),
                                        optimizers.SGD(0.1), batch_size=2, epochs=1, seed=1.5),
     TypeError, "seed must be a non-negative integer"),
    (lambda: optimizers.train_minibatch(optimizers.mlp_init(2, 3, 2), np.zeros((4, 2)), np.zeros(4, int),
                                        optimizers.SGD(0.1), batch_size=2, epochs=1, reduction="max"),
     ValueError, "reduction must be one of"),
])
def test_bad_input_is_refused_with_a_clear_message(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize("convention", optimizers.CONVENTIONS)
def test_overflowing_gradient_is_refused_and_leaves_the_state_alone(convention):
    opt = optimizers.RMSProp(learning_rate=0.01, convention=convention)
    opt.step([np.zeros(2)], [np.array([1.0, -2.0])])
    state = [a.copy() for a in opt.mean_square]
    # 1e200 squared overflows: before the fix this gave a silent step of exactly 0.
    with pytest.raises(ValueError, match=r"grads\[0\] is too large"):
        opt.step([np.zeros(2)], [np.array([1e200, 1.0])])
    np.testing.assert_array_equal(opt.mean_square[0], state[0])
    assert opt.iterations == 1


def test_sgd_step_that_overflows_is_refused():
    with pytest.raises(ValueError, match=r"grads\[0\] is too large"):
        optimizers.SGD(1e10).step([np.zeros(1)], [np.array([1e300])])


def test_train_minibatch_reports_overflow_as_divergence():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    run = optimizers.train_minibatch(optimizers.mlp_init(2, 2, 2), x, np.array([0, 1]), optimizers.SGD(1e308),
                                     batch_size=1, epochs=3)
    assert run.diverged and not np.isfinite(run.history["loss"][-1])
    assert all(np.all(np.isfinite(p)) for p in run.params)


def test_tiny_learning_rate_and_huge_parameters_are_handled():
    opt = optimizers.RMSProp(learning_rate=1e-300)
    new = opt.step([np.full(2, 1e300)], [np.array([1.0, -1.0])])
    np.testing.assert_allclose(opt.last_deltas[0], [-1e-300 / np.sqrt(0.1), 1e-300 / np.sqrt(0.1)], rtol=1e-6)
    np.testing.assert_array_equal(new[0], 1e300)
