"""Autograded assignments (tools/assignments.py, otter-grader): the format, the build, grading.

End to end on chapter 7's NumPy-only notebooks 03 and 04: the solution notebooks score full
marks, untouched student notebooks zero, one deliberately wrong exercise loses exactly its
points, hard-coding the visible answers fails the hidden tests, and a looping submission is
stopped by the time limit while the others are graded.
"""

from __future__ import annotations

import ast
import concurrent.futures
import csv
import json
import pathlib
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import assignments as asg  # noqa: E402
from tools.student_edition import strip_solutions  # noqa: E402

CHAPTERS = sorted(p for p in (ROOT / "book").iterdir() if p.is_dir() and p.name[:2].isdigit())
NOTEBOOKS = sorted(p for c in CHAPTERS for p in c.glob("*.ipynb"))
# Issue 20 asks for three graded exercises per chapter (every chapter has them since 29 Nov 2026).
REQUIRE_THREE_PER_CHAPTER = True
GRADED_CHAPTER = "07-signals"
TIMEOUT_S = 120  # per submission: a normal grading run of these takes ~20 s on a loaded machine
# The looping submission is graded in a run of its own with a short limit: it must be stopped
# whatever the load (stopping it early only makes that surer), and the normal submissions need
# not wait for it. Waiting the full TIMEOUT_S for it cost 2 minutes of every `make test`.
LOOP_TIMEOUT_S = 8


def md(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str, **grade) -> dict:
    meta = {"mlnotes_grade": grade} if grade else {}
    if grade.get("role") in ("public", "hidden"):
        meta["tags"] = ["remove-cell"]
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": [], "execution_count": None}


SOLUTION = '''import numpy as np


def double(x):
    """Twice x."""
    # the one line that matters
    y = np.asarray(x)
    return 2 * y


def half(x):
    """Half of x."""
    return x / 2
'''
SAMPLE = [
    md("# Title"),
    code("base = 3"),
    md(
        "```{exercise}\n:label: ex-double\n\nWrite double.\n```\n\n"
        "```{solution-start} ex-double\n:class: dropdown\n```\n"
    ),
    code(SOLUTION, exercise="ex-double", role="solution", points=2),
    code("print(double(base))"),
    md("Because.\n\n```{solution-end}\n```\n"),
    code("assert double(base) == 6", exercise="ex-double", role="public"),
    code("assert double(5) == 10 and half(4) == 2", exercise="ex-double", role="hidden"),
]


# ---------------------------------------------------------------- the format, unit level


def test_mark_function_bodies_keeps_signatures_docstrings_and_imports():
    marked = asg.mark_function_bodies(SOLUTION)
    student = "\n".join(ln for ln in marked.splitlines() if "SOLUTION" not in ln)
    assert student == SOLUTION.rstrip("\n")  # markers only, nothing else changed
    lines = marked.splitlines()
    assert lines.count("    # BEGIN SOLUTION") == 2 and lines.count("    # END SOLUTION") == 2
    # the comment before the first statement is part of the hidden body
    assert lines.index("    # BEGIN SOLUTION") < lines.index("    # the one line that matters")


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n", "only imports and functions"),
        ("def f():\n    return 1\n", "no docstring"),
        ('def f():\n    """Doc."""\n', "no body"),
        ("class A:\n    pass\n", "only imports and functions"),
    ],
)
def test_mark_function_bodies_refuses_what_it_cannot_hide(source, message):
    with pytest.raises(ValueError, match=message):
        asg.mark_function_bodies(source)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.pop(7), "no hidden cell"),
        (lambda c: c.pop(6), "no public cell"),
        (lambda c: c[3]["metadata"]["mlnotes_grade"].update(points=0), "positive integer"),
        (lambda c: c[3]["metadata"]["mlnotes_grade"].update(points=1.5), "positive integer"),
        (lambda c: c[6]["metadata"]["mlnotes_grade"].update(role="secret"), "role must be"),
        (
            lambda c: c.append(
                code(
                    "def double(x):\n    '''D.'''\n    return 0\n",
                    exercise="ex-double",
                    role="solution",
                    points=1,
                )
            ),
            "two solution",
        ),
    ],
)
def test_graded_exercises_refuses_an_incomplete_exercise(change, message):
    cells = json.loads(json.dumps(SAMPLE))
    change(cells)
    with pytest.raises(ValueError, match=message):
        asg.graded_exercises(cells)


