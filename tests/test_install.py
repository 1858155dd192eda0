"""The package outside the repository, as a Colab or Binder reader gets it.

The wheel and sdist are built; a fresh virtual environment in a temporary folder gets the
wheel, with no repository on its path; the notebooks' install cell installs it from
``MLNOTES_WHEEL`` and the notebook runs. The dependencies are not downloaded again: the
fresh environment sees the locked ones of ``.venv`` through a ``.pth`` file (which adds no
editable ``mlnotes``: ``.pth`` files in an added folder are not processed), so the test
checks the package and its install path, not the network.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import sysconfig

import pytest

from tools import install_cell

ROOT = pathlib.Path(__file__).resolve().parents[1]
VERSION = re.search(r'^__version__ = "([^"]+)"', (ROOT / "mlnotes" / "__init__.py").read_text(), re.M)[1]
NOTEBOOKS = [
    "07-signals/03-local-variance.ipynb",  # NumPy and SciPy only
    "02-complex-gradients/01-wirtinger-derivatives.ipynb",
]  # TensorFlow (the [tf] extra)


def run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{cmd}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # no isolation: build with .venv's setuptools instead of downloading one
    run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--skip-dependency-check",
            "--outdir",
            str(out),
            str(ROOT),
        ]
    )
    return out


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", str(folder / "env")])
    python = folder / "env" / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    pathlib.Path(site, "locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_wheel_and_sdist_carry_the_one_version(dist):
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert wheel.name == f"mlnotes_book-{VERSION}-py3-none-any.whl"
    assert sdist.name in (f"mlnotes_book-{VERSION}.tar.gz", f"mlnotes-book-{VERSION}.tar.gz")


def test_wheel_installs_and_imports_outside_the_repository(dist, fresh_venv, tmp_path):
    (wheel,) = dist.glob("*.whl")
    code = (
        "import importlib.util, mlnotes; assert importlib.util.find_spec('mlnotes') is not None\n"
        "print(mlnotes.__file__, mlnotes.__version__)"
    )
    found = subprocess.run([str(fresh_venv), "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert found.returncode != 0, "mlnotes importable before the install: the test would prove nothing"
    run([str(fresh_venv), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)])
    where, version = run([str(fresh_venv), "-c", code], cwd=tmp_path).split()
    assert version == VERSION
    assert str(ROOT) not in where and "site-packages" in where


def test_every_extra_resolves_against_the_lock(dist, fresh_venv, tmp_path):
    """Each extra's requirements are met by the locked versions (no other version is needed)."""
    code = """
import importlib.metadata as md, json
from packaging.requirements import Requirement
reqs = [Requirement(r) for r in md.requires("mlnotes-book")]
out = {}
for extra in ("tf", "jax", "gpflow", "book", "test"):
    mine = [r for r in reqs if r.marker and r.marker.evaluate({"extra": extra})]
    out[extra] = [(str(r), md.version(r.name) in r.specifier) for r in mine]
print(json.dumps(out))
"""
    extras = json.loads(run([str(fresh_venv), "-c", code], cwd=tmp_path))
    assert all(extras.values()), extras
    unmet = {e: [r for r, ok in rs if not ok] for e, rs in extras.items() if not all(ok for _, ok in rs)}
    assert not unmet, unmet


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_installs_the_wheel_and_runs(name, dist, tmp_path):
    """A fresh kernel without mlnotes: the install cell installs the wheel, then every cell runs."""
    import nbclient
    import nbformat

    (wheel,) = dist.glob("*.whl")
    env_dir = tmp_path / "env"
    run([sys.executable, "-m", "venv", str(env_dir)])
    python = env_dir / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    pathlib.Path(site, "locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([str(python), "-m", "ipykernel", "install", "--prefix", str(env_dir), "--name", "fresh"])

    notebook = nbformat.read(ROOT / "book" / name, as_version=4)
    first = notebook.cells[1]
    assert install_cell.TAG in first.metadata.get("tags", [])
    assert ("[tf" in first.source) == ("wirtinger" in name)  # the extras the notebook needs
    work = tmp_path / "work"  # the notebook alone: no repository beside it
    work.mkdir()
    env = {
        **os.environ,
        "MLNOTES_WHEEL": str(wheel),
        "JUPYTER_PATH": str(env_dir / "share" / "jupyter"),
        "PIP_NO_INDEX": "1",
        "PYTHONPATH": "",
    }
    old = dict(os.environ)
    os.environ.update(env)  # the kernel inherits it: the install cell reads MLNOTES_WHEEL
    try:
        nbclient.NotebookClient(
            notebook, timeout=300, kernel_name="fresh", resources={"metadata": {"path": str(work)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    where = run([str(python), "-c", "import mlnotes; print(mlnotes.__file__)"], cwd=work).strip()
    assert str(env_dir) in where, where
    errors = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
