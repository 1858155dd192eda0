"""mlnotes.signal against SciPy (savgol_coeffs, savgol_filter, gaussian_filter), direct
windowed computations and known generating parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage, stats
from scipy.signal import savgol_coeffs, savgol_filter
from scipy.spatial.transform import Rotation

from mlnotes import data
from mlnotes import signal as S


# ----------------------------------------------------------------- Savitzky-Golay
@st.composite
def savgol_settings(draw):
    window = draw(st.integers(1, 25))
    polyorder = draw(st.integers(0, min(window - 1, 6)))
    deriv = draw(st.integers(0, polyorder + 1))
    delta = draw(st.sampled_from([1.0, 0.5, 2.5, 0.1]))
    return window, polyorder, deriv, delta


@settings(max_examples=50, deadline=None)
@given(savgol_settings())
def test_savgol_coefficients_equal_scipy(args):
    window, polyorder, deriv, delta = args
    want = savgol_coeffs(window, polyorder, deriv=deriv, delta=delta, use="dot")
    got = S.savgol_coefficients(window, polyorder, deriv, delta)
    scale = max(np.abs(want).max(), 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10 * scale)


@pytest.mark.parametrize("pos", [0, 1, 2.5, 6])
def test_savgol_coefficients_at_other_positions_equal_scipy(pos):
    got = S.savgol_coefficients(7, 3, deriv=1, delta=0.5, pos=pos)
    np.testing.assert_allclose(got, savgol_coeffs(7, 3, deriv=1, delta=0.5, pos=pos, use="dot"), atol=1e-11)


def test_five_point_quadratic_weights_are_the_textbook_ones():
    np.testing.assert_allclose(S.savgol_coefficients(5, 2), np.array([-3, 12, 17, 12, -3]) / 35, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(savgol_settings(), st.integers(0, 2), st.integers(0, 10**6))
def test_savgol_cube_equals_scipy_interp_mode(args, axis, seed):
    window, polyorder, deriv, delta = args
    rng = np.random.default_rng(seed)
    shape = [3, 4, 5]
    shape[axis] = window + int(rng.integers(0, 12))
    x = rng.standard_normal(shape)
    want = savgol_filter(x, window, polyorder, deriv=deriv, delta=delta, axis=axis, mode="interp")
    got = S.savgol_cube(x, window, polyorder, deriv, delta, axis=axis)
    assert got.shape == x.shape
    scale = max(np.abs(want).max(), 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9 * scale)


@settings(max_examples=30, deadline=None)
@given(savgol_settings(), st.integers(0, 10**6))
def test_savgol_matrix_and_polyfit_reference_equal_scipy(args, seed):
    window, polyorder, deriv, delta = args
    rng = np.random.default_rng(seed)
    n = window + int(rng.integers(0, 10))
    x = rng.standard_normal((2, n))
    want = savgol_filter(x, window, polyorder, deriv=deriv, delta=delta, mode="interp")
    scale = max(np.abs(want).max(), 1.0)
    matrix = S.savgol_matrix(n, window, polyorder, deriv, delta)
    np.testing.assert_allclose(x @ matrix.T, want, rtol=1e-8, atol=1e-9 * scale)
    np.testing.assert_allclose(
        S.savgol_polyfit_reference(x, window, polyorder, deriv, delta), want, rtol=1e-7, atol=1e-8 * scale
    )


def test_savgol_cube_on_a_hyperspectral_cube_with_negative_axis_and_ints():
    _, cube, _ = data.hyperspectral_cube(16, 12, 60, seed=1)
    for axis in (-1, -2, 0):
        np.testing.assert_allclose(
            S.savgol_cube(cube, 9, 3, 2, 5.0, axis=axis),
            savgol_filter(cube, 9, 3, deriv=2, delta=5.0, axis=axis),
            atol=1e-12,
        )
    ints = np.arange(30) ** 2
    np.testing.assert_allclose(S.savgol_cube(ints, 5, 2, deriv=2), np.full(30, 2.0), atol=1e-10)


def test_savgol_preserves_polynomials_of_its_degree():
    t = np.linspace(-1, 2, 50)
    poly = 1 - 2 * t + 0.5 * t**2 + 0.3 * t**3
    delta = t[1] - t[0]
    np.testing.assert_allclose(S.savgol_cube(poly, 11, 3), poly, atol=1e-11)
    np.testing.assert_allclose(
        S.savgol_cube(poly, 11, 3, deriv=1, delta=delta), -2 + t + 0.9 * t**2, atol=1e-9
    )
    np.testing.assert_allclose(S.savgol_cube(poly, 11, 3, deriv=2, delta=delta), 1 + 1.8 * t, atol=1e-8)


def test_savgol_matrix_is_banded_inside():
    matrix = S.savgol_matrix(30, 7, 2)
    inner = matrix[3:-3]
    assert np.count_nonzero(np.abs(inner) > 0, axis=1).max() == 7
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)  # constants pass unchanged


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(window_length=0, polyorder=0), ValueError, "window_length"),
        (dict(window_length=5.0, polyorder=2), TypeError, "window_length"),
        (dict(window_length=5, polyorder=5), ValueError, "polyorder"),
        (dict(window_length=5, polyorder=-1), ValueError, "polyorder"),
        (dict(window_length=5, polyorder=2, deriv=-1), ValueError, "deriv"),
        (dict(window_length=5, polyorder=2, delta=0.0), ValueError, "delta"),
        (dict(window_length=5, polyorder=2, delta=np.nan), ValueError, "delta"),
        (dict(window_length=5, polyorder=2, pos=5), ValueError, "pos"),
    ],
)
def test_savgol_coefficients_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        S.savgol_coefficients(**kwargs)


def test_savgol_coefficients_at_extreme_sample_spacings():
    with pytest.raises(ValueError, match="delta must be large enough"):
        S.savgol_coefficients(5, 2, deriv=2, delta=1e-300)
    tiny = S.savgol_coefficients(5, 2, deriv=2, delta=1e300)  # weights ~1e-600 underflow to 0
    np.testing.assert_array_equal(tiny, 0.0)
    np.testing.assert_allclose(
        S.savgol_coefficients(5, 2, deriv=2, delta=1e-100),
        savgol_coeffs(5, 2, deriv=2, delta=1e-100, use="dot"),
        rtol=1e-9,
    )


def test_savgol_cube_bad_input():
    x = np.zeros((4, 6))
    with pytest.raises(ValueError, match="data"):
        S.savgol_cube(x, 7, 2)
    with pytest.raises(ValueError, match="data"):
        S.savgol_cube(np.array([1.0, np.nan, 2.0, 3.0, 4.0]), 3, 1)
    with pytest.raises(TypeError, match="data"):
        S.savgol_cube("spectrum", 3, 1)
    with pytest.raises(ValueError, match="axis"):
        S.savgol_cube(x, 3, 1, axis=2)
    with pytest.raises(ValueError, match="n must"):
        S.savgol_matrix(4, 5, 2)


# ----------------------------------------------------------------- scale space
@pytest.mark.parametrize(
    ("centers", "widths", "amplitudes"),
    [
        ([150], [12], [1.0]),
        ([100, 300], [10, 14], [1.0, 0.8]),
        ([80, 200, 330, 450], [8, 12, 10, 15], [1.0, 0.6, 1.3, 0.8]),
        ([60, 160, 260, 360, 460, 540], [6] * 6, [1, 2, 1, 2, 1, 2]),
    ],
)
@pytest.mark.parametrize("noise", [0.0, 0.02])
def test_count_gaussians_on_well_separated_bumps(centers, widths, amplitudes, noise):
    _, y, _ = data.gaussian_bumps(600, centers, widths, amplitudes, noise=noise, seed=3)
    # noise lobes of the smoothed second derivative shrink like sigma^-2.5: a few samples
    # of smoothing and a relative depth threshold separate them from the bumps' lobes
    min_depth = 0.2 if noise else 0.0
    assert S.count_gaussians(y, 6.0, min_depth=min_depth) == len(centers)
    peaks = S.gaussian_peaks(y, 6.0, min_depth=min_depth)
    # noise moves the minimum of a broad lobe: allow a third of a width
    assert np.all(np.abs(peaks - np.array(centers)) <= np.array(widths) / 3)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.7, 5.0, 12.0])
def test_second_derivative_is_gaussian_filter1d_with_its_kernel_sum_removed(sigma):
    y = np.random.default_rng(4).standard_normal(300) + 3.0
    impulse = np.zeros(201)
    impulse[100] = 1.0
    # SciPy's own kernels, read off impulse responses: the order-2 one has a nonzero sum
    k2, k0 = (ndimage.gaussian_filter1d(impulse, sigma, order=order) for order in (2, 0))
    assert abs(k2.sum()) > 1e-8
    x = np.arange(-100, 101)
    scale = 2.0 / np.sum((k2 - k2.sum() * k0) * x**2)  # exact on parabolas
    want = scale * (
        ndimage.gaussian_filter1d(y, sigma, order=2, mode="nearest")
        - k2.sum() * ndimage.gaussian_filter1d(y, sigma, order=0, mode="nearest")
    )
    np.testing.assert_allclose(S.smoothed_second_derivative(y, sigma), want, rtol=1e-10, atol=1e-12)


def test_second_derivative_equals_the_analytic_one():
    x, y, _ = data.gaussian_bumps(400, [200], [20])
    got = S.smoothed_second_derivative(y, 5.0)
    # Gaussian * Gaussian: width sqrt(20^2 + 5^2), amplitude scaled to keep the area
    s = np.hypot(20.0, 5.0)
    exact = 20 / s * ((x - 200) ** 2 / s**4 - 1 / s**2) * np.exp(-0.5 * ((x - 200) / s) ** 2)
    np.testing.assert_allclose(got, exact, atol=2e-5)


def test_count_gaussians_merges_at_large_sigma_and_noise_overcounts_at_small_sigma():
    _, y, clean = data.gaussian_bumps(500, [230, 270], [8, 8], noise=0.02, seed=0)
    assert S.count_gaussians(clean, 3.0) == 2
    assert S.count_gaussians(clean, 40.0) == 1
    assert S.count_gaussians(y, 1.0) > 10


@pytest.mark.parametrize("method", ["sampled", "discrete"])
@pytest.mark.parametrize("sigma", [0.5, 0.8, 1.0, 2.0, 4.0, 9.0])
def test_second_derivative_kernels_sum_to_zero_and_have_second_moment_two(method, sigma):
    kernel = S.second_derivative_kernel(sigma, method)
    x = np.arange(kernel.size) - kernel.size // 2
    np.testing.assert_allclose(kernel, kernel[::-1], atol=1e-15)  # symmetric: ramps give 0
    assert abs(kernel.sum()) < 1e-14 * np.abs(kernel).sum()
    np.testing.assert_allclose(np.sum(kernel * x**2), 2.0, rtol=1e-12)  # exact on x^2 / 2
    for c in (1.0, -7.5, 1e6):  # a constant has zero second derivative
        second = S.smoothed_second_derivative(np.full(40, c), max(sigma, 0.5), method)
        assert np.abs(second).max() <= 1e-13 * abs(c)


@pytest.mark.parametrize("t", [0.01, 0.09, 0.5, 2.5, 16.0, 100.0])
def test_discrete_gaussian_kernel_is_the_skellam_distribution(t):
    kernel = S.discrete_gaussian_kernel(t, truncate=12.0)
    n = np.arange(kernel.size) - kernel.size // 2
    # e^-t I_n(t) is the law of the difference of two Poisson(t / 2) counts
    np.testing.assert_allclose(kernel, stats.skellam.pmf(n, t / 2, t / 2), rtol=1e-9, atol=1e-15)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.sum(kernel * n) == pytest.approx(0.0, abs=1e-14)
    assert np.sum(kernel * n**2) == pytest.approx(t, rel=1e-9)


@pytest.mark.parametrize(("s", "t"), [(0.04, 0.09), (0.5, 1.5), (3.0, 7.0)])
def test_discrete_gaussian_kernel_semigroup(s, t):
    both = np.convolve(S.discrete_gaussian_kernel(s, 12.0), S.discrete_gaussian_kernel(t, 12.0))
    want = S.discrete_gaussian_kernel(s + t, 12.0)
    half = (both.size - want.size) // 2
    if half >= 0:
        both = both[half : both.size - half]
    else:
        want = want[-half : want.size + half]
    np.testing.assert_allclose(both, want, atol=1e-13)


def test_discrete_gaussian_kernel_approaches_the_sampled_gaussian_at_large_t():
    kernel = S.discrete_gaussian_kernel(400.0)
    x = np.arange(kernel.size) - kernel.size // 2
    gauss = np.exp(-(x**2) / 800.0) / np.sqrt(800.0 * np.pi)
    np.testing.assert_allclose(kernel, gauss, atol=2e-3 * gauss.max())


@pytest.mark.parametrize("sigma", [0.1, 0.2, 0.3])
def test_discrete_method_counts_narrow_bumps_where_the_sampled_kernel_cannot(sigma):
    _, y, _ = data.gaussian_bumps(120, [20, 55, 90], [3.0, 2.0, 4.0], [1.0, 0.5, 2.0])
    assert S.count_gaussians(y, sigma, method="discrete") == 3
    np.testing.assert_array_equal(S.gaussian_peaks(y, sigma, method="discrete"), [20, 55, 90])
    # the plain sampled Gaussian derivative (SciPy) has no zero crossing at all there
    assert np.all(ndimage.gaussian_filter1d(y, sigma, order=2) < 0)
    with pytest.raises(ValueError, match="method='discrete'"):
        S.count_gaussians(y, sigma)


@st.composite
def separated_bumps(draw):
    k = draw(st.integers(1, 4))
    centers = [80 + 120 * i + draw(st.integers(-10, 10)) for i in range(k)]
    widths = [draw(st.floats(3.0, 10.0)) for _ in range(k)]
    amplitudes = [draw(st.floats(0.2, 3.0)) for _ in range(k)]
    return 120 * k + 40, centers, widths, amplitudes


@settings(max_examples=60, deadline=None)
@given(
    separated_bumps(),
    st.floats(-100.0, 100.0),
    st.floats(1.0, 5.0),
    st.sampled_from(["sampled", "discrete"]),
    st.floats(-100, 100),
)
def test_a_constant_baseline_or_a_scale_changes_no_count(bumps, baseline, sigma, method, log_scale):
    n, centers, widths, amplitudes = bumps
    _, y, _ = data.gaussian_bumps(n, centers, widths, amplitudes)
    count = S.count_gaussians(y, sigma, method=method)
    assert count == len(centers)
    assert S.count_gaussians(y + baseline, sigma, method=method) == count
    assert S.count_gaussians(y * 10.0**log_scale, sigma, method=method) == count
    peaks = S.gaussian_peaks(y + baseline, sigma, method=method)
    np.testing.assert_array_equal(peaks, S.gaussian_peaks(y, sigma, method=method))


def test_discrete_kernel_at_a_vanishing_sigma_is_the_plain_second_difference():
    kernel = S.second_derivative_kernel(1e-300, "discrete")
    np.testing.assert_allclose(kernel[kernel.size // 2 - 1 : kernel.size // 2 + 2], [1.0, -2.0, 1.0])
    assert np.count_nonzero(kernel) == 3


def test_the_issue_examples_constant_baseline():
    _, two, _ = data.gaussian_bumps(200, [60, 140], [8, 8])
    assert S.count_gaussians(two + 1.0, 4.0) == 2  # was 5
    assert S.gaussian_peaks(np.ones(10), 2).size == 0  # was one peak
    assert S.count_gaussians(np.zeros(20), 2.0) == 0


Y10 = np.ones(10)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: S.count_gaussians(Y10, 0.0), ValueError, "sigma must lie in"),
        (lambda: S.count_gaussians(Y10, np.nan), ValueError, "sigma must be finite"),
        (lambda: S.count_gaussians(Y10, "2"), TypeError, "sigma must be a real number"),
        (lambda: S.count_gaussians(Y10, 0.3), ValueError, "sigma must be at least 0.5"),
        (lambda: S.count_gaussians(Y10, 11.0), ValueError, "sigma must be at most the signal length 10"),
        (lambda: S.count_gaussians(Y10, 1e9), ValueError, "sigma must be at most"),
        (lambda: S.count_gaussians(Y10, 1.0, method="box"), ValueError, "method must be one of"),
        (lambda: S.count_gaussians(np.ones((3, 3)), 1.0), ValueError, "y must have 1 dimension"),
        (lambda: S.count_gaussians(np.ones(2), 1.0), ValueError, "y must have at least 3"),
        (lambda: S.count_gaussians([], 1.0), ValueError, "y must have"),
        (lambda: S.count_gaussians(np.r_[Y10, np.inf], 1.0), ValueError, "y must be finite"),
        (lambda: S.count_gaussians("signal", 1.0), TypeError, "y must be a numeric array"),
        (lambda: S.count_gaussians(Y10, 1.0, min_depth=1.0), ValueError, "min_depth"),
        (lambda: S.count_gaussians(Y10, 1.0, min_depth=np.nan), ValueError, "min_depth must be finite"),
        (lambda: S.gaussian_peaks(Y10 + 1j, 1.0), TypeError, "y must be real"),
        (lambda: S.gaussian_peaks(Y10, 1.0, method=None), ValueError, "method must be one of"),
        (lambda: S.smoothed_second_derivative(Y10, -1.0), ValueError, "sigma must lie in"),
        (lambda: S.smoothed_second_derivative(Y10, 0.1), ValueError, "use method='discrete'"),
        (lambda: S.second_derivative_kernel(0.0), ValueError, "sigma must lie in"),
        (lambda: S.second_derivative_kernel(1.0, "exact"), ValueError, "method must be one of"),
        (lambda: S.discrete_gaussian_kernel(0.0), ValueError, "t must lie in"),
        (lambda: S.discrete_gaussian_kernel(np.inf), ValueError, "t must be finite"),
        (lambda: S.discrete_gaussian_kernel(1.0, truncate=0.0), ValueError, "truncate must lie in"),
        (lambda: S.discrete_gaussian_kernel([1.0]), TypeError, "t must be a real number"),
    ],
)
def test_scale_space_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------- local statistics
def direct_local_mean_variance(image, sigma, size):
    """Per pixel: weighted mean and weighted mean squared deviation over the window."""
    r = (size - 1) // 2
    k = np.arange(-r, r + 1)
    w = np.exp(-(k[:, None] ** 2 + k[None, :] ** 2) / (2 * sigma**2))
    w /= w.sum()
    padded = np.pad(image, r, mode="edge")
    mean = np.empty_like(image)
    var = np.empty_like(image)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            patch = padded[i : i + size, j : j + size]
            mean[i, j] = np.sum(w * patch)
            var[i, j] = np.sum(w * (patch - mean[i, j]) ** 2)
    return mean, var


@pytest.mark.parametrize(("sigma", "size"), [(7 / 6, 7), (1.0, 3), (2.0, 9), (0.5, 1)])
@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_local_mean_variance_equals_direct_window(sigma, size, offset):
    image = offset + np.random.default_rng(0).uniform(0, 255, (17, 23))
    mean, var = S.local_mean_variance(image, sigma, size)
    want_mean, want_var = direct_local_mean_variance(image, sigma, size)
    np.testing.assert_allclose(mean, want_mean, rtol=1e-12)
    np.testing.assert_allclose(var, want_var, rtol=1e-8, atol=1e-8)


def test_local_mean_equals_scipy_gaussian_filter():
    image = np.random.default_rng(1).standard_normal((30, 40))
    mean, var = S.local_mean_variance(image, 1.5, 9)
    ref = ndimage.gaussian_filter(image, 1.5, mode="nearest", truncate=4 / 1.5)
    np.testing.assert_allclose(mean, ref, atol=1e-12)
    ref_sq = ndimage.gaussian_filter(image**2, 1.5, mode="nearest", truncate=4 / 1.5)
    np.testing.assert_allclose(var, ref_sq - ref**2, atol=1e-10)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.3, 3.0), st.sampled_from([1, 3, 5, 7]), st.integers(0, 10**6), st.floats(-1e3, 1e3))
def test_local_variance_is_shift_invariant_and_nonnegative(sigma, size, seed, shift):
    image = np.random.default_rng(seed).standard_normal((8, 9))
    mean, var = S.local_mean_variance(image, sigma, size)
    mean2, var2 = S.local_mean_variance(image + shift, sigma, size)
    assert np.all(var >= 0)
    np.testing.assert_allclose(mean2, mean + shift, atol=1e-9)
    np.testing.assert_allclose(var2, var, atol=1e-9)


def test_mscn_matches_its_formula_on_the_direct_window_and_constant_image_gives_zero():
    image = np.random.default_rng(2).uniform(0, 255, (20, 20))
    mean, var = direct_local_mean_variance(image, 7 / 6, 7)  # the per-pixel loop, not the package
    np.testing.assert_allclose(S.mscn(image), (image - mean) / (np.sqrt(var) + 1.0), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(S.mscn(np.full((5, 5), 7.0)), 0.0)


@settings(max_examples=40, deadline=None)
@given(st.floats(-300, 300), st.floats(-1e3, 1e3), st.integers(0, 10**6))
def test_mscn_is_invariant_to_scaling_image_and_c_together(log_scale, offset, seed):
    image = offset + np.random.default_rng(seed).uniform(0, 255, (9, 8))
    a = 10.0**log_scale
    np.testing.assert_allclose(S.mscn(a * image, c=a), S.mscn(image, c=1.0), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("scale", [1e-150, 1e-30, 1e30, 1e150])
def test_local_variance_scales_with_the_square_of_the_image(scale):
    image = np.random.default_rng(5).uniform(0, 255, (9, 10))
    _, var = S.local_mean_variance(image, 1.0, 5)
    for fn in (S.local_mean_variance, S.local_mean_variance_direct):
        mean_s, var_s = fn(image * scale, 1.0, 5)
        np.testing.assert_allclose(var_s / scale**2, var, rtol=1e-9)


IMG = np.ones((5, 5))


@pytest.mark.parametrize("fn", [S.local_mean_variance, S.local_mean_variance_direct, S.mscn])
@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((IMG, 1.0, 4), {}, ValueError, "size must be odd"),
        ((IMG, 1.0, 0), {}, ValueError, "size must lie in"),
        ((IMG, 1.0, 7.0), {}, TypeError, "size must be an integer"),
        ((IMG, -1.0, 3), {}, ValueError, "sigma must lie in"),
        ((IMG, np.nan, 3), {}, ValueError, "sigma must be finite"),
        ((np.ones(5), 1.0, 3), {}, ValueError, "image must have 2 dimension"),
        ((np.ones((0, 5)), 1.0, 3), {}, ValueError, "image must have at least 1 element"),
        ((np.full((3, 3), np.inf), 1.0, 3), {}, ValueError, "image must be finite"),
        ((IMG.astype(bool), 1.0, 3), {}, TypeError, "image must be a numeric array"),
        ((np.full((5, 5), 1e200) * np.eye(5), 1.0, 3), {}, ValueError, "local variance overflows"),
    ],
)
def test_local_statistics_bad_input(fn, args, kwargs, exc, match):
    if fn is S.mscn and "overflows" in match:
        assert np.all(np.isfinite(fn(*args)))  # mscn is dimensionless: no overflow
        return
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: S.local_mean_variance(IMG, 1.0, 3, mode="constant"), "mode must be one of"),
        (lambda: S.local_mean_variance(IMG, 1.0, 3, mode=3), "mode must be one of"),
        (lambda: S.mscn(IMG, c=0.0), "c must lie in"),
        (lambda: S.mscn(IMG, c=np.nan), "c must be finite"),
    ],
)
def test_local_statistics_bad_options(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_local_mean_variance_with_a_tiny_sigma_is_the_image_itself():
    image = np.random.default_rng(6).uniform(0, 255, (6, 7))
    mean, var = S.local_mean_variance(image, 1e-300, 7)  # one-pixel window, no overflow warning
    np.testing.assert_allclose(mean, image, rtol=1e-14)
    np.testing.assert_allclose(var, 0.0, atol=1e-9)


# ----------------------------------------------------------------- two lines
@pytest.mark.parametrize(
    ("breakpoint", "slopes", "seed"),
    [(4.0, (0.5, -1.5), 0), (2.3, (-1.0, 2.0), 1), (7.5, (3.0, 0.2), 2), (5.0, (1.0, 1.8), 3)],
)
def test_fit_two_lines_recovers_breakpoint_and_slopes_under_noise(breakpoint, slopes, seed):
    x, y = data.two_line_samples(200, breakpoint=breakpoint, slopes=slopes, noise=0.1, seed=seed)
    fit = S.fit_two_lines(x, y)
    assert abs(fit.breakpoint - breakpoint) < 0.3
    assert abs(fit.slope_left - slopes[0]) < 0.1
    assert abs(fit.slope_right - slopes[1]) < 0.1


def test_fit_two_lines_is_exact_without_noise_and_between_data_points():
    x = np.arange(10.0)
    y = np.where(x < 4.4, 1 + 2 * (x - 4.4), 1 - (x - 4.4))
    fit = S.fit_two_lines(x[::-1], y[::-1])  # order must not matter
    assert fit.breakpoint == pytest.approx(4.4, abs=1e-10)
    assert (fit.slope_left, fit.slope_right) == (pytest.approx(2.0), pytest.approx(-1.0))
    assert fit.rss == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(fit.predict(x), y, atol=1e-12)


def test_fit_two_lines_is_the_global_least_squares_optimum():
    x, y = data.two_line_samples(40, noise=0.5, seed=5)
    fit = S.fit_two_lines(x, y)
    for c in np.linspace(x[1], x[-2], 400):  # no breakpoint on a fine grid does better
        d = x - c
        design = np.column_stack([np.ones_like(x), np.minimum(d, 0), np.maximum(d, 0)])
        resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        assert resid @ resid >= fit.rss - 1e-9
    np.testing.assert_allclose(np.sum((fit.predict(x) - y) ** 2), fit.rss, rtol=1e-9)


X5 = np.arange(5.0)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: S.fit_two_lines([1.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0]),
            ValueError,
            "4 distinct values",
        ),
        (lambda: S.fit_two_lines([], []), ValueError, "4 distinct values"),
        (lambda: S.fit_two_lines(X5, np.arange(4.0)), ValueError, "y must have 5 samples, as many as x"),
        (lambda: S.fit_two_lines([0.0, 1.0, np.nan, 3.0, 4.0], X5), ValueError, "x must be finite"),
        (lambda: S.fit_two_lines(X5, [0.0, 1.0, np.inf, 3.0, 4.0]), ValueError, "y must be finite"),
        (lambda: S.fit_two_lines(np.ones((3, 3)), np.ones((3, 3))), ValueError, "x must have 1 dimension"),
        (lambda: S.fit_two_lines("abcde", X5), TypeError, "x must be a numeric array"),
        (lambda: S.fit_two_lines(X5, X5 + 1j), TypeError, "y must be real"),
        (lambda: S.two_line_rss([], [], [1.0]), ValueError, "4 distinct values"),
        (lambda: S.two_line_rss(X5, X5[:-1], [1.0]), ValueError, "y must have 5 samples"),
        (lambda: S.two_line_rss(X5, X5, [[1.0]]), ValueError, "breakpoints must have 1 dimension"),
        (lambda: S.two_line_rss(X5, X5, [np.nan]), ValueError, "breakpoints must be finite"),
        (lambda: S.fit_two_lines(X5, X5**2).predict("a"), TypeError, "x must be a numeric array"),
        (lambda: S.fit_two_lines(X5, X5**2).predict(np.nan), ValueError, "x must be finite"),
    ],
)
def test_fit_two_lines_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_fit_two_lines_on_the_issue_examples_uncentred_and_tiny_x():
    x = np.linspace(0.0, 10.0, 30)
    y = np.where(x < 4, 1 + 0.5 * (x - 4), 1 - 1.5 * (x - 4))
    shifted = S.fit_two_lines(x + 1.7e9, y)  # was 1.7e9 + 4.138
    assert shifted.breakpoint - 1.7e9 == pytest.approx(4.0, abs=1e-6)
    tiny = S.fit_two_lines(x * 1e-20, y)  # slopes were 0
    assert (tiny.slope_left, tiny.slope_right) == (
        pytest.approx(0.5e20, rel=1e-9),
        pytest.approx(-1.5e20, rel=1e-9),
    )
    assert tiny.breakpoint == pytest.approx(4e-20, rel=1e-9)
    small_y = S.fit_two_lines(x, y * 1e-200)  # the breakpoint was 0.34
    assert small_y.breakpoint == pytest.approx(4.0, rel=1e-9)


def test_fit_two_lines_on_a_straight_line_returns_equal_slopes():
    x = np.linspace(0.0, 10.0, 30)
    fit = S.fit_two_lines(x, 2.0 * x + 1.0)  # no break: the breakpoint is not identified
    assert fit.slope_left == pytest.approx(2.0) and fit.slope_right == pytest.approx(2.0)
    assert fit.rss == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(fit.predict(x), 2.0 * x + 1.0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10**6), st.floats(-2e9, 2e9), st.floats(-20, 20), st.floats(-1e4, 1e4), st.floats(-30, 30)
)
def test_fit_two_lines_moves_with_the_data(seed, x_offset, log_scale, y_offset, log_y_scale):
    x, y = data.two_line_samples(40, noise=0.3, seed=seed)
    a, b = 10.0**log_scale, 10.0**log_y_scale
    # offsets in units of the data's own scale: shift + a x keeps ~7 digits of x at 2e9
    shift, y_shift = a * x_offset, b * y_offset
    base = S.fit_two_lines(x, y)
    moved = S.fit_two_lines(shift + a * x, y_shift + b * y)
    assert moved.breakpoint == pytest.approx(shift + a * base.breakpoint, abs=1e-5 * a)
    assert moved.slope_left == pytest.approx(b / a * base.slope_left, rel=1e-5)
    assert moved.slope_right == pytest.approx(b / a * base.slope_right, rel=1e-5)
    assert moved.value_at_break == pytest.approx(y_shift + b * base.value_at_break, rel=1e-6, abs=1e-6 * b)
    assert moved.rss == pytest.approx(b**2 * base.rss, rel=1e-5)
    np.testing.assert_allclose(
        S.two_line_rss(shift + a * x, y_shift + b * y, [shift + a * base.breakpoint]),
        b**2 * base.rss,
        rtol=1e-5,
    )


# ----------------------------------------------------------------- cameras
def make_camera(seed=0):
    K = S.intrinsic_matrix(8.0, 0.0050, 0.0055, cx=640.0, cy=480.0)  # 8 mm lens, 5.0 x 5.5 um pixels
    R = Rotation.from_euler("xyz", [10, -20, 5], degrees=True).as_matrix()
    t = np.array([0.1, -0.2, 5.0])
    points = np.random.default_rng(seed).uniform(-1, 1, (40, 3))
    return K, R, t, points


def test_intrinsic_matrix_focal_lengths_are_f_over_pixel_size():
    K = S.intrinsic_matrix(8.0, 0.005, 0.0055, 640, 480, skew=0.5)
    np.testing.assert_allclose(K, [[1600, 0.5, 640], [0, 8 / 0.0055, 480], [0, 0, 1]])


def test_calibrate_dlt_recovers_the_camera_exactly_without_noise():
    K, R, t, X = make_camera()
    u = S.project_points(K, R, t, X)
    cal = S.calibrate_dlt(X, u)
    np.testing.assert_allclose(cal.K, K, rtol=1e-8, atol=1e-6)
    np.testing.assert_allclose(cal.R, R, atol=1e-9)
    np.testing.assert_allclose(cal.t, t, atol=1e-8)
    assert cal.rms_error < 1e-8
    P = K @ np.hstack([R, t[:, None]])
    np.testing.assert_allclose(cal.P / np.linalg.norm(cal.P), P / np.linalg.norm(P), atol=1e-10)


def test_calibrate_dlt_separates_fx_and_fy_under_pixel_noise():
    K, R, t, X = make_camera(seed=1)
    u = S.project_points(K, R, t, X) + np.random.default_rng(4).normal(0, 0.3, (len(X), 2))
    cal = S.calibrate_dlt(X, u)
    assert abs(cal.K[0, 0] - K[0, 0]) / K[0, 0] < 0.01
    assert abs(cal.K[1, 1] - K[1, 1]) / K[1, 1] < 0.01
    assert cal.K[1, 1] / cal.K[0, 0] == pytest.approx(0.005 / 0.0055, rel=0.01)
    assert 0.1 < cal.rms_error < 0.6


def test_camera_bad_input():
    K, R, t, X = make_camera()
    with pytest.raises(ValueError, match="pixel_height"):
        S.intrinsic_matrix(8.0, 0.005, 0.0, 0, 0)
    with pytest.raises(ValueError, match="points must have shape"):
        S.project_points(K, R, t, X[:, :2])
    with pytest.raises(ValueError, match="in front"):
        S.project_points(K, R, -t, X)
    with pytest.raises(ValueError, match="K must have shape"):
        S.project_points(K[:2], R, t, X)
    u = S.project_points(K, R, t, X)
    with pytest.raises(ValueError, match="points_2d"):
        S.calibrate_dlt(X, u[:-1])
    with pytest.raises(ValueError, match="at least 6"):
        S.calibrate_dlt(X[:5], u[:5])
    planar = X.copy()
    planar[:, 2] = 0.0
    with pytest.raises(ValueError, match="coplanar"):
        S.calibrate_dlt(planar, S.project_points(K, R, t, planar))


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda K, R, t, X, u: S.intrinsic_matrix(8.0, 1e-320, 0.005, 0, 0), ValueError, "overflows"),
        (lambda K, R, t, X, u: S.intrinsic_matrix("8", 0.005, 0.005, 0, 0), TypeError, "focal_length"),
        (
            lambda K, R, t, X, u: S.intrinsic_matrix(8.0, 0.005, 0.005, np.nan, 0),
            ValueError,
            "cx must be finite",
        ),
        (
            lambda K, R, t, X, u: S.project_points(np.zeros((3, 3)), R, t, X),
            ValueError,
            "K must be upper triangular",
        ),
        (lambda K, R, t, X, u: S.project_points(K.T, R, t, X), ValueError, "K must be upper triangular"),
        (lambda K, R, t, X, u: S.project_points(K, 2 * R, t, X), ValueError, "R must be a rotation"),
        (lambda K, R, t, X, u: S.project_points(K, -R, t, X), ValueError, "R must be a rotation"),
        (lambda K, R, t, X, u: S.project_points(K, R, t[:2], X), ValueError, "t must have shape"),
        (lambda K, R, t, X, u: S.project_points(K, R, t, X[0]), ValueError, "points must have 2 dimension"),
        (lambda K, R, t, X, u: S.project_points(K, R, t, X * np.nan), ValueError, "points must be finite"),
        (lambda K, R, t, X, u: S.dlt_design_matrix(X, u[:-1]), ValueError, "points_2d must have 40 samples"),
        (lambda K, R, t, X, u: S.dlt_design_matrix(X, u[:, :1]), ValueError, "points_2d must have shape"),
        (
            lambda K, R, t, X, u: S.calibrate_dlt(X, np.ones_like(u)),
            ValueError,
            "points_2d must not be collinear",
        ),
        (lambda K, R, t, X, u: S.calibrate_dlt(np.ones_like(X), u), ValueError, "coplanar"),
        (lambda K, R, t, X, u: S.calibrate_dlt(X, u + np.inf), ValueError, "points_2d must be finite"),
    ],
)
def test_camera_bad_input_parametrised(call, exc, match):
    K, R, t, X = make_camera()
    with pytest.raises(exc, match=match):
        call(K, R, t, X, S.project_points(K, R, t, X))


def test_calibrate_dlt_on_a_small_target_far_from_the_origin():
    # a 0.2 mm target at world coordinates near 1e6 (e.g. UTM metres): the coplanarity test
    # must be relative to the target's own spread, not to the size of its coordinates
    K, R, t, X = make_camera(seed=3)
    X_far = 1e-4 * X + 1e6
    t_far = -R @ np.full(3, 1e6) + np.array([0.0, 0.0, 5e-4])
    cal = S.calibrate_dlt(X_far, S.project_points(K, R, t_far, X_far))
    np.testing.assert_allclose(cal.K, K, rtol=1e-3, atol=1.0)


# ----------------------------------------------------------------- data generators
def test_generators_are_seeded_and_shaped():
    w, cube, clean = data.hyperspectral_cube(8, 6, 30, seed=2)
    assert w.shape == (30,) and cube.shape == clean.shape == (8, 6, 30)
    np.testing.assert_array_equal(cube, data.hyperspectral_cube(8, 6, 30, seed=2)[1])
    assert np.std(cube - clean) == pytest.approx(0.01, rel=0.1)
    # the clean spectra are smooth: a quadratic 7-point fit leaves almost nothing
    _, _, clean = data.hyperspectral_cube(8, 6, seed=2)
    assert np.abs(S.savgol_cube(clean, 7, 3) - clean).max() < 1e-3 * np.abs(clean).max()
    x, y = data.two_line_samples(30, seed=1)
    assert np.all(np.diff(x) >= 0) and y.shape == (30,)
    _, yb, cb = data.gaussian_bumps(50, [10, 30], [2, 3], [1, 2])
    np.testing.assert_array_equal(yb, cb)
    assert cb[30] == pytest.approx(2.0, abs=1e-6)


def test_generators_bad_input():
    with pytest.raises(ValueError, match="widths must have shape"):
        data.gaussian_bumps(50, [10, 30], [2])
    with pytest.raises(ValueError, match="widths"):
        data.gaussian_bumps(50, [10], [0.0])
    with pytest.raises(ValueError, match="high must be greater than low"):
        data.two_line_samples(10, low=1.0, high=0.0)
    with pytest.raises(ValueError, match="noise"):
        data.hyperspectral_cube(4, 4, 10, noise=-1.0)


# ----------------------------------------------------------------- references and helpers
def test_local_mean_variance_direct_agrees_with_the_test_loop_and_the_fast_path():
    image = np.random.default_rng(7).uniform(0, 1, (9, 11))
    got = S.local_mean_variance_direct(image, 1.2, 5)
    want = direct_local_mean_variance(image, 1.2, 5)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    fast = S.local_mean_variance(image, 1.2, 5)
    np.testing.assert_allclose(fast[1], got[1], atol=1e-12)
    with pytest.raises(ValueError, match="size"):
        S.local_mean_variance_direct(image, 1.0, 2)


def test_two_line_rss_profile_has_its_minimum_at_the_fit():
    x, y = data.two_line_samples(50, noise=0.3, seed=8)
    fit = S.fit_two_lines(x, y)
    grid = np.linspace(x[2], x[-3], 301)
    rss = S.two_line_rss(x, y, grid)
    assert rss.shape == grid.shape and rss.min() >= fit.rss - 1e-9
    assert abs(grid[np.argmin(rss)] - fit.breakpoint) < 0.1
    with pytest.raises(ValueError, match="breakpoints"):
        S.two_line_rss(x, y, [[1.0]])


def test_dlt_design_matrix_annihilates_the_true_camera():
    K, R, t, X = make_camera(seed=2)
    P = K @ np.hstack([R, t[:, None]])
    A = S.dlt_design_matrix(X, S.project_points(K, R, t, X))
    assert A.shape == (2 * len(X), 12)
    np.testing.assert_allclose(A @ P.ravel(), 0.0, atol=1e-9 * np.abs(A).max() * np.abs(P).max())
    with pytest.raises(ValueError, match="points_3d"):
        S.dlt_design_matrix(X[:, :2], X[:, :2])


@settings(max_examples=50, deadline=None)
@given(st.floats(1.0, 9.0), st.floats(-3.0, 3.0), st.floats(0.5, 3.0), st.booleans(), st.floats(-5.0, 5.0))
def test_fit_two_lines_is_exact_on_noise_free_hinges(breakpoint, left, jump, up, level):
    right = left + (jump if up else -jump)
    x = np.linspace(0.0, 10.0, 23)
    d = x - breakpoint
    y = level + left * np.minimum(d, 0) + right * np.maximum(d, 0)
    fit = S.fit_two_lines(x, y)
    assert fit.breakpoint == pytest.approx(breakpoint, abs=1e-6)
    assert fit.slope_left == pytest.approx(left, abs=1e-6)
    assert fit.slope_right == pytest.approx(right, abs=1e-6)
    assert fit.value_at_break == pytest.approx(level, abs=1e-6)


@pytest.mark.parametrize("mode", ["reflect", "mirror", "wrap"])
def test_local_mean_variance_other_borders_equal_scipy(mode):
    image = 50 + np.random.default_rng(3).standard_normal((12, 15))
    mean, var = S.local_mean_variance(image, 1.0, 5, mode=mode)
    ref = ndimage.gaussian_filter(image, 1.0, mode=mode, truncate=2.0)
    np.testing.assert_allclose(mean, ref, rtol=1e-12)
    np.testing.assert_allclose(
        var, ndimage.gaussian_filter(image**2, 1.0, mode=mode, truncate=2.0) - ref**2, atol=1e-9
    )


# ----------------------------------------------------------------- refined calibration
@pytest.mark.parametrize("pixel_height", [0.005, 0.0055])
def test_refine_calibration_recovers_the_camera_without_noise(pixel_height):
    K = S.intrinsic_matrix(8.0, 0.005, pixel_height, cx=640.0, cy=480.0)
    _, R, t, X = make_camera(seed=5)
    u = S.project_points(K, R, t, X)
    cal = S.refine_calibration(X, u, square_pixels=pixel_height == 0.005)
    np.testing.assert_allclose(cal.K, K, rtol=1e-7, atol=1e-6)
    np.testing.assert_allclose(cal.R, R, atol=1e-9)
    np.testing.assert_allclose(cal.t, t, atol=1e-8)
    assert cal.rms_error < 1e-6
    np.testing.assert_allclose(cal.P, K @ np.column_stack([R, t]), rtol=1e-7, atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refine_calibration_minimises_the_reprojection_error_and_nests_the_constraint(seed):
    K, R, t, X = make_camera(seed=seed)  # 5.0 x 5.5 um pixels: fx != fy
    u = S.project_points(K, R, t, X) + np.random.default_rng(10 + seed).normal(0, 0.3, (len(X), 2))
    dlt = S.calibrate_dlt(X, u)
    free_skew = S.refine_calibration(X, u, zero_skew=False)
    free = S.refine_calibration(X, u)
    square = S.refine_calibration(X, u, square_pixels=True)
    # DLT minimises an algebraic error; the refinement (same model, skew free) does better
    assert free_skew.rms_error <= dlt.rms_error + 1e-12
    # nested models: every constraint can only raise the minimum
    assert free_skew.rms_error <= free.rms_error + 1e-12 <= square.rms_error + 2e-12
    assert square.K[0, 0] == square.K[1, 1] and free.K[0, 1] == 0.0 == square.K[0, 1]
    # the data reject square pixels here: the constrained error is several times the noise
    assert square.rms_error > 3 * free.rms_error
    # the reported rms is the reprojection error of the returned camera
    reproj = S.project_points(free.K, free.R, free.t, X) - u
    assert free.rms_error == pytest.approx(np.sqrt(np.mean(np.sum(reproj**2, axis=1))), rel=1e-10)


def test_refine_calibration_with_square_pixels_costs_almost_nothing_when_they_are_square():
    K = S.intrinsic_matrix(8.0, 0.005, 0.005, cx=640.0, cy=480.0)
    _, R, t, X = make_camera(seed=6)
    u = S.project_points(K, R, t, X) + np.random.default_rng(7).normal(0, 0.3, (len(X), 2))
    free = S.refine_calibration(X, u)
    square = S.refine_calibration(X, u, square_pixels=True)
    assert square.rms_error - free.rms_error < 0.01 * free.rms_error
    assert abs(square.K[0, 0] / K[0, 0] - 1) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        (dict(initial="dlt"), TypeError, "initial must be a CameraCalibration"),
        (dict(square_pixels="yes"), TypeError, "square_pixels must be True or False"),
        (dict(zero_skew=1), TypeError, "zero_skew must be True or False"),
    ],
)
def test_refine_calibration_bad_input(kwargs, exc, match):
    K, R, t, X = make_camera()
    with pytest.raises(exc, match=match):
        S.refine_calibration(X, S.project_points(K, R, t, X), **kwargs)
    with pytest.raises(ValueError, match="coplanar"):
        S.refine_calibration(np.c_[X[:, :2], np.zeros(len(X))], S.project_points(K, R, t, X))
    with pytest.raises(ValueError, match="at least 6"):
        S.refine_calibration(X[:5], S.project_points(K, R, t, X[:5]))


def test_draw_pixel_geometry_reports_fx_fy_and_pixel_offsets():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2)
    out = S.draw_pixel_geometry(
        axes, focal_length=6.0, pixel_width=0.004, pixel_height=0.005, point=(0.02, 0.01)
    )
    K = S.intrinsic_matrix(6.0, 0.004, 0.005, 0.0, 0.0)
    assert out["fx"] == pytest.approx(K[0, 0]) and out["fy"] == pytest.approx(K[1, 1])
    assert (out["u_offset"], out["v_offset"]) == (pytest.approx(5.0), pytest.approx(2.0))
    assert "5.0 pixels" in " ".join(t.get_text() for t in axes[1].texts)
    with pytest.raises(ValueError, match="point must have two positive"):
        S.draw_pixel_geometry(axes, point=(-1.0, 0.01))
    with pytest.raises(ValueError, match="axes must hold two Axes"):
        S.draw_pixel_geometry(axes[:1])
    with pytest.raises(ValueError, match="pixel_height must lie in"):
        S.draw_pixel_geometry(axes, pixel_height=0.0)
    plt.close(fig)


# ----------------------------------------------------------------- every public function refuses bad input
_X3 = np.random.default_rng(0).uniform(-1, 1, (8, 3))
_U2 = np.random.default_rng(1).uniform(0, 100, (8, 2))
BAD_CALLS = {
    "calibrate_dlt": (lambda: S.calibrate_dlt(_X3, "pixels"), "points_2d"),
    "count_gaussians": (lambda: S.count_gaussians([1.0, np.nan, 2.0], 1.0), "y"),
    "discrete_gaussian_kernel": (lambda: S.discrete_gaussian_kernel(-1.0), "t"),
    "dlt_design_matrix": (lambda: S.dlt_design_matrix(_X3[:, :2], _U2), "points_3d"),
    "draw_pixel_geometry": (lambda: S.draw_pixel_geometry([None, None], focal_length="8"), "focal_length"),
    "fit_two_lines": (lambda: S.fit_two_lines(X5, X5[:3]), "y"),
    "gaussian_peaks": (lambda: S.gaussian_peaks(np.ones(10), 1.0, min_depth=-0.1), "min_depth"),
    "intrinsic_matrix": (lambda: S.intrinsic_matrix(8.0, -0.005, 0.005, 0, 0), "pixel_width"),
    "local_mean_variance": (lambda: S.local_mean_variance(np.ones((4, 4)), 1.0, mode="edge"), "mode"),
    "local_mean_variance_direct": (lambda: S.local_mean_variance_direct(np.ones((4, 4)), 0.0), "sigma"),
    "mscn": (lambda: S.mscn(np.ones((4, 4)), c=-1.0), "c"),
    "project_points": (lambda: S.project_points(np.eye(3), np.eye(3), [0, 0], _X3), "t"),
    "refine_calibration": (lambda: S.refine_calibration(_X3, _U2, zero_skew="yes"), "zero_skew"),
    "savgol_coefficients": (lambda: S.savgol_coefficients(5, 2, deriv=1.5), "deriv"),
    "savgol_cube": (lambda: S.savgol_cube(np.ones((3, 9)), 5, 2, axis=2), "axis"),
    "savgol_matrix": (lambda: S.savgol_matrix(0, 1, 0), "n"),
    "savgol_polyfit_reference": (lambda: S.savgol_polyfit_reference(np.ones(9), 5, 5), "polyorder"),
    "second_derivative_kernel": (lambda: S.second_derivative_kernel(np.inf), "sigma"),
    "smoothed_second_derivative": (
        lambda: S.smoothed_second_derivative(np.ones(10), 2.0, method="gauss"),
        "method",
    ),
    "two_line_rss": (lambda: S.two_line_rss(X5, X5, "c"), "breakpoints"),
}


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_public_function_names_the_bad_argument(name):
    call, argument = BAD_CALLS[name]
    with pytest.raises((TypeError, ValueError), match=rf"^{argument} must"):
        call()


def test_every_public_function_has_a_bad_input_case():
    import inspect

    functions = {n for n in S.__all__ if inspect.isfunction(getattr(S, n))}
    assert functions == set(BAD_CALLS)  # a new public function needs its case here