def test_master_notebook_has_one_question_with_all_or_nothing_tests():
    master, points = asg.master_notebook(
        {"cells": SAMPLE, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, "sample"
    )
    assert points == {"ex-double": 2}
    raw = ["".join(c["source"]) for c in master["cells"] if c["cell_type"] == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG") and "ok_format: false" in raw[0]
    assert raw[1:] == [
        "# BEGIN QUESTION\nname: ex-double\npoints: 2",
        "# BEGIN SOLUTION",
        "# END SOLUTION",
        "# BEGIN TESTS",
        "# END TESTS",
        "# END QUESTION",
    ]
    sources = ["".join(c["source"]) for c in master["cells"] if c["cell_type"] == "code"]
    assert "print(double(base))" not in sources  # the demonstration is part of the worked solution
    public, hidden = sources[-2:]
    assert "hidden: false\npoints: 0" in public and "hidden: true\npoints: 2" in hidden
    # the hidden test reruns the public checks, so a partial answer cannot collect its points
    assert "assert double(base) == 6" in hidden and "half(4) == 2" in hidden
    assert "half(4)" not in public


def test_a_generated_test_reports_the_failing_line_and_its_message():
    cell = asg.otter_test_cell("ex-x", "hidden", ["a = b + 1\nassert a == 2, 'a is off'"], 1)
    namespace: dict = {}
    exec("".join(cell["source"]).split('""" # END TEST CONFIG\n')[1], namespace)
    env = {"b": 1}
    namespace["test_hidden"](env)
    assert env == {"b": 1}, "a check must not change the notebook's namespace"
    with pytest.raises(AssertionError, match=r"^a is off \[in: assert a == 2, 'a is off'\]$"):
        namespace["test_hidden"]({"b": 5})
    with pytest.raises(AssertionError, match=r"^NameError: name 'b' is not defined \[in: a = b \+ 1\]$"):
        namespace["test_hidden"]({})
    cell = asg.otter_test_cell("ex-x", "public", ["f()"], 0)
    exec("".join(cell["source"]).split('""" # END TEST CONFIG\n')[1], namespace)
    with pytest.raises(AssertionError, match=r"^NotImplementedError \[in: f\(\)\]$"):
        namespace["test_public"]({"f": lambda: (_ for _ in ()).throw(NotImplementedError)})


def test_find_submissions_names_students_by_folder_or_prefix(tmp_path, capsys):
    for name in [
        "ann/03-local-variance.ipynb",
        "bo__03-local-variance.ipynb",
        "stray.ipynb",
        "cy/unknown.ipynb",
        "cy/.ipynb_checkpoints/03-local-variance.ipynb",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    renamed = {"cells": [], "metadata": {"otter": {"assignment_name": "03-local-variance"}}}
    (tmp_path / "cy" / "local variance (1).ipynb").write_text(json.dumps(renamed))
    found = asg.find_submissions(tmp_path, {"03-local-variance"})
    assert [(s, n) for s, n, _ in found] == [
        ("ann", "03-local-variance"),
        ("bo", "03-local-variance"),
        ("cy", "03-local-variance"),
    ]
    out = capsys.readouterr().out
    assert "stray.ipynb" in out and "unknown is not one of the assignments" in out


def test_summarize_counts_full_marks_and_the_commonest_failure():
    rows = [
        {"student": s, "notebook": "n", "exercise": "ex", "points": p, "max_points": 2, "message": m}
        for s, p, m in [("a", 2.0, ""), ("b", 0.0, "boom"), ("c", 0.0, "boom"), ("d", 0.0, "other")]
    ]
    (s,) = asg.summarize(rows)
    assert (s["submissions"], s["full_marks"], s["mean_points"], s["commonest_failure"]) == (
        4,
        1,
        0.5,
        "boom",
    )


@pytest.mark.parametrize(
    "option, message",
    [
        (["--timeout", "0"], "--timeout must be a positive number of seconds; got 0"),
        (["--timeout", "nan"], "--timeout must be a positive number of seconds; got nan"),
        (["--jobs", "0"], "--jobs must be at least 1; got 0"),
    ],
)
def test_grade_command_refuses_bad_options(tmp_path, capsys, option, message):
    with pytest.raises(SystemExit):
        asg.main(["grade", str(tmp_path), *option])
    assert message in capsys.readouterr().err


def test_build_refuses_to_write_into_the_book(tmp_path):
    with pytest.raises(ValueError, match="outside the book"):
        asg.build(ROOT / "book" / "assignments")


def test_grade_command_refuses_a_missing_folder_and_missing_assignments(tmp_path, capsys):
    with pytest.raises(SystemExit):
        asg.main(["grade", str(tmp_path / "nope"), "--assignments", str(tmp_path)])
    assert "SUBMISSIONS must be a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        asg.main(["grade", str(tmp_path), "--assignments", str(tmp_path)])
    assert "run `make assignments` first" in capsys.readouterr().err


# ---------------------------------------------------------------- the book's exercises


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix())
def test_graded_exercises_follow_the_format(nb_path):
    nb = json.loads(nb_path.read_text())
    exercises = asg.graded_exercises(nb["cells"])  # complete: solution, public, hidden, points
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    student = strip_solutions(nb["cells"])
    kept = {id(c) for c in student}
    for label, entry in exercises.items():
        assert f":label: {label}\n" in text, f"{label} has no exercise directive"
        assert id(entry["solution"]) not in kept, f"{label}: the solution cell is outside its solution block"
        order = [id(c) for c in nb["cells"]]
        for cell in entry["public"] + entry["hidden"]:
            # the build takes the checks wherever they are; they only have to follow the solution
            assert order.index(id(cell)) > order.index(id(entry["solution"])), f"{label}: check first"
            assert "remove-cell" in cell["metadata"].get("tags", []), f"{label}: test cell not remove-cell"
        asg.mark_function_bodies("".join(entry["solution"]["source"]))  # only imports and functions
    if exercises:
        master, _ = asg.master_notebook(nb, nb_path.stem)
        assert sum("# BEGIN QUESTION" in "".join(c["source"]) for c in master["cells"]) == len(exercises)


def _names(tree: ast.AST, ctx: type) -> set[str]:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}
    if ctx is ast.Store:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
    return names


def names_checks_lack(cells: list[dict]) -> dict[str, set[str]]:
    """Per exercise, the names its checks read that neither the lesson's cells (what the student
    notebook keeps) nor the exercise's own solution and checks define."""
    import builtins

    exercises = asg.graded_exercises(cells)
    checks = {id(c) for e in exercises.values() for c in e["public"] + e["hidden"]}
    lesson = [c for c in strip_solutions(cells) if c["cell_type"] == "code" and id(c) not in checks]
    available = set(dir(builtins)).union(
        *(_names(ast.parse("".join(c["source"])), ast.Store) for c in lesson)
    )
    lacking = {}
    for label, entry in exercises.items():
        trees = [
            ast.parse("".join(c["source"])) for c in [entry["solution"], *entry["public"], *entry["hidden"]]
        ]
        own = set().union(*(_names(t, ast.Store) for t in trees))
        read = set().union(*(_names(t, ast.Load) for t in trees[1:]))
        if read - own - available:
            lacking[label] = read - own - available
    return lacking


def _top_level_bindings(tree: ast.Module) -> set[str]:
    """Names a cell binds in the notebook's namespace (not inside its functions; not imports)."""
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    for statement in tree.body:
        if not isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names |= {
                n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return names


def names_solutions_rebind(cells: list[dict]) -> dict[str, set[str]]:
    """Per exercise, the names its checks read that a worked solution (removed from the student
    notebook) binds before the checks: in the book the check sees the solution's value, in a
    graded student notebook it sees another one."""
    exercises = asg.graded_exercises(cells)
    kept = {id(c) for c in strip_solutions(cells)}
    rebound = {}
    for label, entry in exercises.items():
        checks = entry["public"] + entry["hidden"]
        first = min(next(i for i, c in enumerate(cells) if c is check) for check in checks)
        removed = [
            c
            for c in cells[:first]
            if c["cell_type"] == "code" and id(c) not in kept and c is not entry["solution"]
        ]
        bound = set().union(*(_top_level_bindings(ast.parse("".join(c["source"]))) for c in removed))
        trees = [ast.parse("".join(c["source"])) for c in checks]
        read = set().union(*(_names(t, ast.Load) for t in trees)) - set().union(
            *(_names(t, ast.Store) for t in trees)
        )
        if read & bound:
            rebound[label] = read & bound
    return rebound


def test_names_checks_lack_finds_a_check_that_reads_a_demonstration():
    assert names_checks_lack(SAMPLE) == {}
    cells = json.loads(json.dumps(SAMPLE))
    cells[4]["source"] = "shown = double(base)"  # the worked solution's demonstration
    cells[6]["source"] = "assert shown == 6"
    assert names_checks_lack(cells) == {"ex-double": {"shown"}}


def test_names_solutions_rebind_finds_a_check_that_sees_a_demonstrations_value():
    assert names_solutions_rebind(SAMPLE) == {}
    cells = json.loads(json.dumps(SAMPLE))
    cells[4]["source"] = "base = 5  # the demonstration changes a lesson variable"
    cells[6]["source"] = "assert double(base) == 10"
    assert names_solutions_rebind(cells) == {"ex-double": {"base"}}


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT / "book").as_posix())
def test_checks_use_only_names_a_student_notebook_defines(nb_path):
    """A check may read names from the lesson's cells and the exercise's own solution, not from a
    worked solution's demonstration or another exercise's checks (neither reaches the grader),
    and a worked solution must not change a name a later check reads."""
    cells = json.loads(nb_path.read_text())["cells"]
    assert names_checks_lack(cells) == {}
    assert names_solutions_rebind(cells) == {}


