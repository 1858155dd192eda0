"""mlnotes.logistic against scikit-learn's LogisticRegression on the same objective."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_classification
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler

from mlnotes import logistic


def _datasets():
    x1, y1 = load_breast_cancer(return_X_y=True)
    x2, y2 = make_classification(n_samples=400, n_features=8, n_informative=5, random_state=0)
    rng = np.random.default_rng(1)
    x3 = rng.standard_normal((300, 4)) * [1.0, 10.0, 0.1, 3.0]  # unscaled features
    y3 = (x3 @ [1.0, 0.1, 5.0, -0.2] + rng.logistic(size=300) > 0).astype(int)
    return {"breast_cancer": (StandardScaler().fit_transform(x1), y1), "classification": (x2, y2), "unscaled": (x3, y3)}


DATA = _datasets()


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_solver_reaches_scikit_learns_optimum(name, solver, C):
    x, y = DATA[name]
    ref = SkLogistic(C=C, tol=1e-12, max_iter=100_000, solver="newton-cholesky").fit(x, y)
    theta_ref = np.r_[ref.coef_[0], ref.intercept_]
    f_ref = logistic.logistic_objective(theta_ref, x, y, C)
    max_iter = {"gd": 50_000, "sag": 20_000, "saga": 20_000}.get(solver, 1000)
    tol = 1e-10 if solver in ("sag", "saga") else 1e-7  # per-epoch weight change vs gradient norm
    ours = logistic.LogisticRegression(solver=solver, C=C, tol=tol, max_iter=max_iter).fit(x, y)
    theta = np.r_[ours.coef_[0], ours.intercept_]
    assert ours.coef_.shape == (1, x.shape[1]) and ours.intercept_.shape == (1,)
    assert (logistic.logistic_objective(theta, x, y, C) - f_ref) / f_ref <= 1e-6
    np.testing.assert_allclose(theta, theta_ref, atol=1e-4 * max(1.0, np.abs(theta_ref).max()))
    np.testing.assert_allclose(ours.predict_proba(x), ref.predict_proba(x), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(x), ref.predict(x))


@pytest.mark.parametrize("C", [0.05, 0.5])
def test_saga_l1_matches_scikit_learn_objective_and_sparsity(C):
    x, y = DATA["classification"]
    ref = SkLogistic(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=200_000).fit(x, y)
    ours = logistic.LogisticRegression(solver="saga", penalty="l1", C=C, tol=1e-12, max_iter=200_000).fit(x, y)
    theta, theta_ref = np.r_[ours.coef_[0], ours.intercept_], np.r_[ref.coef_[0], ref.intercept_]
    f, f_ref = (logistic.logistic_objective(t, x, y, C, penalty="l1") for t in (theta, theta_ref))
    assert (f - f_ref) / f_ref <= 1e-6
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert np.any(ours.coef_ == 0)  # the L1 penalty really made some weights exactly zero
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize(("penalty", "C"), [("l2", 1.0), ("l2", 0.1), ("l1", 0.05), ("l1", 0.5)])
def test_liblinear_matches_scikit_learns_liblinear(name, penalty, C):
    x, y = DATA[name]
    kwargs = {"l1_ratio": 1.0} if penalty == "l1" else {}
    ref = SkLogistic(C=C, solver="liblinear", tol=1e-12, max_iter=100_000, **kwargs).fit(x, y)
    ours = logistic.LogisticRegression(solver="liblinear", penalty=penalty, C=C, tol=1e-7, max_iter=20_000).fit(x, y)
    assert ours.converged_
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4 * max(1.0, np.abs(ref.coef_).max()))
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-4 * max(1.0, np.abs(ref.coef_).max()))
    if penalty == "l1":
        np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)


def test_liblinear_shrinks_the_intercept_and_the_others_do_not():
    x, y = DATA["unscaled"]
    x = x + 5.0  # an offset makes the intercept large
    lib = logistic.LogisticRegression(solver="liblinear", C=0.01, tol=1e-8).fit(x, y)
    newton = logistic.LogisticRegression(solver="newton-cholesky", C=0.01, tol=1e-8).fit(x, y)
    assert abs(lib.intercept_[0]) < abs(newton.intercept_[0])


def test_no_penalty_and_no_intercept_match_scikit_learn():
    x, y = DATA["unscaled"]  # full rank and not separable: the unpenalised optimum exists
    # scikit-learn >= 1.8 spells "no penalty" as C=inf (penalty= is deprecated)
    for ours_kwargs, sk_kwargs in [({"penalty": None}, {"C": np.inf}), ({"fit_intercept": False},) * 2]:
        ref = SkLogistic(tol=1e-12, max_iter=10_000, solver="newton-cholesky", **sk_kwargs).fit(x, y)
        ours = logistic.LogisticRegression(solver="newton-cholesky", tol=1e-8, **ours_kwargs).fit(x, y)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)


def test_history_records_a_decreasing_objective_for_newton():
    x, y = DATA["breast_cancer"]
    m = logistic.LogisticRegression(solver="newton-cholesky", tol=1e-8).fit(x, y)
    objective = np.array(m.history_["objective"])
    assert len(objective) == m.n_iter_ + 1 == len(m.history_["time"])
    assert np.all(np.diff(objective) <= 1e-9 * objective[0])
    assert m.converged_


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), C=st.floats(0.01, 100.0))
def test_gradient_and_hessian_vector_product_match_finite_differences(seed, C):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((30, 3))
    y = np.r_[0, 1, rng.integers(0, 2, 28)]
    theta, v = rng.standard_normal(4), rng.standard_normal(4)
    h = 1e-6
    f = lambda t: logistic.logistic_objective(t, x, y, C)  # noqa: E731
    fd_grad = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(4)])
    grad = logistic.logistic_gradient(theta, x, y, C)
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-5, atol=1e-5 * C)
    fd_hv = (logistic.logistic_gradient(theta + h * v, x, y, C) - logistic.logistic_gradient(theta - h * v, x, y, C)) / (2 * h)
    np.testing.assert_allclose(logistic.logistic_hessian_vector(theta, v, x, y, C), fd_hv, rtol=1e-5, atol=1e-5 * C)


def test_objective_is_finite_at_extreme_margins():
    x = np.array([[1e4], [-1e4]])
    y = np.array([0, 1])
    value = logistic.logistic_objective(np.array([1.0, 0.0]), x, y)  # both points wrong by 1e4
    np.testing.assert_allclose(value, 2e4 + 0.5)
    assert np.all(np.isfinite(logistic.logistic_gradient(np.array([1.0, 0.0]), x, y)))


def test_bad_inputs():
    x, y = DATA["classification"]
    with pytest.raises(ValueError, match="solver must be one of"):
        logistic.LogisticRegression(solver="adam")
    with pytest.raises(ValueError, match="penalty='l1' is not available with solver='lbfgs'"):
        logistic.LogisticRegression(penalty="l1")
    with pytest.raises(ValueError, match="penalty must be one of"):
        logistic.LogisticRegression(penalty="elasticnet")
    with pytest.raises(ValueError, match="penalty=None is not available with solver='liblinear'"):
        logistic.LogisticRegression(solver="liblinear", penalty=None)
    with pytest.raises(ValueError, match="C must lie in"):
        logistic.LogisticRegression(C=0.0)
    with pytest.raises(ValueError, match=r"y must contain the integer class labels 0, 1, ..., K-1"):
        logistic.LogisticRegression().fit(x, 2 * y)  # labels 0 and 2: class 1 missing
    with pytest.raises(ValueError, match="y must contain only the labels 0 and 1"):
        logistic.logistic_objective(np.zeros(x.shape[1] + 1), x, 2 * y)
    with pytest.raises(ValueError, match="at least two classes"):
        logistic.LogisticRegression().fit(x, np.zeros(len(x)))
    with pytest.raises(ValueError, match="y has 3 classes: the multinomial model needs solver in"):
        logistic.LogisticRegression(solver="liblinear").fit(x, np.arange(len(x)) % 3)
    with pytest.raises(ValueError, match="y must have shape"):
        logistic.LogisticRegression().fit(x, y[:-1])
    with pytest.raises(ValueError, match="x must be finite"):
        logistic.LogisticRegression().fit(np.full_like(x, np.nan), y)
    with pytest.raises(ValueError, match="not fitted yet"):
        logistic.LogisticRegression().predict(x)
    with pytest.raises(ValueError, match="theta must have shape"):
        logistic.logistic_objective(np.zeros(3), x, y)


MULTICLASS = {name: (StandardScaler().fit_transform(x), y)
              for name, (x, y) in [("iris", load_iris(return_X_y=True)), ("wine", load_wine(return_X_y=True)),
                                   ("digits", load_digits(return_X_y=True))]}


# the first-order solvers are left out on the digits: they need thousands of epochs there
@pytest.mark.parametrize(("name", "solver"), [(name, solver) for name in MULTICLASS
                                              for solver in ("lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga")
                                              if name != "digits" or solver in ("lbfgs", "newton-cg", "newton-cholesky")])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_multinomial_reaches_scikit_learns_optimum(name, solver, C):
    x, y = MULTICLASS[name]
    ref = SkLogistic(C=C, tol=1e-12, max_iter=100_000, solver="newton-cg").fit(x, y)
    tol = 1e-11 if solver in ("sag", "saga") else 1e-7  # per-epoch weight change vs gradient norm
    ours = logistic.LogisticRegression(solver=solver, C=C, tol=tol, max_iter=50_000).fit(x, y)
    k = len(ref.classes_)
    assert ours.coef_.shape == (k, x.shape[1]) and ours.intercept_.shape == (k,)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(x), ref.predict_proba(x), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(x), ref.predict(x))
    np.testing.assert_allclose(ours.decision_function(x), ref.decision_function(x), atol=1e-4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(3, 5), C=st.floats(0.01, 100.0))
def test_multinomial_gradient_and_hessian_vector_match_finite_differences(seed, k, C):
    rng = np.random.default_rng(seed)
    xd = np.column_stack([rng.standard_normal((20, 3)), np.ones(20)])
    labels = np.r_[np.arange(k), rng.integers(0, k, 20 - k)]
    f, g, hv, hess = logistic._multinomial_pieces(xd, labels, k, C, fit_intercept=True)
    theta, v = rng.standard_normal(4 * k), rng.standard_normal(4 * k)
    h = 1e-6
    fd_grad = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(4 * k)])
    np.testing.assert_allclose(g(theta), fd_grad, rtol=1e-5, atol=1e-5 * C)
    fd_hv = (g(theta + h * v) - g(theta - h * v)) / (2 * h)
    np.testing.assert_allclose(hv(theta)(v), fd_hv, rtol=1e-5, atol=1e-5 * C)
    # the full Hessian is the same operator, plus ones(k, k) / k on the unpenalised intercept row
    fix = np.zeros((4, k))
    fix[-1] = v.reshape(4, k)[-1].mean()
    np.testing.assert_allclose(hess(theta) @ v, hv(theta)(v) + fix.ravel(), rtol=1e-10, atol=1e-10 * C)
    assert np.all(np.linalg.eigvalsh(hess(theta)) > 0)
    # the objective and gradient stay finite at margins far beyond exp's range
    big = 1e4 * theta
    assert np.isfinite(f(big)) and np.all(np.isfinite(g(big)))


@pytest.mark.parametrize("name", ["iris", "wine"])
def test_multinomial_saga_l1_matches_scikit_learns_sparsity(name):
    x, y = MULTICLASS[name]
    ref = SkLogistic(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000).fit(x, y)
    ours = logistic.LogisticRegression(solver="saga", penalty="l1", C=0.1, tol=1e-12, max_iter=100_000).fit(x, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert np.any(ours.coef_ == 0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
