r"""The solvers behind ``LogisticRegression(solver=...)`` (Chapter 4, L1), one signature each:

``solver(objective, theta, settings, record) -> SolverResult``

``objective`` is an :class:`~mlnotes.logistic_objective.Objective`, ``theta`` the starting
point, ``settings`` a :class:`SolverSettings`, and ``record(theta, grad)`` appends one entry
to the history and returns True when the gradient test is met. The per-sample and coordinate
loops are numba kernels in :mod:`mlnotes.logistic_kernels`.

References
----------
Nocedal and Wright (2006), *Numerical Optimization*, chapters 3 and 7; Liu and Nocedal
(1989); Lin, Weng and Keerthi (2008) (TRON); Yuan, Ho and Lin (2012) (newGLMNET); Schmidt,
Le Roux and Bach (2017) (SAG); Defazio, Bach and Lacoste-Julien (2014) (SAGA).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve, eigh
from scipy.special import expit

from mlnotes._checks import as_array, check_bool, check_choice, check_int, check_real
from mlnotes.logistic_kernels import glmnet_inner, sag_epoch
from mlnotes.logistic_objective import Objective

__all__ = ["SOLVER_FUNCTIONS", "Recorder", "SolverResult", "SolverSettings", "saga_step_size"]


@dataclass(frozen=True)
class SolverSettings:
    """What every solver is told: the tolerance, the iteration limit, the L-BFGS memory."""

    tol: float
    max_iter: int
    memory: int = 10


@dataclass(frozen=True)
class SolverResult:
    """What every solver returns.

    Attributes
    ----------
    theta : ndarray, shape (p m,)
        The last iterate.
    n_iter : int
        Iterations done (epochs for sag and saga, Newton steps for newGLMNET).
    converged : bool
        Whether the solver's stopping rule was met.
    message : str
        Why it stopped, when it did not converge.
    """

    theta: np.ndarray
    n_iter: int
    converged: bool
    message: str = ""


class Recorder:
    """Appends the history after each iteration; returns whether the gradient test is met.

    The history's own evaluations are not counted as the solver's work."""

    def __init__(self, objective: Objective, tol: float) -> None:
        self.objective, self.tol = objective, tol
        self.start = time.perf_counter()
        self.history: dict[str, list[float]] = {"objective": [], "grad_norm": [], "passes": [], "time": []}

    def __call__(self, theta: np.ndarray, grad: np.ndarray | None = None) -> bool:
        work = self.objective.passes
        if grad is None:
            grad = self.objective.gradient(theta)
        self.history["objective"].append(self.objective.value(theta))
        self.objective.passes = work
        self.history["grad_norm"].append(self.objective.optimality(theta, grad))
        self.history["passes"].append(work)
        self.history["time"].append(time.perf_counter() - self.start)
        return self.history["grad_norm"][-1] <= self.tol


Solver = Callable[[Objective, np.ndarray, SolverSettings, Recorder], SolverResult]


def _out_of_iterations(theta: np.ndarray, settings: SolverSettings) -> SolverResult:
    return SolverResult(
        theta, settings.max_iter, False, f"max_iter={settings.max_iter} iterations were not enough"
    )


def _line_search(
    objective: Objective, t: np.ndarray, fx: float, grad: np.ndarray, direction: np.ndarray, c1: float = 1e-4
) -> tuple[np.ndarray, float, bool]:
    """Backtracking (Armijo): halve the step until F(t + a d) <= F(t) + c1 a grad.d.

    Near the optimum the decrease falls below the float resolution of F; a step that leaves F
    unchanged to 1e-13 relative is then accepted, and the gradient test decides when to stop.
    Returns ``(t, F(t), False)`` when no step decreases F before the step vanishes in float
    arithmetic (t + a d == t): the solver then cannot make progress and must say so.
    """
    slope = float(grad @ direction)
    if not slope < 0.0:  # not a descent direction (NaN included)
        return t, fx, False
    step = 1.0
    while True:
        candidate = t + step * direction
        if np.array_equal(candidate, t):
            return t, fx, False
        fc = objective.value(candidate)
        if fc <= fx + c1 * step * slope or abs(fc - fx) <= 1e-13 * abs(fx):
            return candidate, fc, True
        step *= 0.5


_STALLED = "no step along the search direction decreases F in float64 (the problem is too badly scaled)"


def _solve_gd(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""Gradient descent :math:`\theta \leftarrow \theta - \nabla F(\theta)/L`.

    :math:`L = C\lVert\tilde X\rVert_2^2\, c + \max\lambda` bounds the curvature (c = 1/4 for
    the sigmoid, 1/2 for the softmax), so every step decreases F."""
    curvature = 0.25 if objective.m == 1 else 0.5
    objective.passes += objective.p  # the spectral norm: an SVD of X, about p passes
    lipschitz = objective.C * np.linalg.norm(objective.xd, 2) ** 2 * curvature + objective.l2.max()
    grad = objective.gradient(theta)
    for it in range(1, settings.max_iter + 1):
        theta = theta - grad / lipschitz
        grad = objective.gradient(theta)
        if record(theta, grad):
            return SolverResult(theta, it, True)
    return _out_of_iterations(theta, settings)


