"""mlnotes.plotting: a colour cycle that stays distinct under simulated colour-vision deficiencies."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from mlnotes import plotting

mpl.use("Agg")

# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color
# vision deficiency", severity 1.0 matrices, applied to linear RGB.
CVD = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _lab(color, deficiency):
    """CIELAB (D65) of an sRGB colour as seen with ``deficiency``."""
    c = np.asarray(mpl.colors.to_rgb(color))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    linear = np.clip(CVD[deficiency] @ linear, 0.0, 1.0)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _min_delta_e(colors, deficiency):
    labs = [_lab(c, deficiency) for c in colors]
    return min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))


# CIE76 Delta E of about 10 separates colours at a glance; 12 leaves a margin.
MIN_DELTA_E = 12.0


@pytest.mark.parametrize("deficiency", sorted(CVD))
def test_every_pair_of_book_colours_stays_distinct(deficiency):
    assert _min_delta_e(plotting.COLORS, deficiency) > MIN_DELTA_E


def test_the_check_rejects_matplotlibs_default_cycle():
    # tab10's blue/orange/green/red: red and green merge for protanopes and deuteranopes.
    default = ["tab:blue", "tab:orange", "tab:green", "tab:red"]
    assert _min_delta_e(default, "normal") > MIN_DELTA_E
    assert _min_delta_e(default, "deuteranopia") < MIN_DELTA_E
    assert _min_delta_e(default, "protanopia") < MIN_DELTA_E


def test_the_style_uses_the_book_colours():
    plotting.use_book_style()
    assert [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]] == plotting.COLORS


def test_series_styles_differ_in_more_than_colour():
    styles = [plotting.series_style(i) for i in range(len(plotting.COLORS))]
    for key in ["color", "linestyle", "marker"]:
        values = [repr(s[key]) for s in styles]
        assert len(set(values)) == len(values), key
    assert plotting.series_style(len(plotting.COLORS)) == styles[0]  # cycles
    assert "marker" not in plotting.series_style(2, marker=False)
    fig, ax = plotting.subplots()
    for i, s in enumerate(styles):
        ax.plot([0, 1], [i, i], **s)  # matplotlib accepts every style
    fig.canvas.draw()
    assert len(ax.get_lines()) == len(styles)
    plt.close(fig)


def test_subplots_widen_with_columns():
    fig, axes = plotting.subplots(2, 3)
    assert axes.shape == (2, 3)
    width, height = fig.get_size_inches()
    assert width > plotting.STYLE["figure.figsize"][0] and height > plotting.STYLE["figure.figsize"][1]
    plt.close(fig)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: plotting.series_style(-1), ValueError, "index must lie in"),
    (lambda: plotting.series_style(1.5), TypeError, "index must be an integer"),
    (lambda: plotting.series_style("a"), TypeError, "index must be an integer"),
    (lambda: plotting.series_style(0, marker="yes"), TypeError, "marker must be True or False"),
    (lambda: plotting.subplots(0), ValueError, "nrows must lie in"),
    (lambda: plotting.subplots(1, 2.0), TypeError, "ncols must be an integer"),
    (lambda: plotting.subplots(None), TypeError, "nrows must be an integer"),
])
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()
