"""Autograded assignments from the book's notebooks, and grading of the submissions (otter-grader).

    python tools/assignments.py build [OUT]                  (make assignments)
    python tools/assignments.py grade SUBMISSIONS [--assignments OUT] [--out grades]   (make grade)

The book's notebooks are the single source. An exercise is graded when its solution block
holds one code cell with metadata ``"mlnotes_grade": {"exercise": label, "role":
"solution", "points": n}`` (imports and top-level functions with docstrings only), followed
by ``remove-cell`` test cells with roles ``"public"`` and ``"hidden"``. ``build`` turns each
notebook with such exercises into an Otter Assign master notebook and runs ``otter assign``
on it, which writes per chapter (``OUT/<chapter>/``):

- ``student/<notebook>.ipynb``: the student edition (worked solutions removed, the graded
  functions' bodies replaced by ``raise NotImplementedError``, a ``grader.check`` cell per
  exercise) and ``student/tests/`` with the public tests only; notebooks without graded
  exercises are copied without their solutions;
- ``autograder/<notebook>.zip``: what ``otter run`` grades with (public and hidden tests);
- ``solutions/<notebook>.ipynb``: the graded functions with their solutions, for the teacher.

An exercise's points are all or nothing: the hidden test reruns the public checks, then its
own (other inputs), and carries all the points; the public test carries none.

``grade`` grades every ``*.ipynb`` under SUBMISSIONS (``SUBMISSIONS/<student>/<notebook>.ipynb``,
or ``SUBMISSIONS/<student>__<notebook>.ipynb``), each in its own process and kernel under a time
limit, so that a looping or broken submission costs only its own points, and writes
``grades.csv`` (one row per student and exercise) and ``summary.csv`` (per exercise: how
many got it), and prints the summary.
"""

from __future__ import annotations

import argparse
import ast
import collections
import concurrent.futures
import contextlib
import copy
import csv
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools.execute_notebooks import ONE_THREAD  # noqa: E402
from tools.student_edition import strip_solutions  # noqa: E402

GRADE_KEY = "mlnotes_grade"
PROMPT = "raise NotImplementedError"
DEFAULT_TIMEOUT_S = 600
CONFIG = """# ASSIGNMENT CONFIG
name: {name}
init_cell: true
check_all_cell: false
export_cell: false
run_tests: false
solutions_pdf: false
template_pdf: false
tests:
  files: true
  ok_format: false
generate:
  pdf: false
  show_stdout: true
  show_hidden: true
"""
# A test cell of the book becomes an Otter test case: a function that runs the cell's code
# in a copy of the notebook's namespace and reports the failing line with the error.
TEST_FUNCTION = '''\
def test_{role}(env):
    """{label}: {role} checks."""
    import ast
    import traceback

    sources = {sources!r}
    namespace = dict(env)  # a copy: the checks run in turn, as the book's cells do
    for number, source in enumerate(sources):
        where = "<{label} check %d>" % number
        try:
            exec(compile(source, where, "exec"), namespace)
        except Exception as error:
            frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == where]
            line = ""
            for node in ast.parse(source).body if frames else []:  # the failing statement, whole
                if node.lineno <= frames[-1].lineno <= node.end_lineno:
                    line = " ".join(ast.get_source_segment(source, node).split())[:200]
            text = " ".join(str(error).split())[:300]  # one line for the grades table
            if isinstance(error, AssertionError) and text:
                message = text
            else:
                message = f"{{type(error).__name__}}: {{text}}" if text else type(error).__name__
            raise AssertionError(f"{{message}} [in: {{line}}]") from None
'''


def _raw(text: str) -> dict:
    return {"cell_type": "raw", "metadata": {}, "source": text}


def _grade(cell: dict) -> dict | None:
    return cell.get("metadata", {}).get(GRADE_KEY)


