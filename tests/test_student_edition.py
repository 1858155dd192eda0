"""The student edition: solutions gone, exercises kept, notebooks still run."""

from __future__ import annotations

import ast
import json
import pathlib
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.student_edition import is_grading_test, strip_solutions, write_student_edition  # noqa: E402

NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if "_build" not in p.parts)


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def code(text: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}


SAMPLE = [
    md("# Title"),
    code("x = 1"),
    md(
        "## Exercises\n\n```{exercise}\n:label: ex-a\n\nDo A.\n```\n\n"
        "```{solution-start} ex-a\n:class: dropdown\n```\n"
    ),
    code("answer_a = x + 1"),
    md(
        "Because.\n\n```{solution-end}\n```\n\n```{exercise}\n:label: ex-b\n\nDo B.\n```\n\n"
        "```{solution-start} ex-b\n:class: dropdown\n```\n"
    ),
    code("answer_b = 2"),
    md("Explained.\n\n```{solution-end}\n```\n"),
]


def test_strip_solutions_keeps_exercises_and_drops_solution_cells():
    kept = strip_solutions(SAMPLE)
    text = "".join("".join(c["source"]) for c in kept)
    assert "Do A." in text and "Do B." in text
    assert "solution" not in text and "Because." not in text and "Explained." not in text
    assert [c["source"] for c in kept if c["cell_type"] == "code"] == ["x = 1"]


def test_grading_checks_are_recognised_by_their_role():
    graded = {
        "cell_type": "code",
        "source": "",
        "metadata": {"mlnotes_grade": {"exercise": "ex-a", "role": "hidden"}},
    }
    assert is_grading_test(graded) and is_grading_test(
        {**graded, "metadata": {"mlnotes_grade": {"role": "public"}}}
    )
    assert not is_grading_test({**graded, "metadata": {"mlnotes_grade": {"role": "solution"}}})
    assert not is_grading_test(SAMPLE[1])


def test_strip_solutions_refuses_an_unclosed_block():
    with pytest.raises(ValueError, match="never closed"):
        strip_solutions(SAMPLE[:4])


def _assigned(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):  # a function or lambda parameter
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _loaded(tree: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def names_needed_from_solutions(full: list[dict], student: list[dict]) -> set[str]:
    """Names that kept code cells read but only removed (solution) cells assign."""
    kept_sources = ["".join(c["source"]) for c in student if c["cell_type"] == "code"]
    removed = [c for c in full if c["cell_type"] == "code" and "".join(c["source"]) not in kept_sources]
    only_in_solutions = set().union(*(_assigned(ast.parse("".join(c["source"]))) for c in removed))
    defined: set[str] = set()
    missing: set[str] = set()
    for source in kept_sources:
        tree = ast.parse(source)
        defined |= _assigned(tree)  # a cell that binds a name itself does not need the solution's
        missing |= (_loaded(tree) & only_in_solutions) - defined
    return missing


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("student")
    write_student_edition(out)
    return out


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix())
def test_student_notebook_has_no_solutions_and_needs_none(nb, edition):
    full = json.loads(nb.read_text())["cells"]
    student = json.loads((edition / nb.relative_to(ROOT / "book")).read_text())["cells"]
    text = "".join("".join(c["source"]) for c in student)
    assert "{solution" not in text
    full_text = "".join("".join(c["source"]) for c in full)
    assert text.count("```{exercise}") == full_text.count("```{exercise}") > 0
    assert len(student) < len(full), "no solution was removed"
    missing = names_needed_from_solutions(full, student)
    assert not missing, f"student edition uses names defined only in solutions: {sorted(missing)}"
    hidden = [
        "".join(c["source"]) for c in full if c["metadata"].get("mlnotes_grade", {}).get("role") == "hidden"
    ]
    assert not [h for h in hidden if h in text], "a hidden autograder check reached the student edition"


def test_the_dependency_check_catches_a_cell_that_needs_a_solution():
    broken = [*SAMPLE, code("print(answer_a)")]
    assert names_needed_from_solutions(broken, strip_solutions(broken)) == {"answer_a"}
    assert names_needed_from_solutions(SAMPLE, strip_solutions(SAMPLE)) == set()


def test_a_student_notebook_executes(edition):
    path = edition / "07-signals" / "04-lines-and-cameras.ipynb"  # one of the quickest to run
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
