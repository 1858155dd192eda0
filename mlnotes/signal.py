"""Signals and curve fitting: Savitzky-Golay filters as linear maps, counting peaks in
scale space, local Gaussian statistics, a start-free two-line fit and camera
calibration by the direct linear transform (Chapter 7).

Pure NumPy and SciPy. Every function that has a reference implementation in SciPy
(``savgol_coeffs``, ``savgol_filter``, ``gaussian_filter``) is tested against it in
``tests/test_signal.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np
import scipy.linalg
from scipy import ndimage, optimize, special
from scipy.spatial.transform import Rotation

from mlnotes._checks import (
    as_array,
    check_bool,
    check_choice,
    check_int,
    check_real,
    check_same_length,
    check_shape,
)

__all__ = [
    "CameraCalibration",
    "TwoLineFit",
    "calibrate_dlt",
    "count_gaussians",
    "discrete_gaussian_kernel",
    "dlt_design_matrix",
    "draw_pixel_geometry",
    "fit_two_lines",
    "gaussian_peaks",
    "intrinsic_matrix",
    "local_mean_variance",
    "local_mean_variance_direct",
    "mscn",
    "project_points",
    "refine_calibration",
    "savgol_coefficients",
    "savgol_cube",
    "savgol_matrix",
    "savgol_polyfit_reference",
    "second_derivative_kernel",
    "smoothed_second_derivative",
    "two_line_rss",
]


# ----------------------------------------------------------------- Savitzky-Golay
def _check_savgol_args(
    window_length: Any, polyorder: Any, deriv: Any, delta: Any
) -> tuple[int, int, int, float]:
    window_length = check_int(window_length, "window_length", low=1)
    polyorder = check_int(polyorder, "polyorder", low=0)
    if polyorder >= window_length:
        raise ValueError(
            f"polyorder must be less than window_length; got polyorder={polyorder}, "
            f"window_length={window_length}"
        )
    deriv = check_int(deriv, "deriv", low=0)
    delta = check_real(delta, "delta", low=0.0, low_open=True)
    return window_length, polyorder, deriv, delta


def savgol_coefficients(
    window_length: int, polyorder: int, deriv: int = 0, delta: float = 1.0, pos: float | None = None
) -> np.ndarray:
    r"""Savitzky-Golay weights: the least-squares polynomial fit in a window as a dot product.

    Fit :math:`p(t) = \sum_{k=0}^{m} \beta_k t^k` (``m = polyorder``) to the samples
    :math:`y_j` at :math:`t_j = j - \text{pos}`, :math:`j = 0..w-1`. With the Vandermonde
    matrix :math:`A_{jk} = t_j^k`, the normal equations :math:`A^\top A \beta = A^\top y`
    give :math:`\beta = A^+ y` (:math:`A^+` the pseudo-inverse). The ``deriv``-th
    derivative of the fit at ``pos`` is :math:`d!\,\beta_d / \Delta^d`, a fixed linear
    combination of the samples:

    .. math:: p^{(d)}(\text{pos}) = c^\top y, \qquad c = \frac{d!}{\Delta^d} (A^+)_{d,:}.

    The weights do not depend on the data: this is why the filter is linear. ``t`` is
    scaled by the half-width before the pseudo-inverse (undone on :math:`\beta_d`), which
    keeps the Vandermonde matrix well conditioned for long windows.

    Parameters
    ----------
    window_length : int
        Number of samples ``w`` in the window, at least 1.
    polyorder : int
        Degree ``m`` of the fitted polynomial, ``0 <= m < w``.
    deriv : int, default 0
        Order of the derivative; larger than ``polyorder`` gives zeros.
    delta : float, default 1.0
        Sample spacing, ``> 0``; the derivative is per unit of ``t * delta``.
    pos : float, optional
        Where in the window the fit is evaluated, ``0 <= pos <= w - 1``. Default: the
        centre, ``(w - 1) / 2``.

    Returns
    -------
    ndarray, shape (w,)
        ``c`` such that ``c @ y[window]`` is the smoothed value (or derivative). Equal to
        ``scipy.signal.savgol_coeffs(w, m, deriv, delta, pos, use="dot")``.

    References
    ----------
    Savitzky and Golay (1964), Analytical Chemistry 36(8), 1627-1639; Schafer (2011),
    "What is a Savitzky-Golay filter?", IEEE Signal Processing Magazine 28(4), 111-117.
    """
    window_length, polyorder, deriv, delta = _check_savgol_args(window_length, polyorder, deriv, delta)
    if pos is None:
        pos = (window_length - 1) / 2
    pos = check_real(pos, "pos", low=0.0, high=window_length - 1.0)
    if deriv > polyorder:
        return np.zeros(window_length)
    t = np.arange(window_length) - pos
    scale = max(float(np.max(np.abs(t))), 1.0)
    vander = (t / scale)[:, None] ** np.arange(polyorder + 1)  # (w, m + 1)
    pinv = np.linalg.pinv(vander)  # (m + 1, w)
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        # powers of NumPy floats overflow to inf (and underflow to 0) instead of raising
        weights = pinv[deriv] * float(factorial(deriv)) / np.float64(scale) ** deriv
        weights = weights / np.float64(delta) ** deriv
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            f"delta must be large enough for the deriv={deriv} weights to fit in float64 "
            f"(they scale like delta**-{deriv}); got {delta}"
        )
    return weights


def _edge_matrices(
    window_length: int, polyorder: int, deriv: int, delta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows for the first and last ``w // 2`` outputs: the fit to the first/last window
    evaluated at each edge position (SciPy's ``mode="interp"``)."""
    half = window_length // 2
    first = range(half)
    last = range(window_length - half, window_length)
    left = np.array([savgol_coefficients(window_length, polyorder, deriv, delta, pos=i) for i in first])
    right = np.array([savgol_coefficients(window_length, polyorder, deriv, delta, pos=i) for i in last])
    return left.reshape(half, window_length), right.reshape(half, window_length)


def savgol_matrix(
    n: int, window_length: int, polyorder: int, deriv: int = 0, delta: float = 1.0
) -> np.ndarray:
    r"""The whole Savitzky-Golay filter of a length-``n`` signal as one ``(n, n)`` matrix.

    Row ``i`` holds the weights that produce output ``i``: the centred coefficients
    (:func:`savgol_coefficients`) on the window starting at ``i - (w - 1) // 2`` for the
    interior, and the fit to the first (last) ``w`` samples evaluated at ``i`` for the
    first (last) ``w // 2`` outputs. So ``M @ y`` equals
    ``scipy.signal.savgol_filter(y, w, m, deriv, delta, mode="interp")``. The matrix is
    banded (``w`` non-zeros per row) apart from the two ``w // 2 x w`` edge blocks.

    Parameters
    ----------
    n : int
        Signal length, ``n >= window_length``.
    window_length, polyorder, deriv, delta
        As in :func:`savgol_coefficients`.

    Returns
    -------
    ndarray, shape (n, n)

    References
    ----------
    SciPy documentation of ``scipy.signal.savgol_filter`` (``mode="interp"``).
    """
    window_length, polyorder, deriv, delta = _check_savgol_args(window_length, polyorder, deriv, delta)
    n = check_int(n, "n", low=1)
    if n < window_length:
        raise ValueError(f"n must be at least window_length={window_length}; got {n}")
    half = window_length // 2
    coeffs = savgol_coefficients(window_length, polyorder, deriv, delta)
    matrix = np.zeros((n, n))
    rows = np.arange(half, n - half)
    cols = rows[:, None] - (window_length - 1) // 2 + np.arange(window_length)
    matrix[rows[:, None], cols] = coeffs
    left, right = _edge_matrices(window_length, polyorder, deriv, delta)
    matrix[:half, :window_length] = left
    matrix[n - half:, n - window_length:] = right
    return matrix


