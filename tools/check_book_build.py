"""Build the book with notebook execution off and warnings as errors.

`make test` runs this before pytest (which executes every notebook through nbval),
so it only checks what Sphinx checks: cross-references, citations, the table of
contents, directives. It builds from scratch into book/_build/check (the browser
check after pytest, and the course-pack test in it, open those pages), so that no
warning is hidden by an incremental build.

Figures are notebook outputs, so with execution off the figures named in cell metadata
(``mystnb.figure.name``, referenced with ``{numref}``) do not exist, and Sphinx reports
their references as undefined labels. Those warnings, and only for names that some cell
really declares, are expected here; `make book` builds with the outputs and resolves them
with warnings as errors.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def figure_names(book: pathlib.Path) -> set[str]:
    """Names of the figures that notebook cells declare in their metadata."""
    names = set()
    for notebook in book.rglob("*.ipynb"):
        if "_build" in notebook.parts:
            continue
        for cell in json.loads(notebook.read_text())["cells"]:
            name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
            if name:
                names.add(name)
    return names


def problems(output: str, figures: set[str]) -> list[str]:
    """The build's warning and error lines, less undefined references to declared figures."""
    found = []
    for line in output.splitlines():
        if "WARNING" not in line and "ERROR" not in line:
            continue
        label = re.search(r"WARNING: undefined label: '([^']+)'", line)
        if label and label.group(1) in figures:
            continue
        found.append(line)
    return found


def main() -> int:
    config = (ROOT / "_config.yml").read_text()
    config, n = re.subn(r"(?m)^(\s*execute_notebooks:).*$", r'\1 "off"', config)
    # local_extensions paths are relative to the config file, which moves to the build folder
    config = config.replace(" book/_ext", f" {ROOT / 'book' / '_ext'}")
    if n != 1:
        print("check_book_build: could not find execute_notebooks in _config.yml", file=sys.stderr)
        return 2
    out = ROOT / "book" / "_build" / "check"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cfg = out / "_config.yml"
    cfg.write_text(config)
    cmd = [
        str(pathlib.Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT / "book"),
        "--config",
        str(cfg),
        "--path-output",
        str(out),
        "--keep-going",
        "-q",
    ]
    result = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
    output = result.stdout + result.stderr
    found = problems(output, figure_names(ROOT / "book"))
    if result.returncode != 0 or found:
        print("\n".join(found) or output)
        print("check_book_build: the book build reported warnings or errors (above)", file=sys.stderr)
        return 1
    print(
        f"check_book_build: the book builds with no warnings (execution off) into {out / '_build' / 'html'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
