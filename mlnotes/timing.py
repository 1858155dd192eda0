"""Wall-clock timing the way the book reports it: best of several repeats after a warm-up."""

from __future__ import annotations

import time
import timeit
from collections.abc import Callable
from typing import Any

from mlnotes._checks import check_bool, check_callable, check_finite_output, check_int

__all__ = ["best_seconds"]


def best_seconds(
    fn: Callable[[], Any],
    *,
    number: int = 3,
    repeat: int = 5,
    warmup: bool = True,
    timer: Callable[[], float] = time.perf_counter,
) -> float:
    r"""Seconds per call of ``fn()``: the minimum over ``repeat`` runs of ``number`` calls each.

    .. math:: t = \min_{r=1..R} \frac{T_r}{N}, \qquad T_r = \text{timer after} - \text{timer before run } r

    The minimum, not the mean, because everything else running on the machine only
    ever adds time; one warm-up call first (unless ``warmup=False``), so that one-off
    costs (tracing a ``tf.function``, JIT compilation, caches) are not part of the
    comparison. ``fn`` is called ``int(warmup) + number * repeat`` times in all.

    Parameters
    ----------
    fn : callable taking no arguments
    number, repeat : int >= 1
        Calls per run :math:`N` and runs :math:`R`.
    warmup : bool, default True
    timer : callable returning float seconds, default ``time.perf_counter``
        Read before and after each run (tests pass a fake clock).

    Returns
    -------
    float
        Seconds per call, >= 0.

    References
    ----------
    Python documentation, ``timeit.Timer.repeat`` (note on taking the minimum).
    """
    fn = check_callable(fn, "fn")
    number = check_int(number, "number", low=1)
    repeat = check_int(repeat, "repeat", low=1)
    warmup = check_bool(warmup, "warmup")
    timer = check_callable(timer, "timer")

    def clock() -> float:
        reading = check_finite_output(timer(), "timer()")
        if reading.ndim != 0 or reading.dtype.kind not in "iuf":
            raise TypeError(f"timer() must return a real number; got {reading!r}")
        return float(reading)

    if warmup:
        fn()
    best = min(timeit.Timer(fn, timer=clock).repeat(repeat=repeat, number=number))
    if best < 0:
        raise ValueError(f"timer must not run backwards; got a run of {best} seconds")
    return best / number