def _check_cube(data: Any, window_length: int, axis: Any) -> tuple[np.ndarray, int]:
    arr = as_array(data, "data", min_size=1)
    if arr.ndim == 0:
        raise ValueError("data must have at least 1 dimension; got a scalar")
    axis = check_int(axis, "axis", low=-arr.ndim, high=arr.ndim - 1) % arr.ndim
    if arr.shape[axis] < window_length:
        raise ValueError(
            f"data must have at least window_length={window_length} samples along axis {axis}; "
            f"got shape {arr.shape}"
        )
    return arr, axis


def savgol_cube(
    data: Any, window_length: int, polyorder: int, deriv: int = 0, delta: float = 1.0, axis: int = -1
) -> np.ndarray:
    r"""Savitzky-Golay filter (smoothing or derivative) along one axis of an n-D array.

    The filter is the fixed linear map of :func:`savgol_matrix` applied to every 1-D
    slice along ``axis`` at once, computed without the dense matrix: the interior rows
    are one correlation with :func:`savgol_coefficients` (``scipy.ndimage.correlate1d``,
    ``w`` multiply-adds per output), and the ``w // 2`` edge outputs at each end are a
    product of the first/last ``w`` samples with the ``(w // 2, w)`` edge matrices.

    Parameters
    ----------
    data : array_like, any shape
        Real, finite values, e.g. a hyperspectral cube ``H[x, y, band]``; computed in
        float64.
    window_length, polyorder, deriv, delta
        As in :func:`savgol_coefficients`; ``data.shape[axis] >= window_length``.
    axis : int, default -1
        The axis along which to filter (the spectral axis).

    Returns
    -------
    ndarray, float64, same shape as ``data``
        Equal to ``scipy.signal.savgol_filter(data, w, m, deriv, delta, axis, mode="interp")``.

    References
    ----------
    Savitzky and Golay (1964); Schafer (2011); SciPy documentation of
    ``scipy.signal.savgol_filter``.
    """
    window_length, polyorder, deriv, delta = _check_savgol_args(window_length, polyorder, deriv, delta)
    arr, axis = _check_cube(data, window_length, axis)
    coeffs = savgol_coefficients(window_length, polyorder, deriv, delta)
    # correlate1d centres an even-length kernel one sample to the right of the window
    # start SciPy uses; origin=-1 moves it back.
    origin = 0 if window_length % 2 else -1
    out = ndimage.correlate1d(arr, coeffs, axis=axis, mode="constant", origin=origin)
    half = window_length // 2
    if half:
        left, right = _edge_matrices(window_length, polyorder, deriv, delta)
        moved_in = np.moveaxis(arr, axis, -1)
        moved_out = np.moveaxis(out, axis, -1)  # a view: writing it fills out
        moved_out[..., :half] = moved_in[..., :window_length] @ left.T
        moved_out[..., -half:] = moved_in[..., -window_length:] @ right.T
    return out


