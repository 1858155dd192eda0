"""mlnotes.wirtinger against closed-form Wirtinger derivatives and TensorFlow's GradientTape."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlnotes import wirtinger
from mlnotes.tf_env import tf

conj = tf.math.conj

# name: (NumPy f, TensorFlow f, df/dz, df/dzbar), the derivatives worked out by hand treating
# z and conj(z) as independent variables.
FUNCTIONS = {
    "z^2": (lambda z: z * z, lambda z: z * z, lambda z: 2 * z, lambda z: 0 * z),
    "conj(z)": (np.conj, conj, lambda z: 0 * z, lambda z: 1 + 0 * z),
    "|z|^2": (lambda z: np.abs(z) ** 2, lambda z: tf.abs(z) ** 2, np.conj, lambda z: z),
    "z conj(z)^2": (lambda z: z * np.conj(z) ** 2, lambda z: z * conj(z) ** 2,
                    lambda z: np.conj(z) ** 2, lambda z: 2 * z * np.conj(z)),
    "exp(z)": (np.exp, tf.exp, np.exp, lambda z: 0 * z),
    "sin(z)": (np.sin, tf.sin, np.cos, lambda z: 0 * z),
    "1/z": (lambda z: 1 / z, lambda z: 1 / z, lambda z: -1 / z**2, lambda z: 0 * z),
    "Re z": (np.real, tf.math.real, lambda z: 0.5 + 0 * z, lambda z: 0.5 + 0 * z),
    "Im z": (np.imag, tf.math.imag, lambda z: -0.5j + 0 * z, lambda z: 0.5j + 0 * z),
    "|z|": (np.abs, tf.abs, lambda z: np.conj(z) / (2 * np.abs(z)), lambda z: z / (2 * np.abs(z))),
    "log|z|^2": (lambda z: np.log(np.abs(z) ** 2), lambda z: tf.math.log(tf.abs(z) ** 2),
                 lambda z: 1 / z, lambda z: 1 / np.conj(z)),
    "z exp(-|z|^2)": (lambda z: z * np.exp(-np.abs(z) ** 2),
                      lambda z: z * tf.cast(tf.exp(-tf.abs(z) ** 2), tf.complex128),
                      lambda z: np.exp(-np.abs(z) ** 2) * (1 - np.abs(z) ** 2),
                      lambda z: -(z**2) * np.exp(-np.abs(z) ** 2)),
    "conj(z)^3 + z": (lambda z: np.conj(z) ** 3 + z, lambda z: conj(z) ** 3 + z,
                      lambda z: 1 + 0 * z, lambda z: 3 * np.conj(z) ** 2),
}
NAMES = list(FUNCTIONS)


def random_points(seed: int, n: int = 6) -> np.ndarray:
    """Points with 0.3 <= |z| <= 2, away from the singularities of 1/z, |z| and log|z|."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 2.0, n) * np.exp(1j * rng.uniform(-np.pi, np.pi, n))


# -------------------------------------------------------------- wirtinger_derivatives
@pytest.mark.parametrize("name", NAMES)
def test_finite_differences_match_closed_forms(name):
    f, _, dz, dzbar = FUNCTIONS[name]
    z = random_points(1)
    got_dz, got_dzbar = wirtinger.wirtinger_derivatives(f, z)
    assert got_dz.shape == got_dzbar.shape == z.shape
    # Measured errors are ~1e-10 (eps^(2/3) times the size of f'''); 1e-6 is the promised bound.
    np.testing.assert_allclose(got_dz, dz(z), rtol=0, atol=1e-6)
    np.testing.assert_allclose(got_dzbar, dzbar(z), rtol=0, atol=1e-6)


def test_finite_difference_error_is_far_below_the_tolerance():
    z = random_points(2, 50)
    errors = []
    for f, _, dz, dzbar in FUNCTIONS.values():
        got_dz, got_dzbar = wirtinger.wirtinger_derivatives(f, z)
        errors.append(max(np.max(np.abs(got_dz - dz(z))), np.max(np.abs(got_dzbar - dzbar(z)))))
    assert max(errors) < 1e-8, max(errors)


