"""mlnotes.vae against scipy.stats, closed forms, Monte Carlo and Keras training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special, stats

from mlnotes import data, vae
from mlnotes.tf_env import set_seed, tf

VALUES = st.floats(-4.0, 4.0, allow_nan=False)
LOG_VARS = st.floats(-3.0, 3.0, allow_nan=False)


# ----------------------------------------------------------------- reparameterize
def test_reparameterize_is_mean_plus_sigma_times_noise():
    rng = np.random.default_rng(0)
    mean, log_var, eps = rng.normal(size=(3, 5, 4))
    z = vae.reparameterize(mean, log_var, eps).numpy()
    np.testing.assert_allclose(z, mean + np.sqrt(np.exp(log_var)) * eps, rtol=1e-14)


def test_reparameterize_gradients_reach_mean_and_log_var():
    rng = np.random.default_rng(1)
    mean = tf.Variable(rng.normal(size=(6, 3)))
    log_var = tf.Variable(rng.normal(size=(6, 3)))
    eps = rng.normal(size=(6, 3))
    with tf.GradientTape() as tape:
        z = vae.reparameterize(mean, log_var, eps)
        loss = tf.reduce_sum(z**2)
    g_mean, g_log_var = tape.gradient(loss, [mean, log_var])
    assert g_mean is not None and g_log_var is not None
    z = z.numpy()
    sigma = np.exp(0.5 * log_var.numpy())
    # d(z^2)/dmu = 2z;  d(z^2)/dlogvar = 2z * dz/dlogvar = 2z * sigma * eps / 2
    np.testing.assert_allclose(g_mean.numpy(), 2 * z, rtol=1e-12)
    np.testing.assert_allclose(g_log_var.numpy(), z * sigma * eps, rtol=1e-12)


def test_reparameterized_samples_have_the_right_distribution():
    eps = np.random.default_rng(2).standard_normal((200_000, 1))
    z = vae.reparameterize(np.full_like(eps, 1.5), np.full_like(eps, np.log(0.25)), eps).numpy()
    assert stats.kstest(z.ravel(), stats.norm(1.5, 0.5).cdf).pvalue > 1e-3


# ----------------------------------------------------------------- KL
@settings(max_examples=30, deadline=None)
@given(mean=arrays(np.float64, (3, 4), elements=VALUES),
       log_var=arrays(np.float64, (3, 4), elements=LOG_VARS))
def test_kl_matches_the_hand_formula(mean, log_var):
    var = np.exp(log_var)
    want = 0.5 * np.sum(mean**2 + var - 1 - np.log(var), axis=-1)
    got = vae.kl_to_standard_normal(mean, log_var).numpy()
    assert got.shape == (3,)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert np.all(got >= 0)


def test_kl_matches_monte_carlo_within_its_error():
    rng = np.random.default_rng(3)
    mean, log_var = rng.normal(size=3), rng.uniform(-1.5, 1.0, size=3)
    n = 400_000
    z = mean + np.exp(0.5 * log_var) * rng.standard_normal((n, 3))
    log_q = stats.norm.logpdf(z, mean, np.exp(0.5 * log_var)).sum(axis=1)
    log_p = stats.norm.logpdf(z).sum(axis=1)
    ratio = log_q - log_p
    mc, err = ratio.mean(), ratio.std() / np.sqrt(n)
    exact = float(vae.kl_to_standard_normal(mean[None], log_var[None]).numpy()[0])
    assert abs(mc - exact) < 4 * err


def test_kl_is_zero_for_the_prior_and_precise_near_it():
    assert vae.kl_to_standard_normal(np.zeros((2, 5)), np.zeros((2, 5))).numpy().tolist() == [0.0, 0.0]
    # e^t - 1 - t by its Taylor series, exact to float64 for tiny t: the docstring's claim
    # is a relative error of about 2 eps / t for expm1 and 2 eps / t^2 for the naive form
    for t in (1e-7, -1e-7, 1e-5):
        exact = 0.5 * (t**2 / 2 + t**3 / 6 + t**4 / 24)
        got = float(vae.kl_to_standard_normal([0.0], [t]).numpy())
        naive = 0.5 * (np.exp(t) - 1 - t)
        assert abs(got - exact) / exact < 20 * np.finfo(float).eps / abs(t)
        assert abs(got - exact) / exact > 1e-12  # not full precision, as the docstring says
        if abs(t) < 1e-6:
            assert abs(naive - exact) / exact > 1e-3


# ----------------------------------------------------------------- log-likelihoods
@pytest.mark.parametrize("d", [1, 7, 784])
def test_gaussian_log_likelihood_matches_scipy(d):
    rng = np.random.default_rng(d)
    x, mean = rng.normal(size=(2, 5, d))
    log_var = rng.uniform(-4, 2, size=(5, d))
    want = stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).sum(axis=-1)
    np.testing.assert_allclose(vae.gaussian_log_likelihood(x, mean, log_var).numpy(), want, rtol=1e-12)


def test_gaussian_log_likelihood_is_finite_where_the_density_underflows():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, size=(1, 784))
    mean = x + rng.standard_normal(x.shape)
    cov = np.eye(784)
    assert stats.multivariate_normal.pdf(x[0], mean[0], cov) == 0.0  # underflow
    want = stats.multivariate_normal.logpdf(x[0], mean[0], cov)
    got = vae.gaussian_log_likelihood(x, mean, 0.0).numpy()  # shared scalar variance
    assert np.isfinite(got[0]) and got[0] < -745  # exp(-745) is below the smallest float64
    np.testing.assert_allclose(got[0], want, rtol=1e-12)


def test_gaussian_log_likelihood_broadcasts_a_per_pixel_variance():
    rng = np.random.default_rng(5)
    x, mean = rng.uniform(size=(2, 4, 6))
    log_var = rng.normal(size=6)
    want = stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).sum(axis=-1)
    np.testing.assert_allclose(vae.gaussian_log_likelihood(x, mean, log_var).numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("d", [1, 64, 784])
def test_bernoulli_log_likelihood_matches_scipy(d):
    rng = np.random.default_rng(d)
    x = rng.integers(0, 2, size=(4, d)).astype(float)
    logits = rng.normal(scale=3, size=(4, d))
    want = stats.bernoulli.logpmf(x, 1 / (1 + np.exp(-logits))).sum(axis=-1)
    np.testing.assert_allclose(vae.bernoulli_log_likelihood(x, logits).numpy(), want, rtol=1e-10)


def test_bernoulli_log_likelihood_at_extreme_logits():
    x = np.array([[1.0, 0.0, 1.0, 0.0]])
    logits = np.array([[1e4, -1e4, -1e4, 1e4]])
    got = vae.bernoulli_log_likelihood(x, logits).numpy()
    # right with certainty: log 1 = 0 twice; wrong: log sigmoid(-1e4) = -1e4 twice
    np.testing.assert_allclose(got, [-2e4], rtol=1e-12)
    x784 = np.random.default_rng(6).integers(0, 2, size=(2, 784)).astype(float)
    extreme = np.where(x784 > 0, 1e4, -1e4)
    got = vae.bernoulli_log_likelihood(x784, extreme).numpy()
    assert np.all(np.isfinite(got)) and np.all(got == 0.0)
    got = vae.bernoulli_log_likelihood(x784, -extreme).numpy()
    np.testing.assert_allclose(got, -784e4, rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(x=arrays(np.float64, (2, 5), elements=st.floats(0.0, 1.0)),
       logits=arrays(np.float64, (2, 5), elements=st.floats(-50.0, 50.0)))
def test_bernoulli_log_likelihood_equals_the_softplus_form_for_grey_levels(x, logits):
    want = np.sum(x * logits - np.logaddexp(0.0, logits), axis=-1)
    np.testing.assert_allclose(vae.bernoulli_log_likelihood(x, logits).numpy(), want, rtol=1e-10, atol=1e-10)


def test_float32_stays_float32():
    a = np.zeros((2, 3), np.float32)
    assert vae.kl_to_standard_normal(a, a).dtype == tf.float32
    assert vae.bernoulli_log_likelihood(a, a).dtype == tf.float32


# ----------------------------------------------------------------- extreme inputs
def test_an_exact_fit_with_an_overflowing_precision_is_not_nan():
    # log N(0; 0, e^-800) = -(log 2 pi - 800) / 2; 1/sigma^2 = e^800 overflows float64
    got = vae.gaussian_log_likelihood([[0.0]], [[0.0]], -800.0).numpy()
    np.testing.assert_allclose(got, [-(np.log(2 * np.pi) - 800) / 2], rtol=1e-14)
    np.testing.assert_allclose(got, [399.08106147], rtol=1e-9)
    # a miss at that precision is below the float range: -inf, not NaN
    assert vae.gaussian_log_likelihood([[1.0]], [[0.0]], -800.0).numpy()[0] == -np.inf
    # float32 overflows sooner (exp(100) = inf) and must still be exact where x == mean
    x32 = np.zeros((1, 3), np.float32)
    got32 = vae.gaussian_log_likelihood(x32, x32, np.float32(-100.0)).numpy()
    np.testing.assert_allclose(got32, [-1.5 * (np.log(2 * np.pi) - 100)], rtol=1e-6)


def test_zero_noise_gives_the_mean_whatever_the_variance():
    np.testing.assert_array_equal(vae.reparameterize([0.5], [1e4], [0.0]).numpy(), [0.5])
    with pytest.raises(ValueError, match="log_var must be small enough"):
        vae.reparameterize([0.0], [1e4], [1.0])


def test_huge_and_tiny_variances_in_the_kl():
    # KL of N(0, e^-1000) is (e^-1000 - 1 + 1000) / 2 = 499.5 exactly in float64
    np.testing.assert_allclose(vae.kl_to_standard_normal([0.0], [-1000.0]).numpy(), 499.5, rtol=1e-15)
    assert vae.kl_to_standard_normal([0.0], [800.0]).numpy() == np.inf  # e^800 / 2 overflows


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_gaussian_log_likelihood_at_extreme_scales(scale):
    # rescaling x, mean by s and sigma by s shifts the log-density by -d log s
    rng = np.random.default_rng(7)
    x, mean = rng.normal(size=(2, 3, 5))
    log_var = rng.normal(size=(3, 5))
    base = vae.gaussian_log_likelihood(x, mean, log_var).numpy()
    scaled = vae.gaussian_log_likelihood(x * scale, mean * scale, log_var + 2 * np.log(scale)).numpy()
    np.testing.assert_allclose(scaled, base - 5 * np.log(scale), rtol=1e-10)


# ----------------------------------------------------------------- baselines
def test_independent_bernoulli_pixels_match_scikit_learns_bernoulli_naive_bayes(digits):
    """BernoulliNB with alpha = a fits p = (count + a) / (n + 2a) per class; its joint log-
    likelihood minus the log prior is our class-conditional baseline (linear in x, so grey
    levels too)."""
    from sklearn.naive_bayes import BernoulliNB

    x_train, x_test, y_train, y_test = (np.asarray(a, np.float64) for a in digits)
    y_train, y_test = y_train.astype(int), y_test.astype(int)
    for a in (0.5, 1.0):
        nb = BernoulliNB(alpha=a, binarize=None, force_alpha=True).fit(x_train, y_train)
        want = nb.predict_joint_log_proba(x_test) - nb.class_log_prior_
        want = want[np.arange(len(y_test)), np.searchsorted(nb.classes_, y_test)]
        got = vae.independent_pixels_log_likelihood(x_train, x_test, y_train=y_train, y_test=y_test,
                                                    pseudo_count=a)
        np.testing.assert_allclose(got, want, rtol=1e-10)
        single = BernoulliNB(alpha=a, binarize=None, force_alpha=True).fit(x_train, np.zeros(len(x_train)))
        want = single.predict_joint_log_proba(x_test)[:, 0]
        got = vae.independent_pixels_log_likelihood(x_train, x_test, pseudo_count=a)
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_independent_gaussian_pixels_match_scikit_learns_gaussian_naive_bayes():
    from sklearn.naive_bayes import GaussianNB

    rng = np.random.default_rng(8)
    x_train = rng.normal(size=(200, 6)) * [1, 2, 3, 0.5, 0.1, 1] + [0, 1, 2, 3, 4, 5]
    y_train = rng.integers(0, 3, 200)
    x_test, y_test = rng.normal(size=(40, 6)), rng.integers(0, 3, 40)
    nb = GaussianNB(var_smoothing=0.0).fit(x_train, y_train)
    want = (nb.predict_joint_log_proba(x_test) - np.log(nb.class_prior_))[np.arange(40), y_test]
    got = vae.independent_pixels_log_likelihood(x_train, x_test, decoder="gaussian", y_train=y_train,
                                                y_test=y_test, min_variance=1e-12)
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # a fixed variance: scipy's density with the pixel means
    got = vae.independent_pixels_log_likelihood(x_train, x_test, decoder="gaussian", variance=0.7)
    want = stats.norm.logpdf(x_test, x_train.mean(axis=0), np.sqrt(0.7)).sum(axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_the_pixel_means_maximise_the_training_likelihood():
    """Maximum likelihood: moving any p_j away from the training mean lowers the training fit."""
    rng = np.random.default_rng(9)
    x = rng.uniform(0.05, 0.95, size=(50, 4))
    best = vae.independent_pixels_log_likelihood(x, x, pseudo_count=1e-9).sum()
    p = x.mean(axis=0)
    for j in range(4):
        for step in (-1e-3, 1e-3):
            q = p.copy()
            q[j] += step
            assert (x * np.log(q) + (1 - x) * np.log1p(-q)).sum() < best


def test_grey_level_entropy_bound_matches_scipy_and_bounds_every_decoder():
    rng = np.random.default_rng(10)
    x = rng.uniform(size=(3, 8))
    x[0, :3] = [0.0, 1.0, 0.5]
    want = -stats.bernoulli(x).entropy().sum(axis=-1)
    np.testing.assert_allclose(vae.grey_level_entropy_bound(x), want, rtol=1e-12)
    at_best = vae.bernoulli_log_likelihood(x[1:], np.log(x[1:] / (1 - x[1:]))).numpy()
    np.testing.assert_allclose(at_best, vae.grey_level_entropy_bound(x[1:]), rtol=1e-10)


@settings(max_examples=30, deadline=None)
@given(x=arrays(np.float64, (2, 5), elements=st.floats(0.0, 1.0)),
       logits=arrays(np.float64, (2, 5), elements=st.floats(-30.0, 30.0)))
def test_no_bernoulli_decoder_beats_the_entropy_bound(x, logits):
    bound = vae.grey_level_entropy_bound(x)
    assert np.all(vae.bernoulli_log_likelihood(x, logits).numpy() <= bound + 1e-9)


# ----------------------------------------------------------------- cost
def test_multiply_adds_count_each_layer_by_hand():
    mlp = 64 * 256 + 256 * 128 + 128 * 4 + 2 * 128 + 128 * 256 + 256 * 64
    assert vae.multiply_adds(vae.VAE(latent_dim=2, hidden=(256, 128))) == mlp
    # the Keras example: output positions x kernel for Conv2D, input positions x kernel
    # for Conv2DTranspose
    encoder = 4 * 4 * (3 * 3 * 1 * 32) + 2 * 2 * (3 * 3 * 32 * 64) + 256 * 16 + 16 * 4
    decoder = 2 * 256 + 2 * 2 * (3 * 3 * 64 * 64) + 4 * 4 * (3 * 3 * 64 * 32) + 8 * 8 * (3 * 3 * 32 * 1)
    conv = vae.keras_example_vae(2)
    assert vae.multiply_adds(conv.encoder) == encoder
    assert vae.multiply_adds(conv) == encoder + decoder
    assert vae.multiply_adds(conv) > 5 * mlp  # the chapter's claim: about 5.5 times the MLP's


def test_multiply_adds_of_a_convolution_equal_its_jacobians_row_count_times_kernel():
    """Independent check for a 'valid' convolution: every output entry is one kernel-sized
    dot product with the input, so the count equals the number of nonzeros of its Jacobian."""
    from mlnotes.tf_env import keras

    net = keras.Sequential([keras.Input(shape=(5, 6, 2)),
                            keras.layers.Conv2D(3, (2, 3), padding="valid", use_bias=False)])
    x = tf.random.normal((1, 5, 6, 2), seed=1)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = net(x)
    jac = tape.jacobian(y, x).numpy()
    assert vae.multiply_adds(net) == np.count_nonzero(jac)


# ----------------------------------------------------------------- bad inputs
GOOD = np.zeros((2, 3))
X8 = np.full((4, 8), 0.5)


def _model():
    return vae.VAE(input_dim=8, latent_dim=2, hidden=(4,))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: vae.reparameterize(GOOD, np.zeros((2, 4)), GOOD), ValueError, "log_var must have the same"),
        (lambda: vae.reparameterize(GOOD, GOOD, np.zeros(3)), ValueError, "eps must have the same shape"),
        (lambda: vae.reparameterize(GOOD, GOOD, np.full((2, 3), np.nan)), ValueError, "eps must be finite"),
        (lambda: vae.reparameterize("a", GOOD, GOOD), TypeError, "mean must be a numeric array"),
        (lambda: vae.reparameterize(np.zeros((2, 0)), np.zeros((2, 0)), np.zeros((2, 0))), ValueError,
         "mean must have at least one entry along its last"),
        (lambda: vae.kl_to_standard_normal(np.zeros(3), np.full(3, np.nan)), ValueError, "log_var must be"),
        (lambda: vae.kl_to_standard_normal(np.full((1, 2), np.inf), np.zeros((1, 2))), ValueError, "mean"),
        (lambda: vae.kl_to_standard_normal(0.0, 0.0), ValueError, "mean must have"),
        (lambda: vae.kl_to_standard_normal("zeros", np.zeros(2)), TypeError, "mean"),
        (lambda: vae.kl_to_standard_normal(tf.zeros((1, 2), tf.int32), np.zeros((1, 2))), TypeError,
         "floating-point"),
        (lambda: vae.gaussian_log_likelihood(GOOD, np.zeros((2, 2)), 0.0), ValueError, "mean must have"),
        (lambda: vae.gaussian_log_likelihood(GOOD, GOOD, np.zeros(2)), ValueError, "log_var must broadcast"),
        (lambda: vae.gaussian_log_likelihood(np.array([[np.nan]]), GOOD[:1, :1], 0.0), ValueError, "x must"),
        (lambda: vae.gaussian_log_likelihood(GOOD, GOOD, np.inf), ValueError, "log_var must be finite"),
        (lambda: vae.gaussian_log_likelihood(GOOD, GOOD, None), TypeError, "log_var"),
        (lambda: vae.bernoulli_log_likelihood(np.array([[0.5, 1.2]]), np.zeros((1, 2))), ValueError,
         r"x must lie in \[0, 1\]"),
        (lambda: vae.bernoulli_log_likelihood(np.array([[-0.1]]), np.zeros((1, 1))), ValueError, "x"),
        (lambda: vae.bernoulli_log_likelihood(np.zeros((1, 2)), np.zeros((1, 3))), ValueError, "logits"),
        (lambda: vae.bernoulli_log_likelihood(tf.zeros((1, 2), tf.int32), np.zeros((1, 2))), TypeError, "x"),
        (lambda: vae.bernoulli_log_likelihood([[0.5]], [[np.nan]]), ValueError, "logits must be finite"),
        (lambda: vae.VAE(decoder="poisson"), ValueError, "decoder"),
        (lambda: vae.VAE(decoder="gaussian", decoder_variance=-1.0), ValueError, "decoder_variance"),
        (lambda: vae.VAE(decoder="gaussian", decoder_variance="fixed"), ValueError, "decoder_variance"),
        (lambda: vae.VAE(decoder="gaussian", decoder_variance=True), TypeError, "decoder_variance"),
        (lambda: vae.VAE(decoder_variance=0.5), ValueError, "decoder_variance applies only"),
        (lambda: vae.VAE(latent_dim=0), ValueError, "latent_dim"),
        (lambda: vae.VAE(input_dim=2.5), TypeError, "input_dim"),
        (lambda: vae.VAE(hidden=None), TypeError, "hidden"),
        (lambda: vae.VAE(hidden=(8, 0)), ValueError, "hidden"),
        (lambda: vae.VAE(seed=-1), ValueError, "seed"),
        (lambda: vae.VAE(seed="abc"), TypeError, "seed"),
        (lambda: vae.VAE(min_variance=0.0), ValueError, "min_variance"),
        (lambda: vae.VAE(encoder_network="mlp"), TypeError, "encoder_network"),
        (lambda: vae.VAE(input_dim=8, encoder_network=vae.keras_example_vae().encoder), ValueError,
         "encoder_network"),
        (lambda: vae.VAE(input_dim=64, latent_dim=3, decoder_network=vae.keras_example_vae().decoder),
         ValueError, "decoder_network"),
        (lambda: vae.keras_example_vae(0), ValueError, "latent_dim"),
        (lambda: vae.keras_example_vae(seed=1.5), TypeError, "seed"),
        (lambda: vae.multiply_adds("net"), TypeError, "network"),
        (lambda: vae.multiply_adds(_lstm()), ValueError, "LSTM"),
        (lambda: vae.independent_pixels_log_likelihood(X8, np.zeros((2, 7))), ValueError, "x_test must have"),
        (lambda: vae.independent_pixels_log_likelihood(X8 * 3, X8), ValueError, r"x_train must lie in"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, decoder="poisson"), ValueError, "decoder"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, pseudo_count=0), ValueError, "pseudo_count"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, variance=0.1), ValueError, "variance applies"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, decoder="gaussian", variance=-1), ValueError,
         "variance"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, y_train=[0, 1, 0, 1]), ValueError,
         "y_train and y_test"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, y_train=[0, 1, 0], y_test=[0, 1, 0, 1]),
         ValueError, "y_train must have 4 samples"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8, y_train=[0, 0, 0, 0], y_test=[0, 1, 0, 1]),
         ValueError, "labels present in y_train"),
        (lambda: vae.independent_pixels_log_likelihood(X8[:0], X8), ValueError, "x_train must have at"),
        (lambda: vae.independent_pixels_log_likelihood(X8, X8 * np.nan), ValueError, "x_test must be"),
        (lambda: vae.grey_level_entropy_bound([1.5]), ValueError, r"x must lie in \[0, 1\]"),
        (lambda: vae.grey_level_entropy_bound(np.zeros((2, 0))), ValueError, "x must have at least one"),
        (lambda: vae.grey_level_entropy_bound("x"), TypeError, "x must be a numeric"),
        (lambda: vae.train("model", X8, epochs=1), TypeError, "model must be"),
        (lambda: vae.train(_model(), X8, epochs=0), ValueError, "epochs"),
        (lambda: vae.train(_model(), X8, epochs=1, batch_size=0), ValueError, "batch_size"),
        (lambda: vae.train(_model(), X8, epochs=1, learning_rate=-1e-3), ValueError, "learning_rate"),
        (lambda: vae.train(_model(), X8, epochs=1, seed="a"), TypeError, "seed"),
        (lambda: vae.train(_model(), np.zeros((4, 7)), epochs=1), ValueError, r"x must have shape \(n, 8\)"),
        (lambda: vae.train(_model(), X8, epochs=1, x_val=np.zeros((2, 5))), ValueError, "x_val must have"),
        (lambda: vae.elbo_over_seeds("f", X8, X8, seeds=[0], epochs=1), TypeError, "build must be callable"),
        (lambda: vae.elbo_over_seeds(lambda s: _model(), X8, X8, seeds=[], epochs=1), TypeError, "seeds"),
        (lambda: vae.elbo_over_seeds(lambda s: _model(), X8, X8, seeds=[-1], epochs=1), ValueError, "seeds"),
        (lambda: vae.elbo_over_seeds(lambda s: "m", X8, X8, seeds=[0], epochs=1), TypeError, "build"),
        (lambda: vae.plot_reparameterization_graph(ax="left"), TypeError, "ax"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def _lstm():
    from mlnotes.tf_env import keras

    return keras.Sequential([keras.Input(shape=(3, 2)), keras.layers.LSTM(4)])


@pytest.mark.parametrize(
    ("method", "args", "error", "match"),
    [
        ("fit", (np.zeros((5, 3)),), ValueError, r"x must have shape \(n, 8\)"),
        ("fit", (np.full((5, 8), 2.0),), ValueError, r"x must lie in \[0, 1\]"),
        ("elbo", (np.full((5, 8), np.nan),), ValueError, "x must be finite"),
        ("elbo", (X8, 0), ValueError, "n_samples"),
        ("elbo_parts", (X8, 1.5), TypeError, "n_samples"),
        ("elbo", (np.zeros((0, 8)),), ValueError, "x must have at least 1"),
        ("encode", (np.full((2, 8), np.inf),), ValueError, "x must be finite"),
        ("encode", ("pixels",), TypeError, "x must be a numeric"),
        ("encode", (np.zeros((2, 3)),), ValueError, r"x must have shape \(n, 8\)"),
        ("decode", (np.zeros((3, 5)),), ValueError, r"z must have shape \(n, 2\)"),
        ("decode", (np.full((3, 2), np.nan),), ValueError, "z must be finite"),
        ("log_likelihood_estimate", (X8, 0), ValueError, "n_samples"),
        ("sample", (0,), ValueError, "n must lie"),
        ("sample", (2.0,), TypeError, "n must be an integer"),
    ],
)
def test_the_model_refuses_bad_data(method, args, error, match):
    with pytest.raises(error, match=match):
        getattr(_model(), method)(*args)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(11)
    x = rng.uniform(size=(6, 8)).astype(np.float32)
    kept = x.copy()
    model = _model()
    vae.train(model, x, epochs=1, batch_size=4, x_val=x)
    model.elbo(x)
    vae.independent_pixels_log_likelihood(x, x)
    np.testing.assert_array_equal(x, kept)


# ----------------------------------------------------------------- the model
@pytest.fixture(scope="module")
def digits():
    return data.digit_images(seed=0)


@pytest.mark.parametrize("kwargs", [dict(decoder="bernoulli"), dict(decoder="gaussian"),
                                    dict(decoder="gaussian", decoder_variance=0.05)])
def test_training_improves_the_elbo_and_takes_the_stated_number_of_steps(digits, kwargs):
    set_seed(0)
    x = digits[0][:300]
    model = vae.VAE(latent_dim=2, hidden=(64,), seed=0, **kwargs)
    before = model.elbo(x, n_samples=5).mean()
    history = vae.train(model, x, epochs=15, batch_size=32, x_val=digits[1][:100])
    after = model.elbo(x, n_samples=5).mean()
    assert set(history) == {"loss", "kl", "reconstruction", "val_elbo"}
    assert all(isinstance(v, np.ndarray) and v.shape == (15,) for v in history.values())
    np.testing.assert_allclose(history["loss"], history["kl"] - history["reconstruction"], rtol=1e-5)
    assert after > before + 5.0, (before, after)
    assert history["val_elbo"][-1] > history["val_elbo"][0]
    # one Adam step per mini-batch: 15 epochs x ceil(300 / 32) = 150
    assert int(model._trainers[(32, 1e-3)].optimizer.iterations.numpy()) == 15 * 10
    assert model.encode(x[:3])[0].shape == (3, 2) and model.decode(np.zeros((4, 2))).shape == (4, 64)


def test_keras_fit_still_trains_the_model(digits):
    set_seed(0)
    model = vae.VAE(latent_dim=2, hidden=(32,), seed=0)
    before = model.elbo(digits[1], n_samples=5).mean()
    history = model.fit(digits[0][:300], epochs=3, batch_size=32, verbose=0)
    assert len(history.history["loss"]) == 3 and np.isfinite(history.history["loss"]).all()
    assert model.elbo(digits[1], n_samples=5).mean() > before


def test_the_elbo_lies_below_the_importance_weighted_bound(digits):
    set_seed(0)
    model = vae.VAE(latent_dim=2, hidden=(64,), seed=0)
    vae.train(model, digits[0][:300], epochs=10, batch_size=32)
    x = digits[1][:100]
    parts = model.elbo_parts(x, n_samples=50)
    mean, log_var = (t.numpy().astype(float) for t in model.encode(x))
    np.testing.assert_allclose(parts["kl"], 0.5 * np.sum(mean**2 + np.exp(log_var) - 1 - log_var, axis=1),
                               rtol=1e-5)
    # the reconstruction term by hand: the decoder's Bernoulli log-likelihood at sampled codes
    z = mean + np.exp(0.5 * log_var) * np.random.default_rng(0).standard_normal((400, *mean.shape))
    probs = model.decode(z.reshape(-1, 2)).numpy().astype(float).reshape(400, *x.shape)
    by_hand = np.sum(special.xlogy(x, probs) + special.xlog1py(1 - x, -probs), axis=-1).mean(axis=0)
    np.testing.assert_allclose(parts["reconstruction"].mean(), by_hand.mean(), atol=0.3)
    elbo = parts["elbo"].mean()
    one = model.log_likelihood_estimate(x, n_samples=1).mean()  # K = 1 is an ELBO estimate
    many = model.log_likelihood_estimate(x, n_samples=200).mean()
    assert abs(one - elbo) < 1.0, (one, elbo)
    assert many > elbo + 0.1, (many, elbo)
    # nothing a Bernoulli decoder computes exceeds the grey-level entropy bound
    assert many < vae.grey_level_entropy_bound(x).mean()


def test_learned_decoder_variance_stays_above_its_floor(digits):
    set_seed(0)
    model = vae.VAE(latent_dim=2, hidden=(32,), decoder="gaussian", min_variance=1e-2)
    vae.train(model, digits[0][:300], epochs=10, batch_size=32)
    log_var = model.decoder_log_var().numpy()
    assert log_var.shape == (64,) and log_var.min() >= np.log(1e-2) - 1e-6
    assert vae.VAE(decoder="bernoulli").decoder_log_var() is None


def test_elbo_over_seeds_equals_separate_runs(digits):
    """Reusing one model and its compiled loop gives the numbers of fresh models."""
    set_seed(0)
    x_train, x_test = digits[0][:200], digits[1][:50]

    def build(seed):
        return vae.VAE(latent_dim=2, hidden=(16,), seed=seed)

    reused = vae.elbo_over_seeds(build, x_train, x_test, seeds=[0, 3], epochs=2, batch_size=50, n_samples=5)
    for i, seed in enumerate((0, 3)):
        fresh = build(seed)
        vae.train(fresh, x_train, epochs=2, batch_size=50, seed=seed)
        np.testing.assert_allclose(reused[i], fresh.elbo(x_test, 5).mean(), rtol=1e-5)
    assert reused[0] != reused[1]


def test_mlp_and_keras_example_compared_at_equal_steps(digits):
    """The chapter's comparison, on a subset, without a stopwatch: the same data, epochs and
    batch size give both architectures the same number of Adam steps, both learn, and the
    convolutional one costs over five times the multiply-adds per image."""
    set_seed(0)
    x_train, x_test = digits[0][:400], digits[1][:100]
    steps = {}
    for name, model in [("ours", vae.VAE(latent_dim=2, hidden=(128, 64), seed=0)),
                        ("keras example", vae.keras_example_vae(2, seed=0))]:
        before = model.elbo(x_test, 5).mean()
        history = vae.train(model, x_train, epochs=4, batch_size=64, learning_rate=2e-3, x_val=x_test)
        steps[name] = int(model._trainers[(64, 2e-3)].optimizer.iterations.numpy())
        assert model.elbo(x_test, 5).mean() > before + 5 and history["val_elbo"].shape == (4,)
    assert steps["ours"] == steps["keras example"] == 4 * 7  # ceil(400 / 64) = 7 per epoch
    assert vae.multiply_adds(vae.keras_example_vae(2)) > 5 * vae.multiply_adds(vae.VAE(hidden=(256, 128)))


def test_the_reparameterization_graph_names_its_nodes():
    import matplotlib

    matplotlib.use("Agg")
    fig = vae.plot_reparameterization_graph()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for label in ("encoder", "decoder", "varepsilon", "ELBO", "mu", "log"):
        assert label in texts
    assert len(fig.axes) == 1