def graded_per_chapter() -> dict[str, int]:
    return {
        c.name: sum(len(asg.graded_exercises(json.loads(p.read_text())["cells"])) for p in c.glob("*.ipynb"))
        for c in CHAPTERS
    }


def test_exercise_labels_are_unique_across_the_book():
    labels = [label for p in NOTEBOOKS for label in asg.graded_exercises(json.loads(p.read_text())["cells"])]
    assert len(labels) == len(set(labels))
    assert len({p.stem for p in NOTEBOOKS}) == len(NOTEBOOKS), "grading matches submissions by notebook name"


@pytest.mark.skipif(not REQUIRE_THREE_PER_CHAPTER, reason="switched on once every chapter has three")
def test_every_chapter_has_three_graded_exercises():
    short = {name: n for name, n in graded_per_chapter().items() if n < 3}
    assert not short, f"chapters with fewer than 3 graded exercises: {short}"


# ---------------------------------------------------------------- build and grade, end to end


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("assignments")
    asg.build(out, chapters=[GRADED_CHAPTER])
    return out


def _functions(source: str) -> dict[str, tuple]:
    tree = ast.parse(source)
    return {
        n.name: (ast.dump(n.args), ast.get_docstring(n)) for n in tree.body if isinstance(n, ast.FunctionDef)
    }


