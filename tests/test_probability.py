"""mlnotes.probability against SciPy, closed forms and a numerical QP."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize

from mlnotes import probability as prob

LOGITS = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)),
                elements=st.floats(-1e4, 1e4, allow_nan=False))


# --------------------------------------------------------------- softmax, logsumexp
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e3, 1e4])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_logsumexp_equal_scipy(scale, axis):
    x = scale * np.random.default_rng(int(scale) + axis).standard_normal((5, 7))
    np.testing.assert_allclose(prob.softmax(x, axis=axis), scipy.special.softmax(x, axis=axis),
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(prob.logsumexp(x, axis=axis), scipy.special.logsumexp(x, axis=axis),
                               rtol=1e-13)


def test_minus_infinity_entries_are_masked_out():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, 5.0]])
    np.testing.assert_allclose(prob.softmax(x), scipy.special.softmax(x, axis=-1))
    np.testing.assert_allclose(prob.logsumexp(x), scipy.special.logsumexp(x, axis=-1))
    assert prob.softmax(x)[0, 1] == 0.0


def test_logsumexp_of_an_all_minus_infinity_slice_is_minus_infinity_and_softmax_refuses_it():
    assert prob.logsumexp([-np.inf, -np.inf]) == -np.inf
    with pytest.raises(ValueError, match="every entry is -inf"):
        prob.softmax([[-np.inf, -np.inf], [0.0, 1.0]])


def test_naive_softmax_overflows_where_the_shifted_one_does_not():
    x = np.array([1000.0, 999.0, 0.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x) / np.exp(x).sum()
    assert np.isnan(naive).any()
    p = prob.softmax(x)
    assert np.all(np.isfinite(p)) and abs(p.sum() - 1) < 1e-15
    np.testing.assert_allclose(p[:2], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))], rtol=1e-14)


@settings(max_examples=50, deadline=None)
@given(x=LOGITS, shift=st.floats(-1e3, 1e3))
def test_softmax_sums_to_one_and_is_shift_invariant(x, shift):
    p = prob.softmax(x)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(p >= 0)
    np.testing.assert_allclose(prob.softmax(x + shift), p, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(prob.logsumexp(x + shift), prob.logsumexp(x) + shift, rtol=1e-12, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(x=LOGITS)
def test_log_softmax_identity(x):
    p = prob.softmax(x)
    # only where p is a normal float: a subnormal p (e.g. e^-737) keeps too few digits for its log
    normal = p >= np.finfo(float).tiny
    np.testing.assert_allclose(np.log(p[normal]), (x - prob.logsumexp(x)[:, None])[normal], atol=1e-9)


# Exact values for the Blanchard-Higham-Higham cases: log(1 + s) with s the sum of the small terms.
@pytest.mark.parametrize(("x", "exact"), [
    ([0.0, -40.0], np.log1p(np.exp(-40.0))),  # the naive form rounds 1 + 4e-18 to 1: answer 0
    ([0.0, -30.0, -30.0], np.log1p(2 * np.exp(-30.0))),
    ([-40.0, 0.0, -745.0], np.log1p(np.exp(-40.0))),  # exp(-745) is subnormal, adds nothing
    ([1e308, 1e308], 1e308 + np.log(2.0)),  # rounds to 1e308, overflows if done naively
    ([-1e308, 0.0], 0.0),
    ([5.0], 5.0),
    ([-700.0, -700.0 - 1e-10], -700.0 + np.log1p(np.exp(-1e-10))),
])
def test_logsumexp_keeps_full_relative_accuracy_at_extreme_inputs(x, exact):
    got = prob.logsumexp(x)
    np.testing.assert_allclose(got, exact, rtol=1e-15, atol=0)
    np.testing.assert_allclose(got, scipy.special.logsumexp(x), rtol=1e-15, atol=0)


def test_logsumexp_of_many_tiny_terms_and_of_ties():
    x = np.concatenate([[0.0], np.full(10_000, -50.0)])
    np.testing.assert_allclose(prob.logsumexp(x), np.log1p(10_000 * np.exp(-50.0)), rtol=1e-14)
    ties = np.zeros((3, 4))  # several maxima: only one is taken out
    np.testing.assert_allclose(prob.logsumexp(ties, axis=0), np.log(3.0), rtol=1e-15)
    np.testing.assert_allclose(prob.logsumexp(ties, axis=1), np.log(4.0), rtol=1e-15)


# ------------------------------------------------------------ block covariance
def test_block_covariance_assembles_and_splits_back():
    v = [np.eye(2), 2 * np.eye(3), np.diag([1.0, 2.0, 3.0, 4.0])]
    c01 = 0.3 * np.ones((2, 3))
    c12 = np.zeros((3, 4))
    c12[0, 0] = 0.5
    sigma = prob.block_covariance(v, {(0, 1): c01, (2, 1): c12.T})
    assert sigma.shape == (9, 9)
    np.testing.assert_array_equal(sigma, sigma.T)
    np.testing.assert_array_equal(sigma[:2, 2:5], c01)
    np.testing.assert_array_equal(sigma[2:5, 5:9], c12)
    np.testing.assert_array_equal(sigma[0:2, 5:9], 0.0)
    sample = np.random.default_rng(0).multivariate_normal(np.zeros(9), sigma, size=200_000)
    a, b, c = prob.split_sample(sample, [2, 3, 4])
    assert a.shape == (200_000, 2) and b.shape == (200_000, 3) and c.shape == (200_000, 4)
    np.testing.assert_allclose(np.cov(a.T, b.T)[:2, 2:], c01, atol=0.02)
    np.testing.assert_allclose(np.cov(b.T, c.T)[:3, 3:], c12, atol=0.03)


# ------------------------------------------------------------- ordered uniform
@pytest.mark.parametrize(("k", "low", "high"), [(2, 0.0, 2.0), (3, -1.0, 4.0), (5, 10.0, 10.5)])
def test_ordered_uniform_samples_follow_the_order_statistic_laws(k, low, high):
    # not "the rows are increasing" (sorting guarantees it): each coordinate is tested against
    # the Beta(r, k - r + 1) law of SciPy, which an unsorted or mis-scaled sampler fails
    from scipy import stats

    xy = prob.sample_ordered_uniform(100_000, low, high, size=k, seed=k)
    for r in range(1, k + 1):
        law = stats.beta(r, k - r + 1, loc=low, scale=high - low)
        assert stats.kstest(xy[:, r - 1], law.cdf).pvalue > 1e-3, r
        grid = np.linspace(low, high, 9)
        u = (grid - low) / (high - low)  # the density written out, not through SciPy as the module does
        density = r * math.comb(k, r) * u ** (r - 1) * (1 - u) ** (k - r) / (high - low)
        np.testing.assert_allclose(prob.ordered_uniform_marginals(grid, k, r, low, high), density,
                                   rtol=1e-12, atol=1e-12)
    grid = np.linspace(0, 2, 9)
    np.testing.assert_allclose(prob.ordered_uniform_marginals(grid, 2, 1, 0, 2), (2 - grid) / 2)
    np.testing.assert_allclose(prob.ordered_uniform_marginals(grid, 2, 2, 0, 2), grid / 2)


@settings(max_examples=30, deadline=None)
@given(k=st.integers(1, 6), low=st.floats(-5, 5), width=st.floats(0.1, 10))
def test_order_statistic_densities_integrate_to_one(k, low, width):
    grid = np.linspace(low, low + width, 4001)
    for rank in range(1, k + 1):
        density = prob.ordered_uniform_marginals(grid, k, rank, low, low + width)
        np.testing.assert_allclose(np.trapezoid(density, grid), 1.0, rtol=2e-3)


# ------------------------------------------------------------------- RobustMax
def test_robustmax_rows_sum_to_one_with_the_right_epsilon_mass():
    rng = np.random.default_rng(0)
    f = rng.standard_normal((500, 10, 4)) + np.array([2.0, 0.0, 0.0, -1.0])
    eps = 0.05
    p = prob.robustmax_probabilities(f, eps)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)
    assert np.all(p >= eps / 3 - 1e-15) and np.all(p <= 1 - eps + 1e-15)
    one_sample = prob.robustmax_probabilities(f[:1], eps)
    winners = np.argmax(f[0], axis=-1)
    np.testing.assert_allclose(one_sample[np.arange(10), winners], 1 - eps)
    np.testing.assert_allclose(np.sort(one_sample, axis=-1)[:, :3], eps / 3)


def test_robustmax_matches_quadrature_for_independent_gaussians():
    # P(class k is the argmax) for independent normals, by 1-D Gauss-Hermite quadrature
    mu, sd = np.array([0.5, 0.0, -0.3]), np.array([1.0, 0.7, 1.5])
    t, w = np.polynomial.hermite_e.hermegauss(80)
    from scipy.stats import norm

    p_max = np.array([
        np.sum(w * np.prod([norm.cdf((mu[k] + sd[k] * t - mu[j]) / sd[j]) for j in range(3) if j != k],
                           axis=0))
        / np.sqrt(2 * np.pi) for k in range(3)])
    eps = 0.01
    expected = (1 - eps) * p_max + eps / 2 * (1 - p_max)
    f = mu + sd * np.random.default_rng(0).standard_normal((400_000, 3))
    np.testing.assert_allclose(prob.robustmax_probabilities(f, eps), expected, atol=3e-3)


@pytest.mark.parametrize("spread", ["uniform", "lognormal"])
@pytest.mark.parametrize("seed", range(2))
def test_robustmax_quadrature_is_the_limit_of_monte_carlo(seed, spread):
    rng = np.random.default_rng(seed)
    mu = rng.normal(0, 1, (4, 5))
    var = rng.uniform(0.1, 2.0, (4, 5)) if spread == "uniform" else np.exp(rng.normal(0, 1, (4, 5)))
    exact = prob.robustmax_quadrature(mu, var, 0.02)
    np.testing.assert_allclose(exact.sum(axis=-1), 1.0, rtol=1e-12)
    f = mu + np.sqrt(var) * rng.standard_normal((200_000, 4, 5))
    np.testing.assert_allclose(prob.robustmax_probabilities(f, 0.02), exact, atol=5e-3)  # 4.5 standard errors


@pytest.mark.parametrize("log10_ratio", [0, 2, 4, 8, 16])
def test_two_classes_match_the_closed_form_at_any_variance_ratio(log10_ratio):
    # f1 - f2 ~ N(mu1 - mu2, v1 + v2): P(f1 > f2) = Phi((mu1 - mu2) / sqrt(v1 + v2))
    rng = np.random.default_rng(log10_ratio)
    mu = rng.normal(0, 1, (20, 2))
    var = np.column_stack([np.full(20, 10.0**log10_ratio), np.ones(20)]) * np.exp(rng.normal(0, 1, (20, 1)))
    rng.shuffle(var, axis=1)
    exact = scipy.special.ndtr((mu[:, 0] - mu[:, 1]) / np.sqrt(var.sum(axis=1)))
    np.testing.assert_allclose(prob.robustmax_quadrature(mu, var, 0.0)[:, 0], exact, rtol=1e-9, atol=1e-12)


def test_gauss_hermite_misses_narrow_steps_that_the_adaptive_rule_resolves():
    mu, var = np.array([0.0, 0.5, -0.2]), np.array([1e4, 1.0, 1e-2])
    adaptive = prob.robustmax_quadrature(mu, var, 0.0)
    np.testing.assert_allclose(adaptive.sum(), 1.0, rtol=1e-12)
    for n in (20, 40):
        gh = prob.robustmax_quadrature(mu, var, 0.0, n_points=n)
        assert np.abs(gh - adaptive).max() > 1e-3  # the limit the docstring states
    f = mu + np.sqrt(var) * np.random.default_rng(0).standard_normal((400_000, 3))
    np.testing.assert_allclose(prob.robustmax_probabilities(f, 0.0), adaptive, atol=4e-3)


def test_adaptive_quadrature_equals_scipy_quad_entry_by_entry():
    from scipy.integrate import quad
    from scipy.stats import norm

    rng = np.random.default_rng(3)
    mu, var = rng.normal(0, 1, (3, 4)), np.exp(rng.normal(0, 1.5, (3, 4)))
    got = prob.robustmax_quadrature(mu, var, 0.0)
    sd = np.sqrt(var)
    for r in range(3):
        for k in range(4):
            def integrand(t, r=r, k=k):
                others = [norm.cdf((t - mu[r, j]) / sd[r, j]) for j in range(4) if j != k]
                return norm.pdf(t, mu[r, k], sd[r, k]) * np.prod(others)

            edges = np.sort(np.concatenate([mu[r] - 12 * sd[r], mu[r], mu[r] + 12 * sd[r]]))
            pieces = [quad(integrand, lo, hi, epsabs=1e-13, limit=200)[0]
                      for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
            np.testing.assert_allclose(got[r, k], sum(pieces), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shift=st.floats(-1e6, 1e6), log_scale=st.floats(-20, 20))
def test_robustmax_quadrature_is_invariant_to_a_common_shift_and_scale(seed, shift, log_scale):
    rng = np.random.default_rng(seed)
    mu, var = rng.normal(0, 1, (2, 3)), np.exp(rng.normal(0, 2, (2, 3)))
    base = prob.robustmax_quadrature(mu, var, 0.01)
    scale = np.exp(log_scale)
    np.testing.assert_allclose(prob.robustmax_quadrature(mu * scale + shift, var * scale**2, 0.01), base,
                               atol=1e-8 + 1e-9 * abs(shift) / scale)
    perm = rng.permutation(3)
    permuted = prob.robustmax_quadrature(mu[:, perm], var[:, perm], 0.01)
    np.testing.assert_allclose(permuted, base[:, perm], atol=1e-9)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_identical_latents_give_equal_probabilities(k):
    for n_points, rtol in [(None, 1e-11), (20, 1e-5)]:  # Gauss-Hermite: Phi^(K-1) is no polynomial
        np.testing.assert_allclose(prob.robustmax_quadrature(np.zeros(k), np.full(k, 2.5), 0.1, n_points),
                                   1 / k, rtol=rtol)


@pytest.mark.parametrize("n_points", [None, 20])
def test_quadrature_in_blocks_of_rows_equals_row_by_row(n_points):
    # 12 classes: the composite rule works through a few rows at a time; block edges must not show
    rng = np.random.default_rng(5)
    mu, var = rng.normal(0, 1, (40, 12)), np.exp(rng.normal(0, 2, (40, 12)))
    together = prob.robustmax_quadrature(mu, var, 0.05, n_points)
    one_by_one = np.array([prob.robustmax_quadrature(m, v, 0.05, n_points)
                           for m, v in zip(mu, var, strict=True)])
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-15)
    if n_points is None:
        np.testing.assert_allclose(together.sum(axis=1), 1.0, rtol=1e-11)


def test_robustmax_of_no_inputs_is_empty():
    assert prob.robustmax_probabilities(np.zeros((5, 0, 3))).shape == (0, 3)
    assert prob.robustmax_quadrature(np.zeros((0, 3)), np.ones((0, 3))).shape == (0, 3)


@pytest.fixture(scope="module")
def gpflow_model():
    """A three-class SVGP with RobustMax, its variational posterior set by hand (no training
    needed for the comparison), with latent variances that differ between classes."""
    gpflow = pytest.importorskip("gpflow")
    rng = np.random.default_rng(0)
    z = np.linspace(-3, 3, 8)[:, None]
    likelihood = gpflow.likelihoods.MultiClass(3, invlink=gpflow.likelihoods.RobustMax(3, epsilon=0.01))
    model = gpflow.models.SVGP(gpflow.kernels.SquaredExponential(), likelihood, z, num_latent_gps=3)
    model.q_mu.assign(rng.normal(0, 1.5, (8, 3)))
    model.q_sqrt.assign(np.tril(rng.normal(0, 1, (3, 8, 8))) * np.array([0.02, 0.5, 1.0])[:, None, None])
    return model


def test_gauss_hermite_with_20_points_reproduces_gpflow_predict_y(gpflow_model):
    x = np.linspace(-4, 4, 41)[:, None]
    f_mean, f_var = (t.numpy() for t in gpflow_model.predict_f(x))
    p_gpflow = gpflow_model.predict_y(x)[0].numpy()
    # GPflow squashes each normal CDF into [1e-6, 1 - 1e-6]: agreement to a few 1e-6, not to rounding
    ours = prob.robustmax_quadrature(f_mean, f_var, 0.01, n_points=20)
    np.testing.assert_allclose(ours, p_gpflow, atol=1e-5)
    exact = prob.robustmax_quadrature(f_mean, f_var, 0.01)
    from mlnotes.tf_env import set_seed

    set_seed(0)
    f = gpflow_model.predict_f_samples(x, 40_000, full_cov=False).numpy()
    mc = prob.robustmax_probabilities(f, 0.01)
    np.testing.assert_allclose(mc, exact, atol=0.012)  # 4.8 standard errors


# ---------------------------------------------------------------- simplex
def _qp_projection(v: np.ndarray) -> np.ndarray:
    n = v.size
    res = minimize(lambda p: 0.5 * np.sum((p - v) ** 2), np.full(n, 1 / n), jac=lambda p: p - v,
                   bounds=[(0, None)] * n, constraints=[{"type": "eq", "fun": lambda p: p.sum() - 1,
                                                         "jac": lambda p: np.ones(n)}],
                   method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    return res.x


@pytest.mark.parametrize("seed", range(6))
def test_project_to_simplex_equals_a_numerical_qp(seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(0, [0.1, 1, 5, 0.3, 2, 10][seed], size=3 + seed)
    np.testing.assert_allclose(prob.project_to_simplex(v), _qp_projection(v), atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(v=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=st.floats(-1e3, 1e3)))
def test_projection_lands_on_the_simplex_and_is_idempotent(v):
    p = prob.project_to_simplex(v)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-9)
    np.testing.assert_allclose(prob.project_to_simplex(p), p, atol=1e-9)
    # optimality: v - p is constant on the support (the KKT multiplier)
    for row_v, row_p in zip(v, p, strict=True):
        gap = (row_v - row_p)[row_p > 0]
        np.testing.assert_allclose(gap, gap[0], atol=1e-6 * max(1.0, np.abs(row_v).max()))


def test_projection_along_axis_zero_gives_column_stochastic_matrices():
    m = np.random.default_rng(0).standard_normal((4, 3))
    q = prob.project_to_simplex(m, axis=0)
    np.testing.assert_allclose(q.sum(axis=0), 1.0)
    np.testing.assert_allclose(q, prob.project_to_simplex(m.T).T)
    c = prob.column_stochastic_from_logits(m)
    np.testing.assert_allclose(c.sum(axis=0), 1.0)
    np.testing.assert_allclose(c, scipy.special.softmax(m, axis=0))


@pytest.mark.parametrize("v", [[1e17, 0.0], [0.0, 1e17], [1e308, -1e308], [-1e300, -1e300], [1e-300, 0.0]])
def test_projection_at_extreme_scales(v):
    p = prob.project_to_simplex(v)
    expected = {0: [1.0, 0.0], 1: [0.0, 1.0], 2: [1.0, 0.0], 3: [0.5, 0.5], 4: [0.5, 0.5]}
    np.testing.assert_allclose(p, expected[[[1e17, 0.0], [0.0, 1e17], [1e308, -1e308], [-1e300, -1e300],
                                            [1e-300, 0.0]].index(v)], atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(v=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 8)), elements=st.floats(-10, 10)),
       shift=st.floats(-1e6, 1e6))
def test_projection_is_shift_invariant(v, shift):
    # P(v + c 1) = P(v): the threshold tau moves with c. Rounding in v + c costs |c| * 1e-16.
    np.testing.assert_allclose(prob.project_to_simplex(v + shift), prob.project_to_simplex(v),
                               atol=1e-12 + 4e-16 * abs(shift) * v.shape[-1])


def test_softmax_is_not_a_projection():
    q = np.array([0.6, 0.4, 0.0])
    np.testing.assert_allclose(prob.project_to_simplex(q), q, atol=1e-15)  # already valid: unchanged
    e = np.exp(q)
    np.testing.assert_allclose(prob.softmax(q), e / e.sum(), rtol=1e-15)
    np.testing.assert_allclose(prob.softmax(q), [0.4224, 0.3458, 0.2318], atol=5e-5)  # not q
    iterated = q
    for _ in range(30):
        iterated = prob.softmax(iterated)
    np.testing.assert_allclose(iterated, 1 / 3, atol=1e-12)


BAD_INPUTS = [
    (prob.softmax, ([0.0, np.nan],), {}, ValueError, r"x must not contain NaN or \+inf"),
    (prob.softmax, ([0.0, np.inf],), {}, ValueError, r"x must not contain NaN or \+inf"),
    (prob.softmax, (np.zeros((2, 3)),), {"axis": 2}, ValueError, "axis must lie in"),
    (prob.softmax, (np.zeros(3),), {"axis": 0.5}, TypeError, "axis must be an integer"),
    (prob.softmax, (["a", "b"],), {}, TypeError, "x must be a numeric array"),
    (prob.softmax, ([],), {}, ValueError, "x must have at least 1 element"),
    (prob.softmax, (3.0,), {}, ValueError, "x must have at least 1 dimension"),
    (prob.softmax, ([[-np.inf, -np.inf]],), {}, ValueError, "every entry is -inf"),
    (prob.logsumexp, ([0.0, np.inf],), {}, ValueError, r"x must not contain NaN or \+inf"),
    (prob.logsumexp, ([],), {}, ValueError, "x must have at least 1 element"),
    (prob.logsumexp, ([1 + 2j],), {}, TypeError, "x must be real"),
    (prob.logsumexp, ([0.0],), {"axis": True}, TypeError, "axis must be an integer"),
    (prob.block_covariance, (np.eye(2),), {}, TypeError, "variances must be a non-empty list"),
    (prob.block_covariance, ([],), {}, TypeError, "variances must be a non-empty list"),
    (prob.block_covariance, ([np.eye(2)], [1]), {}, TypeError, "cross must be a mapping"),
    (prob.block_covariance, ([np.eye(2)],), {"tol": -1.0}, ValueError, "tol must lie in"),
    (prob.block_covariance, ([np.array([[1e-20, 5e-21], [0.0, 1e-20]])],), {}, ValueError,
     "must be symmetric"),
    (prob.block_covariance, ([np.eye(2), np.eye(2)], {(0, 1): 2e-30 * np.eye(2)}), {}, None, None),
    (prob.block_covariance, ([1e-30 * np.eye(2), 1e-30 * np.eye(2)], {(0, 1): 2e-30 * np.eye(2)}), {},
     ValueError, "not positive semi-definite"),
    (prob.block_covariance, ([np.eye(2)], {(0, "a"): np.eye(2)}), {}, TypeError, "cross keys must be pairs"),
    (prob.block_covariance, ([np.eye(2)], {(0, 3): np.eye(2)}), {}, ValueError, "must name two different"),
    (prob.block_covariance, ([np.eye(2)], {(True, 0): np.eye(2)}), {}, TypeError, "cross keys must be pairs"),
    (prob.block_covariance, ([np.eye(2), np.eye(2)], {(0, 1): np.nan * np.eye(2)}), {}, ValueError,
     r"cross\[\(0, 1\)\] must be finite"),
    (prob.split_sample, (np.zeros((4, 5)), [2, 2]), {}, ValueError, "sizes must add up"),
    (prob.split_sample, (np.zeros((4, 5)), 5), {}, TypeError, "sizes must be a sequence of positive"),
    (prob.split_sample, (np.zeros((4, 5)), [0, 5]), {}, ValueError, "sizes must be a sequence of positive"),
    (prob.split_sample, (np.zeros((0, 5)), [5]), {}, ValueError, "sample must have at least 1 element"),
    (prob.split_sample, (3.0, [1]), {}, ValueError, "sample must have"),
    (prob.sample_ordered_uniform, (10, 2.0, 0.0), {}, ValueError, "low must be < high"),
    (prob.sample_ordered_uniform, (10, -1e308, 1e308), {}, ValueError, "high - low must be finite"),
    (prob.sample_ordered_uniform, (0,), {}, ValueError, "n_samples must lie in"),
    (prob.sample_ordered_uniform, (2.5,), {}, TypeError, "n_samples must be an integer"),
    (prob.sample_ordered_uniform, (10,), {"seed": "abc"}, TypeError, "seed must be a non-negative integer"),
    (prob.sample_ordered_uniform, (10,), {"seed": -1}, ValueError, "seed must be a non-negative integer"),
    (prob.sample_ordered_uniform, (10,), {"size": 0}, ValueError, "size must lie in"),
    (prob.sample_ordered_uniform, (10, np.nan, 1.0), {}, ValueError, "low must be finite"),
    (prob.ordered_uniform_marginals, ([0.5], 2, 3), {}, ValueError, "rank must lie in"),
    (prob.ordered_uniform_marginals, ([np.nan], 2, 1), {}, ValueError, "x must be finite"),
    (prob.ordered_uniform_marginals, ([0.5], 2, 1, 1.0, 1.0), {}, ValueError, "low must be < high"),
    (prob.robustmax_probabilities, (np.zeros((3, 2)), 1.0), {}, ValueError, "epsilon must lie in"),
    (prob.robustmax_probabilities, (np.zeros((3, 1)),), {}, ValueError, "at least 2 classes"),
    (prob.robustmax_probabilities, (np.zeros(3),), {}, ValueError, "f_samples must have 2 or 3 dimension"),
    (prob.robustmax_probabilities, (np.zeros((0, 3)),), {}, ValueError, "at least 1 sample"),
    (prob.robustmax_probabilities, ([[np.inf, 0.0]],), {}, ValueError, "f_samples must be finite"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 0.0]), {}, ValueError, "var must be positive"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 1.0, 1.0]), {}, ValueError, "var must have mean's shape"),
    (prob.robustmax_quadrature, ([0.0], [1.0]), {}, ValueError, "at least 2 classes"),
    (prob.robustmax_quadrature, ([0.0, np.nan], [1.0, 1.0]), {}, ValueError, "mean must be finite"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, np.inf]), {}, ValueError, "var must be finite"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 1.0]), {"n_points": 1}, ValueError, "n_points must lie"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 1.0]), {"n_points": True}, TypeError, "n_points must"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 1.0]), {"panel_points": 0}, ValueError,
     "panel_points must lie in"),
    (prob.robustmax_quadrature, ([0.0, 1.0], [1.0, 1.0], -0.1), {}, ValueError, "epsilon must lie in"),
    (prob.project_to_simplex, ([1.0, np.nan],), {}, ValueError, "v must be finite"),
    (prob.project_to_simplex, (3.0,), {}, ValueError, "v must have at least 1 dimension"),
    (prob.project_to_simplex, ([],), {}, ValueError, "v must have at least 1 element"),
    (prob.project_to_simplex, ([1.0, 2.0],), {"axis": 1}, ValueError, "axis must lie in"),
    (prob.column_stochastic_from_logits, (np.zeros(3),), {}, ValueError, "logits must have 2 dimension"),
    (prob.column_stochastic_from_logits, ([[-np.inf, 0.0], [-np.inf, 1.0]],), {}, ValueError,
     "logits has a slice along axis 0"),
]


@pytest.mark.parametrize(("func", "args", "kwargs", "error", "match"), BAD_INPUTS,
                         ids=[f"{b[0].__name__}-{i}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_inputs_raise_a_clear_error(func, args, kwargs, error, match):
    if error is None:  # a valid input next to the invalid ones: accepted
        func(*args, **kwargs)
        return
    with pytest.raises(error, match=match):
        func(*args, **kwargs)


def test_every_public_function_has_a_bad_input_case():
    covered = {b[0].__name__ for b in BAD_INPUTS}
    assert set(prob.__all__) <= covered, set(prob.__all__) - covered
