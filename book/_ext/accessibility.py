"""Sphinx extension: fix, at the source, what an axe-core scan of the built book reports.

Each fix names the behaviour of the theme or of Sphinx it works around:

* pydata-sphinx-theme's sidebar toggles are ``<summary>`` elements holding only an icon,
  so a screen reader announces an unnamed button on every page (axe ``summary-name``,
  serious). Each gets an ``aria-label`` naming its chapter.
* Sphinx writes a bibliography as ``<div role="list">`` of ``<div role="doc-biblioentry">``:
  a list whose children are not list items (``aria-required-children``, critical) with a
  role ARIA 1.2 deprecates. The entries become ``role="listitem"``.
* Figures made by notebook cells carry the image file name as their ``alt`` text; the
  caption is what the figure shows, so it becomes the text alternative.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes

# <a ...>Chapter title</a><details ...><summary>  in the theme's sidebar navigation
TOGGLE = re.compile(
    r'(<a class="[^"]*\breference internal\b[^"]*"[^>]*>(?P<title>[^<]*)</a>\s*<details[^>]*>\s*)<summary>'
)
BIBLIOENTRY = 'role="doc-biblioentry"'


def _label_toggles(toctree_html: str) -> str:
    def label(match: re.Match) -> str:
        title = html.escape(html.unescape(match["title"]).strip(), quote=True)
        return f'{match.group(1)}<summary aria-label="Pages of {title}">'

    return TOGGLE.sub(label, toctree_html)


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    generate = context.get("generate_toctree_html")
    if callable(generate) and not getattr(generate, "_labelled", False):

        def labelled(*args: Any, **kwargs: Any) -> str:
            return _label_toggles(str(generate(*args, **kwargs)))

        labelled._labelled = True  # type: ignore[attr-defined]
        context["generate_toctree_html"] = labelled
    body = context.get("body")
    if isinstance(body, str) and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"')


def _caption_as_alt(app: Any, doctree: nodes.document, docname: str) -> None:
    for figure in doctree.findall(nodes.figure):
        caption = next(iter(figure.findall(nodes.caption)), None)
        if caption is None:
            continue
        text = " ".join(caption.astext().split())
        for image in figure.findall(nodes.image):
            alt = image.get("alt", "")
            if not alt or alt == image.get("uri") or re.search(r"\.(png|svg|jpe?g)$", alt):
                image["alt"] = text


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("doctree-resolved", _caption_as_alt)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