def test_build_writes_student_notebooks_public_tests_and_autograders(built):
    manifest = json.loads((built / "manifest.json").read_text())
    chapter = ROOT / "book" / GRADED_CHAPTER
    graded = {
        p.stem for p in chapter.glob("*.ipynb") if asg.graded_exercises(json.loads(p.read_text())["cells"])
    }
    assert set(manifest) == graded
    for stem, entry in manifest.items():
        book_nb = json.loads((chapter / f"{stem}.ipynb").read_text())
        exercises = asg.graded_exercises(book_nb["cells"])
        assert entry["exercises"] == {label: e["points"] for label, e in exercises.items()}
        assert (built / entry["autograder"]).is_file()
        student = json.loads((built / GRADED_CHAPTER / "student" / f"{stem}.ipynb").read_text())
        text = "".join("".join(c["source"]) for c in student["cells"])
        assert "{solution" not in text and "BEGIN SOLUTION" not in text
        for label, e in exercises.items():
            solution = "".join(e["solution"]["source"])
            (cell,) = [
                c
                for c in student["cells"]
                if c["cell_type"] == "code"
                and _functions("".join(c["source"])).keys() & _functions(solution).keys()
            ]
            stub = "".join(cell["source"])
            assert _functions(stub) == _functions(solution)  # same signatures and docstrings
            body_lines = [
                ln for ln in stub.splitlines() if ln.strip() and not ln.lstrip().startswith(("def", '"'))
            ]
            assert sum("raise NotImplementedError" in ln for ln in body_lines) == len(_functions(solution))
            assert f'grader.check("{label}")' in text
            tests = (built / GRADED_CHAPTER / "student" / "tests" / f"{label}.py").read_text()
            for c in e["public"]:
                assert repr("".join(c["source"]))[1:-1] in tests
            for c in e["hidden"]:  # the hidden checks reach only the grader
                assert repr("".join(c["source"]))[1:-1] not in tests
                assert "".join(c["source"]) not in text


