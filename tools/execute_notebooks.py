"""Execute the book's notebooks into the execution cache, in parallel, only those that changed.

    python tools/execute_notebooks.py [--jobs N] [--force]   (make book runs it)

Jupyter Book (myst-nb, ``execute_notebooks: cache``) executes a notebook when the cache
holds no record for the notebook's *code*, one after another. Two things are missing for
authors and readers: a change to the package does not re-execute the notebooks that use
it, and a 2-core laptop runs one kernel at a time. This fills the cache before Sphinx
reads it:

* each notebook's key hashes its code cells, every ``mlnotes`` and ``benchmarks`` module it
  imports (directly or through those modules' own imports) and the lock file; a notebook
  is executed when its key changed or the cache has no record for its code, so editing
  ``mlnotes/signal.py`` re-executes the signal notebooks and nothing else;
* notebooks run in ``--jobs`` kernels at once (longest first, from the last run's
  times), each kernel limited to one BLAS/OpenMP/TensorFlow thread so that two kernels
  do not fight over two cores;
* an executed notebook is stored with the same API myst-nb reads it back with, and its
  source is touched, so that an incremental Sphinx build re-reads that page only.

A notebook that fails stops the build with its traceback, as ``raise_on_error`` does.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CACHE = BOOK / "_build" / ".jupyter_cache"
KEYS = CACHE / "mlnotes-keys.json"
MODULE_NAME = re.compile(r"^(mlnotes|benchmarks)(\.[a-z_]\w*)+$")
TIMEOUT = 300  # per cell, as in _config.yml
# One thread per kernel for every runtime that would otherwise take all cores.
ONE_THREAD = dict.fromkeys(
    (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_NUM_INTEROP_THREADS",
    ),
    "1",
)


def notebooks() -> list[pathlib.Path]:
    return sorted(
        p for p in BOOK.rglob("*.ipynb") if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
    )


def imported_modules(code: str, package: str | None = None) -> set[str]:
    """The ``mlnotes.*`` and ``benchmarks.*`` modules that ``code`` imports (by dotted name)."""
    found: set[str] = set()
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_NAME.match(node.value):
            found.add(node.value)  # importlib.import_module("benchmarks.savgol")
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and package:  # relative import inside the package
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # from mlnotes import signal
    return {m for m in found if m.split(".")[0] in ("mlnotes", "benchmarks")}


def module_file(name: str) -> pathlib.Path | None:
    path = ROOT / pathlib.Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def dependencies(code: str) -> list[pathlib.Path]:
    """Every package file the code depends on, following the package's own imports."""
    seen: dict[str, pathlib.Path] = {}
    todo = list(imported_modules(code)) + ["mlnotes"]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c imports a and a.b too
            sub = ".".join(parts[:i])
            path = module_file(sub)
            if sub in seen or path is None:
                continue
            seen[sub] = path
            package = sub if path.name == "__init__.py" else ".".join(sub.split(".")[:-1])
            todo += imported_modules(path.read_text(), package)
    return sorted(set(seen.values()))


def notebook_code(path: pathlib.Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and not "".join(c["source"]).lstrip().startswith(("%", "!"))
    )


def key(path: pathlib.Path) -> str:
    """What the notebook's outputs depend on: itself, the modules it uses, the environment."""
    code = notebook_code(path)
    digest = hashlib.sha256(code.encode() + b"\0")  # prose edits need no new outputs
    for file in [*dependencies(code), ROOT / "requirements" / "lock.txt"]:
        digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _execute(path: str) -> tuple[str, dict, float, str | None]:
    """Run one notebook in a fresh kernel (in a worker process); return it executed."""
    import tempfile

    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution
    from jupyter_client.manager import KernelManager

    nb = nbformat.read(path, as_version=4)
    # Local sockets (IPC) instead of TCP: the kernel is reachable only on this machine, and
    # ipykernel no longer warns on every start that TCP is unencrypted. The sockets live in a
    # scratch folder, not beside the notebook.
    with tempfile.TemporaryDirectory(prefix="mlnotes-kernel-") as sockets:
        name = nb.metadata.get("kernelspec", {}).get("name", "python3")
        km = KernelManager(kernel_name=name, transport="ipc", ip=os.path.join(sockets, "k"))
        try:
            result = single_nb_execution(
                nb, cwd=str(pathlib.Path(path).parent), timeout=TIMEOUT, allow_errors=False, km=km
            )
        finally:  # a kernel manager passed in is ours to shut down
            if km.has_kernel:
                km.shutdown_kernel()
    return path, result.nb, result.time, result.exc_string


def run(jobs: int, force: bool = False) -> int:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(CACHE))
    state = json.loads(KEYS.read_text()) if KEYS.exists() else {}
    todo = []
    for path in notebooks():
        rel = path.relative_to(ROOT).as_posix()
        current = key(path)
        cached = True
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            cached = False
        if force or not cached or state.get(rel, {}).get("key") != current:
            todo.append((state.get(rel, {}).get("seconds", 60.0), rel, current))
    print(f"execute: {len(todo)} of {len(notebooks())} notebooks changed; {jobs} kernel(s) at once")
    if not todo:
        return 0
    os.environ.update(ONE_THREAD)  # inherited by the kernels the workers start
    todo.sort(reverse=True)  # longest first: the last one to finish is a short one
    failed = []
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_execute, str(ROOT / rel)): (rel, k) for _, rel, k in todo}
        for future in concurrent.futures.as_completed(futures):
            rel, current = futures[future]
            path, nb, seconds, error = future.result()
            if error:
                failed.append(rel)
                print(f"FAILED {rel} after {seconds:.1f} s\n{error}", file=sys.stderr)
                state.pop(rel, None)
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(nb, path, data={"execution_seconds": seconds}),
                check_validity=False,
                overwrite=True,
            )
            pathlib.Path(path).touch()  # Sphinx re-reads the page whose outputs changed
            state[rel] = {"key": current, "seconds": round(seconds, 1)}
            KEYS.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
            print(f"  {seconds:6.1f} s  {rel}")
    print(f"execute: done in {time.perf_counter() - started:.1f} s")
    if failed:
        print("execute: failed:", *failed, file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="kernels at once (default: cores)"
    )
    parser.add_argument("--force", action="store_true", help="execute every notebook")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    return run(max(1, args.jobs), args.force)


if __name__ == "__main__":
    sys.exit(main())
