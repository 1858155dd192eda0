"""Open every page of a built book in headless Chromium and check what a reader would see.

    python tools/check_html.py book/_build/html

For each page: no console errors and no uncaught page errors; every image loaded;
where the page has mathematics, MathJax typeset it (``mjx-container`` elements, no raw
``$$`` left); no Markdown table left unrendered (a notebook's Markdown output shown as
``| a | b |`` text); no display equation wider than the text column at a laptop's window
size (it would be cut off behind a scroll bar); no cell output on stderr (a warning or a log
line that reached the reader); notebook pages show the launch and download buttons; an axe-core
accessibility scan (WCAG 2.1 A and AA rules; colour contrast on one element of each distinct
look) finds no serious or critical violation (minor and moderate ones are listed); at a 320 px
wide window (a 1280 px screen at 400% zoom, WCAG's reflow criterion) the page does not scroll
sideways (code and equations may scroll inside their own box). The search page must return
results for a word the book contains.

``--jobs`` browsers check pages at once (default: the cores, at most 4). ``--full-contrast``
runs the colour-contrast rule on every text element (slower; it finds the same looks).
``--changed`` checks only the pages written since the last successful check (``make book``
does that; ``make book CHECK=all`` and ``make test`` check every page). Pages are served from 127.0.0.1
only; Chromium runs with the flags a closed network needs (no background
networking, no component updates, no sync), so it makes no outside connections.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import http.server
import os
import pathlib
import queue
import re
import shutil
import sys
import threading

CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # otherwise Chromium keeps dialling Google's services
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SKIP = {"genindex.html", "search.html"}
MATHJAX_TIMEOUT_MS = 60_000  # a loaded CI machine can take a while to typeset a long page
VIEWPORT = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}  # 1280 px at 400% zoom
STAMP = ".checked"  # in the HTML folder: when the last check passed
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_FAIL = {"serious", "critical"}
# The page itself scrolls sideways: an element sticks out of the viewport, other than the
# boxes that scroll on their own (code, equations, tables, output areas).
SIDEWAYS = """() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w + 1) return [];
  const own = "pre, .highlight, mjx-container, .MathJax, table, .cell_output, .output, " +
              ".table-wrapper, .math, svg";
  return Array.from(document.querySelectorAll("main *"))
    .filter(e => !e.closest(own) && e.getBoundingClientRect().right > w + 1 && e.offsetParent !== null)
    .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + "." + String(e.className).split(" ")[0]);
}"""  # a laptop's browser window: the page shows its table of contents
# typeset display equations whose content is wider than the space the page gives them
WIDE_EQUATIONS = """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
  .filter(m => m.scrollWidth > m.clientWidth + 1)
  .map(m => m.textContent.slice(0, 50))"""
# the separator row of a pipe table, as text: the table was not rendered
RAW_TABLE = re.compile(r"\|\s*:?(-{3,}|—):?\s*\|")
# the page's prose and outputs, without code listings (which may show table syntax on purpose)
TEXT_WITHOUT_CODE = """() => {
  const main = document.querySelector("main").cloneNode(true);
  main.querySelectorAll("pre, code").forEach(e => e.remove());
  return main.innerText;
}"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def serve(root: pathlib.Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the browser closing a connection early is not a problem of the page

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def check_page(page, url: str, is_notebook: bool) -> list[str]:
    problems: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"HTTP {r.status} for {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(url, wait_until="load", timeout=30_000)
    has_math = page.locator(".math").count() > 0
    if has_math:
        try:  # MathJax 3 resolves startup.promise once the first typesetting pass is done
            page.wait_for_function(
                "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=MATHJAX_TIMEOUT_MS
            )
            page.evaluate("MathJax.startup.promise")
        except Exception as exc:
            problems.append(f"MathJax did not start: {exc}")
        if page.locator("mjx-container").count() == 0:
            problems.append("mathematics was not typeset (no mjx-container)")
        main_text = page.locator("main").inner_text()
        if "$$" in main_text:
            problems.append("raw $$ left in the page text")
    problems += [
        f"display equation wider than the text column: {text}..." for text in page.evaluate(WIDE_EQUATIONS)
    ]
    for text in page.locator(".output.stderr").all_inner_texts():
        problems.append(f"stderr output shown to the reader: {text.strip()[:80]}")
    if RAW_TABLE.search(page.evaluate(TEXT_WITHOUT_CODE)):
        problems.append("a Markdown table was not rendered (raw | --- | text)")
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    problems += [f"image did not load: {src}" for src in broken]
    if is_notebook:
        for what, selector in [
            ("launch", ".dropdown-launch-buttons"),
            ("download", ".dropdown-download-buttons"),
        ]:
            if page.locator(selector).count() == 0:
                problems.append(f"no {what} button")
    problems += [f"console error: {e}" for e in errors]
    return problems


