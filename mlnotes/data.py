"""Every data set the book uses: generated here, or bundled with a dependency.

Nothing is downloaded. Each generator takes a ``seed`` and returns the same
arrays for the same arguments.
"""

from __future__ import annotations

import numpy as np

from mlnotes._checks import as_array, check_int, check_real, check_seed, check_shape

__all__ = [
    "complex_linear_samples",
    "digit_images",
    "gaussian_bumps",
    "hyperspectral_cube",
    "reversal_sequences",
    "sine_samples",
    "two_line_samples",
]


def sine_samples(
    n: int, *, low: float = -np.pi, high: float = np.pi, noise: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Samples of :math:`y = \sin x` with its derivative, for fitting and Sobolev training.

    Parameters
    ----------
    n : int
        Number of points, evenly spaced on ``[low, high]``.
    low, high : float
        Interval, ``low < high``, within float32's range.
    noise : float, default 0
        Standard deviation of Gaussian noise added to ``y`` (not to the derivative).
    seed : int, default 0

    Returns
    -------
    x, y, dydx : ndarray, each of shape (n, 1), float32
        Column vectors, the shape a Keras model with one input expects.
    """
    n = check_int(n, "n", low=2)
    big = float(np.finfo(np.float32).max)  # the samples are float32
    low = check_real(low, "low", low=-big, high=big)
    high = check_real(high, "high", low=-big, high=big)
    noise = check_real(noise, "noise", low=0.0, high=big)
    seed = check_seed(seed)
    if not low < high:
        raise ValueError(f"high must be greater than low; got low={low}, high={high}")
    x = np.linspace(low, high, n)[:, None]
    y = np.sin(x) + noise * np.random.default_rng(seed).standard_normal(x.shape)
    return x.astype(np.float32), y.astype(np.float32), np.cos(x).astype(np.float32)


def hyperspectral_cube(
    height: int = 128,
    width: int = 128,
    n_bands: int = 200,
    *,
    n_materials: int = 4,
    noise: float = 0.01,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic hyperspectral cube ``H[x, y, band]``: smooth spectra plus noise.

    Each pixel is a mixture of ``n_materials`` reference spectra (each a sloped baseline
    plus three broad Gaussian features on 400-1000 nm) with abundances that vary smoothly
    across the image and sum to 1 (all 1 with one material); white Gaussian noise of
    standard deviation ``noise`` is added.

    Parameters
    ----------
    height, width : int >= 1
    n_bands : int >= 2
    n_materials : int >= 1
    noise : float >= 0
    seed : int >= 0

    Returns
    -------
    wavelengths : ndarray, shape (n_bands,), nm, evenly spaced
    cube, clean : ndarray, shape (height, width, n_bands), float64
        With and without the noise.
    """
    from scipy import ndimage

    height = check_int(height, "height", low=1)
    width = check_int(width, "width", low=1)
    n_bands = check_int(n_bands, "n_bands", low=2)
    n_materials = check_int(n_materials, "n_materials", low=1)
    noise = check_real(noise, "noise", low=0.0)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    wavelengths = np.linspace(400.0, 1000.0, n_bands)
    u = (wavelengths - 400.0) / 600.0
    centers = rng.uniform(0.1, 0.9, (n_materials, 3, 1))
    widths = rng.uniform(0.04, 0.12, (n_materials, 3, 1))
    depths = rng.uniform(-0.3, 0.3, (n_materials, 3, 1))
    baseline = rng.uniform(0.2, 0.6, (n_materials, 1)) + rng.uniform(-0.2, 0.2, (n_materials, 1)) * u
    spectra = baseline + np.sum(depths * np.exp(-0.5 * ((u - centers) / widths) ** 2), axis=1)
    fields = ndimage.gaussian_filter(rng.standard_normal((n_materials, height, width)),
                                     sigma=(0, max(height, 2) / 8, max(width, 2) / 8), mode="wrap")
    spread = fields.std()
    # One material, or a 1 x 1 image smoothed flat: equal fields, abundances 1/n_materials
    # (dividing by a zero spread gave NaN).
    fields = 3.0 * fields / spread if spread > 1e-12 * np.abs(fields).max() else np.zeros_like(fields)
    abundances = np.exp(fields - fields.max(axis=0))
    abundances /= abundances.sum(axis=0)
    clean = np.einsum("khw,kb->hwb", abundances, spectra)
    cube = clean + noise * rng.standard_normal(clean.shape)
    return wavelengths, cube, clean


def gaussian_bumps(
    n: int, centers, widths, amplitudes=None, *, noise: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""A sum of Gaussians :math:`\sum_k a_k \exp(-(x - m_k)^2 / (2 s_k^2))` on ``x = 0..n-1``.

    Parameters
    ----------
    n : int
        Number of samples.
    centers, widths : float or sequence of float, at least one
        :math:`m_k` and :math:`s_k > 0`, in samples; the same length.
    amplitudes : float or sequence of float, optional
        :math:`a_k`, as many as ``centers``; default all 1.
    noise : float, default 0
        Standard deviation of added white Gaussian noise.
    seed : int, default 0

    Returns
    -------
    x, y, clean : ndarray, each of shape (n,)
    """
    n = check_int(n, "n", low=1)
    noise = check_real(noise, "noise", low=0.0)
    seed = check_seed(seed)
    m = as_array(centers, "centers", ndim=(0, 1), min_size=1).ravel()
    s = check_shape(as_array(widths, "widths", ndim=(0, 1)).ravel(), "widths", m.shape)
    if amplitudes is None:
        a = np.ones_like(m)
    else:
        a = check_shape(as_array(amplitudes, "amplitudes", ndim=(0, 1)).ravel(), "amplitudes", m.shape)
    if np.any(s <= 0):
        raise ValueError(f"widths must be positive; got {s.min()}")
    x = np.arange(n, dtype=float)
    with np.errstate(over="ignore"):  # a huge (x - m) / s only means exp(-inf) = 0
        clean = np.sum(a[:, None] * np.exp(-0.5 * ((x - m[:, None]) / s[:, None]) ** 2), axis=0)
    y = clean + noise * np.random.default_rng(seed).standard_normal(n)
    return x, y, clean


def two_line_samples(
    n: int = 60,
    *,
    breakpoint: float = 4.0,
    value_at_break: float = 2.0,
    slopes: tuple[float, float] = (0.5, -1.5),
    low: float = 0.0,
    high: float = 10.0,
    noise: float = 0.2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of two lines joined at ``breakpoint``, at sorted uniform ``x`` in [low, high].

    Returns
    -------
    x, y : ndarray, each of shape (n,)
    """
    n = check_int(n, "n", low=1)
    low = check_real(low, "low")
    high = check_real(high, "high")
    if not low < high:
        raise ValueError(f"high must be greater than low; got low={low}, high={high}")
    c = check_real(breakpoint, "breakpoint")
    v = check_real(value_at_break, "value_at_break")
    if isinstance(slopes, (str, bytes)) or np.ndim(slopes) != 1 or len(slopes) != 2:
        raise TypeError(f"slopes must be a pair (left, right) of real numbers; got {slopes!r}")
    left, right = (check_real(s, f"slopes[{i}]") for i, s in enumerate(slopes))
    noise = check_real(noise, "noise", low=0.0)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, n))
    d = x - c
    y = v + left * np.minimum(d, 0.0) + right * np.maximum(d, 0.0) + noise * rng.standard_normal(n)
    return x, y


