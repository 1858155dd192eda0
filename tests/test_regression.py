"""mlnotes.regression against statsmodels, scikit-learn, Keras and the NIST StRD certified values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sklearn.metrics
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes

from mlnotes import regression

NIST = json.loads((Path(__file__).parent / "data" / "nist" / "lls.json").read_text())["datasets"]


def _designs():
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((50, 3))
    y1 = x1 @ [1.0, -2.0, 0.5] + 0.3 + rng.standard_normal(50)
    x2 = np.column_stack([np.linspace(0, 1, 40), np.linspace(0, 1, 40) ** 2])  # correlated columns
    y2 = 2 + x2 @ [1.0, 3.0] + 0.1 * rng.standard_normal(40)
    x3, y3 = load_diabetes(return_X_y=True)
    x4 = 1e3 + rng.standard_normal((30, 2))  # large offset: X'X badly conditioned
    y4 = x4 @ [0.5, 0.1] + rng.standard_normal(30)
    x5 = rng.standard_normal((40, 3)) * [1.0, 1e10, 1e-3]  # columns 13 orders of magnitude apart
    y5 = x5 @ [1.0, 2e-10, 3e3] + rng.standard_normal(40)
    return [(x1, y1), (x2, y2), (x3, y3), (x4, y4), (x5, y5)]


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("intercept", [True, False])
def test_ols_equals_statsmodels(index, intercept):
    x, y = _designs()[index]
    ours = regression.ols(x, y, add_intercept=intercept)
    # statsmodels' pseudo-inverse loses digits on badly scaled columns: give it unit-scale
    # columns and rescale its coefficients (an exact identity) for the comparison.
    scale = np.abs(x).max(axis=0)
    ref = sm.OLS(y, sm.add_constant(x / scale, has_constant="add") if intercept else x / scale).fit()
    unscale = np.r_[1.0, scale] if intercept else scale
    expected = [("coef", ref.params / unscale), ("stderr", ref.bse / unscale), ("t_values", ref.tvalues)]
    for name, theirs in expected:
        np.testing.assert_allclose(getattr(ours, name), theirs, rtol=1e-8, err_msg=name)
    np.testing.assert_allclose(ours.p_values, ref.pvalues, rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose([ours.r2, ours.adj_r2, ours.f_statistic, ours.sigma2],
                               [ref.rsquared, ref.rsquared_adj, ref.fvalue, ref.scale], rtol=1e-8)
    np.testing.assert_allclose(ours.f_p_value, ref.f_pvalue, rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(ours.residuals, ref.resid, rtol=1e-8, atol=1e-10 * np.abs(y).max())


def _nist_design(spec):
    x = np.asarray(spec["x"], dtype=float)
    if spec["model"] == "poly":
        return np.column_stack([x**p for p in range(1, spec["degree"] + 1)])
    return x[:, None]


def _digits(value, certified):
    """Log relative error (LRE, McCullough 1998): correct significant digits; absolute when certified is 0."""
    value, certified = np.atleast_1d(value), np.atleast_1d(certified)
    err = np.where(certified != 0, np.abs(value - certified) / np.where(certified != 0, np.abs(certified), 1),
                   np.abs(value))
    with np.errstate(divide="ignore"):
        return float(np.min(-np.log10(err)))


# Digits a QR solver in double precision reaches (measured, rounded down): the certified values
# carry 15; Wampler's degree-5 polynomials on x = 0..20 have a condition number near 1e9-1e13.
NIST_DIGITS = {"Norris": 11, "Pontius": 11, "NoInt1": 14, "NoInt2": 14, "Wampler1": 8, "Wampler2": 11,
               "Wampler3": 8, "Wampler4": 7, "Wampler5": 5}


@pytest.mark.parametrize("name", sorted(NIST))
def test_ols_reaches_the_nist_certified_values(name):
    spec = NIST[name]
    y = np.asarray(spec["y"], dtype=float)
    fit = regression.ols(_nist_design(spec), y, add_intercept=spec["intercept"])
    digits = NIST_DIGITS[name]
    assert _digits(fit.coef, spec["coef"]) >= digits
    assert _digits(fit.stderr, spec["stderr"]) >= digits
    assert _digits(np.sqrt(fit.sigma2), spec["residual_sd"]) >= digits
    assert _digits(fit.r2, spec["r2"]) >= digits


def test_ols_reaches_the_nist_certified_values_on_longley():
    # Certified values of NIST StRD Longley.dat (statsmodels ships the data).
    data = sm.datasets.longley.load_pandas()
    fit = regression.ols(data.exog.to_numpy(), data.endog.to_numpy())
    coef = [-3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
            -1.03322686717359, -0.511041056535807e-01, 1829.15146461355]
    stderr = [890420.383607373, 84.9149257747669, 0.334910077722432e-01, 0.488399681651699,
              0.214274163161675, 0.226073200069370, 455.478499142212]
    assert _digits(fit.coef, coef) >= 8
    assert _digits(fit.stderr, stderr) >= 8
    assert _digits(np.sqrt(fit.sigma2), 304.854073561965) >= 8
    assert _digits(fit.r2, 0.995479004577296) >= 8


def test_a_perfect_fit_has_zero_standard_errors_and_infinite_t():
    x = np.arange(10.0)
    fit = regression.ols(x, 3.0 * x)  # intercept exactly 0, slope 3, RSS 0
    np.testing.assert_allclose(fit.coef, [0.0, 3.0], atol=1e-12)
    assert fit.r2 == pytest.approx(1.0)
    assert np.all(np.isfinite(fit.p_values)) and fit.p_values[1] < 1e-12


def test_ols_statistics_at_the_ols_solution_equals_ols():
    for x, y in _designs():
        fit = regression.ols(x, y)
        again = regression.ols_statistics(x, y, fit.coef)
        for name in ["stderr", "t_values", "p_values", "residuals"]:
            np.testing.assert_allclose(getattr(again, name), getattr(fit, name), rtol=1e-9, atol=1e-300)
        np.testing.assert_allclose([again.r2, again.adj_r2, again.f_statistic],
                                   [fit.r2, fit.adj_r2, fit.f_statistic])


def test_ols_statistics_at_other_coefficients_match_a_direct_computation():
    # Reference computed independently: explicit inverse of X'X on a well-conditioned design.
    x, y = _designs()[0]
    design = sm.add_constant(x)
    b = regression.ols(x, y).coef + np.array([0.1, -0.2, 0.05, 0.3])
    res = y - design @ b
    sigma2 = res @ res / (len(y) - 4)
    se = np.sqrt(sigma2 * np.diag(np.linalg.inv(design.T @ design)))
    stats = regression.ols_statistics(x, y, b)
    np.testing.assert_allclose(stats.stderr, se, rtol=1e-10)
    np.testing.assert_allclose(stats.t_values, b / se, rtol=1e-10)
    np.testing.assert_allclose(stats.r2, sklearn.metrics.r2_score(y, design @ b), rtol=1e-12)
    assert stats.r2 < regression.ols(x, y).r2  # off the optimum: more residual, less R^2


def test_ols_statistics_of_keras_weights_match_keras_r2score():
    keras = pytest.importorskip("mlnotes.tf_env").keras
    x, y = _designs()[0]
    b = regression.ols(x, y).coef + 0.05
    pred = sm.add_constant(x) @ b
    metric = keras.metrics.R2Score(num_regressors=x.shape[1], dtype="float64")
    metric.update_state(y[:, None], pred[:, None])
    stats = regression.ols_statistics(x, y, b)
    np.testing.assert_allclose(stats.adj_r2, float(metric.result()), rtol=1e-6)  # Keras sums in float32


def test_r2_and_adjusted_r2_match_the_references():
    x, y = _designs()[2]
    fit = regression.ols(x, y)
    prediction = y - fit.residuals
    np.testing.assert_allclose(regression.r2_score(y, prediction), sklearn.metrics.r2_score(y, prediction))
    np.testing.assert_allclose(regression.adjusted_r2(fit.r2, len(y), x.shape[1]), fit.adj_r2)


@pytest.mark.parametrize("scale", [1e-200, 1e-8, 1.0, 1e8, 1e200])
def test_r2_score_at_extreme_scales(scale):
    rng = np.random.default_rng(1)
    y, pred = rng.standard_normal(30), rng.standard_normal(30)
    np.testing.assert_allclose(regression.r2_score(scale * y, scale * pred),
                               sklearn.metrics.r2_score(y, pred),
                               rtol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 60))
def test_residuals_are_orthogonal_to_the_design_and_r2_in_range(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    y = rng.standard_normal(n)
    fit = regression.ols(x, y)
    design = np.column_stack([np.ones(n), x])
    np.testing.assert_allclose(design.T @ fit.residuals, 0.0, atol=1e-9 * max(1.0, np.abs(y).sum()))
    assert -1e-12 <= fit.r2 <= 1 + 1e-12 and fit.adj_r2 <= fit.r2 + 1e-12


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), column=st.integers(0, 2), exponent=st.integers(-12, 12),
       y_exponent=st.integers(-100, 100), intercept=st.booleans())
def test_rescaling_a_column_rescales_its_coefficient_and_keeps_t(seed, column, exponent, y_exponent,
                                                                  intercept):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((25, 3))
    y = x @ rng.standard_normal(3) + 1.0 + rng.standard_normal(25)
    c, ys = 10.0**exponent, 10.0**y_exponent
    base = regression.ols(x, y, add_intercept=intercept)
    scaled_x = x.copy()
    scaled_x[:, column] *= c
    scaled = regression.ols(scaled_x, ys * y, add_intercept=intercept)
    j = column + int(intercept)
    expected = base.coef * ys
    expected[j] /= c
    np.testing.assert_allclose(scaled.coef, expected, rtol=1e-8)
    np.testing.assert_allclose(scaled.t_values, base.t_values, rtol=1e-8)
    np.testing.assert_allclose([scaled.r2, scaled.f_statistic], [base.r2, base.f_statistic], rtol=1e-9)


def test_a_column_scaled_by_1e10_is_not_rank_deficient():
    x, y = _designs()[0]
    fit = regression.ols(x * [1.0, 1e10, 1.0], y)
    ref = sm.OLS(y, sm.add_constant(x * [1.0, 1e10, 1.0])).fit()
    np.testing.assert_allclose(fit.t_values, regression.ols(x, y).t_values, rtol=1e-10)
    np.testing.assert_allclose(fit.t_values, ref.tvalues, rtol=1e-5)  # statsmodels' pinv loses ~7 digits here


BAD_OLS = [
    ({"X": np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])}, ValueError, "X is rank deficient"),
    ({"X": np.column_stack([np.arange(5.0), np.zeros(5)])}, ValueError, "column 2 of the design is all zero"),
    ({"X": np.ones((5, 1))}, ValueError, "X is rank deficient"),  # a copy of the intercept
    ({"y": np.zeros(4)}, ValueError, "y must have 5 samples, as many as X; got 4"),
    ({"X": np.eye(2), "y": np.arange(2.0)}, ValueError, "more rows than columns"),
    ({"X": np.array([[np.nan], [1.0], [2.0], [3.0], [5.0]])}, ValueError, "X must be finite"),
    ({"y": np.array([1.0, np.inf, 2.0, 3.0, 4.0])}, ValueError, "y must be finite"),
    ({"y": np.full(5, 7.0)}, ValueError, "y must not be constant"),
    ({"y": np.zeros(5), "add_intercept": False}, ValueError, "y must not be all zeros"),
    ({"add_intercept": 1}, TypeError, "add_intercept must be True or False"),
    ({"add_intercept": "no"}, TypeError, "add_intercept must be True or False"),
    ({"X": "abc"}, TypeError, "X must be a numeric array"),
    ({"X": None}, TypeError, "X must be a numeric array"),
    ({"X": np.zeros((5, 1, 1))}, ValueError, "X must have 1 or 2 dimension"),
    ({"X": np.zeros((0, 1)), "y": np.zeros(0)}, ValueError, "X must have at least 1 element"),
    ({"y": np.zeros((5, 1))}, ValueError, "y must have 1 dimension"),
]


@pytest.mark.parametrize(("kwargs", "error", "match"), BAD_OLS)
@pytest.mark.parametrize("function", ["ols", "ols_statistics"])
def test_ols_bad_inputs(function, kwargs, error, match):
    args = {"X": np.arange(5.0) ** 2, "y": np.array([1.0, 3.0, 2.0, 5.0, 4.0]), **kwargs}
    if function == "ols_statistics":
        width = np.shape(args["X"])[1] if np.ndim(args["X"]) == 2 else 1
        args["coef"] = np.ones(width + int(args.get("add_intercept", True) is True))
    with pytest.raises(error, match=match):
        getattr(regression, function)(**args)


@pytest.mark.parametrize(("coef", "error", "match"), [
    (np.ones(3), ValueError, r"coef must have shape \(2\)"),
    (np.array([1.0, np.nan]), ValueError, "coef must be finite"),
    ("ab", TypeError, "coef must be a numeric array"),
    (np.ones((2, 1)), ValueError, "coef must have 1 dimension"),
])
def test_ols_statistics_bad_coef(coef, error, match):
    with pytest.raises(error, match=match):
        regression.ols_statistics(np.arange(5.0), np.array([1.0, 3.0, 2.0, 5.0, 4.0]), coef)


@pytest.mark.parametrize(("args", "error", "match"), [
    (([1.0, 1.0], [1.0, 2.0]), ValueError, "y_true must not be constant"),
    (([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, r"y_pred must have shape \(2\)"),
    (([1.0], [1.0]), ValueError, "y_true must have at least 2"),
    (([1.0, np.nan], [1.0, 2.0]), ValueError, "y_true must be finite"),
    (([1.0, 2.0], [1.0, np.inf]), ValueError, "y_pred must be finite"),
    (("ab", [1.0, 2.0]), TypeError, "y_true must be a numeric array"),
    (([1.0, 2.0], None), TypeError, "y_pred must be a numeric array"),
])
def test_r2_score_bad_inputs(args, error, match):
    with pytest.raises(error, match=match):
        regression.r2_score(*args)


@pytest.mark.parametrize(("args", "error", "match"), [
    ((0.5, 3, 2), ValueError, "n_samples must exceed n_features"),
    ((1.5, 10, 2), ValueError, "r2 must lie in"),
    ((float("nan"), 10, 2), ValueError, "r2 must be finite"),
    (("0.5", 10, 2), TypeError, "r2 must be a real number"),
    ((0.5, 10.0, 2), TypeError, "n_samples must be an integer"),
    ((0.5, 10, -1), ValueError, "n_features must lie in"),
    ((0.5, 10, True), TypeError, "n_features must be an integer"),
])
def test_adjusted_r2_bad_inputs(args, error, match):
    with pytest.raises(error, match=match):
        regression.adjusted_r2(*args)