# Colour contrast is axe's costliest rule by far (about 2.6 of the 3.4 s axe spends on a long
# notebook page): it works out the colours behind each of several thousand text elements, most
# of them code tokens and glyphs that look exactly like a hundred others. Elements that look the
# same (text colour, size, weight, shadow, visibility, whether a scrolling box cuts them off, and
# every background, opacity and filter behind them) have the same contrast, so the rule runs on
# the first element of each look, which this marks ``data-contrast-sample``; every other rule
# runs on every element.
MARK_CONTRAST_SAMPLES = """() => {
  const opaque = c => c.startsWith("rgb(");  // computed colours: rgb(...) or rgba(..., alpha < 1)
  const memo = (f) => { const m = new Map(); return el => {
    if (!el) return "";
    if (!m.has(el)) m.set(el, f(el, getComputedStyle(el)));
    return m.get(el);
  }; };
  // above an opaque background only opacity, filters and blending still change what is seen
  const above = memo((el, s) =>
    [s.opacity, s.filter, s.mixBlendMode].join(" ") + "|" + above(el.parentElement));
  const behind = memo((el, s) =>
    [s.backgroundColor, s.backgroundImage, s.opacity, s.filter, s.mixBlendMode, s.position, s.clip,
     s.clipPath].join(" ") +
    (opaque(s.backgroundColor) && s.backgroundImage === "none" ? "|" + above(el.parentElement)
                                                                 : "/" + behind(el.parentElement)));
  const cutOff = el => {  // partly hidden by a box that scrolls or clips
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflow === "visible") continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left || r.right > b.right || r.top < b.top || r.bottom > b.bottom) return true;
    }
    return false;
  };
  const seen = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.data.trim())) continue;
    const s = getComputedStyle(el);
    const visible = el.checkVisibility({opacityProperty: true, visibilityProperty: true});
    const look = [s.color, s.webkitTextFillColor, s.fontSize, s.fontWeight, s.textShadow, visible,
                  visible && cutOff(el), behind(el)].join(";");
    if (!seen.has(look)) { seen.add(look); el.setAttribute("data-contrast-sample", ""); }
  }
  axe.configure({rules: [{id: "color-contrast", selector: "[data-contrast-sample]"}]});
  return seen.size;
}"""


def accessibility(page, axe_script: str, *, sample_contrast: bool = True) -> tuple[list[str], list[str]]:
    """axe-core's violations on the loaded page: (serious or critical, minor or moderate).

    Every rule of ``AXE_TAGS`` runs on every element, except colour contrast, which runs on one
    element of each look (``MARK_CONTRAST_SAMPLES``) unless ``sample_contrast`` is false.
    """
    page.evaluate(axe_script)
    if sample_contrast:
        page.evaluate(MARK_CONTRAST_SAMPLES)
    # resultTypes: only violations carry every node back (passes are the bulk of the report)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = page.evaluate("options => axe.run(document, options)", options)
    failing, listed = [], []
    for violation in results["violations"]:
        where = ", ".join(str(n["target"][0]) for n in violation["nodes"][:2])
        count = len(violation["nodes"])
        looks = sample_contrast and violation["id"] == "color-contrast"
        many = f"{count} look(s)" if looks else f"{count}x"
        line = f"axe {violation['impact']} {violation['id']} ({many}, e.g. {where}): {violation['help']}"
        (failing if violation["impact"] in AXE_FAIL else listed).append(line)
    return failing, listed


