"""Argument checks shared by every module.

Each check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right
kind, wrong value) with a message that names the argument, what was expected and
what came, so that a reader who passes the wrong thing learns what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "as_array",
    "check_axis",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_finite_output",
    "check_fitted",
    "check_int",
    "check_positive_ints",
    "check_real",
    "check_same_length",
    "check_seed",
    "check_shape",
]


def _describe(value: Any) -> str:
    try:
        scalar = np.ndim(value) == 0
    except ValueError:  # a ragged list: NumPy cannot tell its dimensions
        scalar = False
    return f"{type(value).__name__} {value!r}" if scalar else type(value).__name__


def as_array(
    value: Any,
    name: str,
    *,
    ndim: int | Iterable[int] | None = None,
    dtype: type | np.dtype = np.float64,
    finite: bool = True,
    min_size: int = 0,
) -> np.ndarray:
    """Convert ``value`` to an array of ``dtype`` and validate it.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    ndim : int or iterable of int, optional
        Allowed numbers of dimensions.
    dtype : dtype, default float64
        Target dtype; ``np.complex128`` keeps complex input, ``np.float64``
        refuses it rather than dropping the imaginary part.
    finite : bool, default True
        Refuse NaN and infinities.
    min_size : int, default 0
        Smallest allowed number of elements.

    Raises
    ------
    TypeError
        If ``value`` is not numeric (strings, objects, booleans for float
        targets, complex numbers for real targets).
    ValueError
        If the dimensions, size or finiteness are wrong.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array; got {_describe(value)}")
    try:
        raw = np.asarray(value)
    except Exception as exc:  # ragged lists and other unconvertible objects
        raise TypeError(f"{name} must be a numeric array; got {_describe(value)} ({exc})") from None
    target = np.dtype(dtype)
    if raw.dtype.kind not in "biufc" or (raw.dtype.kind == "b" and target.kind != "b"):
        raise TypeError(f"{name} must be a numeric array; got dtype {raw.dtype}")
    if raw.dtype.kind == "c" and target.kind != "c":
        raise TypeError(f"{name} must be real; got complex dtype {raw.dtype}")
    arr = raw.astype(target, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, Integral) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimension(s); got shape {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} element(s); got shape {arr.shape}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must be finite; got {bad} NaN or infinite value(s)")
    return arr


def check_shape(arr: np.ndarray, name: str, shape: Sequence[int | None]) -> np.ndarray:
    """Check that ``arr`` has ``shape``; ``None`` entries match any length."""
    ok = arr.ndim == len(shape) and all(s is None or s == a for s, a in zip(shape, arr.shape, strict=True))
    if not ok:
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}; got {arr.shape}")
    return arr


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Check that ``value`` is a finite real number in the given interval."""
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number; got {_describe(value)}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x}")
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        left = "-inf" if low is None else f"{low}"
        right = "inf" if high is None else f"{high}"
        opening = "(" if low_open or low is None else "["
        closing = ")" if high_open or high is None else "]"
        interval = f"{opening}{left}, {right}{closing}"
        raise ValueError(f"{name} must lie in {interval}; got {x}")
    return x


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise TypeError(f"{name} must be an integer; got {_describe(value)}")
    n = int(value)
    if (low is not None and n < low) or (high is not None and n > high):
        raise ValueError(
            f"{name} must lie in [{low if low is not None else '-inf'}, "
            f"{high if high is not None else 'inf'}]; got {n}"
        )
    return n


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    options = tuple(choices)
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}")
    return value


def check_callable(value: Any, name: str) -> Callable[..., Any]:
    """Check that ``value`` can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable; got {_describe(value)}")
    return value


def check_bool(value: Any, name: str) -> bool:
    """Check that ``value`` is a boolean (``True``/``False`` or ``np.bool_``); strings and 0/1 are refused.

    ``fit_intercept="no"`` is truthy in Python; refusing it stops a silent misreading.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {_describe(value)}")
    return bool(value)


def check_seed(value: Any, name: str = "seed", *, allow_none: bool = False) -> int | None:
    """Check a random seed: a non-negative integer (or ``None`` when ``allow_none``)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        want = "a non-negative integer or None" if allow_none else "a non-negative integer"
        raise TypeError(f"{name} must be {want}; got {_describe(value)}")
    if int(value) < 0:
        raise ValueError(f"{name} must be a non-negative integer; got {int(value)}")
    return int(value)


def check_positive_ints(value: Any, name: str, *, min_len: int = 1) -> tuple[int, ...]:
    """Check a sequence of positive integers (layer widths, sizes); return it as a tuple."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of positive integers; got {_describe(value)}")
    items = list(value)
    if len(items) < min_len:
        raise ValueError(
            f"{name} must have at least {min_len} entr{'y' if min_len == 1 else 'ies'}; got {items!r}"
        )
    out = []
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (Integral, np.integer)):
            raise TypeError(
                f"{name} must be a sequence of positive integers; got {_describe(item)} at position {i}"
            )
        if int(item) < 1:
            raise ValueError(
                f"{name} must be a sequence of positive integers; got {int(item)} at position {i}"
            )
        out.append(int(item))
    return tuple(out)


def check_same_length(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Check that ``b`` has as many samples (first-axis entries) as ``a``.

    One wording for one mistake: ``"y must have 100 samples, as many as X; got 99"``.
    """
    na, nb = np.shape(a)[0] if np.ndim(a) else 1, np.shape(b)[0] if np.ndim(b) else 1
    if na != nb:
        raise ValueError(f"{b_name} must have {na} samples, as many as {a_name}; got {nb}")


def check_axis(axis: Any, ndim: int, name: str = "axis") -> int:
    """Check an axis index for an array of ``ndim`` dimensions; return it as a non-negative int."""
    if isinstance(axis, bool) or not isinstance(axis, (Integral, np.integer)):
        raise TypeError(f"{name} must be an integer; got {_describe(axis)}")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(
            f"{name} must lie in [{-ndim}, {ndim - 1}] for an array of {ndim} dimension(s); got {int(axis)}"
        )
    return int(axis) % ndim


def check_fitted(estimator: Any, attribute: str) -> None:
    """Refuse to use an estimator before ``fit``: ``attribute`` is set by ``fit``."""
    if getattr(estimator, attribute, None) is None:
        raise ValueError(f"this {type(estimator).__name__} is not fitted yet; call fit(X, y) first")


def check_finite_output(value: Any, name: str, where: str = "") -> np.ndarray:
    """Check what a user's function returned: numeric and finite.

    ``name`` describes the call (e.g. ``"f(z)"``); ``where`` adds the point, so that
    ``1 / z`` at ``z = 0`` is refused with ``"f(z) must be finite; got inf at z = 0j"``.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # objects NumPy cannot convert
        raise TypeError(f"{name} must return a numeric value; got {_describe(value)} ({exc})") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must return a numeric value; got dtype {arr.dtype}")
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        at = f" at {where}" if where else ""
        raise ValueError(f"{name} must be finite; got {arr if arr.ndim == 0 else 'NaN or inf'}{at}")
    return arr