def test_scalar_point_gives_scalars():
    dz, dzbar = wirtinger.wirtinger_derivatives(lambda z: z * np.conj(z), 1 + 2j)
    assert dz.shape == () and dzbar.shape == ()
    np.testing.assert_allclose([complex(dz), complex(dzbar)], [1 - 2j, 1 + 2j], atol=1e-9)


def test_scalar_valued_function_of_a_vector_gives_each_partial():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3))
    b = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    w = rng.standard_normal(3) + 1j * rng.standard_normal(3)

    def loss(v):
        return np.sum(np.abs(a @ v - b) ** 2)

    dz, dzbar = wirtinger.wirtinger_derivatives(loss, w)
    r = a @ w - b
    # L = r^H r with r = A w - b: dL/dw = A^T conj(r), dL/dconj(w) = A^H r.
    np.testing.assert_allclose(dzbar, a.conj().T @ r, atol=1e-6)
    np.testing.assert_allclose(dz, a.T @ r.conj(), atol=1e-6)


def test_large_and_tiny_points_keep_relative_accuracy():
    z = np.array([1e6 + 2e6j, 3e-7 - 1e-7j, -5e3 + 1j])
    dz, dzbar = wirtinger.wirtinger_derivatives(lambda v: v * v, z)
    np.testing.assert_allclose(dz, 2 * z, rtol=1e-8)
    np.testing.assert_allclose(dzbar, 0, atol=1e-8 * np.abs(z).max())


