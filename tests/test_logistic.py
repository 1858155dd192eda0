"""mlnotes.logistic against scikit-learn's LogisticRegression on the same objective."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_classification
from sklearn.linear_model import LogisticRegression as SkLogistic
from sklearn.preprocessing import StandardScaler

from mlnotes import logistic, logistic_solvers


def _datasets():
    x1, y1 = load_breast_cancer(return_X_y=True)
    x2, y2 = make_classification(n_samples=400, n_features=8, n_informative=5, random_state=0)
    rng = np.random.default_rng(1)
    x3 = rng.standard_normal((300, 4)) * [1.0, 10.0, 0.1, 3.0]  # unscaled features
    y3 = (x3 @ [1.0, 0.1, 5.0, -0.2] + rng.logistic(size=300) > 0).astype(int)
    return {
        "breast_cancer": (StandardScaler().fit_transform(x1), y1),
        "classification": (x2, y2),
        "unscaled": (x3, y3),
    }


DATA = _datasets()


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga"])
@pytest.mark.parametrize("C", [0.1, 1.0])
def test_solver_reaches_scikit_learns_optimum(name, solver, C):
    x, y = DATA[name]
    ref = SkLogistic(C=C, tol=1e-12, max_iter=100_000, solver="newton-cholesky").fit(x, y)
    theta_ref = np.r_[ref.coef_[0], ref.intercept_]
    f_ref = logistic.logistic_objective(theta_ref, x, y, C)
    max_iter = {"gd": 100_000, "sag": 20_000, "saga": 20_000}.get(solver, 1000)
    # per-epoch weight change for sag/saga, gradient norm for the others; gradient descent's
    # linear rate on the unscaled data needs ~1e5 iterations for 1e-7: it stops at 1e-5
    tol = {"sag": 1e-10, "saga": 1e-10, "gd": 1e-5}.get(solver, 1e-7)
    ours = logistic.LogisticRegression(solver=solver, C=C, tol=tol, max_iter=max_iter).fit(x, y)
    assert ours.converged_
    theta = np.r_[ours.coef_[0], ours.intercept_]
    assert ours.coef_.shape == (1, x.shape[1]) and ours.intercept_.shape == (1,)
    assert (logistic.logistic_objective(theta, x, y, C) - f_ref) / f_ref <= 1e-6
    np.testing.assert_allclose(theta, theta_ref, atol=1e-4 * max(1.0, np.abs(theta_ref).max()))
    np.testing.assert_allclose(ours.predict_proba(x), ref.predict_proba(x), atol=1e-4)
    np.testing.assert_array_equal(ours.predict(x), ref.predict(x))


@pytest.mark.parametrize("C", [0.05, 0.5])
def test_saga_l1_matches_scikit_learn_objective_and_sparsity(C):
    x, y = DATA["classification"]
    ref = SkLogistic(C=C, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=200_000, random_state=0).fit(x, y)
    ours = logistic.LogisticRegression(solver="saga", penalty="l1", C=C, tol=1e-12, max_iter=200_000).fit(
        x, y
    )
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
    ref = SkLogistic(C=C, solver="liblinear", tol=1e-12, max_iter=100_000, random_state=0, **kwargs).fit(x, y)
    ours = logistic.LogisticRegression(
        solver="liblinear", penalty=penalty, C=C, tol=1e-7, max_iter=20_000
    ).fit(x, y)
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
    objective = m.history_["objective"]
    assert len(objective) == m.n_iter_ + 1 == len(m.history_["passes"])
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
    fd_hv = (
        logistic.logistic_gradient(theta + h * v, x, y, C)
        - logistic.logistic_gradient(theta - h * v, x, y, C)
    ) / (2 * h)
    np.testing.assert_allclose(
        logistic.logistic_hessian_vector(theta, v, x, y, C), fd_hv, rtol=1e-5, atol=1e-5 * C
    )


def test_objective_is_finite_at_extreme_margins():
    x = np.array([[1e4], [-1e4]])
    y = np.array([0, 1])
    value = logistic.logistic_objective(np.array([1.0, 0.0]), x, y)  # both points wrong by 1e4
    np.testing.assert_allclose(value, 2e4 + 0.5)
    assert np.all(np.isfinite(logistic.logistic_gradient(np.array([1.0, 0.0]), x, y)))


X_SMALL, Y_SMALL = DATA["classification"]
LR = logistic.LogisticRegression


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"solver": "adam"}, ValueError, "solver must be one of"),
        ({"solver": None}, ValueError, "solver must be one of"),
        ({"penalty": "elasticnet"}, ValueError, "penalty must be one of"),
        ({"penalty": "l1"}, ValueError, "penalty='l1' is not available with solver='lbfgs'"),
        (
            {"solver": "liblinear", "penalty": None},
            ValueError,
            "penalty=None is not available with solver='liblinear'",
        ),
        ({"C": 0.0}, ValueError, r"C must lie in \(0.0, inf\)"),
        ({"C": -1.0}, ValueError, "C must lie in"),
        ({"C": np.nan}, ValueError, "C must be finite"),
        ({"C": np.inf}, ValueError, "C must be finite"),
        ({"C": "1"}, TypeError, "C must be a real number"),
        ({"fit_intercept": "no"}, TypeError, "fit_intercept must be True or False; got str 'no'"),
        ({"fit_intercept": 1}, TypeError, "fit_intercept must be True or False"),
        ({"fit_intercept": None}, TypeError, "fit_intercept must be True or False"),
        ({"tol": 0.0}, ValueError, "tol must lie in"),
        ({"tol": np.nan}, ValueError, "tol must be finite"),
        ({"max_iter": 0}, ValueError, r"max_iter must lie in \[1, inf\]"),
        ({"max_iter": 1.5}, TypeError, "max_iter must be an integer"),
        ({"max_iter": True}, TypeError, "max_iter must be an integer"),
        ({"memory": 0}, ValueError, "memory must lie in"),
    ],
)
def test_constructor_refuses_bad_settings(kwargs, error, message):
    with pytest.raises(error, match=message):
        LR(**kwargs)


@pytest.mark.parametrize(
    ("x", "y", "error", "message"),
    [
        ("abc", Y_SMALL, TypeError, "x must be a numeric array"),
        (X_SMALL[:, 0], Y_SMALL, ValueError, "x must have 2 dimension"),
        (X_SMALL[None], Y_SMALL, ValueError, "x must have 2 dimension"),
        (np.where(X_SMALL > 2, np.nan, X_SMALL), Y_SMALL, ValueError, "x must be finite"),
        (np.where(X_SMALL > 2, np.inf, X_SMALL), Y_SMALL, ValueError, "x must be finite"),
        (X_SMALL + 1j, Y_SMALL, TypeError, "x must be real"),
        (np.zeros((0, 3)), np.zeros(0), ValueError, "x must have at least 1 element"),
        (X_SMALL * 1e200, Y_SMALL, ValueError, "x is too large for float64"),
        (X_SMALL, Y_SMALL[:-1], ValueError, "y must have 400 samples, as many as x; got 399"),
        (X_SMALL, Y_SMALL[:, None], ValueError, "y must have 1 dimension"),
        (X_SMALL, np.where(Y_SMALL, "a", "b"), ValueError, "y must contain the integer class labels"),
        (X_SMALL, 2 * Y_SMALL, ValueError, r"y must contain the integer class labels 0, 1, ..., K-1"),
        (X_SMALL, np.zeros(400), ValueError, "y must contain at least two classes"),
        (X_SMALL, np.full(400, 0.5), ValueError, "y must contain the integer class labels"),
        (X_SMALL, np.where(Y_SMALL, np.nan, 0.0), ValueError, "y must contain the integer class labels"),
    ],
)
def test_fit_refuses_bad_data(x, y, error, message):
    with pytest.raises(error, match=message):
        LR().fit(x, y)


def test_fit_refuses_what_the_model_cannot_do():
    with pytest.raises(
        ValueError, match="y has 3 classes: the multinomial model needs solver in .*OneVsRestClassifier"
    ):
        LR(solver="liblinear").fit(X_SMALL, np.arange(400) % 3)
    with pytest.raises(ValueError, match="C must be small enough"):
        LR(C=1e308).fit(X_SMALL, Y_SMALL)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_prediction_checks_fit_and_shape(method):
    with pytest.raises(ValueError, match="this LogisticRegression is not fitted yet"):
        getattr(LR(), method)(X_SMALL)
    fitted = LR().fit(X_SMALL, Y_SMALL)
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 8\); got \(400, 7\)"):
        getattr(fitted, method)(X_SMALL[:, :7])
    with pytest.raises(ValueError, match="x must be finite"):
        getattr(fitted, method)(np.full((2, 8), np.nan))
    with pytest.raises(ValueError, match="x must have 2 dimension"):
        getattr(fitted, method)(X_SMALL[0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: logistic.logistic_objective(np.zeros(3), X_SMALL, Y_SMALL),
            ValueError,
            r"theta must have shape \(9\)",
        ),
        (
            lambda: logistic.logistic_objective(np.full(9, np.nan), X_SMALL, Y_SMALL),
            ValueError,
            "theta must be finite",
        ),
        (
            lambda: logistic.logistic_objective(np.zeros(9), X_SMALL, 2 * Y_SMALL),
            ValueError,
            "y must contain only the labels 0 and 1",
        ),
        (
            lambda: logistic.logistic_objective(np.zeros(9), X_SMALL, Y_SMALL, penalty="l3"),
            ValueError,
            "penalty must be one of",
        ),
        (
            lambda: logistic.logistic_objective(np.zeros(9), X_SMALL, Y_SMALL, C=0),
            ValueError,
            "C must lie in",
        ),
        (
            lambda: logistic.logistic_objective(np.zeros(8), X_SMALL, Y_SMALL, fit_intercept="no"),
            TypeError,
            "fit_intercept must be True or False",
        ),
        (
            lambda: logistic.logistic_gradient(np.zeros(9), X_SMALL, Y_SMALL[:-1]),
            ValueError,
            "y must have 400 samples",
        ),
        (lambda: logistic.logistic_gradient(np.zeros(9), X_SMALL, np.zeros(400)), ValueError, "both classes"),
        (
            lambda: logistic.logistic_hessian_vector(np.zeros(9), np.zeros(3), X_SMALL, Y_SMALL),
            ValueError,
            r"v must have shape \(9\)",
        ),
        (
            lambda: logistic.logistic_hessian_vector(np.zeros(9), np.full(9, np.inf), X_SMALL, Y_SMALL),
            ValueError,
            "v must be finite",
        ),
        (lambda: logistic.saga_step_size(X_SMALL, C=-1), ValueError, "C must lie in"),
        (lambda: logistic.saga_step_size(X_SMALL, n_classes=1), ValueError, "n_classes must lie in"),
        (lambda: logistic.saga_step_size(X_SMALL[0]), ValueError, "x must have 2 dimension"),
    ],
)
def test_functions_refuse_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_numpy_booleans_are_accepted_where_booleans_are():
    ours = LR(fit_intercept=np.True_, tol=1e-8).fit(X_SMALL, Y_SMALL)
    plain = LR(fit_intercept=True, tol=1e-8).fit(X_SMALL, Y_SMALL)
    np.testing.assert_array_equal(ours.coef_, plain.coef_)
    labels_as_bools = LR(tol=1e-8).fit(X_SMALL, Y_SMALL.astype(bool))
    np.testing.assert_array_equal(labels_as_bools.coef_, plain.coef_)


@pytest.mark.parametrize(
    "solver", ["gd", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear"]
)
def test_huge_features_give_a_warning_and_no_convergence_claim(solver):
    """On x * 1e20 the intercept is below float resolution next to the features: no solver
    reaches the optimum (unpenalised intercept ~0.1 here), and none may claim it did."""
    x, y = DATA["breast_cancer"]
    with pytest.warns(logistic.ConvergenceWarning, match="did not converge"):
        fit = LR(solver=solver, max_iter=100).fit(x * 1e20, y)
    assert not fit.converged_


@pytest.mark.parametrize("solver", ["sag", "saga"])
def test_sag_does_not_stop_on_still_weights_with_a_stuck_intercept(solver):
    """Here the weights settle within a few dozen epochs on x * 1e20 while the intercept
    cannot move: scikit-learn's rule (weights only) would report convergence."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 3))
    y = (x @ [1.0, -1.0, 0.5] + rng.logistic(size=60) > 0).astype(int)
    with pytest.warns(logistic.ConvergenceWarning, match="the weights stopped changing but the intercept"):
        fit = LR(solver=solver, max_iter=1000).fit(x * 1e20, y)
    assert not fit.converged_ and fit.n_iter_ < 1000


