"""Find assertions on wall-clock timings in the tests and the notebooks.

    python tools/timing_asserts.py        list them; exit 1 if there is any

The book shows timings and never asserts them: a busy laptop or CI runner changes any
time or ratio of times, so such an assert fails for reasons that have nothing to do with
the book. This is a taint analysis over the Python syntax tree of each test module and of
each notebook (its code cells as one module, since they share a namespace):

* a value is *timed* when it comes from a clock or a timer (``time.perf_counter``,
  ``time.time``, ``timeit``, ``mlnotes.timing.best_seconds``, anything called from
  ``benchmarks``), from a function that returns a timed value, or from arithmetic,
  containers, loops and comprehensions over timed values; a subscript with a timing key
  (``"seconds"``, ``"_ms"``, ``"speedup"``, ...) is timed too;
* positions of tuples and keys of dicts are tracked, so that ``elbo, seconds = train()``
  taints ``seconds`` only;
* an ``assert`` statement, or a call of an ``assert*`` function (``np.testing``,
  ``unittest``), that reads a timed value is reported.
"""

from __future__ import annotations

import ast
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLOCKS = {
    "perf_counter",
    "perf_counter_ns",
    "monotonic",
    "monotonic_ns",
    "process_time",
    "process_time_ns",
    "thread_time",
    "best_seconds",
    "timeit",
    "time_ns",
}
TIMING_KEY = re.compile(
    r"(^|_)(ms|us|ns|s|sec|secs|seconds|time|times|timing|timings|speedup|speedups)($|_)", re.IGNORECASE
)
WHOLE = "*"  # the taint of a whole value, as opposed to one position or key of it


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for an attribute chain, ``""`` for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def is_clock(call: ast.Call, bench_names: set[str]) -> bool:
    name = dotted(call.func)
    last = name.rsplit(".", 1)[-1]
    if any(k.arg == "timer" for k in call.keywords):
        return False  # best_seconds(..., timer=fake): a test's own clock, deterministic
    return (
        last in CLOCKS
        or name in ("time.time", "timeit.repeat", "timeit.timeit")
        or name.split(".", 1)[0] in bench_names
    )


