"""The browser check itself: it must fail on the defects it exists to catch."""

from __future__ import annotations

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import check_html  # noqa: E402

pytestmark = pytest.mark.skipif(
    check_html.find_chromium() is None, reason="needs Chromium (make test installs it)"
)

# no favicon request, a title and a language: only the deliberate defects
HEAD = "<head><title>A page</title><link rel='icon' href='data:,'></head>"
LANG = "<html lang='en'>"
GOOD = (
    f"{LANG}{HEAD}<body><main><h1>Fine</h1><p>Nothing wrong here.</p>"
    "<pre>| a table | in a code listing |\n| --- | --- |</pre></main></body></html>"
)
PAGES = {
    "console.html": f"{LANG}{HEAD}<body><main><p>x</p><script>throw new Error('deliberate')</script>"
    "</main></body></html>",
    "image.html": f"{LANG}{HEAD}<body><main><img src='missing.png'></main></body></html>",
    "math.html": f"{LANG}{HEAD}<body><main><div class='math'>$$ x^2 $$</div></main></body></html>",
    "wide.html": f"{LANG}{HEAD}<body><main>"
    "<mjx-container display='true' style='display:block; overflow-x:auto; "
    "width:200px'><span style='display:inline-block; width:900px'>a + b</span></mjx-container>"
    "</main></body></html>",
    "stderr.html": f"{LANG}{HEAD}<body><main><div class='output stderr'><pre>UserWarning: noisy</pre></div>"
    "</main></body></html>",
    "summary.html": f"{LANG}{HEAD}<body><main><h1>Toggle</h1><details><summary><i class='icon'></i></summary>"
    "<p>hidden</p></details></main></body></html>",
    "alt.html": f"{LANG}{HEAD}<body><main><h1>Figure</h1><img src='data:image/gif;base64,"
    "R0lGODlhAQABAAAAACw=' width='20' height='20'></main></body></html>",
    "reflow.html": f"{LANG}{HEAD}<body><main><h1>Wide</h1><div style='width:900px'>a fixed-width block</div>"
    "</main></body></html>",
    # one faint phrase among fifty paragraphs that look alike: its paragraph is not sampled
    # (it looks like the others), the phrase is
    "contrast.html": f"{LANG}{HEAD}<body><main><h1>Contrast</h1>"
    + "<p>Readable text with <code>code</code>.</p>" * 50
    + "<p>Readable text with <span style='color:#c4c4c4'>a faint phrase</span>.</p>"
    "</main></body></html>",
    "table.html": f"{LANG}{HEAD}<body><main><p>| a | b | | --- | ---: | | 1 | 2 |</p>"
    "<pre>| shown | on purpose |\n| --- | --- |</pre></main></body></html>",
}


def _site(tmp_path: pathlib.Path, pages: dict[str, str]) -> pathlib.Path:
    (tmp_path / "index.html").write_text(
        "<html><head><meta http-equiv='refresh' content='0; url=good.html'></head><body></body></html>"
    )
    (tmp_path / "good.html").write_text(GOOD)
    (tmp_path / "search.html").write_text(
        "<html><body><ul class='search'><li>gradient</li></ul></body></html>"
    )
    for name, html in pages.items():
        (tmp_path / name).write_text(html)
    return tmp_path


def test_a_clean_site_passes(tmp_path, capsys):
    assert check_html.main([str(_site(tmp_path, {})), "--jobs", "1"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def test_jobs_below_one_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        check_html.main([str(_site(tmp_path, {})), "--jobs", "0"])
    assert "--jobs must be at least 1; got 0" in capsys.readouterr().err


@pytest.fixture(scope="module")
def defective_site_report(tmp_path_factory):
    """One check of a site with every defective page (two browsers at once): the report."""
    import contextlib
    import io

    site = _site(tmp_path_factory.mktemp("site"), PAGES)
    old = check_html.MATHJAX_TIMEOUT_MS
    check_html.MATHJAX_TIMEOUT_MS = 2000  # the defective page never loads MathJax
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            status = check_html.main([str(site), "--jobs", "2"])
    finally:
        check_html.MATHJAX_TIMEOUT_MS = old
    return status, out.getvalue()


def test_a_defective_site_fails_and_the_good_page_is_not_blamed(defective_site_report):
    status, out = defective_site_report
    assert status == 1
    assert "good.html" not in out and "search.html" not in out
    assert f"{len(PAGES) + 2} pages and the search page checked" in out  # + index and good


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("console.html", "console error"),
        ("image.html", "image did not load"),
        ("math.html", "MathJax did not start"),
        ("table.html", "a Markdown table was not rendered"),
        ("wide.html", "display equation wider than the text column"),
        ("stderr.html", "stderr output shown to the reader: UserWarning: noisy"),
        ("summary.html", "axe serious summary-name"),
        ("alt.html", "axe critical image-alt"),
        ("contrast.html", "axe serious color-contrast (1 look(s), e.g. span"),
        ("reflow.html", "at 320 px wide the page scrolls sideways"),
    ],
)
def test_each_defect_is_reported_on_its_page(defective_site_report, page, expected):
    assert f"check_html: {page}: {expected}" in defective_site_report[1]


def test_full_contrast_finds_what_the_sampled_check_finds(defective_site_report, tmp_path, capsys):
    site = _site(tmp_path, {"contrast.html": PAGES["contrast.html"]})
    assert check_html.main([str(site), "--jobs", "1", "--only", "contrast", "--full-contrast"]) == 1
    full = [line for line in capsys.readouterr().out.splitlines() if "color-contrast" in line]
    sampled = [line for line in defective_site_report[1].splitlines() if "color-contrast" in line]
    prefix = "check_html: contrast.html: axe serious color-contrast"
    assert [line.split(", e.g.")[0] for line in sampled] == [f"{prefix} (1 look(s)"]
    assert [line.split(", e.g.")[0] for line in full] == [f"{prefix} (1x"]  # one faint node