@pytest.mark.parametrize("solver", ["lbfgs", "newton-cg", "newton-cholesky"])
@pytest.mark.parametrize("extra", ["zero", "duplicate"])
def test_singular_unpenalised_problems_reach_the_minimum_norm_optimum(solver, extra):
    """penalty=None with a zero or repeated column: the optimum is a line of solutions; from
    zero the solvers stay in the row space of X and end at its minimum-norm point (a zero
    weight, or the weight split evenly), with the predictions of the model without it."""
    x, y = DATA["unscaled"]
    column = np.zeros(len(x)) if extra == "zero" else x[:, 0]
    base = LR(solver="newton-cholesky", penalty=None, tol=1e-9).fit(x, y)
    fit = LR(solver=solver, penalty=None, tol=1e-9, max_iter=1000).fit(np.column_stack([x, column]), y)
    assert fit.converged_
    expected = np.r_[base.coef_[0], 0.0]
    if extra == "duplicate":
        expected[0] = expected[-1] = base.coef_[0, 0] / 2
    np.testing.assert_allclose(fit.coef_[0], expected, atol=1e-6)
    np.testing.assert_allclose(fit.intercept_, base.intercept_, atol=1e-6)


def test_tiny_features_give_the_intercept_only_model():
    x, y = DATA["classification"]
    for solver in ["lbfgs", "newton-cholesky", "sag", "saga", "liblinear"]:
        fit = LR(solver=solver, tol=1e-8 if solver != "sag" else 1e-6, max_iter=1000).fit(x * 1e-20, y)
        assert np.abs(fit.coef_).max() < 1e-15
        if solver != "liblinear":  # liblinear penalises it: pulled below log(p / (1 - p))
            # sag and saga stop on the change of the (here negligible) weights: a looser intercept
            atol = 1e-4 if solver in ("sag", "saga") else 1e-7
            np.testing.assert_allclose(fit.intercept_, np.log(y.mean() / (1 - y.mean())), atol=atol)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    C=st.floats(0.05, 20.0),
    solver=st.sampled_from(["lbfgs", "newton-cg", "newton-cholesky"]),
)
def test_flipping_labels_negates_the_model_and_duplicating_rows_halves_C(seed, C, solver):
    """F(w, b; 1 - y) = F(-w, -b; y), and two copies of every sample with C/2 is the same objective."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 3)) * rng.uniform(0.1, 10.0, 3)
    y = np.r_[0, 1, rng.integers(0, 2, 38)]
    fit = LR(solver=solver, C=C, tol=1e-9, max_iter=1000).fit(x, y)
    flipped = LR(solver=solver, C=C, tol=1e-9, max_iter=1000).fit(x, 1 - y)
    doubled = LR(solver=solver, C=C / 2, tol=1e-9, max_iter=1000).fit(np.vstack([x, x]), np.r_[y, y])
    scale = max(1.0, np.abs(fit.coef_).max())
    np.testing.assert_allclose(flipped.coef_, -fit.coef_, atol=1e-7 * scale)
    np.testing.assert_allclose(flipped.intercept_, -fit.intercept_, atol=1e-7 * scale)
    np.testing.assert_allclose(doubled.coef_, fit.coef_, atol=1e-7 * scale)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_permuting_samples_or_features_permutes_nothing_else(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((50, 4))
    y = np.r_[0, 1, rng.integers(0, 2, 48)]
    rows, cols = rng.permutation(50), rng.permutation(4)
    fit = LR(solver="lbfgs", tol=1e-9, max_iter=1000).fit(x, y)
    shuffled = LR(solver="lbfgs", tol=1e-9, max_iter=1000).fit(x[rows][:, cols], y[rows])
    np.testing.assert_allclose(shuffled.coef_, fit.coef_[:, cols], atol=1e-7)
    np.testing.assert_allclose(shuffled.predict_proba(x[:, cols]), fit.predict_proba(x), atol=1e-8)
    np.testing.assert_allclose(fit.predict_proba(x).sum(axis=1), 1.0)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [1e-3, 1.0, 1e3])
def test_saga_step_is_scikit_learns_where_a_theorem_covers_it(n_classes, fit_intercept, C):
    from sklearn.linear_model._sag import get_auto_step_size

    x, _ = DATA["unscaled"]
    n = len(x)
    mu = 1.0 / (C * n)
    squared = np.max(np.sum(x**2, axis=1))
    ours = logistic.saga_step_size(x, C, fit_intercept, "l2", n_classes)
    if n_classes == 2:
        reference = get_auto_step_size(squared, mu, "log", fit_intercept, n_samples=n, is_saga=True)
    else:  # scikit-learn bounds the softmax's curvature by 1/4 as well; the true bound is 1/2
        smooth = 0.5 * (squared + fit_intercept) + mu
        reference = 1 / (2 * smooth + min(2 * mu * n, smooth))
    np.testing.assert_allclose(ours, reference, rtol=1e-12)
    # without strong convexity (L1 or no penalty) only Theorem 2's 1/(3L) is backed
    smooth = (0.25 if n_classes == 2 else 0.5) * (squared + fit_intercept)
    np.testing.assert_allclose(
        logistic.saga_step_size(x, C, fit_intercept, "l1", n_classes), 1 / (3 * smooth)
    )


def test_passes_are_counted_deterministically():
    x, y = DATA["breast_cancer"]
    p = x.shape[1] + 1
    with pytest.warns(logistic.ConvergenceWarning, match="max_iter=50 iterations were not enough"):
        gd = LR(solver="gd", tol=1e-3, max_iter=50).fit(x, y)
    assert not gd.converged_ and gd.n_iter_ == 50
    # nothing at the start; then the spectral norm (p passes), the first gradient and one
    # gradient (2 passes each) per iteration
    np.testing.assert_array_equal(gd.history_["passes"], np.r_[0, p + 2 + 2 * np.arange(1, 51)])
    saga = LR(solver="saga", tol=1e-3, max_iter=200).fit(x, y)
    np.testing.assert_allclose(np.diff(saga.history_["passes"]), 3 * (p - 1) / p)
    for solver in ["lbfgs", "newton-cg", "newton-cholesky", "liblinear"]:
        one, two = (LR(solver=solver, tol=1e-8).fit(x, y).history_ for _ in range(2))
        np.testing.assert_array_equal(one["passes"], two["passes"])
        assert np.all(np.diff(one["passes"]) > 0)
    assert set(gd.history_) == {"objective", "grad_norm", "passes", "time"}
    assert all(isinstance(v, np.ndarray) and len(v) == gd.n_iter_ + 1 for v in gd.history_.values())


def test_trust_region_cg_stays_inside_the_radius_and_solves_inside_it():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((6, 6))
    h = a @ a.T + 0.1 * np.eye(6)
    g = rng.standard_normal(6)
    newton = -np.linalg.solve(h, g)
    step, residual = logistic_solvers._truncated_cg(lambda v: h @ v, g, radius=0.5 * np.linalg.norm(newton))
    np.testing.assert_allclose(np.linalg.norm(step), 0.5 * np.linalg.norm(newton))
    np.testing.assert_allclose(residual, -g - h @ step, atol=1e-12)
    step, residual = logistic_solvers._truncated_cg(lambda v: h @ v, g, radius=10 * np.linalg.norm(newton))
    assert np.linalg.norm(residual) <= 0.1 * np.linalg.norm(g)  # LIBLINEAR's inner stopping rule


MULTICLASS = {
    name: (StandardScaler().fit_transform(x), y)
    for name, (x, y) in [
        ("iris", load_iris(return_X_y=True)),
        ("wine", load_wine(return_X_y=True)),
        ("digits", load_digits(return_X_y=True)),
    ]
}


# the first-order solvers are left out on the digits: they need thousands of epochs there
@pytest.mark.parametrize(
    ("name", "solver"),
    [
        (name, solver)
        for name in MULTICLASS
        for solver in ("lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga")
        if name != "digits" or solver in ("lbfgs", "newton-cg", "newton-cholesky")
    ],
)
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
    objective = logistic.Objective(xd, labels, k, C, "l2", n_free_rows=1)
    f, g, hv, hess = objective.value, objective.gradient, objective.hessian_vector, objective.hessian
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
    ref = SkLogistic(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=100_000, random_state=0)
    ref.fit(x, y)
    ours = logistic.LogisticRegression(solver="saga", penalty="l1", C=0.1, tol=1e-12, max_iter=100_000).fit(
        x, y
    )
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert np.any(ours.coef_ == 0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
