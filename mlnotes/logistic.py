r"""Binary logistic regression written from scratch: scikit-learn's objective and the
full-batch solvers behind its ``solver=`` names (Chapter 4, L1).

The objective, exactly as scikit-learn's ``LogisticRegression`` minimises it for
labels :math:`y_i \in \{0, 1\}` (written :math:`s_i = 2y_i - 1 \in \{-1, 1\}`), weights
:math:`w` and an unpenalised intercept :math:`b`:

.. math::
    F(w, b) = C \sum_{i=1}^n \log\bigl(1 + e^{-s_i (x_i^\top w + b)}\bigr) + \tfrac12 \lVert w\rVert^2 .

Solvers here: ``"gd"`` (gradient descent with step :math:`1/L`, the baseline), ``"lbfgs"``
(limited-memory BFGS: two-loop recursion and a backtracking line search), ``"newton-cg"``
(Newton steps solved inexactly by conjugate gradients on Hessian-vector products) and
``"newton-cholesky"`` (Newton steps with the full Hessian, solved by Cholesky), and the
per-sample solvers ``"sag"`` and ``"saga"`` (stochastic average gradient; SAGA also with the
L1 penalty :math:`\lVert w\rVert_1` through a proximal step), compiled with numba, and
``"liblinear"`` (LIBLINEAR's algorithms: Newton on the primal for L2, newGLMNET for L1, with
its penalised intercept).

With :math:`K > 2` classes every solver but ``"liblinear"`` fits the multinomial (softmax)
model, again scikit-learn's objective: one weight column and intercept per class,

.. math::
    F(W, b) = C \sum_{i=1}^n \Bigl(\log \sum_{k=1}^K e^{z_{ik}} - z_{i y_i}\Bigr)
    + \tfrac12 \lVert W\rVert_F^2, \qquad z_i = W^\top x_i + b .
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.special import expit

from mlnotes._checks import as_array, check_choice, check_int, check_real
from mlnotes.probability import logsumexp, softmax

__all__ = ["LogisticRegression", "logistic_gradient", "logistic_hessian_vector", "logistic_objective"]

SOLVERS = ("gd", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga", "liblinear")
MULTINOMIAL_SOLVERS = ("gd", "lbfgs", "newton-cg", "newton-cholesky", "sag", "saga")


def _design(x: np.ndarray, fit_intercept: bool) -> np.ndarray:
    return np.column_stack([x, np.ones(len(x))]) if fit_intercept else x


def _pieces(xd: np.ndarray, y01: np.ndarray, C: float, fit_intercept: bool, l2: bool = True):
    """F, its gradient, Hessian-vector products and Hessian on the design matrix ``xd``.

    ``hv(t)`` returns the map v -> H(t) v, with the curvature weights computed once, so that
    the many products of one conjugate-gradient solve cost two matrix-vector products each."""
    s = 2 * y01 - 1
    mask = np.ones(xd.shape[1])
    if fit_intercept:
        mask[-1] = 0.0  # the intercept is not penalised
    lam = mask if l2 else 0.0 * mask

    def f(t):
        return float(C * np.sum(np.logaddexp(0.0, -s * (xd @ t))) + 0.5 * np.sum(lam * t**2))

    def g(t):
        return C * xd.T @ (expit(xd @ t) - y01) + lam * t

    def hv(t):
        p = expit(xd @ t)
        weights = C * p * (1 - p)
        return lambda v: xd.T @ (weights * (xd @ v)) + lam * v

    def hess(t):
        p = expit(xd @ t)
        return C * (xd.T * (p * (1 - p))) @ xd + np.diag(lam)

    return f, g, hv, hess


def _multinomial_pieces(xd: np.ndarray, labels: np.ndarray, k: int, C: float, fit_intercept: bool, l2: bool = True):
    """The softmax model's F, gradient and Hessian-vector products (``hv(t)`` is the map
    v -> H(t) v), on theta = W.ravel() where W (rows: features, then the intercept; columns:
    classes) has shape (p, k)."""
    n, p = xd.shape
    onehot = np.eye(k)[labels]
    lam = np.ones((p, 1))
    if fit_intercept:
        lam[-1] = 0.0
    if not l2:
        lam[:] = 0.0

    def f(t):
        z = xd @ t.reshape(p, k)
        return float(C * np.sum(logsumexp(z, axis=1) - z[np.arange(n), labels]) + 0.5 * np.sum(lam * t.reshape(p, k) ** 2))

    def g(t):
        w = t.reshape(p, k)
        return (C * xd.T @ (softmax(xd @ w, axis=1) - onehot) + lam * w).ravel()

    def hv(t):
        prob = softmax(xd @ t.reshape(p, k), axis=1)

        def product(v):
            # the softmax Jacobian applied row by row: diag(p) z - p (p . z)
            vv = v.reshape(p, k)
            z = xd @ vv
            r = prob * (z - np.sum(prob * z, axis=1, keepdims=True))
            return (C * xd.T @ r + lam * vv).ravel()

        return product

    def hess(t):
        """The full (p k) x (p k) Hessian, made invertible along the directions it cannot see.

        Adding one number to every class's weight for an unpenalised row (the intercepts,
        or all rows without a penalty) changes no probability, so H is singular there. The
        gradient has no component along those directions either, so adding ones(k, k) / k
        on those rows' diagonal blocks makes H positive definite without changing the
        Newton step anywhere else."""
        prob = softmax(xd @ t.reshape(p, k), axis=1)
        h = np.empty((p, k, p, k))
        for a in range(k):
            for b in range(a, k):
                weight = prob[:, a] * ((a == b) - prob[:, b])
                h[:, a, :, b] = C * (xd.T * weight) @ xd
                h[:, b, :, a] = h[:, a, :, b].T
        for j in range(p):
            h[j, :, j, :] += lam[j, 0] * np.eye(k) + (lam[j, 0] == 0.0) * np.ones((k, k)) / k
        return h.reshape(p * k, p * k)

    return f, g, hv, hess


def logistic_objective(theta: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True,
                       penalty: str | None = "l2") -> float:
    r"""scikit-learn's penalised logistic objective :math:`F` (module docstring).

    Parameters
    ----------
    theta : array_like, shape (d,) or (d + 1,)
        Weights, followed by the intercept when ``fit_intercept``.
    x : array_like, shape (n, d)
    y : array_like of 0/1, shape (n,)
    C : float > 0
        Inverse regularisation strength.
    penalty : {"l2", "l1", None}
        :math:`\tfrac12\lVert w\rVert^2`, :math:`\lVert w\rVert_1` or nothing.

    The log-loss is evaluated as ``np.logaddexp(0, -s z)``, finite for any margin.

    References
    ----------
    scikit-learn user guide, "Logistic regression" (the binary case, L2 penalty).
    """
    t, xd, y01, C = _validated(theta, x, y, C, fit_intercept)
    check_choice(penalty, "penalty", ("l2", "l1", None))
    value = _pieces(xd, y01, C, fit_intercept, l2=penalty == "l2")[0](t)
    if penalty == "l1":
        value += float(np.sum(np.abs(t[: xd.shape[1] - int(fit_intercept)])))
    return value


def logistic_gradient(theta: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True) -> np.ndarray:
    r"""Gradient :math:`\nabla F = C\, \tilde X^\top (\sigma(\tilde X\theta) - y) + (w, 0)`."""
    t, xd, y01, C = _validated(theta, x, y, C, fit_intercept)
    return _pieces(xd, y01, C, fit_intercept)[1](t)


def logistic_hessian_vector(theta: Any, v: Any, x: Any, y: Any, C: float = 1.0, fit_intercept: bool = True) -> np.ndarray:
    r"""Hessian-vector product :math:`\nabla^2 F\, v = C\,\tilde X^\top D \tilde X v + (v_w, 0)`,
    :math:`D = \operatorname{diag}(\sigma_i (1 - \sigma_i))`, without forming the Hessian."""
    t, xd, y01, C = _validated(theta, x, y, C, fit_intercept)
    vv = as_array(v, "v", ndim=1)
    if vv.shape != t.shape:
        raise ValueError(f"v must have theta's shape {t.shape}; got {vv.shape}")
    return _pieces(xd, y01, C, fit_intercept)[2](t)(vv)


def _check_data(x: Any, y: Any, classes: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """x and y validated; y as floats 0/1, or with ``classes`` as integers 0..K-1 (K >= 2)."""
    xs = as_array(x, "x", ndim=2, min_size=1)
    ys = np.asarray(y)
    if ys.ndim != 1 or ys.shape[0] != xs.shape[0]:
        raise ValueError(f"y must have shape ({xs.shape[0]},) to match x's {xs.shape[0]} rows; got {ys.shape}")
    found = np.unique(ys) if ys.dtype.kind in "biuf" else None
    if not classes:
        if found is None or not np.all(np.isin(found, (0, 1))):
            raise ValueError(f"y must contain only the labels 0 and 1; got values {np.unique(ys)[:5]}")
        if found.size < 2:
            raise ValueError("y must contain both classes 0 and 1; got one class only")
        return xs, ys.astype(np.float64)
    if found is None or not np.array_equal(found, np.arange(found.size)):
        raise ValueError(f"y must contain the integer class labels 0, 1, ..., K-1, each at least once; "
                         f"got values {np.unique(ys)[:10]}")
    if found.size < 2:
        raise ValueError("y must contain at least two classes; got one class only")
    return xs, ys.astype(np.int64)


def _validated(theta: Any, x: Any, y: Any, C: float, fit_intercept: bool):
    xs, ys = _check_data(x, y)
    C = check_real(C, "C", low=0.0, low_open=True)
    xd = _design(xs, fit_intercept)
    t = as_array(theta, "theta", ndim=1)
    if t.shape != (xd.shape[1],):
        raise ValueError(f"theta must have shape ({xd.shape[1]},) (weights{' + intercept' if fit_intercept else ''}); "
                         f"got {t.shape}")
    return t, xd, ys, C


class LogisticRegression:
    r"""L2- or L1-penalised logistic regression, scikit-learn style, with a choice of solver:
    binary for labels 0/1, multinomial (softmax) for labels 0, ..., K-1 with K > 2.

    Parameters
    ----------
    solver : {"lbfgs", "newton-cg", "newton-cholesky", "gd", "sag", "saga", "liblinear"}
        ``"liblinear"`` reproduces LIBLINEAR as scikit-learn calls it: the intercept is an extra
        feature of constant value 1 and is *penalised* like a weight; L2 is solved by Newton-CG
        on the primal (LIBLINEAR's trust-region Newton), L1 by newGLMNET (Newton steps whose
        quadratic model, with the L1 term, is minimised by coordinate descent).
    C : float > 0, default 1.0
    penalty : {"l2", "l1", None}
        ``None`` drops the :math:`\tfrac12\lVert w\rVert^2` term; ``"l1"`` (``"saga"``,
        ``"liblinear"``) replaces it by :math:`\lVert w\rVert_1`.
    fit_intercept : bool, default True
    tol : float, default 1e-4
        Full-batch solvers stop when :math:`\lVert\nabla F\rVert_\infty \le` ``tol``; scikit-learn
        applies its ``tol`` to the gradient of :math:`F/(Cn)`, so its ``tol=t`` is ``tol=t*C*n`` here.
        ``"sag"``/``"saga"`` stop, like scikit-learn's, when an epoch changes the weights by at most
        ``tol`` relative to their largest entry. ``"liblinear"`` with L1 stops, like LIBLINEAR,
        when the summed violation of the optimality conditions is ``tol`` times its starting value.
    max_iter : int, default 100
    memory : int, default 10
        L-BFGS history length.

    Attributes
    ----------
    coef_ : ndarray, shape (1, d), or (K, d) for K > 2 classes
    intercept_ : ndarray, shape (1,) or (K,)
    classes_ : ndarray, the labels 0, ..., K-1
    n_iter_ : int
    history_ : dict of lists
        ``"objective"``, ``"grad_norm"`` and ``"time"`` (seconds since the start) after each
        iteration, starting with the initial point.

    References
    ----------
    Nocedal and Wright (2006), *Numerical Optimization*, chapters 3 (line search), 7
    (Newton-CG, L-BFGS); Liu and Nocedal (1989); Lin, Weng and Keerthi (2008); Yuan, Ho and
    Lin (2012) (newGLMNET, LIBLINEAR's L1 solver).
    """

    def __init__(self, solver: str = "lbfgs", C: float = 1.0, penalty: str | None = "l2",
                 fit_intercept: bool = True, tol: float = 1e-4, max_iter: int = 100, memory: int = 10) -> None:
        self.solver = check_choice(solver, "solver", SOLVERS)
        if penalty == "l1" and solver not in ("saga", "liblinear"):
            raise ValueError(f"penalty='l1' is not available with solver={solver!r}: its objective is not "
                             "differentiable; use solver='saga' or 'liblinear'")
        if penalty is None and solver == "liblinear":
            raise ValueError("penalty=None is not available with solver='liblinear'; use 'l2' or 'l1'")
        self.penalty = check_choice(penalty, "penalty", ("l2", "l1", None))
        self.C = check_real(C, "C", low=0.0, low_open=True)
        if not isinstance(fit_intercept, bool):
            raise TypeError(f"fit_intercept must be a bool; got {fit_intercept!r}")
        self.fit_intercept = fit_intercept
        self.tol = check_real(tol, "tol", low=0.0, low_open=True)
        self.max_iter = check_int(max_iter, "max_iter", low=1)
        self.memory = check_int(memory, "memory", low=1)

    def fit(self, x: Any, y: Any) -> LogisticRegression:
        xs, labels = _check_data(x, y, classes=True)
        self.classes_ = np.arange(labels.max() + 1)
        k = self.classes_.size
        if k > 2 and self.solver not in MULTINOMIAL_SOLVERS:
            raise ValueError(f"y has {k} classes: the multinomial model needs solver in {MULTINOMIAL_SOLVERS}; "
                             f"got solver={self.solver!r}")
        ys = labels.astype(np.float64)
        xd = _design(xs, self.fit_intercept)
        liblinear = self.solver == "liblinear"
        # liblinear penalises the intercept: the design's column of ones is just another feature
        if k > 2:
            f, g, hv, hess = _multinomial_pieces(xd, labels, k, self.C, self.fit_intercept, l2=self.penalty == "l2")
        else:
            f, g, hv, hess = _pieces(xd, ys, self.C, self.fit_intercept and not liblinear, l2=self.penalty == "l2")
        # curvature bound of one sample's loss along x: 1/4 for the logistic, 1/2 for the softmax
        self._curvature = 0.25 if k == 2 else 0.5
        if self.penalty == "l1":
            smooth = f
            l1_mask = np.r_[np.ones(xs.shape[1]), np.full(int(self.fit_intercept), float(liblinear))]
            l1_mask = np.repeat(l1_mask, k if k > 2 else 1)  # theta holds one column per class

            def f(t):  # noqa: F811 - the L1 objective, for the history only
                return smooth(t) + float(np.sum(np.abs(l1_mask * t)))
        theta = np.zeros(xd.shape[1] * (k if k > 2 else 1))
        start = time.perf_counter()
        self.history_ = {"objective": [f(theta)], "grad_norm": [np.abs(g(theta)).max()], "time": [0.0]}

        def record(t: np.ndarray, grad: np.ndarray) -> bool:
            self.history_["objective"].append(f(t))
            self.history_["grad_norm"].append(float(np.abs(grad).max()))
            self.history_["time"].append(time.perf_counter() - start)
            return self.history_["grad_norm"][-1] <= self.tol

        if self.solver in ("sag", "saga"):
            theta, self.n_iter_, self.converged_ = self._sag(xd, ys, k, f, g, record)
        elif liblinear and self.penalty == "l1":
            theta, self.n_iter_, self.converged_ = self._newglmnet(xd, ys, record)
        elif liblinear:
            theta, self.n_iter_ = self._newton_cg(theta, f, g, hv, hess, xd, record)
            self.converged_ = self.history_["grad_norm"][-1] <= self.tol
        else:
            step: Callable[..., np.ndarray] = {"gd": self._gd, "lbfgs": self._lbfgs, "newton-cg": self._newton_cg,
                                               "newton-cholesky": self._newton_cholesky}[self.solver]
            theta, self.n_iter_ = step(theta, f, g, hv, hess, xd, record)
            self.converged_ = self.history_["grad_norm"][-1] <= self.tol
        weights = theta.reshape(xd.shape[1], -1).T  # one row per class (one row if binary)
        self.coef_ = weights[:, : xs.shape[1]].copy()
        self.intercept_ = weights[:, -1].copy() if self.fit_intercept else np.zeros(len(weights))
        return self

    # -- solvers: each returns (theta, iterations) ---------------------------------------
    @staticmethod
    def _line_search(f, t, fx, grad, direction, c1=1e-4):
        """Backtracking (Armijo): halve the step until F decreases enough.

        Near the optimum the decrease falls below float precision of F; a step that leaves F
        unchanged to 1e-13 relative is then accepted, and the gradient test decides when to stop.
        """
        slope = grad @ direction
        step = 1.0
        for _ in range(60):
            candidate = t + step * direction
            fc = f(candidate)
            if fc <= fx + c1 * step * slope or abs(fc - fx) <= 1e-13 * abs(fx):
                return candidate, fc
            step *= 0.5
        return t, fx

    def _gd(self, t, f, g, hv, hess, xd, record):
        # F is L-smooth with L = C ||X||_2^2 / 4 + 1 (1/2 for softmax): step 1/L always decreases it
        L = self.C * np.linalg.norm(xd, 2) ** 2 * self._curvature + 1.0
        for it in range(1, self.max_iter + 1):
            grad = g(t)
            t = t - grad / L
            if record(t, g(t)):
                return t, it
        return t, self.max_iter

    def _lbfgs(self, t, f, g, hv, hess, xd, record):
        s_list: list[np.ndarray] = []
        y_list: list[np.ndarray] = []
        fx, grad = f(t), g(t)
        for it in range(1, self.max_iter + 1):
            # two-loop recursion: d = -H_k grad with the implicit inverse-Hessian estimate
            q = grad.copy()
            alphas = []
            for s_i, y_i in zip(reversed(s_list), reversed(y_list)):
                a = (s_i @ q) / (y_i @ s_i)
                alphas.append(a)
                q -= a * y_i
            gamma = (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1]) if s_list else 1.0 / max(1.0, np.abs(grad).max())
            r = gamma * q
            for (s_i, y_i), a in zip(zip(s_list, y_list), reversed(alphas)):
                r += s_i * (a - (y_i @ r) / (y_i @ s_i))
            t_new, fx = self._line_search(f, t, fx, grad, -r)
            grad_new = g(t_new)
            s_vec, y_vec = t_new - t, grad_new - grad
            if s_vec @ y_vec > 1e-12 * np.linalg.norm(s_vec) * np.linalg.norm(y_vec):  # keep H positive definite
                s_list.append(s_vec)
                y_list.append(y_vec)
                if len(s_list) > self.memory:
                    s_list.pop(0)
                    y_list.pop(0)
            t, grad = t_new, grad_new
            if record(t, grad):
                return t, it
        return t, self.max_iter

    def _sag(self, xd, y, k, f, g, record):
        """SAG / SAGA epochs (compiled), with scikit-learn's scaling: F/(C n) is minimised.

        The weights are a (d, m) matrix and the intercepts an m-vector, m = 1 for the binary
        model (sigmoid) and m = k classes for the multinomial one (softmax)."""
        n = xd.shape[0]
        d = xd.shape[1] - int(self.fit_intercept)
        m = k if k > 2 else 1
        x = np.ascontiguousarray(xd[:, :d])
        alpha = 1.0 / (self.C * n) if self.penalty == "l2" else 0.0
        beta = 1.0 / (self.C * n) if self.penalty == "l1" else 0.0
        # step 1/L_max for the per-sample losses: curvature <= (|x_i|^2 + intercept) times
        # 1/4 (logistic) or 1/2 (softmax)
        step = 1.0 / (self._curvature * (np.max(np.sum(x**2, axis=1)) + self.fit_intercept) + alpha)
        w, b = np.zeros((d, m)), np.zeros(m)
        memory, sum_grad, sum_b = np.zeros((n, m)), np.zeros((d, m)), np.zeros(m)
        seen = np.zeros(n, dtype=np.bool_)
        rng_state = np.array([12345], dtype=np.int64)
        for epoch in range(1, self.max_iter + 1):
            w_prev = w.copy()
            _sag_epoch(x, y, w, b, memory, sum_grad, sum_b, seen, alpha, beta, step,
                       self.solver == "saga", self.fit_intercept, rng_state)
            theta = (np.vstack([w, b]) if self.fit_intercept else w).ravel()
            record(theta, g(theta))
            if np.max(np.abs(w - w_prev)) <= self.tol * max(np.max(np.abs(w)), 1e-300):
                return theta, epoch, True
        return theta, self.max_iter, False

    def _newglmnet(self, xd, y, record):
        """liblinear's L1 solver (newGLMNET): Newton steps on the smooth part, each quadratic
        model minimised with the L1 term by coordinate descent, then a line search.

        Stops, like liblinear, when the summed violation of the optimality conditions falls to
        ``tol`` times its value at the start. Zero weights whose gradient lies well inside
        [-1, 1] sit out the inner solve ("shrinking"); the stopping test always covers all.
        """
        x = np.asfortranarray(xd)  # coordinate descent walks columns
        x2 = x * x
        n, d = x.shape
        s = 2.0 * y - 1.0
        theta, margin = np.zeros(d), np.zeros(n)
        nu, sigma, inner_eps, largest_old = 1e-12, 0.01, 1.0, np.inf
        grad = self.C * (x.T @ (expit(margin) - y))
        start_violation = _l1_violation(theta, grad).sum()
        for it in range(1, self.max_iter + 1):
            violation = _l1_violation(theta, grad)
            if violation.sum() <= self.tol * start_violation:
                return theta, it - 1, True
            p = expit(margin)
            curvature = self.C * p * (1.0 - p)
            active = np.flatnonzero((theta != 0) | (np.abs(grad) >= 1.0 - largest_old / n))
            largest_old = violation[active].max()
            new, xtd = theta.copy(), np.zeros(n)
            sweeps = _glmnet_inner(x, curvature, grad, x2.T @ curvature + nu, theta, new, xtd,
                                   active, nu, inner_eps * start_violation, 1000)
            if sweeps == 1:  # the model was easy: ask for more accuracy next time
                inner_eps *= 0.25
            step = new - theta
            base = self.C * np.logaddexp(0.0, -s * margin).sum() + np.abs(theta).sum()
            decrease = grad @ step + np.abs(new).sum() - np.abs(theta).sum()
            for alpha in 0.5 ** np.arange(20):
                trial_margin = margin + alpha * xtd
                trial = self.C * np.logaddexp(0.0, -s * trial_margin).sum() + np.abs(theta + alpha * step).sum()
                # sufficient decrease, or a change below the float resolution of the objective
                if trial - base <= sigma * alpha * decrease or abs(trial - base) <= 1e-13 * base:
                    break
            else:  # no step decreases the objective: we are at the optimum to float precision
                return theta, it, False
            theta, margin = theta + alpha * step, trial_margin
            grad = self.C * (x.T @ (expit(margin) - y))
            record(theta, grad)
        return theta, self.max_iter, False

    def _newton(self, t, f, g, record, direction):
        """Damped Newton iterations; ``direction(t, grad)`` solves (approximately) H d = -grad."""
        fx, grad = f(t), g(t)
        for it in range(1, self.max_iter + 1):
            t, fx = self._line_search(f, t, fx, grad, direction(t, grad))
            grad = g(t)
            if record(t, grad):
                return t, it
        return t, self.max_iter

    def _newton_cg(self, t, f, g, hv, hess, xd, record):
        def direction(t, grad):
            # conjugate gradients on H d = -grad, to a tolerance tied to |grad| (inexact Newton)
            d = np.zeros_like(t)
            r = -grad.copy()
            p = r.copy()
            tol = min(0.5, np.sqrt(np.linalg.norm(grad))) * np.linalg.norm(grad)
            product = hv(t)
            for _ in range(200):
                hp = product(p)
                alpha = (r @ r) / (p @ hp)
                d += alpha * p
                r_new = r - alpha * hp
                if np.linalg.norm(r_new) <= tol:
                    break
                p = r_new + (r_new @ r_new) / (r @ r) * p
                r = r_new
            return d

        return self._newton(t, f, g, record, direction)

    def _newton_cholesky(self, t, f, g, hv, hess, xd, record):
        return self._newton(t, f, g, record, lambda t, grad: -cho_solve(cho_factor(hess(t)), grad))

    # -- prediction ---------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ValueError("this LogisticRegression is not fitted yet; call fit(x, y) first")

    def decision_function(self, x: Any) -> np.ndarray:
        self._check_fitted()
        xs = as_array(x, "x", ndim=2)
        if xs.shape[1] != self.coef_.shape[1]:
            raise ValueError(f"x must have {self.coef_.shape[1]} features; got {xs.shape[1]}")
        z = xs @ self.coef_.T + self.intercept_
        return z[:, 0] if len(self.coef_) == 1 else z

    def predict_proba(self, x: Any) -> np.ndarray:
        z = self.decision_function(x)
        if z.ndim == 2:
            return softmax(z, axis=1)
        p1 = expit(z)
        return np.column_stack([1 - p1, p1])

    def predict(self, x: Any) -> np.ndarray:
        z = self.decision_function(x)
        return np.argmax(z, axis=1) if z.ndim == 2 else (z > 0).astype(int)


@numba.njit(cache=False)
def _sag_epoch(x, y, w, b, memory, sum_grad, sum_b, seen, alpha, beta, step, saga, fit_intercept, rng_state):
    """One epoch (n random samples) of SAG or SAGA, updating the arrays in place.

    ``w`` is (d, m): one column for the binary model, one per class for the multinomial one.
    ``memory[i]`` holds the last derivative of sample i's loss with respect to its m scores
    (sigmoid minus label, or softmax minus one-hot), so its stored gradient is
    ``outer(x_i, memory[i])``; ``sum_grad`` is their sum. SAG steps along the average of the
    stored gradients; SAGA along the unbiased estimate new - old + average, then applies the
    L1 proximal step (soft thresholding) when ``beta > 0``.
    """
    n, d = x.shape
    m = w.shape[1]
    z = np.empty(m)
    delta = np.empty(m)
    n_seen = 0
    for i in range(n):
        n_seen += seen[i]
    for _ in range(n):
        rng_state[0] = (rng_state[0] * 6364136223846793005 + 1442695040888963407) & 0x7FFFFFFFFFFFFFFF
        i = (rng_state[0] >> 17) % n
        for c in range(m):
            z[c] = b[c]
            for j in range(d):
                z[c] += x[i, j] * w[j, c]
        if m == 1:  # sigmoid, written so that exp never overflows
            e = np.exp(-abs(z[0]))
            g_new = (1.0 / (1.0 + e) if z[0] >= 0 else e / (1.0 + e)) - y[i]
            delta[0] = g_new - memory[i, 0]
            memory[i, 0] = g_new
        else:  # softmax with the max shift, minus the one-hot label
            top = z.max()
            total = 0.0
            for c in range(m):
                z[c] = np.exp(z[c] - top)
                total += z[c]
            for c in range(m):
                g_new = z[c] / total - (1.0 if c == int(y[i]) else 0.0)
                delta[c] = g_new - memory[i, c]
                memory[i, c] = g_new
        if not seen[i]:
            seen[i] = True
            n_seen += 1
        for c in range(m):
            if saga:
                for j in range(d):
                    estimate = delta[c] * x[i, j] + sum_grad[j, c] / n + alpha * w[j, c]
                    w[j, c] -= step * estimate
                    if beta > 0.0:  # proximal step of step * beta * |w_jc|
                        shrink = step * beta
                        w[j, c] = w[j, c] - shrink if w[j, c] > shrink else (w[j, c] + shrink if w[j, c] < -shrink else 0.0)
                    sum_grad[j, c] += delta[c] * x[i, j]
                if fit_intercept:
                    b[c] -= step * (delta[c] + sum_b[c] / n)
                    sum_b[c] += delta[c]
            else:
                for j in range(d):
                    sum_grad[j, c] += delta[c] * x[i, j]
                    w[j, c] = w[j, c] * (1.0 - step * alpha) - step * sum_grad[j, c] / n_seen
                if fit_intercept:
                    sum_b[c] += delta[c]
                    b[c] -= step * sum_b[c] / n_seen


def _l1_violation(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Per coordinate, the smallest |subgradient| of grad . theta + ||theta||_1 (0 at the optimum)."""
    return np.where(theta > 0, np.abs(grad + 1.0),
                    np.where(theta < 0, np.abs(grad - 1.0), np.maximum(np.abs(grad) - 1.0, 0.0)))


@numba.njit(cache=False)
def _glmnet_inner(x, curvature, grad, hdiag, theta, new, xtd, active, nu, tol, max_sweeps):
    """Coordinate descent on the model q(d) = grad . d + d' H d / 2 + ||theta + d||_1, with
    H = X' diag(curvature) X + nu I, over the ``active`` columns; ``new`` (= theta + d) and
    ``xtd`` (= X d) are updated in place. Returns the number of sweeps.

    For coordinate j the 1-D model G z + H_jj z^2 / 2 + |new_j + z| is minimised in closed
    form (a shifted soft threshold); no exponentials are needed inside the sweep.
    """
    n = x.shape[0]
    for sweep in range(1, max_sweeps + 1):
        total = 0.0
        for j in active:
            dot = 0.0
            for i in range(n):
                dot += curvature[i] * x[i, j] * xtd[i]
            g = grad[j] + dot + nu * (new[j] - theta[j])
            h = hdiag[j]
            w = new[j]
            if w > 0:
                total += abs(g + 1.0)
            elif w < 0:
                total += abs(g - 1.0)
            else:
                total += max(abs(g) - 1.0, 0.0)
            if g + 1.0 <= h * w:
                z = -(g + 1.0) / h
            elif g - 1.0 >= h * w:
                z = -(g - 1.0) / h
            else:
                z = -w
            if abs(z) < 1e-12:
                continue
            z = min(max(z, -10.0), 10.0)  # liblinear's guard against huge first steps
            new[j] = w + z
            for i in range(n):
                xtd[i] += z * x[i, j]
        if total <= tol:
            return sweep
    return max_sweeps