def test_real_input_is_taken_as_complex():
    dz, dzbar = wirtinger.wirtinger_derivatives(np.conj, np.array([1.0, -2.0]))
    np.testing.assert_allclose(dz, [0, 0], atol=1e-9)
    np.testing.assert_allclose(dzbar, [1, 1], atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(x=st.floats(-3, 3), y=st.floats(-3, 3), c=st.complex_numbers(max_magnitude=3, allow_nan=False))
def test_identities(x, y, c):
    z = complex(x, y)

    def f(v):
        return c * v**2 + np.conj(v) * v**3

    dz, dzbar = wirtinger.wirtinger_derivatives(f, z)
    scale = 1 + abs(z) ** 3 + abs(c) * abs(z)
    # by hand, z and conj(z) independent
    assert abs(dz - (2 * c * z + 3 * np.conj(z) * z**2)) < 1e-7 * scale
    assert abs(dzbar - z**3) < 1e-7 * scale
    # d conj(f)/dz = conj(df/dzbar), from a different function's differences
    dconjf_dz, _ = wirtinger.wirtinger_derivatives(lambda v: np.conj(f(v)), z)
    assert abs(dconjf_dz - np.conj(dzbar)) < 1e-7 * scale
    # the real partials against the directional derivative along the diagonal e^{i pi/4}
    dx, dy = wirtinger.real_partials(f, z)
    h, u = 1e-6, np.exp(0.25j * np.pi)
    diagonal = (f(np.array(z + h * u)) - f(np.array(z - h * u))) / (2 * h)
    assert abs((dx + dy) / np.sqrt(2) - diagonal) < 1e-5 * scale


@settings(max_examples=50, deadline=None)
@given(x=st.floats(-2, 2), y=st.floats(-2, 2), c=st.complex_numbers(max_magnitude=2, allow_nan=False))
def test_real_valued_functions_have_conjugate_wirtinger_pairs(x, y, c):
    z = complex(x, y)
    dz, dzbar = wirtinger.wirtinger_derivatives(lambda v: np.abs(v - c) ** 2 + np.real(c * v**3), z)
    # by hand: Re(c z^3) = (c z^3 + conj(c) conj(z)^3) / 2; the pair is conjugate for real f
    by_hand = z - c + 1.5 * np.conj(c) * np.conj(z) ** 2
    assert abs(dzbar - by_hand) < 1e-7 * (1 + abs(z) ** 2)
    assert abs(dz - np.conj(by_hand)) < 1e-7 * (1 + abs(z) ** 2)
    # and the TensorFlow/PyTorch prediction is then 2 df/dzbar, JAX's 2 df/dz
    predicted = wirtinger.predicted_tf_gradient(lambda v: np.abs(v - c) ** 2, z)
    assert abs(predicted - 2 * (z - c)) < 1e-7 * (1 + abs(z))


# --------------------------------------------------------------- tf_gradient vs prediction
@pytest.mark.parametrize("name", NAMES)
def test_tensorflow_gradient_equals_prediction(name):
    f_np, f_tf, _, _ = FUNCTIONS[name]
    for seed in (10, 11):
        z = random_points(seed)
        got = wirtinger.tf_gradient(f_tf, z)
        assert got.shape == z.shape and got.dtype == np.complex128
        np.testing.assert_allclose(got, wirtinger.predicted_tf_gradient(f_np, z), rtol=0, atol=1e-6)


def test_tensorflow_says_conj_has_derivative_one():
    z = random_points(4)
    np.testing.assert_array_equal(wirtinger.tf_gradient(conj, z), np.ones_like(z))


def test_tensorflow_gradient_of_holomorphic_function_is_conjugate_derivative():
    z = random_points(5)
    np.testing.assert_allclose(wirtinger.tf_gradient(tf.exp, z), np.conj(np.exp(z)), rtol=1e-12)


def test_tensorflow_gradient_of_real_loss_is_real_view_gradient():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((7, 3)) + 1j * rng.standard_normal((7, 3))
    b = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    w = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    got = wirtinger.tf_gradient(lambda v: tf.reduce_sum(tf.abs(tf.linalg.matvec(a, v) - b) ** 2), w)
    # The same loss as a function of the real and imaginary parts, differentiated by TF in float64.
    re, im = tf.constant(w.real), tf.constant(w.imag)
    ar, ai, br, bi = (tf.constant(t) for t in (a.real, a.imag, b.real, b.imag))
    with tf.GradientTape() as tape:
        tape.watch([re, im])
        rr = tf.linalg.matvec(ar, re) - tf.linalg.matvec(ai, im) - br
        ri = tf.linalg.matvec(ar, im) + tf.linalg.matvec(ai, re) - bi
        loss = tf.reduce_sum(rr**2 + ri**2)
    g_re, g_im = tape.gradient(loss, [re, im])
    np.testing.assert_allclose(got, g_re.numpy() + 1j * g_im.numpy(), rtol=1e-12)
    np.testing.assert_allclose(got, 2 * a.conj().T @ (a @ w - b), rtol=1e-12)


def test_tensorflow_gradient_of_constant_is_zero():
    np.testing.assert_array_equal(wirtinger.tf_gradient(lambda z: tf.ones_like(z), [1j, 2.0]), [0, 0])


def test_tf_gradient_accepts_tensors_and_scalars():
    got = wirtinger.tf_gradient(lambda z: z * z, tf.constant(1 + 1j, tf.complex128))
    assert got.shape == ()
    np.testing.assert_allclose(complex(got), 2 - 2j)


# ------------------------------------------------------------------------ other conventions
@pytest.mark.parametrize("name", NAMES)
def test_torch_rule_equals_tensorflow(name):
    f_np = FUNCTIONS[name][0]
    z = random_points(7)
    np.testing.assert_allclose(wirtinger.predicted_torch_gradient(f_np, z),
                               wirtinger.predicted_tf_gradient(f_np, z), atol=1e-8)


def test_torch_rule_on_documented_examples():
    # The PyTorch note's example s = c z (c real) gives c; |z|^2 at 1+1j gives 2+2j.
    np.testing.assert_allclose(complex(wirtinger.predicted_torch_gradient(lambda z: 3.0 * z, 0.5 - 1j)), 3.0,
                               atol=1e-9)
    np.testing.assert_allclose(complex(wirtinger.predicted_torch_gradient(lambda z: np.abs(z) ** 2, 1 + 1j)),
                               2 + 2j, atol=1e-9)


def test_jax_convention():
    z = random_points(8)
    # real loss: the conjugate of TensorFlow's, 2 dL/dz
    np.testing.assert_allclose(wirtinger.predicted_jax_gradient(lambda v: np.abs(v) ** 2, z), 2 * np.conj(z),
                               atol=1e-8)
    # holomorphic: the ordinary derivative (JAX's documented sin example), where TF gives its conjugate
    np.testing.assert_allclose(wirtinger.predicted_jax_gradient(np.sin, z), np.cos(z), atol=1e-8)
    # the cookbook's x^2 + y^2 at 3+4j is 6-8j
    cookbook = wirtinger.predicted_jax_gradient(lambda v: v.real**2 + v.imag**2, 3 + 4j)
    np.testing.assert_allclose(complex(cookbook), 6 - 8j, atol=1e-8)
    # holomorphic=True on conj(z) returns the derivative of Re conj(z) = x: 1
    np.testing.assert_allclose(complex(wirtinger.predicted_jax_gradient(np.conj, 3 + 4j)), 1.0, atol=1e-9)


# --------------------------------------------------------------------- gradient descent
def least_squares_problem(seed: int = 0, n: int = 40, d: int = 3):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal((n, d)) + 1j * rng.standard_normal((n, d))) / np.sqrt(2)
    w_true = rng.standard_normal(d) + 1j * rng.standard_normal(d)
    b = a @ w_true + 0.1 * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    at = tf.constant(a)

    def loss(w):
        return tf.reduce_mean(tf.abs(tf.linalg.matvec(at, w) - b) ** 2)

    return a, b, loss


