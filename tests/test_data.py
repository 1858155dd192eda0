"""mlnotes.data: every generator against an independent computation, its edge cases and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_digits

from mlnotes import data


def test_sine_samples_are_sin_and_cos_on_an_even_grid():
    x, y, dydx = data.sine_samples(50, low=-2.0, high=3.0)
    assert x.shape == y.shape == dydx.shape == (50, 1) and x.dtype == np.float32
    np.testing.assert_allclose(x[:, 0], np.linspace(-2.0, 3.0, 50), rtol=1e-6)
    np.testing.assert_allclose(y, np.sin(x.astype(float)), atol=1e-6)
    np.testing.assert_allclose(dydx, np.cos(x.astype(float)), atol=1e-6)
    _, noisy, _ = data.sine_samples(2000, noise=0.5, seed=3)
    xs = np.linspace(-np.pi, np.pi, 2000)
    assert abs(np.std(noisy[:, 0] - np.sin(xs)) - 0.5) < 0.03  # 2000 draws: se of the sd is ~0.008


@pytest.mark.parametrize(("height", "width", "n_bands", "n_materials"),
                         [(1, 1, 2, 1), (1, 1, 5, 3), (6, 4, 7, 1), (16, 12, 30, 4)])
def test_hyperspectral_cube_is_a_convex_mixture_even_when_degenerate(height, width, n_bands, n_materials):
    wavelengths, cube, clean = data.hyperspectral_cube(height, width, n_bands, n_materials=n_materials,
                                                       seed=1)
    assert cube.shape == clean.shape == (height, width, n_bands)
    assert np.all(np.isfinite(cube)) and np.all(np.isfinite(clean))
    np.testing.assert_allclose(wavelengths, np.linspace(400.0, 1000.0, n_bands))
    if n_materials == 1:  # every pixel is the one spectrum
        np.testing.assert_allclose(clean, np.broadcast_to(clean[0, 0], clean.shape), rtol=1e-12)
    if cube.size > 100:
        np.testing.assert_allclose(np.std(cube - clean), 0.01, rtol=0.2)


def test_hyperspectral_cube_is_deterministic_and_seeded():
    a = data.hyperspectral_cube(8, 8, 10, seed=5)[1]
    np.testing.assert_array_equal(a, data.hyperspectral_cube(8, 8, 10, seed=5)[1])
    assert not np.allclose(a, data.hyperspectral_cube(8, 8, 10, seed=6)[1])


def test_gaussian_bumps_are_scaled_normal_densities():
    x, y, clean = data.gaussian_bumps(200, [50.0, 120.0], [5.0, 12.0], [1.0, -0.5])
    expected = sum(a * np.sqrt(2 * np.pi) * s * stats.norm.pdf(x, m, s)
                   for m, s, a in [(50.0, 5.0, 1.0), (120.0, 12.0, -0.5)])
    np.testing.assert_allclose(clean, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(y, clean)  # noise 0
    _, _, one = data.gaussian_bumps(10, 4.0, 2.0)  # scalars allowed
    np.testing.assert_allclose(one, np.exp(-0.5 * ((np.arange(10) - 4.0) / 2.0) ** 2))


def test_gaussian_bumps_narrower_than_the_grid_give_a_spike_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, _, clean = data.gaussian_bumps(10, [5.0], [1e-300])
    np.testing.assert_array_equal(clean, np.eye(10)[5])


def test_two_line_samples_without_noise_lie_on_the_two_lines():
    x, y = data.two_line_samples(100, breakpoint=3.0, value_at_break=1.0, slopes=(2.0, -1.0), noise=0.0)
    assert np.all(np.diff(x) >= 0) and x.min() >= 0.0 and x.max() <= 10.0
    np.testing.assert_allclose(y, np.where(x < 3.0, 1.0 + 2.0 * (x - 3.0), 1.0 - (x - 3.0)), rtol=1e-12)


def test_complex_linear_samples_follow_the_model():
    w = np.array([1 + 2j, -0.5j])
    a, y, w_out = data.complex_linear_samples(4000, 2, noise=0.0, weights=w)
    np.testing.assert_array_equal(w_out, w)
    np.testing.assert_allclose(y, a @ w, rtol=1e-12)
    np.testing.assert_allclose(np.mean(np.abs(a) ** 2), 1.0, atol=0.05)  # E|A_ij|^2 = 1
    np.testing.assert_allclose(np.mean(a.real * a.imag), 0.0, atol=0.03)  # independent parts


def test_reversal_sequences_reverse():
    tokens, targets = data.reversal_sequences(20, length=5, vocab=3, seed=2)
    np.testing.assert_array_equal(targets, tokens[:, ::-1])
    assert tokens.min() >= 0 and tokens.max() <= 2


@pytest.mark.parametrize("test_fraction", [1 / 1797, 0.2, 1796 / 1797])
def test_digit_images_split_partitions_sklearns_digits(test_fraction):
    x_train, x_test, y_train, y_test = data.digit_images(test_fraction=test_fraction, seed=1)
    assert len(x_train) >= 1 and len(x_test) >= 1 and len(x_train) + len(x_test) == 1797
    digits = load_digits()
    both = np.concatenate([x_train, x_test]) * 16.0
    labels = np.concatenate([y_train, y_test])
    order = np.lexsort(np.column_stack([digits.data, digits.target]).T)
    mine = np.lexsort(np.column_stack([both, labels]).T)
    np.testing.assert_array_equal(both[mine], digits.data[order])
    np.testing.assert_array_equal(labels[mine], digits.target[order])


BAD = [
    (data.sine_samples, {"n": 1}, ValueError, "n must lie in"),
    (data.sine_samples, {"n": 5, "low": 1.0, "high": 1.0}, ValueError, "high must be greater than low"),
    (data.sine_samples, {"n": 5, "noise": -1.0}, ValueError, "noise must lie in"),
    (data.sine_samples, {"n": 5, "seed": "abc"}, TypeError, "seed must be a non-negative integer"),
    (data.sine_samples, {"n": 5, "seed": -1}, ValueError, "seed must be a non-negative integer"),
    (data.sine_samples, {"n": 5.0}, TypeError, "n must be an integer"),
    (data.sine_samples, {"n": 5, "low": -1e300}, ValueError, "low must lie in"),  # float32 samples
    (data.hyperspectral_cube, {"height": 0}, ValueError, "height must lie in"),
    (data.hyperspectral_cube, {"n_bands": 1}, ValueError, "n_bands must lie in"),
    (data.hyperspectral_cube, {"n_materials": 0}, ValueError, "n_materials must lie in"),
    (data.hyperspectral_cube, {"noise": float("nan")}, ValueError, "noise must be finite"),
    (data.hyperspectral_cube, {"seed": 1.5}, TypeError, "seed must be a non-negative integer"),
    (data.gaussian_bumps, {"n": 10, "centers": [1.0, 2.0], "widths": [1.0]}, ValueError,
     "widths must have shape"),
    (data.gaussian_bumps, {"n": 10, "centers": [1.0], "widths": [0.0]}, ValueError,
     "widths must be positive"),
    (data.gaussian_bumps, {"n": 10, "centers": [np.nan], "widths": [1.0]}, ValueError,
     "centers must be finite"),
    (data.gaussian_bumps, {"n": 10, "centers": [], "widths": []}, ValueError, "centers must have at least 1"),
    (data.gaussian_bumps, {"n": 10, "centers": "a", "widths": [1.0]}, TypeError, "centers must be a numeric"),
    (data.gaussian_bumps, {"n": 10, "centers": [1.0], "widths": [1.0], "amplitudes": [1.0, 2.0]}, ValueError,
     "amplitudes must have shape"),
    (data.gaussian_bumps, {"n": 10, "centers": [1.0], "widths": [1.0], "seed": None}, TypeError,
     "seed must be"),
    (data.two_line_samples, {"slopes": (1.0,)}, TypeError, "slopes must be a pair"),
    (data.two_line_samples, {"slopes": "ab"}, TypeError, "slopes must be a pair"),
    (data.two_line_samples, {"slopes": (1.0, np.inf)}, ValueError, r"slopes\[1\] must be finite"),
    (data.two_line_samples, {"low": 5.0, "high": 1.0}, ValueError, "high must be greater than low"),
    (data.two_line_samples, {"breakpoint": None}, TypeError, "breakpoint must be a real number"),
    (data.complex_linear_samples, {"weights": np.ones(2)}, ValueError, r"weights must have shape \(3\)"),
    (data.complex_linear_samples, {"weights": [1, np.nan, 2]}, ValueError, "weights must be finite"),
    (data.complex_linear_samples, {"n_samples": 0}, ValueError, "n_samples must lie in"),
    (data.reversal_sequences, {"n": 3, "length": 1}, ValueError, "length must lie in"),
    (data.reversal_sequences, {"n": 3, "vocab": True}, TypeError, "vocab must be an integer"),
    (data.reversal_sequences, {"n": 3, "seed": "0"}, TypeError, "seed must be a non-negative integer"),
    (data.digit_images, {"test_fraction": 0.9999}, ValueError, "test_fraction must leave at least one image"),
    (data.digit_images, {"test_fraction": 1e-5}, ValueError, "test_fraction must leave at least one image"),
    (data.digit_images, {"test_fraction": 1.0}, ValueError, "test_fraction must lie in"),
    (data.digit_images, {"seed": "abc"}, TypeError, "seed must be a non-negative integer"),
]


@pytest.mark.parametrize(("function", "kwargs", "error", "match"), BAD,
                         ids=[f"{f.__name__}-{i}" for i, (f, *_) in enumerate(BAD)])
def test_bad_inputs(function, kwargs, error, match):
    with pytest.raises(error, match=match):
        function(**kwargs)