def test_a_student_runs_the_public_checks_in_the_notebook(built):
    """A student who wrote the solution sees the public check pass in the notebook itself."""
    folder = built / GRADED_CHAPTER / "student"
    path = folder / "04-lines-and-cameras.ipynb"
    nb = nbformat.read(path, as_version=4)
    _fill(nb, SOLVED_HINGE)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    (check,) = [c for c in nb.cells if 'grader.check("ex-s-hinge-rss")' in c.source]
    shown = json.dumps(check.outputs)
    assert "passed" in shown and "failed" not in shown.lower()


SOLVED_HINGE = '''import numpy as np


def hinge_rss(x, y, c):
    """RSS."""
    d = np.asarray(x, dtype=float) - c
    a = np.column_stack([np.ones_like(d), np.minimum(d, 0), np.maximum(d, 0)])
    r = y - a @ np.linalg.lstsq(a, y, rcond=None)[0]
    return float(r @ r)
'''
WRONG_VARIANCE = '''import numpy as np
from scipy import ndimage


def local_variance(image, weights):
    """The classic mistake: convolution (flipped window), no centring."""
    mean = ndimage.convolve(image, weights, mode="nearest")
    return ndimage.convolve(image**2, weights, mode="nearest") - mean**2
'''
HARD_CODED = {  # a function that returns what the visible check compares against
    "local_variance": "import numpy as np\n\n\ndef local_variance(image, weights):\n"
    '    """Hard-coded."""\n    return np.array(direct_var)\n',
    "hinge_rss": 'def hinge_rss(x, y, c):\n    """Hard-coded."""\n'
    "    return float(sg.two_line_rss(x, y, [1990.0])[0])\n",
}
BROKEN_CELL = "1 / 0  # a student's stray cell"
LOOPING = 'def local_variance(image, weights):\n    """Never returns."""\n    while True:\n        pass\n'


def _fill(nb, source: str) -> None:
    """Replace the student's cell that defines the function(s) in ``source``."""
    names = set(_functions(source))
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and set(_functions(c.source)) & names]
    cell.source = source


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory) -> dict[tuple[str, str], dict]:
    subs = tmp_path_factory.mktemp("submissions")
    looping = tmp_path_factory.mktemp("looping")
    chapter = built / GRADED_CHAPTER
    for student in ("full", "untouched", "one_wrong", "hard_coded", "corrupt"):
        (subs / student).mkdir()
    (subs / "corrupt" / "03-local-variance.ipynb").write_text("not a notebook")
    for stem in ("03-local-variance", "04-lines-and-cameras"):
        (subs / "full" / f"{stem}.ipynb").write_text((chapter / "solutions" / f"{stem}.ipynb").read_text())
        (subs / "untouched" / f"{stem}.ipynb").write_text((chapter / "student" / f"{stem}.ipynb").read_text())
    for folder, student, stem, sources in [
        (subs, "one_wrong", "03-local-variance", [WRONG_VARIANCE]),
        (subs, "one_wrong", "04-lines-and-cameras", [SOLVED_HINGE, BROKEN_CELL]),
        (subs, "hard_coded", "03-local-variance", [HARD_CODED["local_variance"]]),
        (subs, "hard_coded", "04-lines-and-cameras", [HARD_CODED["hinge_rss"]]),
        (looping, "a_looping", "03-local-variance", [LOOPING]),
    ]:
        nb = nbformat.read(chapter / "student" / f"{stem}.ipynb", as_version=4)
        for source in sources:
            if source == BROKEN_CELL:  # an error early on does not stop the grading run
                nb.cells.insert(3, nbformat.v4.new_code_cell(source))
            else:
                _fill(nb, source)
        (folder / student).mkdir(exist_ok=True)
        nbformat.write(nb, folder / student / f"{stem}.ipynb")
    outs = [tmp_path_factory.mktemp("grades"), tmp_path_factory.mktemp("grades")]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # the looping one beside the others
        runs = [
            pool.submit(asg.grade, subs, built, outs[0], timeout_s=TIMEOUT_S, jobs=2),
            pool.submit(asg.grade, looping, built, outs[1], timeout_s=LOOP_TIMEOUT_S, jobs=1),
        ]
        for run in runs:
            run.result()
    rows = []
    for out in outs:
        with open(out / "grades.csv") as f:
            rows += list(csv.DictReader(f))
    with open(outs[0] / "summary.csv") as f:
        summary = list(csv.DictReader(f))
    print("\n".join(",".join(r.values()) for r in rows))  # the closing note's grade table (pytest -s)
    return {(r["student"], r["exercise"]): r for r in rows} | {("summary", s["exercise"]): s for s in summary}


