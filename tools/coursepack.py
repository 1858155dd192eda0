"""Print the built book, chapter by chapter, to PDF handouts with headless Chromium.

    python tools/coursepack.py [HTML] [OUT] [--chapter NAME ...] [--solutions]   (make coursepack)

HTML is a built book (default book/_build/html, from `make book`: with the figures). For each
chapter of book/_toc.yml one PDF, ``OUT/<chapter>.pdf``: the chapter's index page with its
sections appended in order, each section starting on a new page; plus ``OUT/teaching-guide.pdf``.
A print style sheet drops the navigation, sidebars and buttons, uses the full page width,
wraps long code lines instead of cutting them, and keeps figures, display equations, code
cells, tables and admonitions whole on one page (``break-inside: avoid``). The worked
solutions are left out (the handouts go to students) unless ``--solutions`` is given; the
exercises stay. MathJax typesets the appended sections before printing.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools.check_html import CHROMIUM_FLAGS, find_chromium, serve  # noqa: E402

MATHJAX_TIMEOUT_MS = 120_000
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  html { font-size: 12.5px; }
  .bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
  .bd-footer-article, .bd-footer-content, .prev-next-area, .header-article-items, .headerlink,
  #pst-back-to-top, .bd-search, .search-button-field, .skip-link, .toggle-details__summary svg,
  .copybtn, .article-header-buttons, .sd-btn { display: none !important; }
  .bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content,
  .bd-article-container, .bd-article { max-width: 100% !important; width: 100% !important;
    margin: 0 !important; padding: 0 !important; flex: none !important; }
  body { background: white !important; }
  figure, img, svg, .cell_output, mjx-container[display="true"], div.math, table,
  .admonition, .highlight, div.cell, .sd-card, blockquote { break-inside: avoid; }
  .cell_output img { max-height: 225mm; object-fit: contain; }
  img { max-width: 100% !important; height: auto; }
  h1, h2, h3, h4, .admonition-title, caption, figcaption { break-after: avoid; break-inside: avoid; }
  /* Chromium ignores break-after: avoid; a heading reserves room below it instead, so that it
     moves to the next page rather than end one */
  h1::after, h2::after, h3::after, h4::after { content: ""; display: block; height: 6em;
    margin-bottom: -6em; }
  p { orphans: 3; widows: 3; }
  pre, pre code { white-space: pre-wrap !important; overflow-wrap: anywhere; overflow: visible !important;
    max-height: none !important; }
  .highlight, div.cell_output, .output { overflow: visible !important; }
  mjx-container[display="true"] { overflow: visible !important; }
  .coursepack-section { break-before: page; }
  .coursepack-no-solutions .solution { display: none !important; }
  a { color: inherit; text-decoration: none; }
  /* the theme's grey captions are faint on paper */
  figcaption, figcaption p, .caption-text { color: #222 !important; }
}
"""
# Append each section's article to the chapter page, open collapsed details, typeset math.
APPEND = """async ([urls, solutions]) => {
  const article = document.querySelector("article.bd-article");
  for (const url of urls) {
    const html = await (await fetch(url)).text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const part = doc.querySelector("article.bd-article");
    const box = document.createElement("section");
    box.className = "coursepack-section";
    const base = new URL(url, location.href);
    part.querySelectorAll("[src]").forEach(
      e => e.setAttribute("src", new URL(e.getAttribute("src"), base).href));
    box.append(...Array.from(part.childNodes).map(n => document.adoptNode(n)));
    article.append(box);
  }
  if (!solutions) document.body.classList.add("coursepack-no-solutions");
  document.querySelectorAll("details").forEach(d => d.open = true);
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
  if (window.MathJax && MathJax.typesetPromise) await MathJax.typesetPromise();
  await Promise.all(Array.from(document.images).map(
    i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return document.querySelectorAll("article.bd-article mjx-container").length;
}"""
FOOTER = (
    '<div style="font-size:8px;width:100%;text-align:center;color:#555">'
    '<span class="title"></span> &middot; page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)
# Chromium writes one page object per page, uncompressed: /Type /Page (not /Pages)
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def chapters(toc: pathlib.Path) -> list[tuple[str, list[str]]]:
    """(chapter folder, [page paths without suffix, index first]) for each numbered chapter."""
    spec = yaml.safe_load(toc.read_text())
    found = []
    for part in spec.get("parts", []):
        for chapter in part.get("chapters", []):
            name = chapter["file"].split("/")[0]
            if chapter["file"].endswith("/index"):
                found.append((name, [chapter["file"]] + [s["file"] for s in chapter.get("sections", [])]))
    return found


def page_count(pdf: pathlib.Path) -> int:
    """Pages of a PDF written by Chromium."""
    return len(PAGE_OBJECT.findall(pdf.read_bytes()))


def print_pdfs(
    html: pathlib.Path,
    out: pathlib.Path,
    toc: pathlib.Path = ROOT / "book" / "_toc.yml",
    only: list[str] | None = None,
    solutions: bool = False,
) -> dict[str, int]:
    """Write one PDF per chapter (and the teaching guide) into ``out``; return their page counts."""
    if not (html / "index.html").exists():
        raise FileNotFoundError(f"{html} has no index.html: build the book first (make book)")
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium found (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    jobs = [(name, pages) for name, pages in chapters(toc) if not only or name in only]
    if not only or "teaching-guide" in only:
        jobs.append(("teaching-guide", ["appendix/teaching"]))
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    server, base = serve(html)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            for name, pages in jobs:
                missing = [p for p in pages if not (html / f"{p}.html").exists()]
                if missing:
                    raise FileNotFoundError(f"{name}: pages missing from {html}: {missing}")
                page = browser.new_page(viewport={"width": 900, "height": 1200})
                page.goto(f"{base}/{pages[0]}.html", wait_until="load", timeout=60_000)
                page.add_style_tag(content=PRINT_CSS)
                urls = [f"{base}/{p}.html" for p in pages[1:]]
                page.set_default_timeout(MATHJAX_TIMEOUT_MS)
                page.evaluate(APPEND, [urls, solutions])
                page.emulate_media(media="print")
                pdf = out / f"{name}.pdf"
                page.pdf(
                    path=str(pdf),
                    format="A4",
                    print_background=True,
                    prefer_css_page_size=True,
                    display_header_footer=True,
                    header_template="<div></div>",
                    footer_template=FOOTER,
                )
                counts[name] = page_count(pdf)
                page.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", type=pathlib.Path, default=ROOT / "book" / "_build" / "html")
    parser.add_argument("out", nargs="?", type=pathlib.Path, default=ROOT / "coursepack")
    parser.add_argument("--chapter", action="append", help="only this chapter (or teaching-guide)")
    parser.add_argument("--solutions", action="store_true", help="keep the worked solutions (teacher's copy)")
    args = parser.parse_args(argv)
    try:
        counts = print_pdfs(args.html.resolve(), args.out, only=args.chapter, solutions=args.solutions)
    except FileNotFoundError as error:
        print(f"coursepack: {error}", file=sys.stderr)
        return 2
    for name, n in counts.items():
        print(f"coursepack: {args.out}/{name}.pdf  {n} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
