"""One figure style for the whole book, readable by colour-blind readers.

Colours come from the Okabe-Ito palette (Okabe and Ito 2008), chosen to stay distinct
under the common colour-vision deficiencies; where colour alone tells series apart, give
each series a line style and a marker too (:func:`series_style`), so that the figure
also reads in greyscale.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt

from mlnotes._checks import check_bool, check_int

__all__ = ["COLORS", "LINESTYLES", "MARKERS", "STYLE", "series_style", "subplots", "use_book_style"]

# Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
# Paired with COLORS position by position, for series that colour alone would separate.
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]

STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": mpl.cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}


def series_style(index: int, *, marker: bool = True) -> dict[str, Any]:
    """Colour, line style and (optionally) marker for the ``index``-th series of a figure.

    Pass to ``ax.plot(x, y, **series_style(i))``: series differ in colour *and* dash
    pattern (and marker), so they stay apart for colour-blind readers and in greyscale.
    Cycles after ``len(COLORS)`` series.

    Parameters
    ----------
    index : int >= 0
    marker : bool, default True
        Add a marker (``markevery`` thins it on long lines).

    Returns
    -------
    dict
        Keyword arguments for ``matplotlib.axes.Axes.plot``.

    References
    ----------
    Okabe and Ito (2008), *Color Universal Design*; matplotlib documentation, line styles.
    """
    index = check_int(index, "index", low=0)
    marker = check_bool(marker, "marker")
    i = index % len(COLORS)
    style: dict[str, Any] = {"color": COLORS[i], "linestyle": LINESTYLES[i]}
    if marker:
        style.update(marker=MARKERS[i], markevery=0.1, markersize=5)
    return style


def use_book_style() -> None:
    """Apply the book's matplotlib style to every later figure."""
    mpl.rcParams.update(STYLE)


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[plt.Figure, Any]:
    """``plt.subplots`` in the book style, widening the figure with the number of columns.

    Parameters
    ----------
    nrows, ncols : int >= 1
    **kwargs
        Passed to ``matplotlib.pyplot.subplots`` (``figsize`` overrides the default).
    """
    nrows = check_int(nrows, "nrows", low=1)
    ncols = check_int(ncols, "ncols", low=1)
    use_book_style()
    width, height = STYLE["figure.figsize"]
    kwargs.setdefault("figsize", (min(width * ncols * 0.75, 11.0) if ncols > 1 else width,
                                  height * (0.85 * nrows if nrows > 1 else 1)))
    return plt.subplots(nrows, ncols, **kwargs)