def _points(graded, student):
    return {ex: float(r["points"]) for (s, ex), r in graded.items() if s == student}


MAX = {"ex-s-local-variance": 2.0, "ex-s-hinge-rss": 1.0}


def test_the_solution_notebooks_score_full_marks(graded):
    assert _points(graded, "full") == MAX
    assert all(graded[("full", ex)]["message"] == "" for ex in MAX)


def test_untouched_student_notebooks_score_zero_and_say_why(graded):
    assert _points(graded, "untouched") == dict.fromkeys(MAX, 0.0)
    for ex in MAX:
        assert graded[("untouched", ex)]["message"].startswith("NotImplementedError [in: ")


def test_one_wrong_exercise_loses_exactly_its_points(graded):
    """(the other notebook of this student also has a cell that raises: it still scores)"""
    assert _points(graded, "one_wrong") == {"ex-s-local-variance": 0.0, "ex-s-hinge-rss": 1.0}
    message = graded[("one_wrong", "ex-s-local-variance")]["message"]
    assert message.startswith("Not equal to tolerance") and message.endswith(
        "[in: np.testing.assert_allclose(local_variance(img, w), want, rtol=1e-7, atol=1e-7)]"
    )


def test_hard_coding_the_visible_answers_fails_the_hidden_tests(graded):
    assert _points(graded, "hard_coded") == dict.fromkeys(MAX, 0.0)
    for ex in MAX:
        assert graded[("hard_coded", ex)]["message"], "no failing check reported"


def test_a_looping_submission_is_stopped_and_leaves_no_process(graded):
    import psutil

    looping = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if "mlnotes-grade-" in " ".join(p.info["cmdline"] or [])
    ]
    assert not looping, "the looping submission's grader is still running"
    kernels = [
        p for p in psutil.process_iter(["cmdline", "cwd"]) if "ipykernel" in " ".join(p.info["cmdline"] or [])
    ]
    assert not [p.pid for p in kernels if "/autograder/submission" in (p.info["cwd"] or "")], (
        "a kernel survived"
    )
    row = graded[("a_looping", "ex-s-local-variance")]
    assert float(row["points"]) == 0.0
    assert row["message"] == f"stopped after the time limit of {LOOP_TIMEOUT_S} s"


def test_the_summary_counts_submissions_and_full_marks(graded):
    assert graded[("summary", "ex-s-local-variance")]["full_marks"] == "1"  # only "full"
    assert graded[("summary", "ex-s-hinge-rss")]["full_marks"] == "2"  # "full" and "one_wrong"
    assert graded[("summary", "ex-s-local-variance")]["submissions"] == "5"


def test_a_file_that_is_no_notebook_scores_zero_with_a_message(graded):
    row = graded[("corrupt", "ex-s-local-variance")]
    assert float(row["points"]) == 0.0 and row["message"].startswith("the grader failed (exit ")


def test_grade_hands_the_grader_absolute_paths(tmp_path, monkeypatch):
    """`make grade` passes relative folders; the grader runs in a scratch folder, so the paths it
    gets must be absolute (a relative autograder path failed every submission)."""
    (tmp_path / "asg").mkdir()
    manifest = {"nb": {"autograder": "ch/autograder/nb.zip", "exercises": {"ex-a": 1}}}
    (tmp_path / "asg" / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    (tmp_path / "subs" / "ann" / "nb.ipynb").write_text("{}")
    seen = []

    def record(zip_path, submission, timeout):
        seen.append((zip_path, submission))
        return None, "not run"

    monkeypatch.setattr(asg, "_run_one", record)
    monkeypatch.chdir(tmp_path)
    asg.grade(pathlib.Path("subs"), pathlib.Path("asg"), pathlib.Path("out"), 10, 1)
    assert seen and all(p.is_absolute() and s.is_absolute() for p, s in seen), seen
