"""The course pack (tools/coursepack.py): chapter PDFs printed by headless Chromium.

Printed from the no-execution build (tools/check_book_build.py: no figures), which is built
here when missing; one chapter and the teaching guide keep the test short.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import coursepack  # noqa: E402
from tools.check_html import CHROMIUM_FLAGS, find_chromium, serve  # noqa: E402

HTML = ROOT / "book" / "_build" / "check" / "_build" / "html"
CHAPTER = "07-signals"

pytestmark = pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (make chromium)")


@pytest.fixture(scope="module")
def html() -> pathlib.Path:
    if not (HTML / "appendix" / "teaching.html").exists():
        subprocess.run([sys.executable, str(ROOT / "tools" / "check_book_build.py")], check=True)
    return HTML


@pytest.fixture(scope="module")
def pack(html, tmp_path_factory) -> tuple[pathlib.Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("coursepack")
    return out, coursepack.print_pdfs(html, out, only=[CHAPTER, "teaching-guide"])


def test_chapters_follow_the_table_of_contents():
    found = dict(coursepack.chapters(ROOT / "book" / "_toc.yml"))
    assert list(found) == sorted(
        p.name for p in (ROOT / "book").iterdir() if p.is_dir() and p.name[:2].isdigit()
    )
    for name, pages in found.items():
        assert pages[0] == f"{name}/index"
        assert sorted(pages[1:]) == sorted(f"{name}/{p.stem}" for p in (ROOT / "book" / name).glob("*.ipynb"))


def test_one_pdf_per_chapter_and_the_teaching_guide(pack, capsys):
    out, counts = pack
    print(counts)  # the closing note's page counts (pytest -s)
    assert set(counts) == {CHAPTER, "teaching-guide"}
    for name, pages in counts.items():
        pdf = (out / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert pages >= 2
    # four notebooks and the index, each section from a new page, a page or more each
    assert counts[CHAPTER] >= 5


def test_page_count_counts_page_objects_not_the_page_tree(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page>>\n"
    )
    assert coursepack.page_count(path) == 2


def test_missing_build_is_reported(tmp_path, capsys):
    assert coursepack.main([str(tmp_path), str(tmp_path / "out")]) == 2
    assert "build the book first" in capsys.readouterr().err


def test_print_style_keeps_figures_equations_and_code_whole(html):
    """In print media, every figure, image, display equation and code cell has break-inside: avoid,
    the navigation is hidden, solutions are hidden, exercises shown, and nothing is wider than the page."""
    from playwright.sync_api import sync_playwright

    server, base = serve(html)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.goto(f"{base}/{CHAPTER}/index.html", wait_until="load")
            page.add_style_tag(content=coursepack.PRINT_CSS)
            sections = [
                f"{base}/{CHAPTER}/{p.stem}.html" for p in sorted((ROOT / "book" / CHAPTER).glob("*.ipynb"))
            ]
            page.set_default_timeout(coursepack.MATHJAX_TIMEOUT_MS)
            assert page.evaluate(coursepack.APPEND, [sections, False]) > 0  # mathematics typeset
            page.emulate_media(media="print")
            report = page.evaluate("""() => {
              const sel = "figure, img, mjx-container[display='true'], div.cell, div.highlight, table";
              const all = Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null);
              const visible = s => Array.from(document.querySelectorAll(s))
                .filter(e => e.offsetParent !== null);
              const width = document.documentElement.clientWidth + 1;
              return {
                whole: all.length,
                split: all.filter(e => getComputedStyle(e).breakInside !== "avoid").length,
                sections: document.querySelectorAll(".coursepack-section").length,
                nav: visible(".bd-sidebar-primary, .bd-header, .prev-next-area").length,
                solutions: visible(".solution").length,
                exercises: visible(".exercise").length,
                wide: Array.from(document.querySelectorAll("article *"))
                  .filter(e => e.getBoundingClientRect().right > width).length,
              };
            }""")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert report["whole"] > 20 and report["split"] == 0
    assert report["sections"] == len(sections)
    assert report["nav"] == 0 and report["solutions"] == 0 and report["exercises"] > 3
    assert report["wide"] == 0
