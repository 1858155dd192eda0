r"""Ordinary least squares with its classical statistics, computed stably (Chapter 4, L2).

For :math:`y = X\beta + \varepsilon` with :math:`\varepsilon \sim \mathcal N(0, \sigma^2 I)`,
:math:`n` observations and :math:`k` columns (the intercept included):

.. math::
    \hat\beta = \arg\min \lVert y - X\beta\rVert^2, \qquad
    \hat\sigma^2 = \frac{\mathrm{RSS}}{n - k}, \qquad
    \operatorname{se}(\hat\beta_j) = \hat\sigma \sqrt{[(X^\top X)^{-1}]_{jj}},

computed from the QR factorisation of the column-scaled design :math:`XD^{-1} = QR`
(:math:`D` = the columns' Euclidean norms): :math:`\hat\beta = D^{-1}R^{-1}Q^\top y` and
:math:`(X^\top X)^{-1} = D^{-1}R^{-1}R^{-\top}D^{-1}`, so :math:`X^\top X` (whose condition
number is the square of :math:`X`'s) is never formed, and the rank test does not depend on
the units of the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.linalg import solve_triangular

from mlnotes._checks import as_array, check_bool, check_int, check_real, check_same_length, check_shape

__all__ = ["OLSResult", "adjusted_r2", "ols", "ols_statistics", "r2_score"]

# Relative size of R's smallest diagonal entry (columns scaled to unit norm) below which
# the design counts as rank deficient: about 1e6 times the double-precision epsilon.
RANK_TOL = 1e-10


@dataclass(frozen=True)
class OLSResult:
    """Coefficients and statistics of a linear fit (intercept first when added).

    ``coef``, ``stderr``, ``t_values``, ``p_values`` have shape (k,); ``residuals`` (n,);
    ``sigma2`` is RSS / ``df_resid``.
    """

    coef: np.ndarray
    stderr: np.ndarray
    t_values: np.ndarray
    p_values: np.ndarray
    r2: float
    adj_r2: float
    f_statistic: float
    f_p_value: float
    df_resid: int
    sigma2: float
    residuals: np.ndarray


def r2_score(y_true: Any, y_pred: Any) -> float:
    r"""Coefficient of determination :math:`R^2 = 1 - \sum (y - \hat y)^2 / \sum (y - \bar y)^2`.

    The denominator is centred at the mean of ``y_true``; :math:`R^2` can be negative for
    predictions worse than the mean. Equal to ``sklearn.metrics.r2_score``.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,), n >= 2

    Raises
    ------
    ValueError
        If ``y_true`` is constant (the denominator is 0 and :math:`R^2` undefined).

    References
    ----------
    scikit-learn documentation, ``sklearn.metrics.r2_score``.
    """
    yt = as_array(y_true, "y_true", ndim=1, min_size=2)
    yp = check_shape(as_array(y_pred, "y_pred", ndim=1), "y_pred", yt.shape)
    scale = max(float(np.abs(yt).max()), float(np.abs(yp).max()))  # no under/overflow at 1e-200 or 1e200
    centred = (yt - yt.mean()) / scale if scale > 0 else yt
    tss = float(centred @ centred)
    if tss <= np.finfo(float).eps ** 2 * yt.size:
        raise ValueError("y_true must not be constant: R^2 is undefined (its total sum of squares is 0)")
    residual = (yt - yp) / scale
    return float(1 - (residual @ residual) / tss)


def adjusted_r2(r2: float, n_samples: int, n_features: int) -> float:
    r"""Adjusted :math:`R^2 = 1 - (1 - R^2)\,\frac{n - 1}{n - p - 1}`.

    For a model with an intercept and ``n_features`` = :math:`p` other regressors fitted on
    ``n_samples`` = :math:`n` observations; ``r2`` at most 1.

    References
    ----------
    Greene (2018), *Econometric Analysis*, 8th ed., section 3.5.
    """
    r2 = check_real(r2, "r2", high=1.0)
    n = check_int(n_samples, "n_samples", low=2)
    p = check_int(n_features, "n_features", low=0)
    if n - p - 1 <= 0:
        raise ValueError(f"n_samples must exceed n_features + 1; got n_samples={n}, n_features={p}")
    return float(1 - (1 - r2) * (n - 1) / (n - p - 1))


def _design(X: Any, y: Any, add_intercept: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    xs = as_array(X, "X", ndim=(1, 2), min_size=1)
    if xs.ndim == 1:
        xs = xs[:, None]
    ys = as_array(y, "y", ndim=1)
    check_same_length(xs, "X", ys, "y")
    add_intercept = check_bool(add_intercept, "add_intercept")
    design = np.column_stack([np.ones(len(xs)), xs]) if add_intercept else xs
    n, k = design.shape
    if n <= k:
        raise ValueError(f"X must have more rows than columns (with the intercept): "
                         f"got {n} rows, {k} columns")
    scale = max(float(np.abs(ys).max()), np.finfo(float).tiny)
    if _tss(ys / scale, add_intercept) <= np.finfo(float).eps ** 2 * n:
        what = "constant" if add_intercept else "all zeros"
        raise ValueError(f"y must not be {what}: R^2 and the F test are undefined (total sum of squares 0)")
    return design, ys, add_intercept


def _tss(ys: np.ndarray, add_intercept: bool) -> float:
    """Total sum of squares: centred with an intercept, uncentred without (as statsmodels)."""
    centred = ys - ys.mean() if add_intercept else ys
    return float(centred @ centred)


def _column_norms(design: np.ndarray) -> np.ndarray:
    """Euclidean norms of the columns without overflow or underflow at extreme scales."""
    peak = np.abs(design).max(axis=0)
    safe = np.where(peak > 0, peak, 1.0)
    return peak * np.linalg.norm(design / safe, axis=0)


def _scaled_qr(design: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """QR of the design with unit-norm columns; refuses a rank-deficient design."""
    norms = _column_norms(design)
    if np.any(norms == 0):
        zero = int(np.flatnonzero(norms == 0)[0])
        raise ValueError(f"X is rank deficient: column {zero} of the design is all zeros")
    Q, R = np.linalg.qr(design / norms)
    diag = np.abs(np.diag(R))
    if diag.min() <= RANK_TOL * diag.max():
        raise ValueError("X is rank deficient: some column is (nearly) a linear combination of the others "
                         f"(|R_jj| of the column-scaled design: min/max = {diag.min() / diag.max():.1e})")
    return Q, R, norms


def _statistics(design: np.ndarray, ys: np.ndarray, coef: np.ndarray, R: np.ndarray, norms: np.ndarray,
                add_intercept: bool) -> OLSResult:
    # Work with y / s and coef / s (s = max |y|): t, p, R^2 and F do not depend on s, and
    # no sum of squares under- or overflows for y near 1e-200 or 1e200.
    n, k = design.shape
    s = max(float(np.abs(ys).max()), np.finfo(float).tiny)
    scaled_residuals = ys / s - design @ (coef / s)
    df_resid = n - k
    rss = float(scaled_residuals @ scaled_residuals)
    sigma2 = rss / df_resid
    r_inv = solve_triangular(R, np.eye(k))
    stderr = np.sqrt(sigma2 * np.sum(r_inv**2, axis=1)) / norms * s  # sqrt(diag(D^-1 R^-1 R^-T D^-1))
    # A perfect fit (RSS = 0) has zero standard errors: |t| = inf and p = 0 for a nonzero
    # coefficient, t = 0 and p = 1 for a zero one.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        t_values = np.where(stderr > 0, coef / np.where(stderr > 0, stderr, 1.0), np.sign(coef) * np.inf)
    t_values = np.where((stderr == 0) & (coef == 0), 0.0, t_values)
    p_values = 2 * stats.t.sf(np.abs(t_values), df_resid)
    tss = _tss(ys / s, add_intercept)
    r2 = 1 - rss / tss
    df_model = k - int(add_intercept)
    adj = 1 - (n - int(add_intercept)) / df_resid * (1 - r2)
    if sigma2 == 0:
        f_stat, f_p = float("inf"), 0.0
    else:
        f_stat = ((tss - rss) / df_model) / sigma2
        f_p = float(stats.f.sf(f_stat, df_model, df_resid))
    return OLSResult(coef, stderr, t_values, p_values, float(r2), float(adj), float(f_stat), f_p,
                     df_resid, float(sigma2 * s * s), scaled_residuals * s)


def ols(X: Any, y: Any, add_intercept: bool = True) -> OLSResult:
    """Fit OLS and compute standard errors, t and p values, R², adjusted R² and the F test.

    Matches ``statsmodels.api.OLS(y, sm.add_constant(X)).fit()``: without an intercept,
    R² and adjusted R² are uncentred, as statsmodels reports them. Tested against the
    certified values of the NIST StRD linear-regression data sets.

    Parameters
    ----------
    X : array_like, shape (n, p) or (n,)
    y : array_like, shape (n,)
    add_intercept : bool, default True
        Prepend a column of ones.

    Returns
    -------
    OLSResult
        ``coef`` of shape (k,) with k = p + 1 with the intercept (first), else p. With a
        perfect fit (RSS = 0) the standard errors are 0, |t| = inf with p = 0 and F = inf.

    Raises
    ------
    ValueError
        If the design is rank deficient (a column is zero or a combination of others,
        judged on the columns scaled to unit norm, so independent of their units), there
        are no residual degrees of freedom, or ``y`` is constant (with an intercept; all
        zeros without): then R² is undefined.

    References
    ----------
    Greene (2018), *Econometric Analysis*, 8th ed., chapters 3-5; Golub and Van Loan (2013),
    *Matrix Computations*, section 5.3 (least squares by QR); NIST Statistical Reference
    Datasets, linear least squares.
    """
    design, ys, add_intercept = _design(X, y, add_intercept)
    Q, R, norms = _scaled_qr(design)
    s = max(float(np.abs(ys).max()), np.finfo(float).tiny)
    coef = solve_triangular(R, Q.T @ (ys / s)) / norms * s
    return _statistics(design, ys, coef, R, norms, add_intercept)


def ols_statistics(X: Any, y: Any, coef: Any, add_intercept: bool = True) -> OLSResult:
    r"""The OLS statistics evaluated at coefficients fitted elsewhere (e.g. by Keras).

    With residuals :math:`r = y - Xb` at the given :math:`b`, computes
    :math:`\hat\sigma^2 = \lVert r\rVert^2/(n-k)`,
    :math:`\operatorname{se}_j = \hat\sigma\sqrt{[(X^\top X)^{-1}]_{jj}}`,
    :math:`t_j = b_j/\operatorname{se}_j`, p-values from :math:`t_{n-k}`, :math:`R^2`,
    adjusted :math:`R^2` and F, exactly as :func:`ols` does at its own solution.

    The formulas assume :math:`b` is the least-squares solution: elsewhere the RSS is
    larger, so :math:`\hat\sigma`, the standard errors and :math:`1 - R^2` come out too
    large. How far the result is from ``ols(X, y)`` measures how well the other fit
    converged; at :math:`b = \hat\beta` the two are equal.

    Parameters
    ----------
    X : array_like, shape (n, p) or (n,)
    y : array_like, shape (n,)
    coef : array_like, shape (k,)
        Intercept first when ``add_intercept`` (k = p + 1), else k = p.
    add_intercept : bool, default True

    Returns
    -------
    OLSResult
        With ``coef`` a copy of the given coefficients.

    Raises
    ------
    ValueError
        As :func:`ols`, and if ``coef`` does not have shape (k,).

    References
    ----------
    Greene (2018), *Econometric Analysis*, 8th ed., chapter 4.
    """
    design, ys, add_intercept = _design(X, y, add_intercept)
    b = check_shape(as_array(coef, "coef", ndim=1), "coef", (design.shape[1],)).copy()
    _, R, norms = _scaled_qr(design)
    return _statistics(design, ys, b, R, norms, add_intercept)
