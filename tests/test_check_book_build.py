"""The no-execution book check: it forgives exactly the references that need outputs."""

from __future__ import annotations

import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_book_build  # noqa: E402


def test_only_references_to_declared_figures_are_forgiven():
    output = "\n".join([
        "reading sources... done",
        "/b/ch.ipynb:3: WARNING: undefined label: 'fig-declared'",
        "/b/ch.ipynb:4: WARNING: undefined label: 'fig-typo'",
        "/b/ch.ipynb:5: WARNING: citation not found: nobody2020",
        "/b/ch.ipynb:6: ERROR: Unknown directive type: \"exercize\".",
    ])
    found = check_book_build.problems(output, {"fig-declared"})
    assert len(found) == 3
    assert not any("fig-declared" in line for line in found)
    assert check_book_build.problems("all fine", {"fig-declared"}) == []


def test_the_books_figures_have_unique_names_and_captions():
    names = []
    for notebook in sorted((ROOT / "book").rglob("*.ipynb")):
        if "_build" in notebook.parts:
            continue
        for cell in json.loads(notebook.read_text())["cells"]:
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure is not None:
                assert figure.get("name", "").startswith("fig-"), (notebook, figure)
                assert len(figure.get("caption", "")) > 20, (notebook, figure)
                names.append(figure["name"])
    assert len(names) == len(set(names)), sorted(names)
