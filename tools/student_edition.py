"""Write the student edition of the book: every notebook with its worked solutions removed.

    python tools/student_edition.py [OUT]        (or: make student)

Exercises stay; each block from a ```{solution-start}``` fence to its ```{solution-end}```
fence is removed, with the code cells inside it, and so are the autograder's check cells
(``make assignments`` writes the graded edition, with the public checks). Markdown pages
and the rest of the book are copied unchanged, so the folder builds and runs like the book.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import sys
from collections.abc import Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]
START = re.compile(r"```\{solution-start\}[^\n]*\n(?::[^\n]*\n)*```[ \t]*\n?")
END = re.compile(r"```\{solution-end\}[ \t]*\n```[ \t]*\n?")


def strip_solutions(cells: list[dict], keep: Callable[[dict], bool] | None = None) -> list[dict]:
    """Remove solution blocks (gated sphinx-exercise syntax) from a notebook's cells.

    A code cell inside a block is kept when ``keep(cell)`` is true (the assignments keep the
    graded solution cells, whose bodies they then replace).
    """
    kept: list[dict] = []
    inside = False
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown":
            if not inside or (keep is not None and keep(cell)):
                kept.append(cell)
            continue
        pieces: list[str] = []
        pos = 0
        while True:
            pattern = END if inside else START
            match = pattern.search(text, pos)
            if match is None:
                if not inside:
                    pieces.append(text[pos:])
                break
            if not inside:
                pieces.append(text[pos:match.start()])
            inside = not inside
            pos = match.end()
        remaining = "".join(pieces).strip()
        if remaining:
            kept.append({**cell, "source": remaining.splitlines(keepends=True)})
    if inside:
        raise ValueError("a {solution-start} block is never closed by {solution-end}")
    return kept


def is_grading_test(cell: dict) -> bool:
    """A public or hidden autograder check (``mlnotes_grade`` metadata): it calls the solution's
    functions, and the hidden ones must not reach students (``make assignments`` hands out the
    public ones)."""
    return cell.get("metadata", {}).get("mlnotes_grade", {}).get("role") in ("public", "hidden")


def write_student_edition(out: pathlib.Path) -> list[pathlib.Path]:
    """Copy ``book/`` to ``out`` with solutions stripped; return the notebooks written."""
    if out.resolve() == (ROOT / "book").resolve():
        raise ValueError("out must not be the book folder itself")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "book", out, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    written = []
    for nb_path in sorted(out.rglob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        nb["cells"] = [c for c in strip_solutions(nb["cells"]) if not is_grading_test(c)]
        nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        written.append(nb_path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", nargs="?", default=str(ROOT / "student"), help="output folder (default: student/)"
    )
    args = parser.parse_args(argv)
    written = write_student_edition(pathlib.Path(args.out))
    print(f"student edition: {len(written)} notebooks without solutions in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
