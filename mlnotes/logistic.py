r"""Logistic regression written from scratch: scikit-learn's objective, binary and multinomial,
and the solvers behind its ``solver=`` names (Chapter 4, L1).

The objective, exactly as scikit-learn's ``LogisticRegression`` minimises it for labels
:math:`y_i \in \{0, 1\}` (written :math:`s_i = 2y_i - 1 \in \{-1, 1\}`), weights :math:`w` and
an unpenalised intercept :math:`b`:

.. math::
    F(w, b) = C \sum_{i=1}^n \log\bigl(1 + e^{-s_i (x_i^\top w + b)}\bigr) + \tfrac12 \lVert w\rVert^2 .

With :math:`K > 2` classes (labels :math:`0, \dots, K-1`) it is the multinomial (softmax)
model, one weight column and intercept per class,

.. math::
    F(W, b) = C \sum_{i=1}^n \Bigl(\log \sum_{k=1}^K e^{z_{ik}} - z_{i y_i}\Bigr)
    + \tfrac12 \lVert W\rVert_F^2, \qquad z_i = W^\top x_i + b .

``penalty="l1"`` replaces the squared norm by :math:`\lVert w\rVert_1`, ``penalty=None``
drops it. :class:`~mlnotes.logistic_objective.Objective` evaluates :math:`F` and its
derivatives on the parameter vector :math:`\theta` (the weights :math:`W` of shape (p, m),
intercept row last, raveled) and counts the work in passes over the data; every solver in
:mod:`mlnotes.logistic_solvers` has one signature, ``solver(objective, theta, settings,
record) -> SolverResult``.

Solvers: ``"gd"`` (gradient descent, step :math:`1/L`), ``"lbfgs"`` (two-loop recursion,
backtracking line search), ``"newton-cg"`` (inexact Newton steps by conjugate gradients),
``"newton-cholesky"`` (Newton steps with the full Hessian), ``"sag"`` and ``"saga"``
(stochastic average gradient, numba kernels in :mod:`mlnotes.logistic_kernels`) and
``"liblinear"`` (LIBLINEAR's algorithms with its penalised intercept: the trust-region Newton
method TRON for L2, newGLMNET for L1).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.special import expit

from mlnotes._checks import (
    as_array,
    check_bool,
    check_choice,
    check_fitted,
    check_int,
    check_real,
    check_same_length,
    check_shape,
)
from mlnotes.logistic_objective import Objective
from mlnotes.logistic_solvers import SOLVER_FUNCTIONS, Recorder, SolverResult, SolverSettings, saga_step_size
from mlnotes.probability import softmax

__all__ = [
    "ConvergenceWarning",
    "LogisticRegression",
    "Objective",
    "SolverResult",
    "SolverSettings",
    "logistic_gradient",
    "logistic_hessian_vector",
    "logistic_objective",
    "saga_step_size",
]

SOLVERS = ("gd", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear")
MULTINOMIAL_SOLVERS = ("gd", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")


class ConvergenceWarning(UserWarning):
    """A solver stopped before its tolerance was met (iteration limit, or no further progress)."""


# -- the public functions of the binary objective -----------------------------------------
def _check_data(x: Any, y: Any, classes: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """x and y validated; y as integers 0/1, or with ``classes`` 0..K-1 (K >= 2)."""
    xs = as_array(x, "x", ndim=2, min_size=1)
    ys = np.asarray(y)
    if ys.ndim != 1:
        raise ValueError(f"y must have 1 dimension(s); got shape {ys.shape}")
    check_same_length(xs, "x", ys, "y")
    found = np.unique(ys) if ys.dtype.kind in "biuf" else None
    if not classes:
        if found is None or not np.all(np.isin(found, (0, 1))):
            raise ValueError(f"y must contain only the labels 0 and 1; got values {np.unique(ys)[:5]}")
        if found.size < 2:
            raise ValueError("y must contain both classes 0 and 1; got one class only")
        return xs, ys.astype(np.int64)
    if found is None or not np.array_equal(found, np.arange(found.size)):
        raise ValueError(
            f"y must contain the integer class labels 0, 1, ..., K-1, each at least once; "
            f"got values {np.unique(ys)[:10]}"
        )
    if found.size < 2:
        raise ValueError("y must contain at least two classes; got one class only")
    return xs, ys.astype(np.int64)


def _design(x: np.ndarray, fit_intercept: bool) -> np.ndarray:
    return np.column_stack([x, np.ones(len(x))]) if fit_intercept else x


def _binary_objective(
    theta: Any, x: Any, y: Any, C: float, fit_intercept: bool, penalty: str | None = "l2"
) -> tuple[np.ndarray, Objective]:
    xs, labels = _check_data(x, y)
    C = check_real(C, "C", low=0.0, low_open=True)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    check_choice(penalty, "penalty", ("l2", "l1", None))
    xd = _design(xs, fit_intercept)
    t = check_shape(as_array(theta, "theta", ndim=1), "theta", (xd.shape[1],))
    return t, Objective(xd, labels, 2, C, penalty, int(fit_intercept))


def logistic_objective(
    theta: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True, penalty: str | None = "l2"
) -> float:
    r"""scikit-learn's penalised binary logistic objective :math:`F` (module docstring).

    Parameters
    ----------
    theta : array_like, shape (d,) or (d + 1,)
        Weights, followed by the intercept when ``fit_intercept``.
    x : array_like, shape (n, d)
    y : array_like of 0/1, shape (n,)
    C : float > 0
        Inverse regularisation strength.
    fit_intercept : bool
    penalty : {"l2", "l1", None}
        :math:`\tfrac12\lVert w\rVert^2`, :math:`\lVert w\rVert_1` or nothing.

    Returns
    -------
    float, evaluated through ``np.logaddexp(0, -s z)``: finite for any margin.

    References
    ----------
    scikit-learn user guide, "Logistic regression" (binary case).
    """
    t, objective = _binary_objective(theta, x, y, C, fit_intercept, penalty)
    return objective.value(t)


def logistic_gradient(theta: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True) -> np.ndarray:
    r"""Gradient of the L2 objective,
    :math:`\nabla F = C\, \tilde X^\top (\sigma(\tilde X\theta) - y) + (w, 0)`.

    Shapes as :func:`logistic_objective`; returns an array of ``theta``'s shape.
    """
    t, objective = _binary_objective(theta, x, y, C, fit_intercept)
    return objective.gradient(t)


def logistic_hessian_vector(
    theta: Any, v: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True
) -> np.ndarray:
    r"""Hessian-vector product of the L2 objective without forming the Hessian,
    :math:`\nabla^2 F\, v = C\,\tilde X^\top D \tilde X v + (v_w, 0)`,
    :math:`D = \operatorname{diag}(\sigma_i (1 - \sigma_i))`.

    ``v`` has ``theta``'s shape, and so has the result (Nocedal and Wright 2006, section 7.1).
    """
    t, objective = _binary_objective(theta, x, y, C, fit_intercept)
    vv = check_shape(as_array(v, "v", ndim=1), "v", t.shape)
    return objective.hessian_vector(t)(vv)


# -- the estimator ------------------------------------------------------------------------
class LogisticRegression:
    r"""L2- or L1-penalised logistic regression, scikit-learn style, with a choice of solver:
    binary for labels 0/1, multinomial (softmax) for labels 0, ..., K-1 with K > 2.

    Parameters
    ----------
    solver : {"lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga", "liblinear"}
        ``"liblinear"`` reproduces LIBLINEAR as scikit-learn calls it: the intercept is an extra
        feature of constant value 1 and is *penalised* like a weight; L2 is solved by TRON
        (trust-region Newton with Steihaug's CG), L1 by newGLMNET; binary only.
    C : float > 0, default 1.0
    penalty : {"l2", "l1", None}
        ``None`` drops the :math:`\tfrac12\lVert w\rVert^2` term; ``"l1"`` (``"saga"``,
        ``"liblinear"``) replaces it by :math:`\lVert w\rVert_1`.
    fit_intercept : bool, default True
    tol : float > 0, default 1e-4
        Full-batch solvers stop when :math:`\lVert\nabla F\rVert_\infty \le` ``tol``; scikit-learn
        applies its ``tol`` to the gradient of :math:`F/(Cn)`, so its ``tol=t`` is ``tol=t*C*n`` here.
        ``"sag"``/``"saga"`` stop, like scikit-learn's, when an epoch changes the weights by at most
        ``tol`` relative to their largest entry. ``"liblinear"`` with L1 stops, like LIBLINEAR,
        when the summed violation of the optimality conditions is ``tol`` times its starting value.
    max_iter : int >= 1, default 100
    memory : int >= 1, default 10
        L-BFGS history length.

    Attributes
    ----------
    coef_ : ndarray, shape (1, d), or (K, d) for K > 2 classes
    intercept_ : ndarray, shape (1,) or (K,)
    classes_ : ndarray, the labels 0, ..., K-1
    n_iter_ : int
    converged_ : bool
        False (with a :class:`ConvergenceWarning`) when the iteration limit was reached or
        the solver could make no further progress in float64.
    history_ : dict of str to ndarray
        One entry per iteration, starting with the initial point: ``"objective"`` (F),
        ``"grad_norm"`` (largest entry of the gradient, or of the minimum-norm subgradient
        with L1), ``"passes"`` (cumulative work in passes over the data, :class:`Objective`;
        deterministic) and ``"time"`` (seconds since the start).

    References
    ----------
    Nocedal and Wright (2006), *Numerical Optimization*, chapters 3 and 7; Liu and Nocedal
    (1989); Lin, Weng and Keerthi (2008) (TRON); Yuan, Ho and Lin (2012) (newGLMNET); Schmidt,
    Le Roux and Bach (2017) (SAG); Defazio, Bach and Lacoste-Julien (2014) (SAGA).
    """

    def __init__(
        self,
        solver: str = "lbfgs",
        C: float = 1.0,
        penalty: str | None = "l2",
        fit_intercept: bool = True,
        tol: float = 1e-4,
        max_iter: int = 100,
        memory: int = 10,
    ) -> None:
        self.solver = check_choice(solver, "solver", SOLVERS)
        self.penalty = check_choice(penalty, "penalty", ("l2", "l1", None))
        if penalty == "l1" and solver not in ("saga", "liblinear"):
            raise ValueError(
                f"penalty='l1' is not available with solver={solver!r}: its objective is not "
                "differentiable; use solver='saga' or 'liblinear'"
            )
        if penalty is None and solver == "liblinear":
            raise ValueError("penalty=None is not available with solver='liblinear'; use 'l2' or 'l1'")
        self.C = check_real(C, "C", low=0.0, low_open=True)
        self.fit_intercept = check_bool(fit_intercept, "fit_intercept")
        self.tol = check_real(tol, "tol", low=0.0, low_open=True)
        self.max_iter = check_int(max_iter, "max_iter", low=1)
        self.memory = check_int(memory, "memory", low=1)

    def fit(self, x: Any, y: Any) -> LogisticRegression:
        """Minimise the objective on ``x`` (n, d) with labels ``y`` (n,) in 0, ..., K-1.

        Returns
        -------
        self, with ``coef_``, ``intercept_``, ``classes_``, ``n_iter_``, ``converged_``, ``history_``.

        Raises
        ------
        ValueError
            Bad data (non-finite, wrong shapes, labels not 0..K-1, one class), K > 2 with
            ``"liblinear"``, or features so large that their squared norms overflow float64.

        Warns
        -----
        ConvergenceWarning
            When the solver stops without meeting ``tol`` (``converged_`` is then False).
        """
        xs, labels = _check_data(x, y, classes=True)
        k = int(labels.max()) + 1
        if k > 2 and self.solver not in MULTINOMIAL_SOLVERS:
            raise ValueError(
                f"y has {k} classes: the multinomial model needs solver in {MULTINOMIAL_SOLVERS}; "
                f"got solver={self.solver!r} (scikit-learn's one-vs-rest route is "
                "sklearn.multiclass.OneVsRestClassifier)"
            )
        xd = _design(xs, self.fit_intercept)
        if not np.isfinite(np.max(np.einsum("ij,ij->i", xd, xd))):
            raise ValueError(
                f"x is too large for float64: its squared row norms overflow (largest |x| = "
                f"{np.abs(xs).max():.3g}); rescale the features"
            )
        if not np.isfinite(self.C * len(xs) * np.log(k) * 1e3):  # F(0), with room for the descent
            raise ValueError(f"C must be small enough that C * n * log(K) is finite; got C={self.C}")
        liblinear = self.solver == "liblinear"
        # liblinear penalises the intercept: the design's column of ones is just another feature
        objective = Objective(xd, labels, k, self.C, self.penalty, int(self.fit_intercept and not liblinear))
        theta = np.zeros(objective.size)
        record = Recorder(objective, self.tol)
        record(theta)
        key = f"liblinear-{self.penalty}" if liblinear else self.solver
        settings = SolverSettings(self.tol, self.max_iter, self.memory)
        result = SOLVER_FUNCTIONS[key](objective, theta, settings, record)
        converged, message = result.converged, result.message
        if converged and not np.any(result.theta) and record.history["grad_norm"][0] > self.tol:
            converged, message = False, "the weights never moved from zero although the gradient there is not"
        if not converged:
            warnings.warn(
                f"LogisticRegression(solver={self.solver!r}) did not converge: {message}",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.classes_ = np.arange(k)
        self.n_iter_, self.converged_ = result.n_iter, converged
        self.history_ = {name: np.array(values) for name, values in record.history.items()}
        weights = result.theta.reshape(xd.shape[1], -1).T  # one row per class (one row if binary)
        self.coef_ = weights[:, : xs.shape[1]].copy()
        self.intercept_ = weights[:, -1].copy() if self.fit_intercept else np.zeros(len(weights))
        return self

    def decision_function(self, x: Any) -> np.ndarray:
        """Scores :math:`x^\\top w + b`: shape (n,) for the binary model, (n, K) for the softmax."""
        check_fitted(self, "coef_")
        xs = check_shape(as_array(x, "x", ndim=2), "x", (None, self.coef_.shape[1]))
        z = xs @ self.coef_.T + self.intercept_
        return z[:, 0] if len(self.coef_) == 1 else z

    def predict_proba(self, x: Any) -> np.ndarray:
        """Class probabilities, shape (n, K): sigmoid of the score (binary) or softmax of the scores."""
        z = self.decision_function(x)
        if z.ndim == 2:
            return softmax(z, axis=1)
        p1 = expit(z)
        return np.column_stack([1 - p1, p1])

    def predict(self, x: Any) -> np.ndarray:
        """The most probable class per row, shape (n,), labels 0, ..., K-1."""
        z = self.decision_function(x)
        return np.argmax(z, axis=1) if z.ndim == 2 else (z > 0).astype(int)
