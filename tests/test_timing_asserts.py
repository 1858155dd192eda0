"""The guard that keeps timings out of assertions (tools/timing_asserts.py) finds them, and only them."""

from __future__ import annotations

import json

import pytest

from tools.timing_asserts import find_clock_asserts, notebook_code

FLAGGED = {
    "clock difference": """
import time
start = time.perf_counter()
work()
elapsed = time.perf_counter() - start
assert elapsed < 0.1
""",
    "ratio of best_seconds": """
from mlnotes.timing import best_seconds
ours = best_seconds(lambda: f(x))
theirs = best_seconds(lambda: g(x))
ratio = theirs / ours
assert ratio > 5
""",
    "position of a returned tuple": """
import time
def train():
    t0 = time.time()
    loss = fit()
    return loss, time.time() - t0
loss, seconds = train()
assert seconds < 3
""",
    "benchmark row key": """
from benchmarks import logistic
rows = logistic.run("small")
assert all(r["speedup"] > 0.2 for r in rows)
""",
    "np.testing on a timing": """
import numpy as np, timeit
t = min(timeit.repeat(lambda: f(), number=3, repeat=5))
np.testing.assert_array_less(t, 1.0)
""",
    "function defined before the helper it calls": """
import time
def best(fn):
    return min(one(fn) for _ in range(3))
def one(fn):
    t0 = time.perf_counter(); fn(); return time.perf_counter() - t0
times = {"loop": best(loop), "vector": best(vector)}
assert times["loop"] > 50 * times["vector"]
""",
}

CLEAN = {
    "result beside its timing": """
import time
def train():
    t0 = time.time()
    loss = fit()
    return loss, time.time() - t0
loss, seconds = train()
print(f"{seconds:.1f} s")
assert loss < 0.5
""",
    "name reused after a timing": """
from mlnotes.timing import best_seconds
ours = best_seconds(lambda: f(x))
print(ours)
ours = f(x)
assert ours == 3
""",
    "number of timings": """
import time
history = {"time": [], "loss": []}
for step in range(3):
    history["time"].append(time.perf_counter())
    history["loss"].append(step)
assert len(history["time"]) == 3 and history["loss"][-1] == 2
""",
    "a fake clock": """
from mlnotes.timing import best_seconds
ticks = iter(range(100))
seconds = best_seconds(f, number=1, repeat=3, timer=lambda: next(ticks))
assert seconds == 1
""",
    "deterministic counts": """
calls = 0
def f():
    global calls
    calls += 1
best_seconds(f, number=2, repeat=3)
assert calls == 7
""",
}


@pytest.mark.parametrize("name", FLAGGED)
def test_flags_an_assertion_on_a_timing(name):
    hits = find_clock_asserts(FLAGGED[name])
    assert len(hits) == 1, hits


@pytest.mark.parametrize("name", CLEAN)
def test_leaves_deterministic_assertions_alone(name):
    assert find_clock_asserts(CLEAN[name]) == []


def test_notebook_cells_are_one_namespace(tmp_path):
    cells = [
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import time\n", "t0 = time.time()\n"]},
        {"cell_type": "markdown", "source": ["assert t0 > 0 is prose here"]},
        {"cell_type": "code", "source": ["dt = time.time() - t0\n", "assert dt < 1\n"]},
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    assert [text for _, text in find_clock_asserts(notebook_code(path))] == ["dt < 1"]