def graded_exercises(cells: list[dict]) -> dict[str, dict]:
    """Map each graded exercise's label to its solution cell, points and test cells.

    Raises ValueError when an exercise lacks its solution, its public or its hidden test,
    has two solution cells, or its points are not a positive integer.
    """
    found: dict[str, dict] = {}
    for cell in cells:
        meta = _grade(cell)
        if meta is None:
            continue
        label, role = meta.get("exercise"), meta.get("role")
        entry = found.setdefault(label, {"solution": None, "points": None, "public": [], "hidden": []})
        if cell["cell_type"] != "code":
            raise ValueError(f"{label}: a {role!r} cell must be a code cell, got {cell['cell_type']}")
        if role == "solution":
            if entry["solution"] is not None:
                raise ValueError(f"{label}: two solution cells")
            points = meta.get("points")
            if not isinstance(points, int) or isinstance(points, bool) or points < 1:
                raise ValueError(f"{label}: points must be a positive integer, got {points!r}")
            entry["solution"], entry["points"] = cell, points
        elif role in ("public", "hidden"):
            entry[role].append(cell)
        else:
            raise ValueError(f"{label}: role must be 'solution', 'public' or 'hidden', got {role!r}")
    for label, entry in found.items():
        for part in ("solution", "public", "hidden"):
            if not entry[part]:
                raise ValueError(f"{label}: no {part} cell")
    return found