class Taint:
    """Timed names of one module: name -> set of positions/keys (``WHOLE`` for all of it)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.names: dict[str, set] = {}
        self.functions: dict[str, set] = {}  # function name -> tainted parts of its return value
        self.bench = {
            alias.asname or alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names
            if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("benchmarks"))
            or alias.name.startswith("benchmarks")
        }

    # What part of an expression's value is timed: a set of positions/keys, WHOLE, or empty.
    def parts(self, node: ast.AST) -> set:
        if isinstance(node, ast.Call):
            if is_clock(node, self.bench):
                return {WHOLE}
            name = dotted(node.func).rsplit(".", 1)[-1]
            if name in ("len", "isinstance", "type", "callable"):
                return set()  # how many timings, or what kind: deterministic
            if name in self.functions:
                return set(self.functions[name])
            # A function of timed values (min, np.median, float, round, ...) is timed.
            args = list(node.args) + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                args.append(node.func.value)
            return {WHOLE} if any(self.timed(a) for a in args) else set()
        if isinstance(node, ast.Name):
            return set(self.names.get(node.id, ()))
        if isinstance(node, ast.Subscript):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if isinstance(key, str) and TIMING_KEY.search(key):
                return {WHOLE}
            base = self.parts(node.value)
            if WHOLE in base or (key is not None and key in base):
                return {WHOLE}
            return set()
        if isinstance(node, ast.Attribute):
            return (
                {WHOLE}
                if TIMING_KEY.search(node.attr)
                and node.attr not in ("time",)
                and self._looks_like_record(node)
                else self.parts(node.value) & {WHOLE}
            )
        if isinstance(node, (ast.Tuple, ast.List)):
            out = {i for i, elt in enumerate(node.elts) if self.timed(elt)}
            return out
        if isinstance(node, ast.Dict):
            return {
                k.value
                for k, v in zip(node.keys, node.values, strict=False)
                if isinstance(k, ast.Constant) and self.timed(v)
            } | (
                {WHOLE}
                if any(k is None and self.timed(v) for k, v in zip(node.keys, node.values, strict=False))
                else set()
            )
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            sources = [g.iter for g in node.generators]
            return {WHOLE} if any(self.timed(n) for n in inner + sources) else set()
        children = list(ast.iter_child_nodes(node))
        return {WHOLE} if any(self.timed(c) for c in children if isinstance(c, ast.expr)) else set()

    def _looks_like_record(self, node: ast.Attribute) -> bool:
        # result.seconds, row.elapsed_time: a field named like a timing on some result object
        return not isinstance(node.value, ast.Name) or node.value.id not in ("time", "timeit")

    def timed(self, node: ast.AST) -> bool:
        return bool(self.parts(node))

    def bind(self, target: ast.AST, parts: set, value: ast.AST | None = None) -> bool:
        """Taint ``target`` with ``parts``; return whether anything changed."""
        if isinstance(target, (ast.Tuple, ast.List)):
            changed = False
            for i, elt in enumerate(target.elts):
                sub = {WHOLE} if (WHOLE in parts or i in parts) else set()
                if isinstance(value, (ast.Tuple, ast.List)) and i < len(value.elts):
                    sub = self.parts(value.elts[i])
                changed |= self.bind(elt, sub)
            return changed
        if isinstance(target, ast.Starred):
            return self.bind(target.value, parts)
        if isinstance(target, ast.Name) and parts:
            old = self.names.setdefault(target.id, set())
            if not parts <= old:
                old |= parts
                return True
        if isinstance(target, (ast.Subscript, ast.Attribute)) and parts:
            base = target.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                key = (
                    target.slice.value
                    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                    else WHOLE
                )
                old = self.names.setdefault(base.id, set())
                new = {key} if base is target.value else {WHOLE}
                if not new <= old:
                    old |= new
                    return True
        return False

    def run(self, body: list[ast.stmt], hits: list[tuple[int, str]]) -> None:
        """Go through ``body`` in order, as it runs, collecting the asserts that read a timed value.

        Order matters: a name rebound to an untimed value is no longer timed, so a notebook
        that reuses ``ours`` for a time and later for a log-likelihood is judged line by line.
        """
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                saved = {k: set(v) for k, v in self.names.items()}
                for arg in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                    self.names.pop(arg.arg, None)
                self.run(node.body, hits)
                returned: set = set()
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Return) and sub.value is not None:
                        returned |= self.parts(sub.value)
                self.names = saved
                if returned:
                    self.functions[node.name] = returned
                else:
                    self.functions.pop(node.name, None)
                continue
            if isinstance(node, ast.ClassDef):
                self.run(node.body, hits)
                continue
            self.check(node, hits)
            if isinstance(node, ast.Assign):
                parts = self.parts(node.value)
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.names[target.id] = set(parts)  # rebinding forgets the old value
                    else:
                        self.bind(target, parts, node.value)
            elif (
                isinstance(node, ast.AnnAssign) and node.value is not None or isinstance(node, ast.AugAssign)
            ):
                self.bind(node.target, self.parts(node.value))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
                for _ in range(2):  # the second pass sees what the first made timed
                    if not isinstance(node, ast.While):
                        self.bind(node.target, {WHOLE} if self.timed(node.iter) else set())
                    self.run(node.body, hits if _ else [])
                self.run(node.orelse, hits)
            elif isinstance(node, (ast.If, ast.With, ast.AsyncWith, ast.Try)):
                for block in ("body", "orelse", "finalbody"):
                    self.run(getattr(node, block, []), hits)
                for handler in getattr(node, "handlers", []):
                    self.run(handler.body, hits)
            for sub in (
                ast.walk(node)
                if not isinstance(node, (ast.For, ast.While, ast.If, ast.With, ast.Try))
                else []
            ):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr in ("append", "extend", "update", "add", "insert", "setdefault")
                    and any(self.timed(a) for a in sub.args)
                ):
                    self.bind(sub.func.value, {WHOLE})
                elif isinstance(sub, ast.NamedExpr):
                    self.bind(sub.target, self.parts(sub.value))

    def check(self, node: ast.stmt, hits: list[tuple[int, str]]) -> None:
        """Record ``node`` if it is, or directly holds, an assertion on a timed value."""
        if isinstance(node, ast.Assert):
            if self.timed(node.test):
                hits.append((node.lineno, ast.unparse(node.test)))
            return
        if isinstance(node, (ast.For, ast.While, ast.If, ast.With, ast.Try, ast.FunctionDef, ast.ClassDef)):
            return  # their bodies are checked statement by statement
        for sub in ast.walk(node):
            is_assert = isinstance(sub, ast.Call) and dotted(sub.func).rsplit(".", 1)[-1].lower().startswith(
                "assert"
            )
            if is_assert and any(self.timed(a) for a in list(sub.args) + [k.value for k in sub.keywords]):
                hits.append((sub.lineno, ast.unparse(sub)))


def find_clock_asserts(code: str) -> list[tuple[int, str]]:
    """Line numbers and text of the assertions in ``code`` that read a timed value."""
    taint = Taint(ast.parse(code))
    taint.run(taint.tree.body, [])  # learn which functions return timed values (late binding)
    taint.names = {}
    hits: list[tuple[int, str]] = []
    taint.run(taint.tree.body, hits)
    return sorted(set(hits))


def notebook_code(path: pathlib.Path) -> str:
    """A notebook's code cells as one module (IPython magics and shell lines dropped)."""
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            text = "".join(cell["source"])
            lines += [ln for ln in text.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return "\n".join(lines) + "\n"


def scan(root: pathlib.Path = ROOT) -> list[str]:
    """Every timing assertion under ``tests/`` and ``book/``, as ``path:line: text``."""
    files = sorted((root / "tests").rglob("*.py")) + sorted(
        p
        for p in (root / "book").rglob("*.ipynb")
        if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
    )
    found = []
    for path in files:
        code = notebook_code(path) if path.suffix == ".ipynb" else path.read_text()
        for line, text in find_clock_asserts(code):
            found.append(f"{path.relative_to(root)}:{line}: {text}")
    return found


def main() -> int:
    found = scan()
    print(*found, sep="\n") if found else None
    print(f"{len(found)} assertion(s) on timings in tests/ and book/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