def test_gradient_descent_converges_to_least_squares_solution():
    a, b, loss = least_squares_problem()
    w, history = wirtinger.complex_gradient_descent(loss, np.zeros(3, complex), learning_rate=0.2, steps=300)
    losses = history["loss"]
    w_star = np.linalg.lstsq(a, b, rcond=None)[0]
    np.testing.assert_allclose(w, w_star, atol=1e-10)
    assert list(history) == ["loss"] and losses.shape == (301,) and np.all(np.diff(losses) <= 1e-15)


def test_conjugate_step_does_not_converge():
    a, b, loss = least_squares_problem()
    w, history = wirtinger.complex_gradient_descent(loss, np.zeros(3, complex), learning_rate=0.2, steps=300,
                                                    conjugate_step=True)
    w_star = np.linalg.lstsq(a, b, rcond=None)[0]
    assert np.max(np.abs(w - w_star)) > 1.0 and history["loss"][-1] > history["loss"][0]


def test_gradient_descent_on_a_phase():
    # |exp(i phi) - c|^2 with c = exp(0.7i): the minimiser on the unit circle is phi = 0.7 (mod 2 pi);
    # here the parameter is complex and we minimise |w - c|^2 + (|w|^2 - 1)^2.
    c = np.exp(0.7j)
    w, _ = wirtinger.complex_gradient_descent(
        lambda w: tf.abs(w - c) ** 2 + (tf.abs(w) ** 2 - 1) ** 2, -0.5 + 0.1j, learning_rate=0.1, steps=400)
    np.testing.assert_allclose(complex(w), c, atol=1e-8)


# ---------------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="f must be callable"):
        wirtinger.wirtinger_derivatives("z**2", 1j)
    with pytest.raises(TypeError, match="z must be a numeric array"):
        wirtinger.wirtinger_derivatives(np.conj, "1+1j")
    with pytest.raises(ValueError, match="z must be finite"):
        wirtinger.wirtinger_derivatives(np.conj, [1j, np.nan])
    with pytest.raises(ValueError, match="z must have at least 1"):
        wirtinger.wirtinger_derivatives(np.conj, [])
    with pytest.raises(ValueError, match="step must lie in"):
        wirtinger.wirtinger_derivatives(np.conj, 1j, step=0.0)
    with pytest.raises(TypeError, match="step must be a real number"):
        wirtinger.real_partials(np.conj, 1j, step="small")
    with pytest.raises(ValueError, match="f must return a scalar or an array of z's shape"):
        wirtinger.wirtinger_derivatives(lambda z: np.stack([z, z]), [1j, 2j])
    with pytest.raises(ValueError, match="f returned NaN or infinite"):
        wirtinger.wirtinger_derivatives(lambda z: np.where(z.real > 0, np.inf, 0.0) + z, 0j)
    with pytest.raises(TypeError, match=r"f\(z\) must return a numeric value"):
        wirtinger.predicted_tf_gradient(lambda z: np.array(["a"] * z.size).reshape(z.shape), 1j)
    with pytest.raises(TypeError, match="f must be callable"):
        wirtinger.predicted_jax_gradient(None, 1j)
    with pytest.raises(TypeError, match="f must be callable"):
        wirtinger.predicted_torch_gradient(3, 1j)


