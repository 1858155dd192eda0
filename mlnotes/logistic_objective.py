r"""The logistic objective of Chapter 4 as one object: value, gradient, Hessian-vector
products and Hessian at a parameter vector, with the work counted in passes over the data.

Used by the solvers in :mod:`mlnotes.logistic_solvers`; the estimator and the public
functions are in :mod:`mlnotes.logistic`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit

from mlnotes.probability import logsumexp, softmax

__all__ = ["Objective"]


class Objective:
    r"""scikit-learn's logistic objective on one data set: value, gradient, Hessian-vector
    products and Hessian at a parameter vector, with the work counted.

    Parameters
    ----------
    xd : ndarray, shape (n, p)
        The design matrix: the features, then a column of ones when there is an intercept.
    labels : ndarray of int, shape (n,)
        Class labels 0, ..., K-1.
    n_classes : int
        K. For K = 2 the binary model (one column, :math:`m = 1`), else the softmax (:math:`m = K`).
    C : float > 0
    penalty : {"l2", "l1", None}
    n_free_rows : {0, 1}
        How many of the last rows of W go unpenalised (1: the intercept; 0 for liblinear,
        which penalises its intercept like a weight).

    Notes
    -----
    :math:`\theta` is ``W.ravel()`` for W of shape (p, m). :meth:`gradient`,
    :meth:`hessian_vector` and :meth:`hessian` are those of the smooth part (loss plus the
    L2 term); :meth:`value` includes the L1 term. ``passes`` counts the arithmetic done, in
    units of one pass over the data, :math:`np` multiply-adds (one product :math:`\tilde X v`):
    a value costs :math:`m`, a gradient :math:`2m`, a Hessian-vector product :math:`2m`
    (:math:`m` more to set up its curvature weights), the full Hessian :math:`1 + p` (binary)
    or :math:`m + p\,m(m+1)` (softmax).
    """

    def __init__(
        self,
        xd: np.ndarray,
        labels: np.ndarray,
        n_classes: int,
        C: float,
        penalty: str | None,
        n_free_rows: int,
    ) -> None:
        self.xd, self.labels, self.n_classes, self.C, self.n_free_rows = xd, labels, n_classes, C, n_free_rows
        self.n, self.p = xd.shape
        self.m = 1 if n_classes == 2 else n_classes
        rows = np.ones(self.p)
        rows[self.p - n_free_rows :] = 0.0
        self.l2 = np.repeat(rows * (penalty == "l2"), self.m)  # per entry of theta
        self.l1 = np.repeat(rows * (penalty == "l1"), self.m)
        self.passes = 0.0
        self.y = labels.astype(np.float64)
        self._onehot = np.eye(n_classes)[labels] if self.m > 1 else None

    @property
    def size(self) -> int:
        """The number of parameters, p m."""
        return self.p * self.m

    def _scores(self, theta: np.ndarray) -> np.ndarray:
        self.passes += self.m
        return self.xd @ theta if self.m == 1 else self.xd @ theta.reshape(self.p, self.m)

    def _penalties(self, theta: np.ndarray) -> float:
        return 0.5 * float(np.sum(self.l2 * theta**2)) + float(np.sum(self.l1 * np.abs(theta)))

    def value(self, theta: np.ndarray) -> float:
        """F(theta), log-loss through ``logaddexp`` / max-shifted log-sum-exp (finite at any margin)."""
        z = self._scores(theta)
        if self.m == 1:
            loss = np.sum(np.logaddexp(0.0, -(2.0 * self.y - 1.0) * z))
        else:
            loss = np.sum(logsumexp(z, axis=1) - z[np.arange(self.n), self.labels])
        return float(self.C * loss) + self._penalties(theta)

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """dLoss/dscores per sample: sigmoid minus label, shape (n,), or softmax minus one-hot, (n, K)."""
        z = self._scores(theta)
        return expit(z) - self.y if self.m == 1 else softmax(z, axis=1) - self._onehot

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        r""":math:`\nabla F = C\,\tilde X^\top(P - Y) + \lambda \odot \theta` (smooth part)."""
        r = self.residuals(theta)
        self.passes += self.m
        return (self.C * (self.xd.T @ r)).ravel() + self.l2 * theta

    def hessian_vector(self, theta: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        r"""The map :math:`v \mapsto \nabla^2 F(\theta)\, v`, curvature weights computed once.

        Binary: :math:`C\tilde X^\top D \tilde X v + \lambda\odot v`, :math:`D = \mathrm{diag}(p_i(1-p_i))`.
        Softmax: with :math:`Z = \tilde X V`, :math:`R = P\odot(Z - (P\odot Z)\mathbf 1\mathbf 1^\top)`,
        :math:`C\tilde X^\top R + \lambda\odot V`.
        """
        z = self._scores(theta)
        if self.m == 1:
            prob = expit(z)
            weights = self.C * prob * (1.0 - prob)

            def product(v: np.ndarray) -> np.ndarray:
                self.passes += 2
                return self.xd.T @ (weights * (self.xd @ v)) + self.l2 * v
        else:
            prob = softmax(z, axis=1)

            def product(v: np.ndarray) -> np.ndarray:
                self.passes += 2 * self.m
                zv = self.xd @ v.reshape(self.p, self.m)
                r = prob * (zv - np.sum(prob * zv, axis=1, keepdims=True))  # softmax Jacobian, row by row
                return (self.C * (self.xd.T @ r)).ravel() + self.l2 * v

        return product

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        r"""The full (p m, p m) Hessian of the smooth part.

        Softmax: entry :math:`((j, a), (l, b))` is
        :math:`C\sum_i x_{ij}x_{il}\,p_{ia}(\delta_{ab} - p_{ib})`, computed as the
        block-diagonal :math:`\tilde X^\top \mathrm{diag}(p_a)\tilde X` minus the Gram matrix
        :math:`G^\top G` of :math:`G_{i,(j,a)} = x_{ij}p_{ia}` (one large matrix product).
        Adding one number to every class's weight in an unpenalised row (the intercepts, or
        all rows without a penalty) changes no probability, so H is singular there. The
        gradient has no component along those directions, so ``ones(K, K) / K`` is added on
        those rows' diagonal blocks: H becomes invertible along them and the Newton step is
        unchanged everywhere else.
        """
        z = self._scores(theta)
        if self.m == 1:
            self.passes += self.p
            prob = expit(z)
            return self.C * (self.xd.T * (prob * (1.0 - prob))) @ self.xd + np.diag(self.l2)
        n, p, k = self.n, self.p, self.m
        self.passes += p * k * (k + 1)  # the Gram matrix (p k^2) and k diagonal blocks (p each)
        prob = softmax(z, axis=1)
        weighted = (self.xd[:, :, None] * prob[:, None, :]).reshape(n, p * k)
        h = -(weighted.T @ weighted)
        for a in range(k):
            h[a::k, a::k] += (self.xd.T * prob[:, a]) @ self.xd
        h = (self.C * h).reshape(p, k, p, k)
        lam = self.l2.reshape(p, k)[:, 0]
        for j in range(p):
            h[j, :, j, :] += lam[j] * np.eye(k) + (lam[j] == 0.0) * np.ones((k, k)) / k
        return h.reshape(p * k, p * k)

    def optimality(self, theta: np.ndarray, grad: np.ndarray) -> float:
        """The largest entry of the gradient, or, where an L1 term sits, of the minimum-norm
        subgradient (zero exactly at the optimum)."""
        g = grad + self.l1 * np.sign(theta)
        at_kink = (self.l1 > 0) & (theta == 0)
        g = np.where(at_kink, np.maximum(np.abs(grad) - self.l1, 0.0), g)
        return float(np.max(np.abs(g)))
