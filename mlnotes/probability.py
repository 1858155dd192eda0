r"""A probability toolbox: stable softmax and log-sum-exp, joint normals built from blocks,
ordered uniform priors, RobustMax class probabilities, and projections onto the simplex
(Chapter 8).

Pure NumPy and SciPy; other chapters (attention) take ``softmax`` and ``logsumexp`` from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mlnotes._checks import as_array, check_axis, check_int, check_positive_ints, check_real, check_seed

__all__ = [
    "block_covariance",
    "column_stochastic_from_logits",
    "logsumexp",
    "ordered_uniform_marginals",
    "project_to_simplex",
    "robustmax_probabilities",
    "robustmax_quadrature",
    "sample_ordered_uniform",
    "softmax",
    "split_sample",
]


def _as_logits(x: Any, name: str = "x") -> np.ndarray:
    """Real array; -inf allowed (a log-probability of zero), NaN and +inf refused."""
    arr = as_array(x, name, finite=False, min_size=1)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least 1 dimension; got a scalar")
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name} must not contain NaN or +inf (-inf is allowed); got {arr.size} values "
                         f"with {int(np.isnan(arr).sum())} NaN and {int((arr == np.inf).sum())} +inf")
    return arr


def logsumexp(x: Any, axis: int = -1) -> np.ndarray:
    r""":math:`\log \sum_i e^{x_i}` along ``axis``, without overflow or underflow.

    With :math:`m = \max_i x_i`,

    .. math:: \log \sum_i e^{x_i} = m + \operatorname{log1p}\Bigl(\sum_{i \ne i^*} e^{x_i - m}\Bigr),

    with :math:`i^*` the index of the maximum (Blanchard, Higham and Higham's algorithm):
    every :math:`e^{x_i - m} \le 1`, so nothing overflows, and the term of the maximum,
    exactly 1, is added through ``log1p`` rather than summed, so a tiny remainder is not
    rounded away (``logsumexp([0, -40])`` is :math:`4.25 \times 10^{-18}`, not 0).

    Parameters
    ----------
    x : array_like
        Real values; ``-inf`` entries contribute nothing (a slice of only ``-inf`` gives
        ``-inf``). NaN and ``+inf`` are refused.
    axis : int, default -1

    Returns
    -------
    ndarray
        ``x``'s shape without ``axis``.

    References
    ----------
    ``scipy.special.logsumexp``; Blanchard, Higham and Higham (2021), "Accurately computing
    the log-sum-exp and softmax functions", IMA J. Numer. Anal. 41(4).
    """
    arr = _as_logits(x)
    axis = check_axis(axis, arr.ndim)
    m = np.max(arr, axis=axis, keepdims=True)
    safe_m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice: shift by 0, answer -inf below
    e = np.exp(arr - safe_m)
    # the maximal term is exactly 1: take it out and add it back through log1p, so that
    # log(1 + s) keeps s's digits when s is tiny ([0, -40] gives 4.25e-18, not 0)
    np.put_along_axis(e, np.argmax(arr, axis=axis, keepdims=True), 0.0, axis=axis)
    out = np.where(m == -np.inf, -np.inf, safe_m + np.log1p(np.sum(e, axis=axis, keepdims=True)))
    return np.squeeze(out, axis=axis)


def softmax(x: Any, axis: int = -1) -> np.ndarray:
    r"""Softmax :math:`e^{x_i} / \sum_j e^{x_j}` along ``axis``, computed with the max shift.

    Subtracting :math:`m = \max_j x_j` changes nothing mathematically (it cancels between
    numerator and denominator) and keeps every exponent :math:`\le 0`, so nothing overflows;
    the largest entry's term is exactly 1, so the denominator is at least 1. Entries far
    below the maximum still come out tiny or 0: that is their true probability, not an
    error.

    Parameters
    ----------
    x : array_like
        Logits; ``-inf`` entries get probability 0 (a mask). A slice that is entirely
        ``-inf`` has no probability distribution and raises ``ValueError``.
    axis : int, default -1

    Returns
    -------
    ndarray
        Same shape as ``x``, non-negative, summing to 1 along ``axis``.

    References
    ----------
    ``scipy.special.softmax``; Goodfellow, Bengio and Courville (2016), *Deep Learning*,
    section 4.1.
    """
    return _softmax(_as_logits(x), axis, "x")


def _softmax(arr: np.ndarray, axis: Any, name: str) -> np.ndarray:
    axis = check_axis(axis, arr.ndim)
    m = np.max(arr, axis=axis, keepdims=True)
    if np.any(m == -np.inf):
        raise ValueError(f"{name} has a slice along axis {axis} in which every entry is -inf: "
                         "softmax is undefined there")
    e = np.exp(arr - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def block_covariance(
    variances: Sequence[Any], cross: Mapping[tuple[int, int], Any] | None = None, *, tol: float = 1e-10
) -> np.ndarray:
    r"""Assemble the covariance of the stacked vector :math:`(x_1, \dots, x_k)` from blocks.

    .. math::
        \Sigma = \begin{pmatrix} \Sigma_{11} & \Sigma_{12} & \cdots \\
                                 \Sigma_{21} & \Sigma_{22} & \cdots \\
                                 \vdots & & \ddots \end{pmatrix},
        \qquad \Sigma_{ij} = \operatorname{Cov}(x_i, x_j), \quad \Sigma_{ji} = \Sigma_{ij}^\top .

    Parameters
    ----------
    variances : sequence of array_like
        The diagonal blocks :math:`\Sigma_{ii}`, each symmetric of shape (n_i, n_i).
    cross : mapping (i, j) -> array_like, optional
        Cross-covariances :math:`\Sigma_{ij}` of shape (n_i, n_j) for i != j; the transpose
        fills (j, i). Missing pairs are zero (independent vectors). Give each pair once.
    tol : float, default 1e-10
        Relative tolerance for symmetry and for negative eigenvalues.

    Returns
    -------
    ndarray, shape (n, n), n = sum of n_i

    Raises
    ------
    ValueError
        If a block has the wrong shape, a diagonal block is not symmetric, a pair is
        given twice, or the assembled matrix is not positive semi-definite (then no
        random vector has these covariances).

    References
    ----------
    Rasmussen and Williams (2006), *Gaussian Processes for Machine Learning*, appendix A.2.
    """
    if isinstance(variances, np.ndarray) or not isinstance(variances, Sequence) or len(variances) == 0:
        got = type(variances).__name__
        got += f" of length {len(variances)}" if isinstance(variances, Sequence) else ""
        raise TypeError(f"variances must be a non-empty list of square matrices; got {got}")
    tol = check_real(tol, "tol", low=0.0)
    if cross is not None and not isinstance(cross, Mapping):
        raise TypeError(f"cross must be a mapping (i, j) -> matrix; got {type(cross).__name__}")
    blocks = [as_array(v, f"variances[{i}]", ndim=2) for i, v in enumerate(variances)]
    sizes = []
    for i, b in enumerate(blocks):
        if b.shape[0] != b.shape[1] or b.shape[0] == 0:
            raise ValueError(f"variances[{i}] must be square; got shape {b.shape}")
        # tolerances relative to the block's own scale: a 1e-20-scale block is judged as a 1-scale one
        if np.abs(b - b.T).max() > tol * np.abs(b).max():
            raise ValueError(f"variances[{i}] must be symmetric; got a largest |B - B^T| entry of "
                             f"{np.abs(b - b.T).max():.3g}")
        sizes.append(b.shape[0])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    sigma = np.zeros((n, n))
    for i, b in enumerate(blocks):
        sigma[offsets[i]:offsets[i + 1], offsets[i]:offsets[i + 1]] = b
    seen: set[frozenset[int]] = set()
    for key, value in (cross or {}).items():
        pair = isinstance(key, tuple) and len(key) == 2
        if not (pair and all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in key)):
            raise TypeError(f"cross keys must be pairs of block indices (i, j); got {key!r}")
        i, j = int(key[0]), int(key[1])
        if not (0 <= i < len(blocks) and 0 <= j < len(blocks)) or i == j:
            raise ValueError(f"cross key {key} must name two different blocks in 0..{len(blocks) - 1}")
        if frozenset((i, j)) in seen:
            raise ValueError(f"cross gives the pair {key} twice (once as (i, j) and once as (j, i))")
        seen.add(frozenset((i, j)))
        c = as_array(value, f"cross[{key}]", ndim=2)
        if c.shape != (sizes[i], sizes[j]):
            raise ValueError(f"cross[{key}] must have shape ({sizes[i]}, {sizes[j]}); got {c.shape}")
        sigma[offsets[i]:offsets[i + 1], offsets[j]:offsets[j + 1]] = c
        sigma[offsets[j]:offsets[j + 1], offsets[i]:offsets[i + 1]] = c.T
    scale = float(np.abs(sigma).max())
    smallest = float(np.linalg.eigvalsh(sigma / scale)[0]) * scale if scale > 0 else 0.0
    if smallest < -tol * scale:
        raise ValueError(f"the assembled covariance is not positive semi-definite: smallest eigenvalue "
                         f"{smallest:.3g}; the cross-covariances are too large for the variances")
    return sigma


def split_sample(sample: Any, sizes: Sequence[int]) -> list[np.ndarray]:
    """Split samples of the stacked vector back into the vectors, along the last axis.

    Parameters
    ----------
    sample : array_like, shape (..., n)
    sizes : sequence of int
        Lengths n_1, ..., n_k with sum n.

    Returns
    -------
    list of ndarray, shapes (..., n_i)
    """
    arr = as_array(sample, "sample", ndim=range(1, 33), min_size=1)
    sizes = list(check_positive_ints(sizes, "sizes"))
    if sum(sizes) != arr.shape[-1]:
        raise ValueError(f"sizes must add up to sample's last dimension {arr.shape[-1]}; "
                         f"got sum {sum(sizes)}")
    return np.split(arr, np.cumsum(sizes)[:-1], axis=-1)


def sample_ordered_uniform(
    n_samples: int, low: float = 0.0, high: float = 1.0, size: int = 2, seed: int | None = 0
) -> np.ndarray:
    r"""Draw from the uniform distribution on :math:`\{low \le x_1 < x_2 < \dots < x_k \le high\}`.

    Sorting :math:`k` independent :math:`U(low, high)` draws gives exactly this
    distribution (its density is :math:`k!/(high-low)^k` on the ordered region): it is
    what a flat prior on Stan's ``ordered[k]`` vector restricted to :math:`[low, high]`
    means; it is *not* :math:`x_1 \sim U(low, high)`, :math:`x_2 \sim U(x_1, high)`, ...,
    which keeps :math:`x_1` uniform. For :math:`k = 2` on :math:`[0, 2]`: :math:`f_X(x) = (2 - x)/2`,
    :math:`f_Y(y) = y/2`, :math:`E X = 2/3`, :math:`E Y = 4/3`.

    Parameters
    ----------
    n_samples, size : int >= 1
    low, high : float, low < high, with high - low finite
    seed : int >= 0 or None

    Returns
    -------
    ndarray, shape (n_samples, size), each row increasing

    References
    ----------
    David and Nagaraja (2003), *Order Statistics*, 3rd ed., chapter 2; Stan Reference
    Manual, "Ordered vector" transform.
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    size = check_int(size, "size", low=1)
    low = check_real(low, "low")
    high = check_real(high, "high")
    _check_interval(low, high)
    rng = np.random.default_rng(check_seed(seed, allow_none=True))
    return np.sort(rng.uniform(low, high, (n_samples, size)), axis=1)


def _check_interval(low: float, high: float) -> None:
    if not low < high:
        raise ValueError(f"low must be < high; got low={low}, high={high}")
    if not np.isfinite(high - low):
        raise ValueError(f"high - low must be finite; got low={low}, high={high}")


def ordered_uniform_marginals(x: Any, k: int, rank: int, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    r"""Density of the ``rank``-th smallest of ``k`` independent :math:`U(low, high)` variables.

    .. math::
        f_{(r)}(x) = \frac{k!}{(r-1)!\,(k-r)!}\, u^{r-1} (1-u)^{k-r} \frac{1}{high-low},
        \qquad u = \frac{x - low}{high - low},

    a Beta(r, k - r + 1) density rescaled to the interval (zero outside it).

    Parameters
    ----------
    x : array_like
        Points at which to evaluate the density (finite).
    k, rank : int, 1 <= rank <= k
    low, high : float, low < high

    Returns
    -------
    ndarray, ``x``'s shape

    References
    ----------
    David and Nagaraja (2003), *Order Statistics*, equation (2.1.6).
    """
    from scipy.stats import beta

    k = check_int(k, "k", low=1)
    rank = check_int(rank, "rank", low=1, high=k)
    low = check_real(low, "low")
    high = check_real(high, "high")
    _check_interval(low, high)
    arr = as_array(x, "x")
    return beta.pdf((arr - low) / (high - low), rank, k - rank + 1) / (high - low)


def robustmax_probabilities(f_samples: Any, epsilon: float = 1e-3) -> np.ndarray:
    r"""Class probabilities under the RobustMax likelihood, averaged over latent samples.

    For latent values :math:`f \in \mathbb R^K`, RobustMax puts probability
    :math:`1 - \epsilon` on :math:`\arg\max_k f_k` and :math:`\epsilon/(K-1)` on every
    other class. Averaging over samples :math:`f^{(s)}` of the latent posterior estimates

    .. math::
        p(y = k) = (1 - \epsilon)\, P(k = \arg\max f) + \frac{\epsilon}{K-1}\bigl(1 - P(k = \arg\max f)\bigr).

    Ties go to the first maximal class.

    Parameters
    ----------
    f_samples : array_like, shape (S, N, K) or (S, K)
        ``S`` samples of the ``K`` latent functions at ``N`` inputs.
    epsilon : float in [0, 1), default 1e-3

    Returns
    -------
    ndarray, shape (N, K) or (K,); rows sum to 1.

    References
    ----------
    Hernández-Lobato, Hernández-Lobato and Dupont (2011), "Robust multi-class Gaussian
    process classification", NeurIPS; GPflow's ``RobustMax`` likelihood.
    """
    f = as_array(f_samples, "f_samples", ndim=(2, 3))
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0, high_open=True)
    k = f.shape[-1]
    if k < 2:
        raise ValueError(f"f_samples must have at least 2 classes on its last axis; got shape {f.shape}")
    if f.shape[0] == 0:
        raise ValueError(f"f_samples must hold at least 1 sample on its first axis; got shape {f.shape}")
    winners = np.argmax(f, axis=-1)
    p_max = np.mean(winners[..., None] == np.arange(k), axis=0)
    return _mix_epsilon(p_max, epsilon)


def _mix_epsilon(p_max: np.ndarray, epsilon: float) -> np.ndarray:
    k = p_max.shape[-1]
    return (1 - epsilon) * p_max + epsilon / (k - 1) * (1 - p_max)


def robustmax_quadrature(
    mean: Any, var: Any, epsilon: float = 1e-3, n_points: int | None = None, *, panel_points: int = 8
) -> np.ndarray:
    r"""RobustMax class probabilities for independent Gaussian latents, by 1-D quadrature.

    For :math:`f_k \sim \mathcal N(\mu_k, \sigma_k^2)` independent, substituting
    :math:`f_k = \mu_k + \sigma_k z`,

    .. math::
        P(k = \arg\max f) = \int \varphi(z)
            \prod_{j \ne k} \Phi\Bigl(\frac{\mu_k + \sigma_k z - \mu_j}{\sigma_j}\Bigr)\, dz,

    then mixed with :math:`\epsilon` as in :func:`robustmax_probabilities`. The factor for
    class :math:`j` rises from 0 to 1 around :math:`c_j = (\mu_j - \mu_k)/\sigma_k` over a
    width :math:`w_j = \sigma_j/\sigma_k`: when class :math:`j` is much more certain than
    class :math:`k` it is nearly a step, which a fixed rule of a few dozen points cannot
    place.

    Two rules:

    - ``n_points=None`` (default): composite Gauss-Legendre on :math:`z \in [-9, 9]` (the
      mass of :math:`\varphi` outside is :math:`2 \times 10^{-19}`), with panel edges at
      :math:`z = -9, \dots, 9` and at :math:`c_j + w_j m`, :math:`m = -9, \dots, 9`, for
      every other class, and ``panel_points`` nodes per panel. Every feature of the
      integrand (the bump of :math:`\varphi`, each rise of a :math:`\Phi`) is cut into
      panels of its own width, so the rule is accurate to about :math:`10^{-12}` with 8
      points per panel (:math:`10^{-9}` with 4) at any ratio of variances (checked
      against the two-class closed form at ratios from 1 to :math:`10^{16}`), including
      rises far narrower than the bump; a rise narrower than rounding becomes a jump
      placed exactly on an edge.
      Cost: :math:`(19K - 1)` panels per class and input.
    - ``n_points=n``: ``n``-point Gauss-Hermite quadrature in :math:`z`, the rule GPflow's
      ``RobustMax`` uses (with 20 points). Accurate when the variances are similar; with
      unequal ones its error decays slowly in ``n`` (about 0.04 with 20 points and 0.015
      with 40 for variances :math:`e^{N(0, 1)}`), and at a variance ratio of
      :math:`10^4` the probabilities need not even sum to 1.

    Monte Carlo over latent samples converges to the exact value at rate
    :math:`1/\sqrt S`.

    Parameters
    ----------
    mean, var : array_like, shape (N, K) or (K,)
        Posterior means and variances (> 0) of the latent functions, K >= 2.
    epsilon : float in [0, 1)
    n_points : int >= 2 or None
        ``None`` for the composite rule, an integer for fixed Gauss-Hermite.
    panel_points : int >= 1, default 8
        Gauss-Legendre nodes per panel of the composite rule.

    Returns
    -------
    ndarray, ``mean``'s shape; rows sum to 1 (to about 1e-12 with the composite rule).

    References
    ----------
    Hernández-Lobato et al. (2011); GPflow ``MultiClass`` / ``RobustMax.prob_is_largest``;
    Davis and Rabinowitz (1984), *Methods of Numerical Integration*, for composite rules.
    """
    mu = as_array(mean, "mean", ndim=(1, 2))
    v = as_array(var, "var", ndim=(1, 2))
    if v.shape != mu.shape:
        raise ValueError(f"var must have mean's shape {mu.shape}; got {v.shape}")
    if mu.shape[-1] < 2:
        raise ValueError(f"mean must have at least 2 classes on its last axis; got shape {mu.shape}")
    if np.any(v <= 0):
        raise ValueError(f"var must be positive; got {int(np.sum(v <= 0))} value(s) <= 0, "
                         f"smallest {v.min():.3g}")
    epsilon = check_real(epsilon, "epsilon", low=0.0, high=1.0, high_open=True)
    if n_points is not None:
        n_points = check_int(n_points, "n_points", low=2)
    panel_points = check_int(panel_points, "panel_points", low=1)
    k = mu.shape[-1]
    if mu.size == 0:  # no inputs (N = 0): no probabilities, as robustmax_probabilities
        return np.empty(mu.shape)
    # The answer is invariant to a common shift and scale of a row: remove both. A class more
    # than 1000 (largest) standard deviations below the top mean never wins and never binds,
    # and stays so when clipped there; this keeps every difference below finite.
    sd = np.sqrt(v)
    scale = sd.max(axis=-1, keepdims=True)
    mu = np.maximum((mu - mu.max(axis=-1, keepdims=True)) / scale, -1e3)
    sd = np.maximum(sd / scale, np.finfo(float).tiny)
    rows_mu, rows_sd = mu.reshape(-1, k), sd.reshape(-1, k)
    nodes = n_points if n_points is not None else (19 * k - 1) * panel_points
    step = max(1, 4_000_000 // (k * k * nodes))  # rows per block: intermediate arrays of ~32 MB
    p_max = np.concatenate([_prob_is_largest(rows_mu[s:s + step], rows_sd[s:s + step], n_points, panel_points)
                            for s in range(0, rows_mu.shape[0], step)])
    return _mix_epsilon(p_max.reshape(mu.shape), epsilon)


def _prob_is_largest(mu: np.ndarray, sd: np.ndarray, n_points: int | None, panel_points: int) -> np.ndarray:
    """P(k = argmax f) for rows of normalised means and standard deviations (B, K); see above."""
    from scipy.special import ndtr

    k = mu.shape[-1]
    off = ~np.eye(k, dtype=bool)[:, :, None]  # (K, K, 1): leave out j = k
    mu_k, mu_j = mu[:, :, None, None], mu[:, None, :, None]
    sd_k, sd_j = sd[:, :, None, None], sd[:, None, :, None]

    def integrand(z: np.ndarray) -> np.ndarray:
        """z: nodes (B, K, Z) in class k's units; returns phi(z) prod_j Phi_j, same shape."""
        with np.errstate(divide="ignore", invalid="ignore"):
            cdf = ndtr((mu_k - mu_j + sd_k * z[:, :, None, :]) / sd_j)
        cdf = np.where(off, np.nan_to_num(cdf, nan=0.5), 1.0)
        return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) * np.prod(cdf, axis=-2)

    if n_points is not None:
        t, w = np.polynomial.hermite_e.hermegauss(n_points)  # weight exp(-t^2/2)
        z = np.broadcast_to(t, (*mu.shape, n_points))
        return np.sum(integrand(z) * np.exp(0.5 * t**2) * w, axis=-1)

    m = np.arange(-9.0, 10.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centre = (mu_j - mu_k) / sd_k  # (B, K, K, 1)
        edges = centre + (sd_j / sd_k) * m  # (B, K, K, 19)
    edges = np.where(off, edges, m)  # class k's own bump: unit panels
    edges = np.sort(np.clip(np.nan_to_num(edges, nan=9.0), -9.0, 9.0).reshape(*mu.shape, -1), axis=-1)
    half, mid = np.diff(edges, axis=-1) / 2, (edges[..., 1:] + edges[..., :-1]) / 2
    x, w = np.polynomial.legendre.leggauss(panel_points)
    z = (mid[..., None] + half[..., None] * x).reshape(*mu.shape, -1)
    weights = (half[..., None] * w).reshape(*mu.shape, -1)
    return np.clip(np.sum(integrand(z) * weights, axis=-1), 0.0, 1.0)


def project_to_simplex(v: Any, axis: int = -1) -> np.ndarray:
    r"""Euclidean projection onto the probability simplex along ``axis``.

    Solves :math:`\min_p \|p - v\|^2` subject to :math:`p_i \ge 0`, :math:`\sum_i p_i = 1`.
    The solution is :math:`p_i = \max(v_i - \tau, 0)` with the threshold :math:`\tau`
    found by sorting: with :math:`u` sorted decreasingly and
    :math:`\rho = \max\{j : u_j - (\sum_{i \le j} u_i - 1)/j > 0\}`,
    :math:`\tau = (\sum_{i \le \rho} u_i - 1)/\rho`. Cost :math:`O(n \log n)` per vector,
    vectorised over all other axes.

    The projection commutes with shifts (:math:`P(v + c\mathbf 1) = P(v)`), so ``v`` is
    first shifted by its maximum: then :math:`u_1 = 0`, the cumulative sums never lose the
    "-1" to rounding, and ``[1e17, 0]`` projects to ``[1, 0]``. Entries more than 1 below
    the maximum always project to 0 (:math:`\tau \ge \max_i v_i - 1`), so they are clipped
    at 2 below it before summing, which keeps ``[1e308, -1e308]`` finite.

    Parameters
    ----------
    v : array_like, at least 1-D, finite
    axis : int, default -1
        The axis along which each vector lies (``axis=0``: the columns of a matrix).

    Returns
    -------
    ndarray, ``v``'s shape; non-negative, summing to 1 along ``axis``.

    References
    ----------
    Duchi, Shalev-Shwartz, Singer and Chandra (2008), "Efficient projections onto the
    l1-ball for learning in high dimensions", ICML; Condat (2016), "Fast projection onto
    the simplex and the l1 ball", Math. Programming 158.
    """
    arr = as_array(v, "v", min_size=1)
    if arr.ndim == 0:
        raise ValueError("v must have at least 1 dimension; got a scalar")
    axis = check_axis(axis, arr.ndim)
    moved = np.moveaxis(arr, axis, -1)
    with np.errstate(over="ignore"):  # 1e308 - (-1e308) = inf: clipped next
        # entries more than 1 below the maximum get 0 whatever their value (tau >= max - 1), so
        # clipping them at -2 changes nothing and keeps the sums below free of huge terms
        moved = np.maximum(moved - moved.max(axis=-1, keepdims=True), -2.0)
    u = -np.sort(-moved, axis=-1)
    cumulative = np.cumsum(u, axis=-1) - 1.0
    j = np.arange(1, u.shape[-1] + 1)
    rho = np.sum(u - cumulative / j > 0, axis=-1, keepdims=True)  # >= 1: u_1 - (u_1 - 1) = 1
    tau = np.take_along_axis(cumulative, rho - 1, axis=-1) / rho
    return np.moveaxis(np.maximum(moved - tau, 0.0), -1, axis)


def column_stochastic_from_logits(logits: Any) -> np.ndarray:
    r"""A column-stochastic matrix :math:`Q_{ij} = e^{L_{ij}} / \sum_k e^{L_{kj}}`.

    Every column is a softmax, so :math:`Q` stays on the set of transition matrices for
    any real logits :math:`L`: a parametrisation that needs no projection during training.
    (Applying this map to a matrix that is *already* column-stochastic is not a projection:
    it moves every column towards uniform.)

    Parameters
    ----------
    logits : array_like, shape (K, M)
        ``-inf`` allowed (probability 0), but not a whole column of it.

    Returns
    -------
    ndarray, shape (K, M), columns summing to 1
    """
    arr = _as_logits(logits, "logits")
    if arr.ndim != 2:
        raise ValueError(f"logits must have 2 dimension(s); got shape {arr.shape}")
    return _softmax(arr, 0, "logits")
