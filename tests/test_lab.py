"""`make lab` as a reader uses it: start it, open a notebook in the JupyterLab page, run every cell
through the user interface, and read the outputs, in headless Chromium (the browser check's tools).

The notebooks are copied to a temporary folder first: JupyterLab saves what it runs, and the book's
notebooks are stored without outputs.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tools.check_html import CHROMIUM_FLAGS, find_chromium

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = [
    "07-signals/03-local-variance.ipynb",  # NumPy and SciPy only
    "02-complex-gradients/01-wirtinger-derivatives.ipynb",
]  # TensorFlow
TOKEN = "mlnotes-lab-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if find_chromium() is None:
        pytest.skip("no Chromium (make test installs it)")
    folder = tmp_path_factory.mktemp("lab")
    for name in NOTEBOOKS:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "book" / name, folder / name)
    port = free_port()
    log = open(folder / "lab.log", "w")  # noqa: SIM115 (the server writes to it until teardown)
    args = f"--port={port} --no-browser --ServerApp.token={TOKEN} --LabApp.news_url=None"
    server = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_DIR={folder}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=5)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail(f"make lab did not start:\n{(folder / 'lab.log').read_text()[-3000:]}")
            time.sleep(1)
    yield base, folder
    os.killpg(server.pid, signal.SIGTERM)  # make and the server it started
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
    log.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all_cells_in_jupyterlab(lab, name):
    from playwright.sync_api import sync_playwright

    base, folder = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(180_000)  # a busy machine: waits are long, never wrong
        # ?reset: a fresh workspace, so the previous test's notebook is not restored in front
        page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}", timeout=300_000)
        shown = ".jp-NotebookPanel:not(.lm-mod-hidden)"
        page.wait_for_selector(f"{shown} .jp-Cell", timeout=300_000)
        # the kernel is ready when the toolbar's status says Idle
        idle = f"{shown} .jp-Notebook-ExecutionIndicator[data-status='idle']"
        page.wait_for_selector(idle, timeout=300_000)
        page.wait_for_timeout(2000)  # the kernel's connection settles after its first idle status
        page.locator(f"{shown} .jp-Cell").first.click()  # the notebook is the active widget
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile("^Run All Cells")).click()
        # JupyterLab renders only the cells in view, so read the results from the saved file:
        # save every few seconds until every code cell has run or one has failed.
        path = folder / name
        deadline = time.monotonic() + 600
        while True:
            page.wait_for_timeout(3000)
            page.keyboard.press("Control+s")
            page.wait_for_timeout(1000)
            nb = json.loads(path.read_text())
            code = [c for c in nb["cells"] if c["cell_type"] == "code"]
            errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
            if errors or all(c.get("execution_count") for c in code) or time.monotonic() > deadline:
                break
        assert not errors, errors[0].get("evalue")
        if not all(c.get("execution_count") for c in code):
            page.screenshot(path=str(folder / "not-run.png"))
        assert all(c.get("execution_count") for c in code), (
            f"not every cell ran; see {folder / 'not-run.png'}"
        )
        stderr = [o for c in code for o in c.get("outputs", []) if o.get("name") == "stderr"]
        assert not stderr, stderr[0]["text"][:200]
        assert sum(len(c.get("outputs", [])) for c in code) > 0
        browser.close()
