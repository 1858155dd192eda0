"""The compiled inner loops of the per-sample and coordinate-descent logistic solvers (Chapter 4).

Two numba kernels that :mod:`mlnotes.logistic` calls; they work in place on arrays the caller
owns and validate nothing (the caller has). ``sag_epoch`` runs one epoch of SAG or SAGA,
``glmnet_inner`` the coordinate-descent solve of one newGLMNET Newton model.

References
----------
Schmidt, Le Roux and Bach (2017), "Minimizing finite sums with the stochastic average
gradient"; Defazio, Bach and Lacoste-Julien (2014), "SAGA"; Yuan, Ho and Lin (2012), "An
improved GLMNET for L1-regularized logistic regression".
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["glmnet_inner", "sag_epoch", "warm_up"]

# cache=True: numba keeps the machine code beside this file (__pycache__, or its user cache where
# the folder is read-only) and recompiles when the file changes, so only the first process after
# an edit pays the ~1.5 s compilation; every later kernel, test worker and benchmark loads it.


@numba.njit(cache=True)
def sag_epoch(x, y, w, b, memory, sum_grad, sum_b, seen, alpha, beta, step, saga, fit_intercept, rng_state):
    """One epoch (n random samples) of SAG or SAGA on F/(C n), updating the arrays in place.

    ``w`` is (d, m): one column for the binary model, one per class for the multinomial one.
    ``memory[i]`` holds the last derivative of sample i's loss with respect to its m scores
    (sigmoid minus label, or softmax minus one-hot), so its stored gradient is
    ``outer(x_i, memory[i])``; ``sum_grad`` is their sum. With step :math:`\\gamma`, SAG sets
    :math:`w \\leftarrow (1 - \\gamma\\alpha) w - \\gamma\\,\\bar g` (the average of the stored
    gradients over the samples seen so far); SAGA steps along the unbiased estimate
    :math:`g_i^{new} - g_i^{old} + \\bar g + \\alpha w` and then applies the proximal step of
    :math:`\\gamma\\beta\\lVert w\\rVert_1` (soft thresholding) when ``beta > 0``.
    The sample order comes from a 64-bit linear congruential generator whose state is
    ``rng_state[0]``, so that a fit is reproducible.
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
                        if w[j, c] > shrink:
                            w[j, c] -= shrink
                        elif w[j, c] < -shrink:
                            w[j, c] += shrink
                        else:
                            w[j, c] = 0.0
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


@numba.njit(cache=True)
def glmnet_inner(x, curvature, grad, hdiag, theta, new, xtd, active, nu, tol, max_sweeps):
    """Coordinate descent on the model q(d) = grad . d + d' H d / 2 + ||theta + d||_1, with
    H = X' diag(curvature) X + nu I, over the ``active`` columns; ``new`` (= theta + d) and
    ``xtd`` (= X d) are updated in place.

    For coordinate j the 1-D model G z + H_jj z^2 / 2 + |new_j + z| is minimised in closed
    form (a shifted soft threshold); no exponentials are needed inside the sweep. Stops when
    a sweep's summed violation of the model's optimality conditions is at most ``tol``.

    Returns
    -------
    (sweeps, column_visits) : the number of sweeps, and how many times a column of ``x`` was
        read (once for the model's gradient, once more when the coordinate moved).
    """
    n = x.shape[0]
    visits = 0
    for sweep in range(1, max_sweeps + 1):
        total = 0.0
        for j in active:
            dot = 0.0
            for i in range(n):
                dot += curvature[i] * x[i, j] * xtd[i]
            visits += 1
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
            visits += 1
        if total <= tol:
            return sweep, visits
    return max_sweeps, visits


def warm_up() -> None:
    """Compile both kernels on tiny inputs, so that a later timing measures the solvers, not numba."""
    x, y = np.ones((2, 1)), np.array([0.0, 1.0])
    w, b = np.zeros((1, 1)), np.zeros(1)
    sag_epoch(
        x,
        y,
        w,
        b,
        np.zeros((2, 1)),
        np.zeros((1, 1)),
        np.zeros(1),
        np.zeros(2, dtype=np.bool_),
        0.1,
        0.0,
        0.1,
        True,
        True,
        np.array([1], dtype=np.int64),
    )
    xf = np.asfortranarray(x)
    glmnet_inner(
        xf,
        np.ones(2),
        np.zeros(1),
        np.ones(1),
        np.zeros(1),
        np.zeros(1),
        np.zeros(2),
        np.arange(1),
        1e-12,
        1.0,
        1,
    )
