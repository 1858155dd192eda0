"""Run every benchmark and print one table: `python -m benchmarks` (or `make bench`).

Each row times two implementations of the same computation side by side in one
process, best of several repeats after a warm-up (mlnotes.timing.best_seconds).
`python -m benchmarks --size small` runs smaller problems (the book's performance page).
"""

from __future__ import annotations

import argparse
import importlib
import platform

MODULES = ["benchmarks.jacobian", "benchmarks.savgol", "benchmarks.logistic"]


def run_all(size: str = "full") -> list[dict[str, object]]:
    """Every benchmark's rows, in MODULES order."""
    return [row for name in MODULES for row in importlib.import_module(name).run(size)]


def markdown_table(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table, times in milliseconds."""
    lines = ["| benchmark | baseline | ours | speed-up |", "| --- | --- | --- | ---: |"]
    lines += [f"| {r['benchmark']} | {r['baseline']}: {r['baseline_ms']:.2f} ms | {r['ours']}: "
              f"{r['ours_ms']:.2f} ms | {r['speedup']:.2f}x |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["full", "small"], default="full")
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, size={args.size}\n")
    print(markdown_table(run_all(args.size)))


if __name__ == "__main__":
    main()