def test_bad_inputs_to_tensorflow_functions():
    with pytest.raises(TypeError, match="f must be callable"):
        wirtinger.tf_gradient(None, 1j)
    with pytest.raises(ValueError, match="z must be finite"):
        wirtinger.tf_gradient(conj, np.inf)
    with pytest.raises(ValueError, match="f must return a scalar or a tensor of z's shape"):
        wirtinger.tf_gradient(lambda z: tf.stack([z, z]), [1j, 2j])
    with pytest.raises(TypeError, match="f must return a float or complex tensor"):
        wirtinger.tf_gradient(lambda z: tf.constant(1), 1j)
    with pytest.raises(ValueError, match="gradient is NaN or infinite"):
        wirtinger.tf_gradient(tf.sqrt, 0j)
    _, _, loss = least_squares_problem()
    with pytest.raises(ValueError, match="loss must return a real scalar"):
        wirtinger.complex_gradient_descent(lambda w: tf.reduce_sum(w * w), np.ones(3, complex),
                                           learning_rate=0.1, steps=5)
    with pytest.raises(ValueError, match="learning_rate must lie in"):
        wirtinger.complex_gradient_descent(loss, np.zeros(3, complex), learning_rate=-1.0, steps=5)
    with pytest.raises(ValueError, match="steps must lie in"):
        wirtinger.complex_gradient_descent(loss, np.zeros(3, complex), learning_rate=0.1, steps=0)
    with pytest.raises(TypeError, match="conjugate_step must be True or False"):
        wirtinger.complex_gradient_descent(loss, np.zeros(3, complex), learning_rate=0.1, steps=1,
                                           conjugate_step="yes")
    with pytest.raises(TypeError, match="loss must be callable"):
        wirtinger.complex_gradient_descent(None, np.zeros(3, complex), learning_rate=0.1, steps=1)


def test_divergence_is_reported_in_the_history():
    _, history = wirtinger.complex_gradient_descent(lambda w: tf.abs(w) ** 2, 1 + 1j, learning_rate=1.5,
                                                    steps=50)
    assert history["loss"][-1] > 1e10 * history["loss"][0]