def reflow(page) -> list[str]:
    """Problems at a 320 px wide window: the page must not scroll sideways."""
    page.set_viewport_size(NARROW)  # the page lays itself out again; no reload (MathJax is costly)
    page.wait_for_timeout(200)
    return [
        f"at 320 px wide the page scrolls sideways (e.g. {', '.join(culprits)})"
        for culprits in [page.evaluate(SIDEWAYS)]
        if culprits
    ]


def _check_one(
    page, axe_script: str, root: pathlib.Path, base: str, rel: str, sample: bool
) -> tuple[list[str], list[str]]:
    """(problems, listed axe notes) of one page."""
    if rel == "index.html":  # Jupyter Book's root page only redirects to the first chapter
        page.goto(f"{base}/{rel}", timeout=30_000)
        try:
            page.wait_for_url(lambda url: not url.endswith("/index.html"), timeout=30_000)
        except Exception:
            return ["the root index.html does not redirect"], []
        return [], []
    is_notebook = (root / "_sources" / rel).with_suffix(".ipynb").exists()
    problems = check_page(page, f"{base}/{rel}", is_notebook)
    failing, listed = accessibility(page, axe_script, sample_contrast=sample)
    return problems + failing + reflow(page), listed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=pathlib.Path, help="the built HTML folder")
    parser.add_argument("--search-word", default="gradient")
    parser.add_argument(
        "--changed", action="store_true", help="only pages written since the last passing check"
    )
    parser.add_argument("--only", default="", help="only pages whose path contains this text")
    parser.add_argument(
        "--full-contrast",
        action="store_true",
        help="colour contrast on every text element, not one of each look (slower)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="browsers at once (default: cores, at most 4)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    root = args.html.resolve()
    if not (root / "index.html").exists():
        print(f"check_html: {root} has no index.html; build the book first", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if chromium is None:
        print("check_html: no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe_script = Axe().axe_script  # axe-core, as the package ships it

    pages = sorted(
        p
        for p in root.rglob("*.html")
        if p.name not in SKIP and not {"_static", "_sources", "_images"} & set(p.relative_to(root).parts)
    )
    pages = [p for p in pages if args.only in p.relative_to(root).as_posix()]
    stamp = root / STAMP
    if args.changed and stamp.exists():
        since = stamp.stat().st_mtime
        pages = [p for p in pages if p.stat().st_mtime > since]
        if not pages:
            print("check_html: no page changed since the last check")
            return 0
    server, base = serve(root)
    failures: dict[str, list[str]] = {}
    notes: dict[str, list[str]] = {}
    # Each worker drives a browser of its own (a renderer process each): axe-core's scan is
    # single-threaded and takes most of the time, so two browsers use both cores of a laptop.
    todo: queue.SimpleQueue[pathlib.Path] = queue.SimpleQueue()
    for path in sorted(pages, key=lambda p: -p.stat().st_size):  # longest first
        todo.put(path)

    def worker(first: bool) -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    break
                rel = path.relative_to(root).as_posix()
                page = browser.new_page(viewport=VIEWPORT)
                try:
                    problems, listed = _check_one(page, axe_script, root, base, rel, not args.full_contrast)
                finally:
                    page.close()
                if problems:
                    failures[rel] = problems
                if listed:
                    notes[rel] = listed
            if first:  # the search page, once
                page = browser.new_page()
                page.goto(f"{base}/search.html?q={args.search_word}", wait_until="load", timeout=30_000)
                try:
                    page.wait_for_selector("#search-results li, ul.search li", timeout=20_000)
                except Exception:
                    failures["search.html"] = [f"no search results for {args.search_word!r}"]
            browser.close()

    jobs = min(args.jobs, len(pages) or 1)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            for future in [pool.submit(worker, i == 0) for i in range(jobs)]:
                future.result()
    finally:
        server.shutdown()
        server.server_close()
    failures = dict(sorted(failures.items()))
    notes = dict(sorted(notes.items()))
    for rel, listed in notes.items():
        for note in listed:
            print(f"check_html: note: {rel}: {note}")
    for rel, problems in failures.items():
        for problem in problems:
            print(f"check_html: {rel}: {problem}")
    if not failures:
        stamp.touch()
    print(
        f"check_html: {len(pages)} pages and the search page checked in Chromium; "
        f"{sum(map(len, failures.values()))} problem(s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
