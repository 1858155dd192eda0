"""The book's structure rules (DESIGN.md): toc, stored notebooks, titles, exercises, imports."""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(
    p for p in BOOK.rglob("*.ipynb") if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
)
# Modules whose subject is not TensorFlow must not load it.
CODE_COLUMNS = 88
TF_FREE = [
    "mlnotes",
    "mlnotes._checks",
    "mlnotes.data",
    "mlnotes.plotting",
    "mlnotes.timing",
    "mlnotes.optimizers",
    "mlnotes.logistic",
    "mlnotes.logistic_objective",
    "mlnotes.logistic_solvers",
    "mlnotes.logistic_kernels",
    "mlnotes.regression",
    "mlnotes.signal",
    "mlnotes.probability",
    "mlnotes.attention",
]


def toc_entries() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return found


def cells(path: pathlib.Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


def test_every_notebook_is_in_the_toc_and_every_entry_exists():
    entries = toc_entries()
    assert len(entries) == len(set(entries)), "duplicate toc entries"
    for nb in NOTEBOOKS:
        assert nb.relative_to(BOOK).with_suffix("").as_posix() in entries, f"{nb} is not in _toc.yml"
    for entry in entries:
        assert any((BOOK / f"{entry}{ext}").exists() for ext in (".md", ".ipynb")), (
            f"toc entry {entry} has no file"
        )


def test_every_chapter_folder_has_an_index():
    for folder in BOOK.iterdir():
        if folder.is_dir() and re.match(r"\d\d-", folder.name):
            assert (folder / "index.md").exists(), f"{folder} has no index.md"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.relative_to(BOOK).as_posix())
def test_notebook_structure(nb):
    cs = cells(nb)
    code = [c for c in cs if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "stored outputs"
    first = cs[0]
    assert first["cell_type"] == "markdown" and source(first).startswith("# "), (
        "first cell must be an H1 title"
    )
    assert any(re.search(r"^\s*(import mlnotes|from mlnotes\b)", source(c), re.M) for c in code), (
        "no mlnotes import"
    )
    markdown = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
    assert re.search(r"^## Exercises", markdown, re.M), "no '## Exercises' section"
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", markdown)
    assert exercises, "no {exercise} directive"
    for label in exercises:
        assert re.search(r"\{solution(-start)?\} " + re.escape(label), markdown), (
            f"exercise {label} has no solution"
        )
    assert markdown.count("{solution-start}") == markdown.count("{solution-end}"), (
        "unbalanced solution blocks"
    )


def test_every_citation_is_in_the_bibliography():
    bib = (BOOK / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    texts = [source(c) for nb in NOTEBOOKS for c in cells(nb)] + [p.read_text() for p in BOOK.rglob("*.md")]
    cited = {
        k.strip()
        for t in texts
        for group in re.findall(r"\{cite[pt]?\}`([^`]+)`", t)
        for k in group.split(",")
    }
    assert cited, "no citations found"
    assert not cited - keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_chapter_has_at_least_three_exercises():
    by_chapter: dict[str, int] = {}
    for nb in (nb for nb in NOTEBOOKS if re.match(r"\d\d-", nb.parent.name)):
        text = "\n".join(source(c) for c in cells(nb))
        by_chapter[nb.parent.name] = by_chapter.get(nb.parent.name, 0) + text.count("```{exercise}")
    assert all(n >= 3 for n in by_chapter.values()), by_chapter


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.relative_to(BOOK).as_posix())
def test_summary_comes_right_before_the_exercises(nb):
    headings = [
        line
        for c in cells(nb)
        if c["cell_type"] == "markdown"
        for line in source(c).splitlines()
        if re.match(r"## ", line)
    ]
    assert "## Exercises" in headings, "no '## Exercises' section"
    at = headings.index("## Exercises")
    assert at > 0 and headings[at - 1] == "## Summary", (
        f"the section before the exercises is {headings[at - 1]!r}"
    )


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.relative_to(BOOK).as_posix())
def test_code_fits_the_page_column(nb):
    """Code lines longer than this scroll sideways in the rendered page."""
    long = [
        f"{len(line)}: {line[:60]}..."
        for c in cells(nb)
        if c["cell_type"] == "code"
        for line in source(c).splitlines()
        if len(line) > CODE_COLUMNS
    ]
    assert not long, f"{len(long)} code line(s) over {CODE_COLUMNS} characters: {long[:3]}"


def test_every_notebook_opens_with_the_install_cell():
    """Colab and other fresh kernels need the package; tools/install_cell.py writes the cell."""
    from tools import install_cell

    for nb in NOTEBOOKS:
        cs = cells(nb)
        assert cs[1]["metadata"].get("tags", [])[:1] == [install_cell.TAG], f"{nb}: no install cell"
        assert cs[1] == install_cell.refreshed(cs)[1], f"{nb}: install cell stale (run tools/install_cell.py)"
        assert "pip install mlnotes" not in "".join(source(c) for c in cs), (
            "mlnotes on the index is another project"
        )


def test_no_assertion_on_a_timing():
    """Timings are shown, never asserted (tools/timing_asserts.py, unit-tested in test_timing_asserts.py)."""
    from tools.timing_asserts import scan

    found = scan(ROOT)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", TF_FREE)
def test_module_does_not_import_tensorflow(module):
    if module != "mlnotes" and not (ROOT / (module.replace(".", "/") + ".py")).exists():
        pytest.skip(f"{module} does not exist yet")
    code = (
        f"import sys, {module}; sys.exit(1 if 'tensorflow' in sys.modules or 'keras' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0, (
        f"{module} imports TensorFlow"
    )


def test_reading_a_notebook_compiles_no_iri_grammars():
    """jsonschema 4.25+ imports rfc3987-syntax, which compiles ~40 Lark grammars on import: 1.5 s in
    every process that reads a notebook (nbval, Sphinx, otter, JupyterLab). pyproject.toml keeps
    jsonschema below 4.25."""
    code = "import sys, nbformat; sys.exit('rfc3987_syntax' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0, (
        "nbformat loads rfc3987_syntax: see the jsonschema range in pyproject.toml"
    )


# two quick ones, with and without TensorFlow (nbval runs every notebook; this checks the figures)
@pytest.mark.parametrize(
    "name", ["07-signals/02-scale-space.ipynb", "02-complex-gradients/01-wirtinger-derivatives.ipynb"]
)
def test_figure_cells_display_exactly_one_image(name):
    """Executed as the book executes them, every figure cell shows one image and nothing else rich
    (a second rich output would repeat the figure's label), and no untagged cell shows an image."""
    import nbclient
    import nbformat

    path = BOOK / name
    notebook = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    tagged = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        rich = [out for out in cell.outputs if out.output_type in ("display_data", "execute_result")]
        if cell.metadata.get("mystnb", {}).get("figure"):
            tagged += 1
            assert len(rich) == 1 and "image/png" in rich[0].data, (name, cell.source[:80], rich)
        else:
            assert not any("image/png" in out.data for out in rich), (
                name,
                "an image without a caption",
                cell.source[:80],
            )
    assert tagged > 0