def test_numpy_half_does_not_load_tensorflow():
    code = ("import sys, numpy as np; from mlnotes import wirtinger; "
            "wirtinger.predicted_tf_gradient(np.conj, 1j); wirtinger.predicted_jax_gradient(np.conj, 1j); "
            "sys.exit(1 if 'tensorflow' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------- data.complex_linear_samples
def test_complex_linear_samples():
    from mlnotes import data

    a, y, w = data.complex_linear_samples(5000, 2, noise=0.0, seed=3)
    assert a.shape == (5000, 2) and y.shape == (5000,) and w.shape == (2,) and a.dtype == np.complex128
    np.testing.assert_allclose(y, a @ w, rtol=1e-12)
    np.testing.assert_allclose(np.mean(np.abs(a) ** 2), 1.0, rtol=0.05)  # circular, unit variance
    np.testing.assert_allclose(np.mean(a.real * a.imag), 0.0, atol=0.03)
    again = data.complex_linear_samples(5000, 2, noise=0.0, seed=3)
    np.testing.assert_array_equal(again[1], y)
    _, y1, w1 = data.complex_linear_samples(10, 1, noise=0.5, weights=[1j], seed=0)
    assert w1[0] == 1j and y1.shape == (10,)
    with pytest.raises(ValueError, match="weights must have shape"):
        data.complex_linear_samples(10, 2, weights=[1j])
    with pytest.raises(ValueError, match="noise must lie in"):
        data.complex_linear_samples(10, 2, noise=-1.0)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        data.complex_linear_samples(10.5, 2)


# --------------------------------------------------------------------- JAX itself
def jax_module():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


JAX_REAL_LOSSES = {  # NumPy version, JAX version (jnp has the same names)
    "|z|^2": (lambda z: np.abs(z) ** 2, lambda jnp, z: jnp.abs(z) ** 2),
    "x^2 + y^2": (lambda z: z.real**2 + z.imag**2, lambda jnp, z: z.real**2 + z.imag**2),
    "|z^2 - 1|^2": (lambda z: np.abs(z**2 - 1) ** 2, lambda jnp, z: jnp.abs(z**2 - 1) ** 2),
    "Re(z^3) + |z-c|": (lambda z: np.real(z**3) + np.abs(z - 0.5j),
                        lambda jnp, z: jnp.real(z**3) + jnp.abs(z - 0.5j)),
}


@pytest.mark.parametrize("name", list(JAX_REAL_LOSSES))
def test_jax_grad_of_a_real_loss_is_the_predicted_conjugate(name):
    jax = jax_module()
    f_np, f_jax = JAX_REAL_LOSSES[name]
    z = random_points(20)
    got = np.array([complex(jax.grad(lambda v: f_jax(jax.numpy, v))(complex(p))) for p in z])
    np.testing.assert_allclose(got, wirtinger.predicted_jax_gradient(f_np, z), atol=1e-6)
    # ... which is 2 dL/dz, the conjugate of TensorFlow's and PyTorch's 2 dL/dconj(z)
    dz, dzbar = wirtinger.wirtinger_derivatives(f_np, z)
    np.testing.assert_allclose(got, 2 * dz, atol=1e-6)
    np.testing.assert_allclose(np.conj(got), 2 * dzbar, atol=1e-6)


JAX_COMPLEX = {  # complex-valued f: NumPy version, JAX version
    "sin z": (np.sin, lambda jnp, z: jnp.sin(z)),
    "conj z": (np.conj, lambda jnp, z: jnp.conj(z)),
    "z conj(z)^2": (lambda z: z * np.conj(z) ** 2, lambda jnp, z: z * jnp.conj(z) ** 2),
    "conj(z)^3 + 1/z": (lambda z: np.conj(z) ** 3 + 1 / z, lambda jnp, z: jnp.conj(z) ** 3 + 1 / z),
}


@pytest.mark.parametrize("name", list(JAX_COMPLEX))
def test_jax_holomorphic_grad_of_a_complex_function_is_the_prediction(name):
    jax = jax_module()
    f_np, f_jax = JAX_COMPLEX[name]
    z = random_points(21)
    grad = jax.grad(lambda v: f_jax(jax.numpy, v), holomorphic=True)
    got = np.array([complex(grad(complex(p))) for p in z])
    np.testing.assert_allclose(got, wirtinger.predicted_jax_gradient(f_np, z), atol=1e-6)
    # holomorphic=True is not checked: for non-holomorphic f the number is
    # df/dz + conj(df/dzbar), not df/dz
    dz, dzbar = wirtinger.wirtinger_derivatives(f_np, z)
    np.testing.assert_allclose(got, dz + np.conj(dzbar), atol=1e-6)
    if np.max(np.abs(dzbar)) > 0.1:
        assert np.max(np.abs(got - dz)) > 0.1


def test_jax_refuses_complex_output_without_holomorphic_and_real_output_with_it():
    jax = jax_module()
    jnp = jax.numpy
    with pytest.raises(TypeError, match="holomorphic=True"):
        jax.grad(jnp.conj)(1.0 + 2.0j)
    with pytest.raises(TypeError, match="complex dtype"):
        jax.grad(lambda v: jnp.abs(v) ** 2, holomorphic=True)(1.0 + 2.0j)
    # and the documented cookbook value
    assert complex(jax.grad(lambda v: v.real**2 + v.imag**2)(3.0 + 4.0j)) == 6 - 8j


# --------------------------------------------------------------------- bad and extreme input
def test_singularity_at_the_point_is_refused():
    # Before: ~2.7e10 returned silently.
    with pytest.raises(ValueError, match=r"f\(z\) must be finite"), np.errstate(all="ignore"):
        wirtinger.wirtinger_derivatives(lambda z: 1 / z, 0j)


@pytest.mark.parametrize(("f", "z"), [
    (lambda z: 1 / z, 1e-7 + 0j),           # pole inside the step
    (np.abs, np.array([1.0, 1e-9 + 0j])),   # kink inside the step, one element of many
    (lambda z: np.sqrt(z), -1.0 + 1e-9j),    # branch cut inside the step
    (lambda z: np.sum(np.abs(z)), np.array([1e-9 + 0j, 1.0])),  # scalar-valued, kink
])
def test_singularity_within_the_step_is_refused(f, z):
    with pytest.raises(ValueError, match="not smooth within the finite-difference step"):
        wirtinger.wirtinger_derivatives(f, z)


def test_functions_that_work_in_place_do_not_change_the_callers_array():
    z = np.array([1 + 1j, 2 - 1j])

    def doubling_in_place(v):
        v *= 2
        return v

    for fn in (wirtinger.wirtinger_derivatives, wirtinger.predicted_tf_gradient,
               wirtinger.predicted_torch_gradient, wirtinger.predicted_jax_gradient, wirtinger.real_partials):
        fn(doubling_in_place, z)
        np.testing.assert_array_equal(z, [1 + 1j, 2 - 1j])
    np.testing.assert_allclose(wirtinger.predicted_torch_gradient(doubling_in_place, z), [2, 2], atol=1e-8)


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: wirtinger.wirtinger_derivatives(np.conj, [[]]), ValueError, "z must have at least 1"),
    (lambda: wirtinger.wirtinger_derivatives(np.conj, [1j, np.inf]), ValueError, "z must be finite"),
    (lambda: wirtinger.wirtinger_derivatives(np.conj, object()), TypeError, "z must be a numeric array"),
    (lambda: wirtinger.wirtinger_derivatives(np.conj, 1j, step=1.0), ValueError, "step must lie in"),
    (lambda: wirtinger.wirtinger_derivatives(np.conj, 1j, step=np.nan), ValueError, "step must be finite"),
    (lambda: wirtinger.real_partials(lambda z: "x", 1j), TypeError, r"f\(z\) must return a numeric value"),
    (lambda: wirtinger.real_partials(lambda z: np.nan * z, 1j), ValueError, r"f\(z\) must be finite"),
    (lambda: wirtinger.predicted_tf_gradient(lambda z: z[:1], [1j, 2j]), ValueError,
     "f must return a scalar"),
    (lambda: wirtinger.predicted_torch_gradient(np.conj, "z"), TypeError, "z must be a numeric array"),
    (lambda: wirtinger.predicted_jax_gradient(np.conj, 1j, step=-1e-3), ValueError, "step must lie in"),
    (lambda: wirtinger.tf_gradient(lambda z: z / 0, 1j), ValueError, r"f\(z\) must be finite"),
    (lambda: wirtinger.tf_gradient(np.conj, []), ValueError, "z must have at least 1"),
    (lambda: wirtinger.complex_gradient_descent(lambda w: tf.abs(w) ** 2, 1j, learning_rate=0.0, steps=1),
     ValueError, "learning_rate must lie in"),
    (lambda: wirtinger.complex_gradient_descent(lambda w: tf.abs(w) ** 2, 1j, learning_rate=0.1, steps=2.0),
     TypeError, "steps must be an integer"),
    (lambda: wirtinger.complex_gradient_descent(lambda w: tf.abs(w) ** 2, [np.nan], learning_rate=0.1,
                                                steps=1),
     ValueError, "w0 must be finite"),
])
def test_bad_input_is_refused_with_a_clear_message(call, exc, match):
    with pytest.raises(exc, match=match), np.errstate(all="ignore"):
        call()


def test_huge_and_tiny_scales():
    # |z|^2 at 1e150: the step scales with |z|, relative accuracy is kept without overflow
    z = 1e150 * np.array([1 + 2j, -3 + 0.5j])
    got = wirtinger.predicted_tf_gradient(lambda v: np.abs(v) ** 2, z)
    np.testing.assert_allclose(got, 2 * z, rtol=1e-6)
    # at 1e-150 the default step is absolute (6e-6): the documented absolute accuracy ...
    tiny = 1e-150 * np.array([1 + 2j, -3 + 0.5j])
    got = wirtinger.predicted_tf_gradient(lambda v: np.abs(v) ** 2, tiny)
    assert np.max(np.abs(got - 2 * tiny)) < 1e-15
    # ... and relative accuracy with a step of the order of eps^(1/3) |z|, as documented
    got = wirtinger.predicted_tf_gradient(lambda v: np.abs(v) ** 2, tiny, step=6e-156)
    np.testing.assert_allclose(got, 2 * tiny, rtol=1e-6)
