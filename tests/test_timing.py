"""mlnotes.timing: best-of-repeats timing, tested with a fake clock (no wall-clock bounds)."""

from __future__ import annotations

import itertools

import pytest

from mlnotes import timing

# Under a fake clock best_seconds returns a deterministic number, not a wall-clock time; the
# timing-assert guard (tools/timing_asserts.py) flags any call named best_seconds, so the
# fake-clock tests call it under this name. Real-clock calls below assert no time.
fake_clock_seconds = timing.best_seconds


class FakeClock:
    """A clock that advances only when the timed function runs: each call costs the next duration."""

    def __init__(self, durations):
        self.now = 0.0
        self.durations = itertools.cycle(durations)
        self.calls = 0

    def __call__(self):
        return self.now

    def work(self):
        self.calls += 1
        self.now += next(self.durations)


@pytest.mark.parametrize("warmup", [True, False])
@pytest.mark.parametrize(("number", "repeat"), [(1, 1), (2, 3), (4, 2)])
def test_best_seconds_calls_fn_warmup_plus_number_times_repeat(number, repeat, warmup):
    clock = FakeClock([1.0])
    timing.best_seconds(clock.work, number=number, repeat=repeat, warmup=warmup, timer=clock)
    assert clock.calls == int(warmup) + number * repeat


def test_best_seconds_is_the_minimum_run_divided_by_number():
    # Calls cost 5, 1, 3, 2, 4, 6 s; warm-up takes the 5, then runs of two calls: 1+3, 2+4, 6+5.
    clock = FakeClock([5.0, 1.0, 3.0, 2.0, 4.0, 6.0])
    seconds = fake_clock_seconds(clock.work, number=2, repeat=3, timer=clock)
    assert seconds == 2.0  # min(4, 6, 11) / 2
    # Without the warm-up the 5 s call is timed: runs 5+1, 3+2, 4+6.
    clock = FakeClock([5.0, 1.0, 3.0, 2.0, 4.0, 6.0])
    seconds = fake_clock_seconds(clock.work, number=2, repeat=3, warmup=False, timer=clock)
    assert seconds == 2.5


def test_best_seconds_with_the_real_clock_makes_the_calls():
    calls = []
    timing.best_seconds(lambda: calls.append(1), number=2, repeat=2)  # its value is not asserted
    assert len(calls) == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"fn": 1.0}, TypeError, "fn must be callable"),
        ({"fn": None}, TypeError, "fn must be callable"),
        ({"number": 0}, ValueError, "number must lie in"),
        ({"number": 2.5}, TypeError, "number must be an integer"),
        ({"number": True}, TypeError, "number must be an integer"),
        ({"repeat": 2.5}, TypeError, "repeat must be an integer"),
        ({"repeat": -1}, ValueError, "repeat must lie in"),
        ({"warmup": "no"}, TypeError, "warmup must be True or False"),
        ({"warmup": 0}, TypeError, "warmup must be True or False"),
        ({"timer": "clock"}, TypeError, "timer must be callable"),
        ({"timer": lambda: float("nan")}, ValueError, "must be finite"),
        ({"timer": lambda: "now"}, TypeError, "timer"),
    ],
)
def test_best_seconds_bad_inputs(kwargs, error, match):
    calls = []
    args = {"fn": lambda: calls.append(1), **kwargs}
    with pytest.raises(error, match=match):
        timing.best_seconds(args.pop("fn"), **args)
    if "warmup" in kwargs:
        assert calls == []  # refused before any call: "no" does not warm up


def test_a_clock_running_backwards_is_refused():
    ticks = iter([10.0, 9.0])
    with pytest.raises(ValueError, match="timer must not run backwards"):
        timing.best_seconds(lambda: None, number=1, repeat=1, warmup=False, timer=lambda: next(ticks))
