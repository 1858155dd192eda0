"""Write (or refresh) the install cell that opens every notebook of the book.

    python tools/install_cell.py          rewrite the cell in every notebook
    python tools/install_cell.py --check  exit 1 if any notebook's cell is missing or stale

A notebook opened on Colab, or anywhere the package is missing, installs the book's own
version of it (distribution ``mlnotes-book``, import name ``mlnotes``; the name
``mlnotes`` on the package index belongs to an unrelated project) with the extras the
notebook needs. Where ``mlnotes`` is importable (``make lab``, nbval, Binder) the cell
does nothing. ``MLNOTES_WHEEL`` points the cell at a local wheel instead of the index,
which is how the tests exercise it. The cell is tagged ``remove-cell``: the HTML book
does not show it.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
DIST = "mlnotes-book"
TAG = "install-mlnotes"
# Which optional dependencies a notebook needs, from what its code imports.
EXTRAS = {
    "tf": re.compile(
        r"\b(tensorflow|keras|tf_env|attention_models|noisy_labels)\b"
        r"|from mlnotes import[^\n]*\b(gradients|vae|wirtinger)\b"
    ),
    "jax": re.compile(r"\b(jax|optax)\b"),
    "gpflow": re.compile(r"\bgpflow\b"),
}


def version() -> str:
    text = (ROOT / "mlnotes" / "__init__.py").read_text()
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def notebooks() -> list[pathlib.Path]:
    return sorted(
        p for p in BOOK.rglob("*.ipynb") if "_build" not in p.parts and ".ipynb_checkpoints" not in p.parts
    )


def extras_for(cells: list[dict]) -> list[str]:
    code = "\n".join(
        "".join(c["source"])
        for c in cells
        if c["cell_type"] == "code" and TAG not in c["metadata"].get("tags", [])
    )
    return [name for name, pattern in EXTRAS.items() if pattern.search(code)]


def cell_source(extras: list[str]) -> str:
    suffix = f"[{','.join(extras)}]" if extras else ""
    wheel = f'f"{{wheel}}{suffix}"' if extras else "wheel"
    return (
        "# Installs the book's package where it is missing (e.g. Colab); a no-op elsewhere.\n"
        "import importlib.util\n"
        "import os\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if importlib.util.find_spec("mlnotes") is None:\n'
        '    wheel = os.environ.get("MLNOTES_WHEEL")  # a local wheel instead of the index\n'
        f'    spec = {wheel} if wheel else "{DIST}{suffix}=={version()}"\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", spec], check=True)\n'
    )


def install_cell(extras: list[str]) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": TAG,
        "metadata": {"tags": [TAG, "remove-cell"]},
        "outputs": [],
        "source": cell_source(extras).splitlines(keepends=True),
    }


def refreshed(cells: list[dict]) -> list[dict]:
    """The cells with exactly one up-to-date install cell right after the title cell."""
    rest = [c for c in cells if TAG not in c.get("metadata", {}).get("tags", [])]
    return rest[:1] + [install_cell(extras_for(rest))] + rest[1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report notebooks whose cell is missing or stale"
    )
    args = parser.parse_args(argv)
    stale = []
    for path in notebooks():
        nb = json.loads(path.read_text())
        new = refreshed(nb["cells"])
        if new != nb["cells"]:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                nb["cells"] = new
                path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    if args.check and stale:
        print("install cell missing or stale (run python tools/install_cell.py):", *stale, sep="\n  ")
        return 1
    print(
        f"install cell {'checked' if args.check else 'written'}: "
        f"{len(notebooks())} notebooks, {len(stale)} changed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
