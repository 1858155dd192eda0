"""make book's dependency rule (tools/execute_notebooks.py): a notebook is re-executed when its code,
a package module it uses (directly or through the package's own imports) or the lock changes, and
not when anything else changes."""

from __future__ import annotations

import json
import shutil

import pytest

from tools import execute_notebooks as ex


def names(code: str) -> set[str]:
    return {p.relative_to(ex.ROOT).as_posix() for p in ex.dependencies(code)}


def test_a_direct_import_and_what_that_module_imports():
    deps = names("from mlnotes import signal\nimport numpy as np\n")
    assert {"mlnotes/__init__.py", "mlnotes/signal.py", "mlnotes/_checks.py"} <= deps
    assert not {"mlnotes/vae.py", "mlnotes/logistic.py", "mlnotes/tf_env.py"} & deps


def test_every_import_form_is_followed():
    assert "mlnotes/probability.py" in names("import mlnotes.probability as p")
    assert "mlnotes/probability.py" in names("from mlnotes.probability import softmax")
    assert "benchmarks/savgol.py" in names('import importlib\nimportlib.import_module("benchmarks.savgol")')


def test_a_module_that_imports_tensorflow_brings_tf_env():
    assert "mlnotes/tf_env.py" in names("from mlnotes import vae")


@pytest.fixture
def copy_of_repo(tmp_path, monkeypatch):
    """A throw-away copy of the package, the benchmarks and two notebooks, as ex.ROOT."""
    root = tmp_path / "repo"
    shutil.copytree(ex.ROOT / "mlnotes", root / "mlnotes", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ex.ROOT / "benchmarks", root / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "requirements").mkdir()
    shutil.copy(ex.ROOT / "requirements" / "lock.txt", root / "requirements" / "lock.txt")
    (root / "book").mkdir()
    for name, code in [
        ("uses_signal", "from mlnotes import signal"),
        ("uses_vae", "from mlnotes import vae"),
    ]:
        cells = [
            {"cell_type": "markdown", "source": ["# A notebook\n"]},
            {"cell_type": "code", "source": [code + "\n"]},
        ]
        (root / "book" / f"{name}.ipynb").write_text(json.dumps({"cells": cells}))
    monkeypatch.setattr(ex, "ROOT", root)
    monkeypatch.setattr(ex, "BOOK", root / "book")
    return root


def keys(root):
    return {p.stem: ex.key(p) for p in sorted((root / "book").glob("*.ipynb"))}


def test_editing_a_module_changes_only_the_keys_of_notebooks_that_use_it(copy_of_repo):
    before = keys(copy_of_repo)
    with open(copy_of_repo / "mlnotes" / "signal.py", "a") as f:
        f.write("\n# an edit\n")
    after = keys(copy_of_repo)
    assert after["uses_signal"] != before["uses_signal"]
    assert after["uses_vae"] == before["uses_vae"]


def test_a_module_both_use_changes_both(copy_of_repo):
    before = keys(copy_of_repo)
    with open(copy_of_repo / "mlnotes" / "_checks.py", "a") as f:
        f.write("\n# an edit\n")
    after = keys(copy_of_repo)
    assert all(after[k] != before[k] for k in before)


def test_prose_edits_keep_the_key_and_code_edits_change_it(copy_of_repo):
    path = copy_of_repo / "book" / "uses_signal.ipynb"
    before = ex.key(path)
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = ["# A retitled notebook\n"]
    path.write_text(json.dumps(nb))
    assert ex.key(path) == before
    nb["cells"][1]["source"] = ["from mlnotes import signal\nx = 1\n"]
    path.write_text(json.dumps(nb))
    assert ex.key(path) != before


def test_the_lock_is_part_of_every_key(copy_of_repo):
    before = keys(copy_of_repo)
    with open(copy_of_repo / "requirements" / "lock.txt", "a") as f:
        f.write("# a new pin\n")
    after = keys(copy_of_repo)
    assert all(after[k] != before[k] for k in before)