def complex_linear_samples(
    n_samples: int = 200,
    n_features: int = 3,
    *,
    noise: float = 0.1,
    weights: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A complex linear model ``y = A w + noise`` (Chapter 2's gradient-descent example).

    The entries of ``A`` and of the noise are circular complex Gaussian: real and imaginary
    parts independent, each of variance 1/2 (so ``E|A_ij|^2 = 1``), the noise scaled by
    ``noise``. ``w`` is ``weights`` if given, else standard complex Gaussian.

    Returns
    -------
    a : ndarray, shape (n_samples, n_features), complex128
    y : ndarray, shape (n_samples,), complex128
    w : ndarray, shape (n_features,), complex128
        The weights that generated ``y``.
    """
    n_samples = check_int(n_samples, "n_samples", low=1)
    n_features = check_int(n_features, "n_features", low=1)
    noise = check_real(noise, "noise", low=0.0)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)

    def circular(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)

    a = circular(n_samples, n_features)
    if weights is None:
        w = circular(n_features)
    else:
        w = check_shape(as_array(weights, "weights", dtype=np.complex128), "weights", (n_features,))
    y = a @ w + noise * circular(n_samples)
    return a, y, w


def reversal_sequences(
    n: int, length: int = 8, vocab: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Random token sequences and their reversals: a task that needs attention.

    To write output position ``i`` a model must look at input position
    ``length - 1 - i``: the ideal attention matrix is the anti-diagonal.

    Returns
    -------
    tokens, targets : ndarray of int, shape (n, length)
    """
    n = check_int(n, "n", low=1)
    length = check_int(length, "length", low=2)
    vocab = check_int(vocab, "vocab", low=2)
    seed = check_seed(seed)
    tokens = np.random.default_rng(seed).integers(0, vocab, size=(n, length))
    return tokens, tokens[:, ::-1].copy()


def digit_images(
    *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits, scaled to [0, 1] and split (Chapter 5).

    1797 images with grey levels 0..16 (divided by 16 here), flattened to 64 pixels; the
    data ship with scikit-learn, nothing is downloaded. The split is a seeded random
    permutation; ``round(test_fraction * 1797)`` images go to the test set, and both sets
    must be non-empty.

    Returns
    -------
    x_train, x_test : ndarray, shapes (n_train, 64) and (n_test, 64), float32 in [0, 1]
    y_train, y_test : ndarray, int64
        Digit labels 0-9 (for colouring plots; the VAE does not use them).

    References
    ----------
    scikit-learn documentation, ``sklearn.datasets.load_digits``.
    """
    from sklearn.datasets import load_digits

    test_fraction = check_real(test_fraction, "test_fraction", low=0.0, high=1.0,
                               low_open=True, high_open=True)
    seed = check_seed(seed)
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    n_test = round(test_fraction * len(x))
    if not 1 <= n_test <= len(x) - 1:  # both sets must hold at least one image
        raise ValueError(f"test_fraction must leave at least one image in each set "
                         f"(round(test_fraction * {len(x)}) in [1, {len(x) - 1}]); got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]