def mark_function_bodies(source: str) -> str:
    """Wrap each top-level function's body (after its docstring) in Otter solution markers.

    The solution cell may hold only imports and function definitions with docstrings; the
    student edition keeps the signature and docstring and gets ``raise NotImplementedError``.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    inserts: list[tuple[int, int, str]] = []  # (first body line, last body line, indent), 1-based
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if not isinstance(node, ast.FunctionDef):
            raise ValueError(
                f"a graded solution cell may hold only imports and functions; line {node.lineno}"
            )
        doc = node.body[0]
        if not (
            isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            raise ValueError(f"function {node.name} has no docstring")
        if len(node.body) < 2:
            raise ValueError(f"function {node.name} has no body after its docstring")
        first = node.body[1]
        indent = lines[first.lineno - 1][: first.col_offset]
        inserts.append((doc.end_lineno + 1, node.end_lineno, indent))
    for start, end, indent in reversed(inserts):
        lines[end:end] = [f"{indent}# END SOLUTION"]
        lines[start - 1 : start - 1] = [f"{indent}# BEGIN SOLUTION"]
    return "\n".join(lines)


def otter_test_cell(label: str, role: str, sources: list[str], points: int) -> dict:
    """An Otter test case (a function of the notebook's namespace) running ``sources`` in turn."""
    hidden = str(role == "hidden").lower()
    config = f'""" # BEGIN TEST CONFIG\nhidden: {hidden}\npoints: {points}\n""" # END TEST CONFIG\n'
    body = TEST_FUNCTION.format(role=role, label=label, sources=sources)
    return {
        "cell_type": "code",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": config + body,
    }


def master_notebook(nb: dict, name: str) -> tuple[dict, dict[str, int]]:
    """Return the Otter Assign master notebook for a book notebook, and its exercises' points."""
    exercises = graded_exercises(nb["cells"])
    keep = {id(e["solution"]) for e in exercises.values()}
    cells = strip_solutions(nb["cells"], keep=lambda cell: id(cell) in keep)
    out: list[dict] = [_raw(CONFIG.format(name=name))]
    by_solution = {id(e["solution"]): (label, e) for label, e in exercises.items()}
    for cell in cells:
        meta = _grade(cell)
        if meta is not None and meta.get("role") in ("public", "hidden"):
            continue  # moved into their question below
        if id(cell) not in by_solution:
            out.append(cell)
            continue
        label, entry = by_solution[id(cell)]
        source = "".join(cell["source"])
        public = ["".join(c["source"]) for c in entry["public"]]
        hidden = public + ["".join(c["source"]) for c in entry["hidden"]]
        solution = {**cell, "metadata": {}, "source": mark_function_bodies(source)}
        out += [
            _raw(f"# BEGIN QUESTION\nname: {label}\npoints: {entry['points']}"),
            _raw("# BEGIN SOLUTION"),
            solution,
            _raw("# END SOLUTION"),
            _raw("# BEGIN TESTS"),
            otter_test_cell(label, "public", public, 0),
            otter_test_cell(label, "hidden", hidden, entry["points"]),
            _raw("# END TESTS"),
            _raw("# END QUESTION"),
        ]
    master = copy.deepcopy({**nb, "cells": out})
    for cell in master["cells"]:
        cell.pop("id", None)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    master["nbformat_minor"] = 4  # cells without ids
    return master, {label: e["points"] for label, e in exercises.items()}


def _otter_assign(master_path: pathlib.Path, result: pathlib.Path) -> None:
    """Run Otter Assign in this process, with ``raise NotImplementedError`` as the body prompt."""
    with warnings.catch_warnings():  # otter imports ipylab, which uses deprecated traitlets
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.assign import main as assign
        from otter.assign import solutions

    saved = solutions.BLOCK_PROMPT
    solutions.BLOCK_PROMPT = PROMPT
    try:
        assign(str(master_path), str(result), no_pdfs=True, no_run_tests=True)
    finally:
        solutions.BLOCK_PROMPT = saved


def build(out: pathlib.Path, book: pathlib.Path = ROOT / "book", chapters: list[str] | None = None) -> dict:
    """Write the assignments of every chapter (or of ``chapters``) into ``out``; return the manifest.

    The manifest (also written to ``out/manifest.json``) maps each graded notebook's name to
    its chapter, autograder zip (relative to ``out``) and exercises with their points.
    """
    if out.resolve() == book.resolve() or book.resolve() in out.resolve().parents:
        raise ValueError("out must be outside the book folder")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    manifest: dict = {}
    folders = sorted(p for p in book.iterdir() if p.is_dir() and p.name[:2].isdigit())
    for chapter in folders:
        if chapters and chapter.name not in chapters:
            continue
        for nb_path in sorted(chapter.glob("*.ipynb")):
            nb = json.loads(nb_path.read_text())
            stem = nb_path.stem
            if not graded_exercises(nb["cells"]):
                student = out / chapter.name / "student" / nb_path.name
                student.parent.mkdir(parents=True, exist_ok=True)
                student.write_text(
                    json.dumps({**nb, "cells": strip_solutions(nb["cells"])}, indent=1, ensure_ascii=False)
                    + "\n"
                )
                continue
            master, points = master_notebook(nb, stem)
            with tempfile.TemporaryDirectory() as tmp:
                master_path = pathlib.Path(tmp) / nb_path.name
                master_path.write_text(json.dumps(master, indent=1, ensure_ascii=False))
                result = pathlib.Path(tmp) / "dist"
                _otter_assign(master_path, result)
                _collect(result, out / chapter.name, nb_path.name)
            manifest[stem] = {
                "chapter": chapter.name,
                "autograder": f"{chapter.name}/autograder/{stem}.zip",
                "exercises": points,
            }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _collect(result: pathlib.Path, chapter_out: pathlib.Path, name: str) -> None:
    stem = pathlib.Path(name).stem
    for part in ("student", "autograder", "solutions"):
        (chapter_out / part).mkdir(parents=True, exist_ok=True)
    shutil.copy(result / "student" / name, chapter_out / "student" / name)
    shutil.copytree(result / "student" / "tests", chapter_out / "student" / "tests", dirs_exist_ok=True)
    shutil.copy(result / "autograder" / name, chapter_out / "solutions" / name)
    (zip_path,) = (result / "autograder").glob("*.zip")
    shutil.copy(zip_path, chapter_out / "autograder" / f"{stem}.zip")


# ---------------------------------------------------------------- grading


def find_submissions(folder: pathlib.Path, notebooks: set[str]) -> list[tuple[str, str, pathlib.Path]]:
    """(student, notebook name, path) for every submitted notebook under ``folder``.

    ``folder/<student>/.../<notebook>.ipynb`` or ``folder/<student>__<notebook>.ipynb``; a
    renamed notebook is recognised by its metadata; other files are reported and skipped.
    """
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(folder)
        if len(rel.parts) > 1:
            student, stem = rel.parts[0], path.stem
        elif "__" in path.stem:
            student, stem = path.stem.split("__", 1)
        else:
            print(f"skipped {rel}: name it <student>/<notebook>.ipynb or <student>__<notebook>.ipynb")
            continue
        if stem not in notebooks:  # renamed by the student: the notebook still says what it is
            stem = _assignment_name(path) or stem
        if stem not in notebooks:
            print(f"skipped {rel}: {stem} is not one of the assignments")
            continue
        found.append((student, stem, path))
    return found


def _assignment_name(path: pathlib.Path) -> str | None:
    """The assignment a student notebook belongs to (Otter Assign writes it into the metadata)."""
    try:
        name = json.loads(path.read_text())["metadata"]["otter"]["assignment_name"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return name if isinstance(name, str) else None


def _run_one(autograder: pathlib.Path, submission: pathlib.Path, timeout_s: float) -> tuple[dict | None, str]:
    """Grade one submission with ``otter run`` in its own process group; (results, error)."""
    with tempfile.TemporaryDirectory(prefix="mlnotes-grade-") as tmp:
        work = pathlib.Path(tmp)
        shutil.copy(submission, work / submission.name)  # a copy: the student's file stays as it is
        cmd = [
            sys.executable,
            "-m",
            "otter",
            "run",
            "-a",
            str(autograder),
            "-o",
            str(work),
            "--no-logo",
            str(work / submission.name),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0", "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
        for name, value in ONE_THREAD.items():  # several submissions at once: one thread each
            env.setdefault(name, value)
        proc = subprocess.Popen(
            cmd,
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            text=True,
        )
        try:
            output, _ = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            proc.communicate()
            return None, f"stopped after the time limit of {timeout_s:g} s"
        results = work / "results.json"
        if proc.returncode != 0 or not results.exists():
            tail = output.strip().splitlines()[-1:] or [""]
            return None, f"the grader failed (exit {proc.returncode}): {tail[0]}"
        return json.loads(results.read_text()), ""


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill ``otter run`` and everything it started: Jupyter starts the kernel in a session of
    its own, so killing the process group alone would leave a looping kernel running."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def _rows(student: str, stem: str, exercises: dict[str, int], results: dict | None, error: str) -> list[dict]:
    by_test = {t.get("name", ""): t for t in (results or {}).get("tests", [])}
    rows = []
    for label, max_points in exercises.items():
        # otter names test results "<question> - <n>"; the hidden test (all the points) is the last
        cases = [t for name, t in by_test.items() if name.split(" - ")[0] == label]
        score = sum(float(t.get("score") or 0) for t in cases)
        failing = [
            t.get("output", "")
            for t in cases
            if float(t.get("score") or 0) < float(t.get("max_score") or 0)
            or "Test case failed" in t.get("output", "")
        ]
        message = error or _failure_message(failing[0] if failing else "")
        if not cases and not error:
            message = "no result for this exercise"
        rows.append(
            {
                "student": student,
                "notebook": stem,
                "exercise": label,
                "points": round(score, 6),
                "max_points": max_points,
                "message": message,
            }
        )
    return rows


def _failure_message(output: str) -> str:
    """The failing check's one-line message from otter's test output."""
    lines = output.strip().splitlines()
    for line in reversed(lines):
        if line.lstrip().startswith("AssertionError: "):
            return line.lstrip().removeprefix("AssertionError: ").strip()
    return lines[-1].strip() if lines else ""


def grade(
    submissions: pathlib.Path,
    assignments: pathlib.Path,
    out: pathlib.Path,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    jobs: int = 1,
) -> list[dict]:
    """Grade every submission; write ``out/grades.csv`` and ``out/summary.csv``; return the rows."""
    assignments = assignments.resolve()  # the grader runs in a scratch folder: relative paths break
    submissions = submissions.resolve()
    manifest = json.loads((assignments / "manifest.json").read_text())
    subs = find_submissions(submissions, set(manifest))
    out.mkdir(parents=True, exist_ok=True)

    def one(item):
        student, stem, path = item
        start = time.perf_counter()
        results, error = _run_one(assignments / manifest[stem]["autograder"], path, timeout_s)
        rows = _rows(student, stem, manifest[stem]["exercises"], results, error)
        for row in rows:  # for the teacher: a slow notebook shows up here (never used in a check)
            row["seconds"] = round(time.perf_counter() - start, 1)
        return rows

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        rows = [row for rows in pool.map(one, subs) for row in rows]
    fields = ["student", "notebook", "exercise", "points", "max_points", "message", "seconds"]
    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    summary = summarize(rows)
    with open(out / "summary.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(summary[0]) if summary else ["exercise"])
        writer.writeheader()
        writer.writerows(summary)
    return rows


def summarize(rows: list[dict]) -> list[dict]:
    """Per exercise: submissions, how many got full marks, mean points, the commonest failure."""
    groups: dict[tuple, list[dict]] = collections.defaultdict(list)
    for row in rows:
        groups[(row["notebook"], row["exercise"])].append(row)
    summary = []
    for (stem, label), group in groups.items():
        full = sum(r["points"] >= r["max_points"] for r in group)
        messages = collections.Counter(r["message"] for r in group if r["message"])
        summary.append(
            {
                "notebook": stem,
                "exercise": label,
                "submissions": len(group),
                "full_marks": full,
                "mean_points": round(sum(r["points"] for r in group) / len(group), 3),
                "max_points": group[0]["max_points"],
                "commonest_failure": messages.most_common(1)[0][0] if messages else "",
            }
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write the assignments (make assignments)")
    b.add_argument("out", nargs="?", default=str(ROOT / "assignments"))
    b.add_argument("--chapter", action="append", help="only this chapter folder (repeatable)")
    g = sub.add_parser("grade", help="grade a folder of submissions (make grade)")
    g.add_argument("submissions")
    g.add_argument("--assignments", default=str(ROOT / "assignments"))
    g.add_argument("--out", default=str(ROOT / "grades"))
    g.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per submission")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    args = parser.parse_args(argv)
    if args.command == "build":
        manifest = build(pathlib.Path(args.out), chapters=args.chapter)
        n = sum(len(m["exercises"]) for m in manifest.values())
        print(f"assignments: {n} graded exercises in {len(manifest)} notebooks, written to {args.out}")
        return 0
    if not args.timeout > 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout:g}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    submissions = pathlib.Path(args.submissions)
    if not submissions.is_dir():
        parser.error(f"SUBMISSIONS must be a folder of notebooks; got {args.submissions!r}")
    if not (pathlib.Path(args.assignments) / "manifest.json").exists():
        parser.error(f"no assignments in {args.assignments}: run `make assignments` first")
    rows = grade(submissions, pathlib.Path(args.assignments), pathlib.Path(args.out), args.timeout, args.jobs)
    print(f"graded {len({(r['student'], r['notebook']) for r in rows})} submissions: {args.out}/grades.csv")
    for s in summarize(rows):
        print(
            f"  {s['exercise']:<28} {s['full_marks']}/{s['submissions']} full marks, "
            f"mean {s['mean_points']}/{s['max_points']}  {s['commonest_failure'][:70]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