def _solve_lbfgs(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""L-BFGS: the direction :math:`-H_k\nabla F` from the two-loop recursion over the last
    ``memory`` pairs :math:`s_i = \theta_{i+1} - \theta_i`, :math:`y_i = \nabla F_{i+1} - \nabla F_i`
    (Nocedal and Wright, Algorithm 7.4), then a backtracking line search."""
    s_list: list[np.ndarray] = []
    y_list: list[np.ndarray] = []
    fx, grad = objective.value(theta), objective.gradient(theta)
    for it in range(1, settings.max_iter + 1):
        q = grad.copy()
        alphas = []
        for s_i, y_i in zip(reversed(s_list), reversed(y_list), strict=True):
            a = (s_i @ q) / (y_i @ s_i)
            alphas.append(a)
            q -= a * y_i
        # initial inverse-Hessian scale: s'y / y'y from the newest pair; at the start a step
        # of length 1 in the largest gradient entry
        gamma = (
            (s_list[-1] @ y_list[-1]) / (y_list[-1] @ y_list[-1])
            if s_list
            else 1.0 / max(1.0, np.abs(grad).max())
        )
        r = gamma * q
        for (s_i, y_i), a in zip(zip(s_list, y_list, strict=True), reversed(alphas), strict=True):
            r += s_i * (a - (y_i @ r) / (y_i @ s_i))
        theta_new, fx, moved = _line_search(objective, theta, fx, grad, -r)
        if not moved:
            return SolverResult(theta, it - 1, False, _STALLED)
        grad_new = objective.gradient(theta_new)
        s_vec, y_vec = theta_new - theta, grad_new - grad
        if s_vec @ y_vec > 1e-12 * np.linalg.norm(s_vec) * np.linalg.norm(
            y_vec
        ):  # keeps H_k positive definite
            s_list.append(s_vec)
            y_list.append(y_vec)
            if len(s_list) > settings.memory:
                s_list.pop(0)
                y_list.pop(0)
        theta, grad = theta_new, grad_new
        if record(theta, grad):
            return SolverResult(theta, it, True)
    return _out_of_iterations(theta, settings)


def _damped_newton(
    objective: Objective,
    theta: np.ndarray,
    settings: SolverSettings,
    record: Recorder,
    direction: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> SolverResult:
    """Newton iterations with a backtracking line search; ``direction(theta, grad)`` solves
    (exactly or approximately) H d = -grad."""
    fx, grad = objective.value(theta), objective.gradient(theta)
    for it in range(1, settings.max_iter + 1):
        theta, fx, moved = _line_search(objective, theta, fx, grad, direction(theta, grad))
        if not moved:
            return SolverResult(theta, it - 1, False, _STALLED)
        grad = objective.gradient(theta)
        if record(theta, grad):
            return SolverResult(theta, it, True)
    return _out_of_iterations(theta, settings)


def _conjugate_gradient(
    product: Callable[[np.ndarray], np.ndarray], grad: np.ndarray, tol: float, max_iter: int = 200
) -> np.ndarray:
    """Conjugate gradients on H d = -grad from d = 0, until |residual| <= tol.

    Stops early at a direction of non-positive curvature, returning the step so far (or
    -grad if that is the first direction), as in Nocedal and Wright's Algorithm 7.1."""
    d = np.zeros_like(grad)
    r = -grad.copy()
    p = r.copy()
    rr = r @ r
    for _ in range(max_iter):
        hp = product(p)
        curvature = p @ hp
        if curvature <= 0.0:
            return -grad if not d.any() else d
        alpha = rr / curvature
        d += alpha * p
        r -= alpha * hp
        rr_new = r @ r
        if np.sqrt(rr_new) <= tol:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return d


def _solve_newton_cg(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""Inexact Newton: CG on :math:`\nabla^2F\,d = -\nabla F` with Hessian-vector products,
    stopped when the residual is below :math:`\min(\tfrac12, \sqrt{\lVert\nabla F\rVert})
    \lVert\nabla F\rVert` (a forcing sequence that gives superlinear convergence), then a line search."""

    def direction(t: np.ndarray, grad: np.ndarray) -> np.ndarray:
        norm = float(np.linalg.norm(grad))
        return _conjugate_gradient(objective.hessian_vector(t), grad, min(0.5, np.sqrt(norm)) * norm)

    return _damped_newton(objective, theta, settings, record, direction)


def _newton_step(hessian: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Solve H d = -grad by Cholesky; where H is singular (no penalty, a zero or repeated
    column), the minimum-norm solution from the eigendecomposition instead.

    The gradient lies in H's range (both are combinations of the rows of X), so the
    minimum-norm step exists and the iterates converge to the minimum-norm optimum."""
    try:
        factor = cho_factor(hessian)
        pivots = np.diag(factor[0]) ** 2
        if pivots.min() > 1e-12 * pivots.max():
            return -cho_solve(factor, grad)
    except np.linalg.LinAlgError:
        pass
    values, vectors = eigh(hessian)
    keep = values > 1e-12 * max(values.max(), 0.0)
    return -vectors[:, keep] @ ((vectors[:, keep].T @ grad) / values[keep])


def _solve_newton_cholesky(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""Newton with the full Hessian: :math:`d = -(\nabla^2F)^{-1}\nabla F` by Cholesky
    (:math:`O(np^2 + p^3)` per step), then a line search."""

    def direction(t: np.ndarray, grad: np.ndarray) -> np.ndarray:
        hessian = objective.hessian(t)
        objective.passes += objective.size**3 / (3 * objective.n * objective.p)  # the factorisation
        return _newton_step(hessian, grad)

    return _damped_newton(objective, theta, settings, record, direction)


def _truncated_cg(
    product: Callable[[np.ndarray], np.ndarray], grad: np.ndarray, radius: float, max_iter: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Steihaug's CG for min_s grad.s + s'Hs/2 subject to |s| <= radius, stopped when the
    residual is a tenth of |grad| (LIBLINEAR's rule) or at the boundary. Returns the step s
    and the residual r = -grad - H s."""
    s = np.zeros_like(grad)
    r = -grad.copy()
    d = r.copy()
    rr = r @ r
    tol = 0.1 * np.sqrt(rr)
    for _ in range(max_iter):
        if np.sqrt(rr) <= tol:
            break
        hd = product(d)
        alpha = rr / (d @ hd)
        if np.linalg.norm(s + alpha * d) > radius:
            # the positive root tau of |s + tau d| = radius, in the form without cancellation
            sd, dd, gap = s @ d, d @ d, radius**2 - s @ s
            root = np.sqrt(sd**2 + dd * gap)
            tau = gap / (sd + root) if sd >= 0 else (root - sd) / dd
            return s + tau * d, r - tau * hd
        s += alpha * d
        r -= alpha * hd
        rr_new = r @ r
        d = r + (rr_new / rr) * d
        rr = rr_new
    return s, r


def _solve_tron(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""LIBLINEAR's trust-region Newton method (TRON) for the L2 primal.

    Each iteration minimises the quadratic model :math:`q(s) = \nabla F^\top s + \tfrac12
    s^\top\nabla^2F\,s` inside :math:`\lVert s\rVert \le \Delta` by Steihaug's CG, compares the
    actual decrease :math:`F(\theta) - F(\theta + s)` with the predicted :math:`-q(s)`, accepts
    the step when the ratio exceeds :math:`\eta_0 = 10^{-4}` and updates the radius
    with the constants of Lin, Weng and Keerthi (2008): shrink below ratio 0.25, grow above 0.75.
    """
    eta0, eta1, eta2 = 1e-4, 0.25, 0.75
    sigma1, sigma2, sigma3 = 0.25, 0.5, 4.0
    f, grad = objective.value(theta), objective.gradient(theta)
    radius = float(np.linalg.norm(grad))
    for it in range(1, settings.max_iter + 1):
        step, residual = _truncated_cg(objective.hessian_vector(theta), grad, radius)
        g_step = float(grad @ step)
        predicted = -0.5 * (g_step - float(step @ residual))  # = -q(step)
        f_new = objective.value(theta + step)
        actual = f - f_new
        length = float(np.linalg.norm(step))
        if it == 1:
            radius = min(radius, length)
        # where the parabola through F(theta), its slope and F(theta + step) has its minimum,
        # as a multiple of the step (sigma3 when that parabola is not convex)
        bend = f_new - f - g_step
        scale = sigma3 if bend <= 0 else max(sigma1, -0.5 * g_step / bend)
        if actual < eta0 * predicted:
            radius = min(max(scale, sigma1) * length, sigma2 * radius)
        elif actual < eta1 * predicted:
            radius = max(sigma1 * radius, min(scale * length, sigma2 * radius))
        elif actual < eta2 * predicted:
            radius = max(sigma1 * radius, min(scale * length, sigma3 * radius))
        else:
            radius = max(radius, min(scale * length, sigma3 * radius))
        # near the optimum both decreases sink below F's float resolution: the model is then
        # exact enough to trust, and the gradient test decides
        unresolved = abs(actual) <= 1e-13 * abs(f) and abs(predicted) <= 1e-12 * abs(f)
        if actual > eta0 * predicted or unresolved:
            theta, f = theta + step, f_new
            grad = objective.gradient(theta)
        if record(theta, grad):
            return SolverResult(theta, it, True)
        if radius <= 1e-15 * max(1.0, float(np.linalg.norm(theta))):
            return SolverResult(theta, it, False, "the trust region shrank to float resolution")
    return _out_of_iterations(theta, settings)


def saga_step_size(
    x: Any, C: float = 1.0, fit_intercept: bool = True, penalty: str | None = "l2", n_classes: int = 2
) -> float:
    r"""The SAGA step with a convergence guarantee, on scikit-learn's scaling :math:`F/(Cn)`.

    Each sample's loss plus the L2 term is :math:`L`-smooth with
    :math:`L = c\,(\max_i\lVert x_i\rVert^2 + [\text{fit\_intercept}]) + \mu`, c = 1/4 for the
    sigmoid and 1/2 for the softmax, and :math:`\mu = 1/(Cn)` is the strong convexity the L2
    term gives (0 for ``"l1"`` or None). Defazio, Bach and Lacoste-Julien (2014) prove linear
    convergence for :math:`\gamma = 1/(2(\mu n + L))` (Theorem 1, needs :math:`\mu > 0`) and
    convergence for :math:`\gamma = 1/(3L)` (Theorem 2, convexity only); the larger of the two
    is returned:

    .. math::
        \gamma = \max\Bigl(\frac{1}{2(\mu n + L)}, \frac{1}{3L}\Bigr),

    which equals scikit-learn's :math:`1/(2L + \min(2\mu n, L))` whenever :math:`\mu > 0`
    (scikit-learn uses :math:`1/(2L)` when :math:`\mu = 0`, a step no theorem covers, and
    bounds the softmax's curvature by 1/4, below its largest value 1/2).

    Parameters
    ----------
    x : array_like, shape (n, d)
    C : float > 0
    fit_intercept : bool
    penalty : {"l2", "l1", None}
    n_classes : int >= 2

    Returns
    -------
    float
    """
    xs = as_array(x, "x", ndim=2, min_size=1)
    C = check_real(C, "C", low=0.0, low_open=True)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    check_choice(penalty, "penalty", ("l2", "l1", None))
    n_classes = check_int(n_classes, "n_classes", low=2)
    return _saga_step(xs, C, fit_intercept, penalty, n_classes)


def _saga_step(x: np.ndarray, C: float, fit_intercept: bool, penalty: str | None, n_classes: int) -> float:
    n = x.shape[0]
    mu = 1.0 / (C * n) if penalty == "l2" else 0.0
    smooth = (0.25 if n_classes == 2 else 0.5) * (np.max(np.einsum("ij,ij->i", x, x)) + fit_intercept) + mu
    guaranteed = 1.0 / (3.0 * smooth)
    return max(1.0 / (2.0 * (mu * n + smooth)), guaranteed) if mu > 0 else guaranteed


def _solve_sag_family(
    objective: Objective, settings: SolverSettings, record: Recorder, saga: bool
) -> SolverResult:
    """SAG / SAGA epochs (compiled), on scikit-learn's scaling: F/(C n) is minimised.

    SAG uses scikit-learn's step 1/L (Schmidt et al. prove linear convergence for 1/(16L);
    1/L is their practical recommendation); SAGA uses :func:`saga_step_size`. Stops, like
    scikit-learn, when an epoch changes the weights by at most ``tol`` relative to their
    largest entry, provided the intercept's gradient (the mean of the stored residuals, a
    scale-free number) is small too; or when the full-batch solvers' gradient test is met.
    Weights that are all zero never count as converged by the first rule, so an epoch that
    cannot move reports no convergence."""
    obj = objective
    fit_intercept = obj.n_free_rows == 1
    d = obj.p - int(fit_intercept)
    x = np.ascontiguousarray(obj.xd[:, :d])
    alpha = 1.0 / (obj.C * obj.n) if obj.l2.any() else 0.0
    beta = 1.0 / (obj.C * obj.n) if obj.l1.any() else 0.0
    curvature = 0.25 if obj.m == 1 else 0.5
    if saga:
        penalty = "l2" if alpha else ("l1" if beta else None)
        step = _saga_step(x, obj.C, fit_intercept, penalty, obj.n_classes)
    else:
        step = 1.0 / (curvature * (np.max(np.einsum("ij,ij->i", x, x)) + fit_intercept) + alpha)
    w, b = np.zeros((d, obj.m)), np.zeros(obj.m)
    memory, sum_grad, sum_b = np.zeros((obj.n, obj.m)), np.zeros((d, obj.m)), np.zeros(obj.m)
    seen = np.zeros(obj.n, dtype=np.bool_)
    rng_state = np.array([12345], dtype=np.int64)
    theta = np.zeros(obj.size)
    for epoch in range(1, settings.max_iter + 1):
        w_prev = w.copy()
        sag_epoch(
            x, obj.y, w, b, memory, sum_grad, sum_b, seen, alpha, beta, step, saga, fit_intercept, rng_state
        )
        obj.passes += 3 * obj.m * d / obj.p  # per sample: scores, the running sum, the weights
        theta = (np.vstack([w, b]) if fit_intercept else w).ravel()
        if record(theta):
            return SolverResult(theta, epoch, True)
        largest = np.max(np.abs(w))
        if largest > 0 and np.max(np.abs(w - w_prev)) <= settings.tol * largest:
            # the rule looks at the weights only; the intercept's gradient of F/(Cn), the mean
            # residual, is scale-free and must be small too (it is not when huge features make
            # the intercept's steps vanish)
            drift = np.max(np.abs(memory.mean(axis=0))) if fit_intercept else 0.0
            if drift > max(10 * settings.tol, 1e-3):
                return SolverResult(
                    theta,
                    epoch,
                    False,
                    f"the weights stopped changing but the intercept's "
                    f"gradient mean(p - y) is {drift:.2g}: features this large (max |x_i|^2 = "
                    f"{np.max(np.einsum('ij,ij->i', x, x)):.2g}) leave the intercept stuck; "
                    "standardise them",
                )
            return SolverResult(theta, epoch, True)
    return _out_of_iterations(theta, settings)


def _solve_sag(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    """SAG (Schmidt, Le Roux and Bach 2017); starts from zero."""
    return _solve_sag_family(objective, settings, record, saga=False)


def _solve_saga(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    """SAGA (Defazio, Bach and Lacoste-Julien 2014), with the L1 proximal step; starts from zero."""
    return _solve_sag_family(objective, settings, record, saga=True)


def _l1_violation(theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Per coordinate, the smallest |subgradient| of grad . theta + ||theta||_1 (0 at the optimum)."""
    return np.where(
        theta > 0,
        np.abs(grad + 1.0),
        np.where(theta < 0, np.abs(grad - 1.0), np.maximum(np.abs(grad) - 1.0, 0.0)),
    )


def _solve_newglmnet(
    objective: Objective, theta: np.ndarray, settings: SolverSettings, record: Recorder
) -> SolverResult:
    r"""liblinear's L1 solver, newGLMNET (Yuan, Ho and Lin 2012), binary model.

    Each Newton step minimises the quadratic model of the smooth loss plus the L1 term,
    :math:`q(d) = \nabla L^\top d + \tfrac12 d^\top(\nabla^2 L + \nu I)d + \lVert\theta + d\rVert_1`,
    by coordinate descent (each coordinate a shifted soft threshold, see
    :func:`mlnotes.logistic_kernels.glmnet_inner`), then backtracks along d until
    :math:`F(\theta + a d) - F(\theta) \le
    \sigma a(\nabla L^\top d + \lVert\theta+d\rVert_1 - \lVert\theta\rVert_1)`.
    Stops, like liblinear, when the summed violation of the optimality conditions falls to
    ``tol`` times its value at the start. Zero weights whose gradient lies well inside [-1, 1]
    sit out the inner solve ("shrinking"); the stopping test always covers all.
    """
    obj = objective
    x = np.asfortranarray(obj.xd)  # coordinate descent walks columns
    x2 = x * x
    n, d = x.shape
    y = obj.y
    s = 2.0 * y - 1.0
    C = obj.C
    margin = np.zeros(n)
    nu, sigma, inner_eps, largest_old = 1e-12, 0.01, 1.0, np.inf
    grad = C * (x.T @ (expit(margin) - y))
    obj.passes += 1
    start_violation = _l1_violation(theta, grad).sum()
    for it in range(1, settings.max_iter + 1):
        violation = _l1_violation(theta, grad)
        if violation.sum() <= settings.tol * start_violation:
            return SolverResult(theta, it - 1, True)
        p = expit(margin)
        curvature = C * p * (1.0 - p)
        active = np.flatnonzero((theta != 0) | (np.abs(grad) >= 1.0 - largest_old / n))
        largest_old = violation[active].max()
        new, xtd = theta.copy(), np.zeros(n)
        sweeps, visits = glmnet_inner(
            x,
            curvature,
            grad,
            x2.T @ curvature + nu,
            theta,
            new,
            xtd,
            active,
            nu,
            inner_eps * start_violation,
            1000,
        )
        obj.passes += 1 + 2 * visits / d  # the curvature diagonal, then two products per column visit
        if sweeps == 1:  # the model was easy: ask for more accuracy next time
            inner_eps *= 0.25
        step = new - theta
        base = C * np.logaddexp(0.0, -s * margin).sum() + np.abs(theta).sum()
        decrease = grad @ step + np.abs(new).sum() - np.abs(theta).sum()
        for alpha in 0.5 ** np.arange(20):
            trial_margin = margin + alpha * xtd
            obj.passes += 1 / d
            trial = C * np.logaddexp(0.0, -s * trial_margin).sum() + np.abs(theta + alpha * step).sum()
            # sufficient decrease, or a change below the float resolution of the objective
            if trial - base <= sigma * alpha * decrease or abs(trial - base) <= 1e-13 * base:
                break
        else:  # no step decreases the objective
            converged = _l1_violation(theta, grad).sum() <= settings.tol * start_violation
            return SolverResult(theta, it - 1, converged, "" if converged else _STALLED)
        theta, margin = theta + alpha * step, trial_margin
        grad = C * (x.T @ (expit(margin) - y))
        obj.passes += 1
        record(theta, grad)
    return _out_of_iterations(theta, settings)


SOLVER_FUNCTIONS: dict[str, Solver] = {
    "gd": _solve_gd,
    "lbfgs": _solve_lbfgs,
    "newton-cg": _solve_newton_cg,
    "newton-cholesky": _solve_newton_cholesky,
    "sag": _solve_sag,
    "saga": _solve_saga,
    "liblinear-l2": _solve_tron,
    "liblinear-l1": _solve_newglmnet,
}