def savgol_polyfit_reference(
    data: Any, window_length: int, polyorder: int, deriv: int = 0, delta: float = 1.0, axis: int = -1
) -> np.ndarray:
    """The slow way: one ``np.polyfit`` per output sample, looping over every 1-D slice.

    For output ``i`` the window starts at ``i - (w - 1) // 2``, clipped to the signal,
    and the fitted polynomial's ``deriv``-th derivative is evaluated at the window centre
    (interior) or at ``i`` itself (the first and last ``w // 2`` outputs), exactly as
    ``scipy.signal.savgol_filter(..., mode="interp")`` defines the result. Use it to
    check :func:`savgol_cube` and to time what the linear map saves; it costs one
    least-squares fit per sample.

    Parameters and Returns as in :func:`savgol_cube`.

    References
    ----------
    NumPy documentation of ``numpy.polyfit``.
    """
    window_length, polyorder, deriv, delta = _check_savgol_args(window_length, polyorder, deriv, delta)
    arr, axis = _check_cube(data, window_length, axis)
    moved = np.moveaxis(arr, axis, -1)
    n = moved.shape[-1]
    half = window_length // 2
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        y = moved[index]
        for i in range(n):
            start = min(max(i - (window_length - 1) // 2, 0), n - window_length)
            interior = half <= i < n - half
            pos = (window_length - 1) / 2 if interior else i - start
            t = np.arange(window_length) - pos
            poly = np.polyder(np.polyfit(t, y[start:start + window_length], polyorder), deriv)
            out[index + (i,)] = np.polyval(poly, 0.0) / delta**deriv
    return np.moveaxis(out, -1, axis)


# ----------------------------------------------------------------- scale space
_SAMPLED_MIN_SIGMA = 0.5


def discrete_gaussian_kernel(t: float, truncate: float = 4.0) -> np.ndarray:
    r"""Lindeberg's discrete Gaussian kernel :math:`T(n; t) = e^{-t} I_n(t)`.

    :math:`I_n` is the modified Bessel function of the first kind, evaluated stably as
    ``scipy.special.ive(n, t)``. Unlike the sampled Gaussian, this kernel is the exact
    scale space of a *sampled* signal: it sums to 1, has mean 0 and variance :math:`t`
    (the :math:`\sigma^2` of the continuous Gaussian), and is a semigroup,
    :math:`T(\cdot; s) * T(\cdot; t) = T(\cdot; s + t)`, at every :math:`t > 0`, however
    small. It is the distribution of the difference of two independent Poisson variables
    of mean :math:`t/2` (a Skellam distribution).

    Parameters
    ----------
    t : float, > 0
        Scale (variance), in samples squared; ``t = sigma**2``.
    truncate : float, default 4.0
        The kernel is cut at radius ``ceil(truncate * max(sqrt(t), 1))`` and renormalised
        to sum 1 (the dropped tail mass is below ``1e-4`` for ``truncate = 4``).

    Returns
    -------
    ndarray, shape (2 r + 1,)
        ``T(n; t)`` for ``n = -r..r``.

    References
    ----------
    Lindeberg (1990), "Scale-space for discrete signals", IEEE TPAMI 12(3), 234-254;
    Lindeberg (1994), Journal of Applied Statistics 21(2), 225-270.
    """
    t = check_real(t, "t", low=0.0, low_open=True)
    truncate = check_real(truncate, "truncate", low=0.0, low_open=True)
    radius = int(np.ceil(truncate * max(np.sqrt(t), 1.0)))
    kernel = special.ive(np.abs(np.arange(-radius, radius + 1)), t)
    return kernel / kernel.sum()


def second_derivative_kernel(sigma: float, method: str = "sampled") -> np.ndarray:
    r"""The correlation kernel of :func:`smoothed_second_derivative`; it sums to zero.

    ``"sampled"``: :math:`g_\sigma''` sampled on the integers within
    ``radius = int(4 sigma + 0.5)`` with the sampled Gaussian :math:`\hat g` normalised
    to sum 1 (``scipy.ndimage.gaussian_filter1d(..., order=2)``'s kernel, :math:`k`).
    Sampling and truncation leave :math:`\sum k \neq 0`, which gives a constant
    baseline a spurious second derivative, so the kernel used is
    :math:`c\,(k - (\sum k)\,\hat g)`, with :math:`c` chosen so that
    :math:`\sum_x x^2 k(x) = 2`: zero on constants and ramps, exact on parabolas. For
    ``sigma >= 1``, :math:`c` is within 1% of 1. Needs ``sigma >= 0.5``: below, the
    samples no longer describe :math:`g_\sigma''`.

    ``"discrete"``: the discrete Gaussian :func:`discrete_gaussian_kernel` with
    ``t = sigma**2``, followed by the central second difference :math:`(1, -2, 1)`
    (Lindeberg's discrete derivative approximation). Valid at every ``sigma > 0``; as
    ``sigma -> 0`` it tends to the plain second difference of the samples.

    Parameters
    ----------
    sigma : float, > 0, in samples
    method : {"sampled", "discrete"}, default "sampled"

    Returns
    -------
    ndarray, shape (2 r + 1,), symmetric, summing to 0 (to rounding)

    References
    ----------
    Lindeberg (1990), IEEE TPAMI 12(3); SciPy documentation of
    ``scipy.ndimage.gaussian_filter1d``.
    """
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    check_choice(method, "method", ("sampled", "discrete"))
    if method == "discrete":
        t = max(sigma**2, np.finfo(float).tiny)  # sigma**2 underflows below sigma ~ 1e-154
        return np.convolve(discrete_gaussian_kernel(t), [1.0, -2.0, 1.0])
    if sigma < _SAMPLED_MIN_SIGMA:
        raise ValueError(
            f"sigma must be at least {_SAMPLED_MIN_SIGMA} with method='sampled' (a sampled "
            f"Gaussian narrower than that cannot differentiate); got {sigma}; use "
            "method='discrete'"
        )
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    gauss = np.exp(-0.5 * (x / sigma) ** 2)
    gauss /= gauss.sum()
    kernel = (x**2 / sigma**4 - 1.0 / sigma**2) * gauss
    kernel -= kernel.sum() * gauss
    return kernel * (2.0 / np.sum(kernel * x**2))


def _second_derivative(y: Any, sigma: Any, method: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """Checked L_xx, and the level below which its values are rounding residue."""
    arr = as_array(y, "y", ndim=1, min_size=3)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    if sigma > arr.size:
        raise ValueError(
            f"sigma must be at most the signal length {arr.size} (a wider kernel sees only "
            f"the padding); got {sigma}"
        )
    kernel = second_derivative_kernel(sigma, method)
    second = ndimage.correlate1d(arr, kernel, mode="nearest")
    # each output sums len(kernel) products: its rounding error is below this bound
    noise_floor = kernel.size * np.finfo(float).eps * np.abs(kernel).sum() * np.abs(arr).max()
    return second, kernel, float(noise_floor)


def smoothed_second_derivative(y: Any, sigma: float, method: str = "sampled") -> np.ndarray:
    r"""The second derivative of ``y`` smoothed by a Gaussian of width ``sigma`` samples.

    :math:`L_{xx}(x; \sigma) = (g_\sigma'' * y)(x)`, computed as a correlation with
    :func:`second_derivative_kernel` (borders replicate the end samples, ``"nearest"``).
    With ``method="sampled"`` this is ``scipy.ndimage.gaussian_filter1d(y, sigma,
    order=2, mode="nearest")`` with the kernel's small nonzero sum removed, so that a
    constant baseline has zero second derivative; it needs ``sigma >= 0.5``. With
    ``method="discrete"`` (Lindeberg's discrete Gaussian, then a central second
    difference) any ``sigma > 0`` works.

    Parameters
    ----------
    y : array_like, shape (n,), n >= 3, finite
    sigma : float, in (0, n], in samples
    method : {"sampled", "discrete"}, default "sampled"

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    Lindeberg (1994), "Scale-space theory: a basic tool for analysing structures at
    different scales", Journal of Applied Statistics 21(2), 225-270; Lindeberg (1990),
    "Scale-space for discrete signals", IEEE TPAMI 12(3), 234-254.
    """
    return _second_derivative(y, sigma, method)[0]


def gaussian_peaks(
    y: Any, sigma: float, min_depth: float = 0.0, method: str = "sampled"
) -> np.ndarray:
    r"""Peak positions: the negative lobes of the smoothed second derivative.

    A Gaussian bump is concave between its two inflection points, so
    :math:`L_{xx} < 0` there and :math:`L_{xx} > 0` on both flanks: each well-separated
    bump gives one maximal run of negative :math:`L_{xx}`, bounded by two zero crossings.
    Each run is reported by the index of its minimum. Values of :math:`L_{xx}` within
    rounding error of zero (flat stretches, a constant baseline) count as zero, not as
    negative. Noise adds shallow lobes of its own; ``min_depth`` drops lobes whose depth
    is below that fraction of the deepest one.

    Parameters
    ----------
    y : array_like, shape (n,)
    sigma : float, > 0, in samples
    min_depth : float in [0, 1), default 0
        Relative depth threshold; 0 keeps every lobe (a pure zero-crossing count).
    method : {"sampled", "discrete"}, default "sampled"
        The derivative kernel, see :func:`second_derivative_kernel`.

    Returns
    -------
    ndarray of int, shape (k,)
        Sorted indices of the lobe minima.

    References
    ----------
    Lindeberg (1994); Lindeberg (1998), "Feature detection with automatic scale
    selection", International Journal of Computer Vision 30(2), 79-116.
    """
    min_depth = check_real(min_depth, "min_depth", low=0.0, high=1.0, high_open=True)
    second, _, noise_floor = _second_derivative(y, sigma, method)
    negative = np.concatenate(([0], (second < -noise_floor).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(negative))  # alternating run starts and stops
    starts, stops = edges[0::2], edges[1::2]
    if starts.size == 0:
        return np.zeros(0, dtype=int)
    runs = zip(starts, stops, strict=True)
    minima = np.array([start + int(np.argmin(second[start:stop])) for start, stop in runs])
    depths = -second[minima]
    return minima[depths >= min_depth * depths.max()]


def count_gaussians(y: Any, sigma: float, min_depth: float = 0.0, method: str = "sampled") -> int:
    """Number of Gaussian bumps in ``y``: the number of negative lobes of the smoothed
    second derivative, i.e. ``len(gaussian_peaks(y, sigma, min_depth, method))``.

    See :func:`gaussian_peaks` for the parameters and the reasoning. Small ``sigma``
    over-counts (noise lobes); large ``sigma`` under-counts (nearby bumps merge into one
    lobe). Below ``sigma = 0.5`` only ``method="discrete"`` is accepted. Adding a
    constant to ``y`` changes no count.

    References
    ----------
    Lindeberg (1994), Journal of Applied Statistics 21(2), 225-270.
    """
    return int(gaussian_peaks(y, sigma, min_depth, method).size)


# ----------------------------------------------------------------- local statistics
def _gaussian_window(sigma: float, size: int) -> np.ndarray:
    radius = (size - 1) // 2
    k = np.arange(-radius, radius + 1)
    with np.errstate(over="ignore"):  # a tiny sigma: exp(-inf) = 0, a one-pixel window
        g = np.exp(-0.5 * (k / sigma) ** 2)
    return g / g.sum()


def _scaled_local_statistics(
    image: Any, sigma: Any, size: Any, mode: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Checked arguments; mean and variance of ``image / scale`` with ``scale`` the largest
    deviation from the image mean (so that squaring cannot overflow or underflow)."""
    arr = as_array(image, "image", ndim=2, min_size=1)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    size = check_int(size, "size", low=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a window centred on each pixel); got {size}")
    # only modes that pad with image values: they commute with subtracting the shift below
    check_choice(mode, "mode", ("nearest", "reflect", "mirror", "wrap"))
    window = _gaussian_window(sigma, size)
    shift = arr.mean()
    centred = arr - shift
    scale = float(np.abs(centred).max()) or 1.0
    centred = centred / scale

    def smooth(a: np.ndarray) -> np.ndarray:
        rows = ndimage.correlate1d(a, window, axis=0, mode=mode)
        return ndimage.correlate1d(rows, window, axis=1, mode=mode)

    mean = smooth(centred)
    variance = np.maximum(smooth(centred**2) - mean**2, 0.0)
    return arr, mean * scale + shift, variance, scale


def local_mean_variance(
    image: Any, sigma: float, size: int = 7, mode: str = "nearest"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Local mean and variance of an image under a normalised Gaussian window.

    With weights :math:`w_{kl} \propto \exp(-(k^2 + l^2)/(2\sigma^2))`,
    :math:`|k|, |l| \le r`, summing to 1,

    .. math::
        \mu = w * I, \qquad \sigma^2 = w * I^2 - \mu^2 = \sum_{kl} w_{kl} (I_{kl} - \mu)^2,

    the identity :math:`E[(X - EX)^2] = E[X^2] - (EX)^2` applied to the distribution
    that puts mass :math:`w_{kl}` on each pixel of the window. This is the local
    normalisation of the MSCN coefficients in BRISQUE and PIQE (``size = 7``,
    ``sigma = 7 / 6``). The global mean of the image is subtracted first (variance is
    shift invariant), which limits the cancellation in :math:`E[X^2] - (EX)^2` for
    images far from zero; rounding residue below zero is clipped to 0. The deviations are
    also divided by their largest magnitude before squaring, so that neither tiny nor
    huge pixel values underflow or overflow.

    Parameters
    ----------
    image : array_like, shape (h, w)
    sigma : float, > 0
        Standard deviation of the Gaussian, in pixels.
    size : int, odd, default 7
        Side of the square window: the Gaussian is sampled on offsets
        ``-(size - 1) / 2 .. (size - 1) / 2`` in each direction and truncated there
        (``scipy.ndimage.gaussian_filter`` with ``truncate = (size - 1) / (2 sigma)``
        computes the same mean).
    mode : {"nearest", "reflect", "mirror", "wrap"}, default "nearest"
        Border handling of ``scipy.ndimage`` ("nearest" replicates the edge pixels, as
        MATLAB's ``imfilter(..., "replicate")`` in the reference implementations). Zero
        padding is not offered: it would mix the image with zeros that are not data.

    Returns
    -------
    mean, variance : ndarray, each of shape (h, w)

    References
    ----------
    Mittal, Moorthy and Bovik (2012), "No-reference image quality assessment in the
    spatial domain", IEEE Trans. Image Processing 21(12); Venkatanath et al. (2015),
    "Blind image quality evaluation using perception based features", NCC.
    """
    _, mean, variance, scale = _scaled_local_statistics(image, sigma, size, mode)
    with np.errstate(over="ignore"):
        variance = variance * scale * scale  # not scale**2: 0 * inf would be NaN
    if not np.all(np.isfinite(variance)):
        raise ValueError(
            "image values must vary by less than about 1e154: the local variance overflows "
            f"float64; got deviations up to {scale:.3g} (use mscn, or rescale the image)"
        )
    return mean, variance


def local_mean_variance_direct(image: Any, sigma: float, size: int = 7) -> tuple[np.ndarray, np.ndarray]:
    r"""Reference for :func:`local_mean_variance`: a loop over pixels, with the variance
    computed as the weighted mean squared deviation :math:`\sum_{kl} w_{kl}(I_{kl} - \mu)^2`.

    Borders replicate the edge pixels (``mode="nearest"``). One window per pixel:
    ``O(h w size^2)`` Python-level work, for checking only.

    Parameters and Returns as in :func:`local_mean_variance`.

    References
    ----------
    Mittal, Moorthy and Bovik (2012), IEEE Trans. Image Processing 21(12), eqs. (2)-(3).
    """
    arr = as_array(image, "image", ndim=2, min_size=1)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    size = check_int(size, "size", low=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a window centred on each pixel); got {size}")
    g = _gaussian_window(sigma, size)
    weights = np.outer(g, g)
    # pixel values divided by their largest deviation from the image mean: no overflow
    shift = arr.mean()
    scale = float(np.abs(arr - shift).max()) or 1.0
    padded = np.pad((arr - shift) / scale, (size - 1) // 2, mode="edge")
    mean = np.empty_like(arr)
    variance = np.empty_like(arr)
    for i, j in np.ndindex(arr.shape):
        patch = padded[i:i + size, j:j + size]
        mean[i, j] = np.sum(weights * patch)
        variance[i, j] = np.sum(weights * (patch - mean[i, j]) ** 2)
    with np.errstate(over="ignore"):
        variance = variance * scale * scale  # not scale**2: 0 * inf would be NaN
    if not np.all(np.isfinite(variance)):
        raise ValueError(
            "image values must vary by less than about 1e154: the local variance overflows "
            f"float64; got deviations up to {scale:.3g}"
        )
    return mean * scale + shift, variance


def mscn(image: Any, sigma: float = 7 / 6, size: int = 7, c: float = 1.0) -> np.ndarray:
    r"""Mean-subtracted contrast-normalised coefficients :math:`(I - \mu) / (\sigma + C)`.

    :math:`\mu` and :math:`\sigma^2` from :func:`local_mean_variance`; ``c`` keeps flat
    regions from dividing by zero (1 for images in 0..255, as in BRISQUE).

    Parameters
    ----------
    image : array_like, shape (h, w)
    sigma, size
        As in :func:`local_mean_variance`; defaults are BRISQUE's.
    c : float, > 0

    Returns
    -------
    ndarray, shape (h, w)

    References
    ----------
    Mittal, Moorthy and Bovik (2012), IEEE Trans. Image Processing 21(12), eq. (1).
    """
    c = check_real(c, "c", low=0.0, low_open=True)
    arr, mean, variance, scale = _scaled_local_statistics(image, sigma, size, "nearest")
    # (I - mu) / (sigma + c) with numerator and denominator divided by scale: no overflow
    return ((arr - mean) / scale) / (np.sqrt(variance) + c / scale)


# ----------------------------------------------------------------- two joined lines
@dataclass(frozen=True)
class TwoLineFit:
    """A continuous two-segment line: slope ``slope_left`` up to ``breakpoint``,
    ``slope_right`` after it, passing through ``(breakpoint, value_at_break)``.

    ``rss`` is the residual sum of squares of the fit.
    """

    breakpoint: float
    value_at_break: float
    slope_left: float
    slope_right: float
    rss: float

    def predict(self, x: Any) -> np.ndarray:
        """The fitted function at ``x`` (any shape)."""
        d = as_array(x, "x") - self.breakpoint
        left, right = np.minimum(d, 0.0), np.maximum(d, 0.0)
        return self.value_at_break + self.slope_left * left + self.slope_right * right


def _line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares line: (intercept, slope, rss)."""
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return float(coef[0]), float(coef[1]), float(resid @ resid)


def _check_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    xa = as_array(x, "x", ndim=1)
    ya = as_array(y, "y", ndim=1)
    check_same_length(xa, "x", ya, "y")
    distinct = np.unique(xa).size
    if distinct < 4:
        raise ValueError(f"x must have at least 4 distinct values (two lines, a join); got {distinct}")
    return xa, ya


@dataclass(frozen=True)
class _Standardisation:
    """x' = (x - x_shift) / x_scale, y' = (y - y_shift) / y_scale: fits on O(1) numbers.

    Uncentred x (years, timestamps) make the columns of the hinge design nearly
    collinear, and the gap test ``lo < c < hi`` loses digits; x or y of extreme
    magnitude underflow or overflow in the products. Both fits are affine-equivariant,
    so fitting the standardised data and mapping back gives the same answer exactly.
    """

    x_shift: float
    x_scale: float
    y_shift: float
    y_scale: float

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray) -> _Standardisation:
        x_mid = 0.5 * (x.min() + x.max())
        y_mid = 0.5 * (y.min() + y.max())
        return cls(float(x_mid), float(np.abs(x - x_mid).max()),
                   float(y_mid), float(np.abs(y - y_mid).max()) or 1.0)

    def back(self, fit: TwoLineFit) -> TwoLineFit:
        with np.errstate(over="ignore"):  # an RSS beyond float64 is reported as inf
            ratio = np.float64(self.y_scale) / self.x_scale
            rss = np.float64(self.y_scale) ** 2 * fit.rss
        return TwoLineFit(self.x_shift + self.x_scale * fit.breakpoint,
                          self.y_shift + self.y_scale * fit.value_at_break,
                          float(ratio * fit.slope_left), float(ratio * fit.slope_right), float(rss))


def _hinge_fit(x: np.ndarray, y: np.ndarray, c: float) -> TwoLineFit:
    d = x - c
    design = np.column_stack([np.ones_like(x), np.minimum(d, 0.0), np.maximum(d, 0.0)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return TwoLineFit(float(c), float(coef[0]), float(coef[1]), float(coef[2]), float(resid @ resid))


def two_line_rss(x: Any, y: Any, breakpoints: Any) -> np.ndarray:
    r"""Residual sum of squares of the best two-line fit with the breakpoint held fixed.

    For each fixed :math:`c` the model :math:`a + b_1 \min(x - c, 0) + b_2 \max(x - c, 0)`
    is linear, so its best RSS is one least-squares solve. The curve RSS(c) is the
    *profile* of the full nonlinear problem: its minimum is the least-squares breakpoint.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        At least 4 distinct ``x`` values; centred and scaled internally, as in
        :func:`fit_two_lines`.
    breakpoints : array_like, shape (k,)

    Returns
    -------
    ndarray, shape (k,)

    References
    ----------
    Hudson (1966), JASA 61(316), 1097-1129.
    """
    xa, ya = _check_xy(x, y)
    cs = as_array(breakpoints, "breakpoints", ndim=1)
    st = _Standardisation.of(xa, ya)
    xs, ys = (xa - st.x_shift) / st.x_scale, (ya - st.y_shift) / st.y_scale
    rss = [_hinge_fit(xs, ys, (c - st.x_shift) / st.x_scale).rss for c in cs]
    with np.errstate(over="ignore"):
        return np.float64(st.y_scale) ** 2 * np.array(rss, dtype=np.float64).reshape(cs.shape)


def fit_two_lines(x: Any, y: Any) -> TwoLineFit:
    r"""Least-squares fit of two joined lines, with no starting values and no bounds.

    The model :math:`f(x) = a + b_1 \min(x - c, 0) + b_2 \max(x - c, 0)` is linear in
    :math:`(a, b_1, b_2)` once the breakpoint :math:`c` is fixed, so only :math:`c` needs
    a search, and that search can be exhaustive:

    - :math:`c` at a data point: solve the 3-parameter linear least squares;
    - :math:`c` strictly between consecutive data points :math:`x_{(j)} < c < x_{(j+1)}`:
      the points split into a left and a right group whatever :math:`c` is, so the best
      continuous fit is the pair of separate line fits if they intersect inside the gap
      (otherwise the optimum lies at a gap end, which the first case covers).

    The best candidate is the global least-squares solution. Each side keeps at least
    two distinct ``x`` values. Cost: ``O(n)`` small least-squares problems. ``x`` and
    ``y`` are centred and scaled to ``[-1, 1]`` before fitting and the result is mapped
    back, so shifting or scaling either moves the fit with the data (years, timestamps
    near ``1.7e9`` and values near ``1e-20`` are fitted as accurately as ``0..10``).

    If the points lie on one straight line (or are best fitted by one), the two slopes
    come out equal and the breakpoint is not identified: any breakpoint fits equally
    well, and the one returned is arbitrary.

    Parameters
    ----------
    x, y : array_like, shape (n,)
        At least 4 distinct ``x`` values; any order.

    Returns
    -------
    TwoLineFit
        ``breakpoint``, ``value_at_break``, ``slope_left``, ``slope_right``, ``rss``.

    References
    ----------
    Hudson (1966), "Fitting segmented curves whose join points have to be estimated",
    JASA 61(316), 1097-1129.
    """
    xa, ya = _check_xy(x, y)
    st = _Standardisation.of(xa, ya)
    order = np.argsort(xa, kind="stable")
    xs = (xa[order] - st.x_shift) / st.x_scale
    ys = (ya[order] - st.y_shift) / st.y_scale
    distinct = np.unique(xs)
    best: TwoLineFit | None = None

    def consider(fit: TwoLineFit) -> None:
        nonlocal best
        if best is None or fit.rss < best.rss:
            best = fit

    for c in distinct[1:-1]:
        consider(_hinge_fit(xs, ys, c))
    for lo, hi in zip(distinct[1:-2], distinct[2:-1], strict=True):
        left = xs <= lo
        a1, b1, rss1 = _line_fit(xs[left], ys[left])
        a2, b2, rss2 = _line_fit(xs[~left], ys[~left])
        if b1 != b2:
            c = (a2 - a1) / (b1 - b2)
            if lo < c < hi:
                consider(TwoLineFit(float(c), a1 + b1 * c, b1, b2, rss1 + rss2))
    assert best is not None  # distinct.size >= 4 gives at least two candidates
    return st.back(best)


# ----------------------------------------------------------------- camera matrices
def intrinsic_matrix(
    focal_length: float, pixel_width: float, pixel_height: float, cx: float, cy: float, skew: float = 0.0
) -> np.ndarray:
    r"""The camera intrinsic matrix with its two focal lengths in pixels.

    .. math::
        K = \begin{pmatrix} f_x & s & c_x \\ 0 & f_y & c_y \\ 0 & 0 & 1 \end{pmatrix},
        \qquad f_x = \frac{f}{p_w}, \quad f_y = \frac{f}{p_h}.

    One lens, one focal length :math:`f`; the image is measured in pixels, and a pixel
    is :math:`p_w` wide and :math:`p_h` high, so the same :math:`f` is a different number
    of pixels along each axis. :math:`f_x = f_y` exactly when the pixels are square.

    Parameters
    ----------
    focal_length : float, > 0
        ``f``, in the same unit as the pixel sizes (e.g. mm).
    pixel_width, pixel_height : float, > 0
        Size of one pixel (e.g. mm per pixel).
    cx, cy : float
        Principal point, in pixels.
    skew : float, default 0

    Returns
    -------
    ndarray, shape (3, 3)

    References
    ----------
    Hartley and Zisserman (2004), Multiple View Geometry, 2nd ed., section 6.1.
    """
    f = check_real(focal_length, "focal_length", low=0.0, low_open=True)
    pw = check_real(pixel_width, "pixel_width", low=0.0, low_open=True)
    ph = check_real(pixel_height, "pixel_height", low=0.0, low_open=True)
    cx = check_real(cx, "cx")
    cy = check_real(cy, "cy")
    skew = check_real(skew, "skew")
    with np.errstate(over="ignore"):
        fx, fy = np.float64(f) / pw, np.float64(f) / ph
    if not (np.isfinite(fx) and np.isfinite(fy)):
        raise ValueError(
            "pixel_width and pixel_height must not be so small that focal_length / pixel size "
            f"overflows float64; got focal_length={f}, pixel_width={pw}, pixel_height={ph}"
        )
    return np.array([[fx, skew, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def project_points(K: Any, R: Any, t: Any, points: Any) -> np.ndarray:
    r"""Pixel coordinates of 3-D points: :math:`\tilde u \sim K (R X + t)`.

    Parameters
    ----------
    K : array_like, shape (3, 3)
        An intrinsic matrix: upper triangular with a positive diagonal.
    R : array_like, shape (3, 3)
        A rotation (world to camera): :math:`R^\top R = I` and :math:`\det R = 1`, to
        ``1e-6``.
    t : array_like, shape (3,)
    points : array_like, shape (n, 3), world coordinates, in front of the camera

    Returns
    -------
    ndarray, shape (n, 2)

    References
    ----------
    Hartley and Zisserman (2004), section 6.1, eq. (6.8).
    """
    K = check_shape(as_array(K, "K", ndim=2), "K", (3, 3))
    R = check_shape(as_array(R, "R", ndim=2), "R", (3, 3))
    t = check_shape(as_array(t, "t", ndim=1), "t", (3,))
    X = check_shape(as_array(points, "points", ndim=2), "points", (None, 3))
    lower = np.abs(K[np.tril_indices(3, -1)]).max()
    if lower > 1e-12 * np.abs(K).max() or np.any(np.diag(K) <= 0):
        raise ValueError(f"K must be upper triangular with a positive diagonal; got {K.tolist()}")
    orthogonality = np.abs(R.T @ R - np.eye(3)).max()
    if orthogonality > 1e-6 or np.linalg.det(R) < 0:
        raise ValueError(
            f"R must be a rotation (R.T @ R = I, det R = 1); got |R.T @ R - I| up to "
            f"{orthogonality:.2g} and det {np.linalg.det(R):.3g}"
        )
    cam = X @ R.T + t
    if np.any(cam[:, 2] <= 0):
        raise ValueError("points must lie in front of the camera (positive depth R @ X + t)")
    hom = cam @ K.T
    return hom[:, :2] / hom[:, 2:]


@dataclass(frozen=True)
class CameraCalibration:
    """Result of :func:`calibrate_dlt`: ``P = K [R | t]`` and its factors, and the RMS
    reprojection error in pixels."""

    P: np.ndarray
    K: np.ndarray
    R: np.ndarray
    t: np.ndarray
    rms_error: float


def _normalising_transform(points: np.ndarray) -> np.ndarray:
    """Similarity moving the centroid to 0 and the mean distance to sqrt(dim) (Hartley)."""
    dim = points.shape[1]
    centroid = points.mean(axis=0)
    scale = np.sqrt(dim) / np.mean(np.linalg.norm(points - centroid, axis=1))
    T = np.eye(dim + 1)
    T[:dim, :dim] *= scale
    T[:dim, dim] = -scale * centroid
    return T


def _check_correspondences(points_3d: Any, points_2d: Any) -> tuple[np.ndarray, np.ndarray]:
    X = check_shape(as_array(points_3d, "points_3d", ndim=2), "points_3d", (None, 3))
    u = check_shape(as_array(points_2d, "points_2d", ndim=2), "points_2d", (None, 2))
    check_same_length(X, "points_3d", u, "points_2d")
    return X, u


def _check_calibration_points(points_3d: Any, points_2d: Any) -> tuple[np.ndarray, np.ndarray]:
    X, u = _check_correspondences(points_3d, points_2d)
    if X.shape[0] < 6:
        raise ValueError(f"points_3d must hold at least 6 points (11 unknowns); got {X.shape[0]}")
    if _rank(X) < 3:
        raise ValueError("points_3d must not be coplanar: a planar target leaves P undetermined")
    if _rank(u) < 2:
        raise ValueError("points_2d must not be collinear: the image of a 3-D target spans the plane")
    return X, u


def _rank(points: np.ndarray) -> int:
    """Affine rank of a point cloud, with a tolerance relative to its own spread."""
    singular = np.linalg.svd(points - points.mean(axis=0), compute_uv=False)
    return int(np.sum(singular > 1e-9 * singular[0])) if singular[0] > 0 else 0


def dlt_design_matrix(points_3d: Any, points_2d: Any) -> np.ndarray:
    r"""The ``(2n, 12)`` matrix :math:`A` of the DLT equations :math:`A\,\mathrm{vec}(P) = 0`.

    From :math:`\tilde u \times P \tilde X = 0`, each correspondence gives the rows
    :math:`(\tilde X^\top, 0, -u \tilde X^\top)` and :math:`(0, \tilde X^\top, -v \tilde X^\top)`
    (row-major :math:`\mathrm{vec}(P)`). No normalisation is applied here.

    Parameters
    ----------
    points_3d : array_like, shape (n, 3)
    points_2d : array_like, shape (n, 2)

    Returns
    -------
    ndarray, shape (2 n, 12)

    References
    ----------
    Hartley and Zisserman (2004), section 7.1, eq. (7.2).
    """
    X, u = _check_correspondences(points_3d, points_2d)
    Xh = np.column_stack([X, np.ones(len(X))])
    zeros = np.zeros_like(Xh)
    return np.vstack([np.hstack([Xh, zeros, -u[:, :1] * Xh]), np.hstack([zeros, Xh, -u[:, 1:2] * Xh])])


def calibrate_dlt(points_3d: Any, points_2d: Any) -> CameraCalibration:
    r"""Estimate a camera from known 3-D points and their pixels: DLT plus RQ factorisation.

    Each correspondence :math:`X \leftrightarrow (u, v)` gives two equations linear in the
    12 entries of :math:`P` (from :math:`\tilde u \times P \tilde X = 0`). With the points
    normalised (Hartley), the least-squares :math:`P` with :math:`\|P\| = 1` is the right
    singular vector of the smallest singular value. Then :math:`P_{:, :3} = K R` is split
    by an RQ factorisation into upper-triangular :math:`K` (positive diagonal,
    :math:`K_{33} = 1`) and a rotation :math:`R`; :math:`t = K^{-1} P_{:, 3}`. ``K[0, 0]``
    and ``K[1, 1]`` are the two focal lengths, estimated independently.

    The points must not be coplanar (a planar target leaves :math:`P` undetermined; use
    several views and Zhang's method then). This is the linear estimate only: a real
    calibration refines it by minimising the reprojection error, with lens distortion.

    Parameters
    ----------
    points_3d : array_like, shape (n, 3), n >= 6
    points_2d : array_like, shape (n, 2), pixels

    Returns
    -------
    CameraCalibration

    References
    ----------
    Hartley and Zisserman (2004), Multiple View Geometry, 2nd ed., algorithm 7.1 and
    section 6.2.4; Zhang (2000), "A flexible new technique for camera calibration",
    IEEE TPAMI 22(11).
    """
    X, u = _check_calibration_points(points_3d, points_2d)
    T3, T2 = _normalising_transform(X), _normalising_transform(u)
    Xn = X @ T3[:3, :3].T + T3[:3, 3]
    un = u @ T2[:2, :2].T + T2[:2, 2]
    _, _, vt = np.linalg.svd(dlt_design_matrix(Xn, un))
    P = np.linalg.solve(T2, vt[-1].reshape(3, 4)) @ T3
    K, R = scipy.linalg.rq(P[:, :3])
    signs = np.sign(np.diag(K))
    K, R = K * signs, signs[:, None] * R  # K D, D R with D = D^-1: positive focal lengths
    if np.linalg.det(R) < 0:  # P is defined up to sign: choose the one with a rotation
        P, R = -P, -R
    t = np.linalg.solve(K, P[:, 3])  # P = K [R | t] with K still carrying P's scale
    P, K = P / K[2, 2], K / K[2, 2]
    projected = project_points(K, R, t, X)
    rms = float(np.sqrt(np.mean(np.sum((projected - u) ** 2, axis=1))))
    return CameraCalibration(P=P, K=K, R=R, t=t, rms_error=rms)


def _intrinsics_from(params: np.ndarray, square_pixels: bool, zero_skew: bool) -> np.ndarray:
    """K from the intrinsic part of the parameter vector (see refine_calibration)."""
    if square_pixels:
        fx = fy = params[0]
        rest = params[1:]
    else:
        fx, fy = params[0], params[1]
        rest = params[2:]
    cx, cy = rest[0], rest[1]
    skew = 0.0 if zero_skew else rest[2]
    return np.array([[fx, skew, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def refine_calibration(
    points_3d: Any,
    points_2d: Any,
    initial: CameraCalibration | None = None,
    *,
    square_pixels: bool = False,
    zero_skew: bool = True,
) -> CameraCalibration:
    r"""Calibrate by minimising the reprojection error, optionally with :math:`f_x = f_y`.

    Minimises :math:`\sum_i \lVert \pi(K (R X_i + t)) - u_i \rVert^2` (:math:`\pi` the
    perspective division) over the intrinsics and the pose, with :math:`R` parametrised
    by a rotation vector, by Levenberg-Marquardt (``scipy.optimize.least_squares``,
    ``method="lm"``, ``x_scale="jac"``), from the DLT estimate (:func:`calibrate_dlt`)
    unless ``initial`` is given. The intrinsics are :math:`(f_x, f_y, c_x, c_y)`, plus
    the skew if ``zero_skew`` is False. With ``square_pixels=True`` there is a single
    focal length, :math:`f_x = f_y = f`: the constraint is part of the model, so the
    estimate satisfies it exactly, and the cost of imposing it (a higher reprojection
    error) tells whether the data agree with it.

    Parameters
    ----------
    points_3d : array_like, shape (n, 3), n >= 6, not coplanar
    points_2d : array_like, shape (n, 2), pixels
    initial : CameraCalibration, optional
        Starting point; default ``calibrate_dlt(points_3d, points_2d)``.
    square_pixels : bool, default False
        Estimate one focal length for both axes.
    zero_skew : bool, default True
        Hold the skew at 0 (rectangular pixel grid).

    Returns
    -------
    CameraCalibration
        ``K``, ``R``, ``t``, ``P = K [R | t]`` and the RMS reprojection error in pixels.

    References
    ----------
    Hartley and Zisserman (2004), Multiple View Geometry, 2nd ed., sections 7.2 and A6
    (Levenberg-Marquardt); Zhang (2000), IEEE TPAMI 22(11), section 3.2.
    """
    X, u = _check_calibration_points(points_3d, points_2d)
    square_pixels = check_bool(square_pixels, "square_pixels")
    zero_skew = check_bool(zero_skew, "zero_skew")
    if initial is None:
        initial = calibrate_dlt(X, u)
    elif not isinstance(initial, CameraCalibration):
        raise TypeError(f"initial must be a CameraCalibration or None; got {type(initial).__name__}")
    K0 = initial.K
    focal = [np.sqrt(K0[0, 0] * K0[1, 1])] if square_pixels else [K0[0, 0], K0[1, 1]]
    skew = [] if zero_skew else [K0[0, 1]]
    start = np.concatenate([focal, K0[:2, 2], skew, Rotation.from_matrix(initial.R).as_rotvec(), initial.t])
    n_intrinsic = start.size - 6

    def camera(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        K = _intrinsics_from(params[:n_intrinsic], square_pixels, zero_skew)
        R = Rotation.from_rotvec(params[n_intrinsic:n_intrinsic + 3]).as_matrix()
        return K, R, params[n_intrinsic + 3:]

    def residuals(params: np.ndarray) -> np.ndarray:
        K, R, t = camera(params)
        hom = (X @ R.T + t) @ K.T
        return (hom[:, :2] / hom[:, 2:] - u).ravel()

    result = optimize.least_squares(residuals, start, method="lm", x_scale="jac")
    K, R, t = camera(result.x)
    rms = float(np.sqrt(np.mean(np.sum(result.fun.reshape(-1, 2) ** 2, axis=1))))
    return CameraCalibration(P=K @ np.column_stack([R, t]), K=K, R=R, t=t, rms_error=rms)


def draw_pixel_geometry(
    axes: Any,
    focal_length: float = 8.0,
    pixel_width: float = 0.005,
    pixel_height: float = 0.00625,
    point: tuple[float, float] = (0.0175, 0.0125),
) -> dict[str, float]:
    r"""Draw why one lens has two focal lengths in pixels (a conceptual figure).

    Left axes: the pinhole model seen from the side; a point at depth :math:`Z` and height
    :math:`Y` images at :math:`y = fY/Z` on the image plane at distance :math:`f`.
    Right axes: the sensor near the principal point, a grid of pixels :math:`p_w` wide
    and :math:`p_h` high, and an image point at :math:`(x, y)` (same units as :math:`f`),
    which is :math:`x / p_w` pixels across and :math:`y / p_h` pixels up. Hence
    :math:`u - c_x = (f/p_w)\,X/Z` and :math:`v - c_y = (f/p_h)\,Y/Z`:
    :math:`f_x = f/p_w`, :math:`f_y = f/p_h`.

    Parameters
    ----------
    axes : sequence of two matplotlib Axes
    focal_length, pixel_width, pixel_height : float, > 0
        In millimetres (the labels say mm).
    point : (float, float)
        Image point :math:`(x, y)` relative to the principal point, in mm; both positive.

    Returns
    -------
    dict
        ``fx``, ``fy`` (pixels) and ``u_offset``, ``v_offset``: the point in pixels from
        the principal point.

    References
    ----------
    Hartley and Zisserman (2004), Multiple View Geometry, 2nd ed., section 6.1.
    """
    f = check_real(focal_length, "focal_length", low=0.0, low_open=True)
    pw = check_real(pixel_width, "pixel_width", low=0.0, low_open=True)
    ph = check_real(pixel_height, "pixel_height", low=0.0, low_open=True)
    xy = check_shape(as_array(point, "point", ndim=1), "point", (2,))
    if np.any(xy <= 0):
        raise ValueError(f"point must have two positive coordinates; got {xy.tolist()}")
    if isinstance(axes, str) or not hasattr(axes, "__len__"):
        raise TypeError(f"axes must be a sequence of two matplotlib Axes; got {type(axes).__name__}")
    if len(axes) != 2:
        raise ValueError(f"axes must hold two Axes (side view, sensor); got {len(axes)}")
    side, sensor = axes
    x, y = float(xy[0]), float(xy[1])
    # side view, schematic, in units of f: a point at depth 3f and height 1.2f
    depth, height = 3.0, 1.2
    side.plot([-0.3, depth + 0.3], [0, 0], color="0.6", lw=0.8)  # optical axis
    side.plot([1.0, 1.0], [-0.6 * height, 1.3 * height], color="k", lw=1.5)  # image plane
    side.plot([0.0, depth], [0.0, height], "--", color="C0", lw=1.2)  # the ray
    side.plot([0.0], [0.0], "o", color="k", ms=5)
    side.plot([depth], [height], "o", color="C1", ms=6)
    side.plot([1.0], [height / depth], "s", color="C1", ms=5)
    side.annotate("", xy=(1.0, -0.35 * height), xytext=(0.0, -0.35 * height),
                  arrowprops=dict(arrowstyle="<->", lw=1))
    side.text(0.5, -0.3 * height, "$f$", ha="center", va="bottom")
    side.text(0.0, 0.08 * height, "pinhole", ha="right", va="bottom", fontsize=8)
    side.text(depth, 1.06 * height, "point $(Y, Z)$", ha="center", va="bottom", fontsize=8)
    side.text(1.06, height / depth, "$y = fY/Z$", ha="left", va="top", fontsize=8)
    side.set_xlabel("depth $Z$ along the optical axis (units of $f$)")
    side.set_ylabel("height (units of $f$)")
    side.set_title("side view: one focal length $f$")
    side.set_xlim(-0.8, depth + 0.4)  # room for the "pinhole" label
    side.grid(False)
    # sensor: pixels drawn to scale around the principal point
    cols, rows = int(np.ceil(x / pw)) + 2, int(np.ceil(y / ph)) + 2
    for i in range(-1, cols + 1):
        sensor.plot([i * pw, i * pw], [-ph, rows * ph], color="0.75", lw=0.8)
    for j in range(-1, rows + 1):
        sensor.plot([-pw, cols * pw], [j * ph, j * ph], color="0.75", lw=0.8)
    sensor.plot([0.0], [0.0], "+", color="k", ms=9, mew=1.5)
    sensor.plot([x], [y], "s", color="C1", ms=6)
    sensor.plot([0.0, x], [y, y], color="C0", lw=1.2)
    sensor.plot([x, x], [0.0, y], ":", color="C2", lw=1.5)
    u_off, v_off = x / pw, y / ph
    sensor.text(x / 2, y + 0.15 * ph, f"$x$ = {x:g} mm = {u_off:.1f} pixels", ha="center", va="bottom",
                fontsize=8)
    sensor.text(x + 0.15 * pw, y / 2, f"$y$ = {y:g} mm\n= {v_off:.1f} pixels", ha="left", va="center",
                fontsize=8)
    sensor.text(0.1 * pw, -0.2 * ph, "$(c_x, c_y)$", ha="left", va="top", fontsize=8)
    sensor.set_aspect("equal")
    sensor.set_xlabel(f"sensor $x$ (mm; pixel width $p_w$ = {pw:g})")
    sensor.set_ylabel(f"sensor $y$ (mm; $p_h$ = {ph:g})")
    sensor.set_title(rf"$f_x = f/p_w = {f / pw:.0f}$, $f_y = f/p_h = {f / ph:.0f}$ px")
    sensor.grid(False)
    return {"fx": f / pw, "fy": f / ph, "u_offset": u_off, "v_offset": v_off}
