"""The one way every HTML page of the package is rendered and written.

A page is a jinja2 template that extends ``base.html.j2`` (the skeleton: the inlined style
sheet ``report.css``, the title, a navigation bar of the page's sections) and uses the macros of
``macros.html.j2`` for CSV downloads (:mod:`~migrant_health.report.downloads`) and embedded
figures (:mod:`~migrant_health.report.figures`). So the fit report and the report of a run or a
comparison look alike, load nothing from the network, and are each one file that can be mailed
or archived. :func:`write_page` writes a page atomically (a temporary file beside the target,
then a rename): an error leaves no half-written page behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from migrant_health.atomic import atomic_path


@cache
def _environment() -> Environment:
    # StrictUndefined: a context key misspelt in Python fails the render instead of leaving a
    # blank on the page.
    return Environment(
        loader=PackageLoader("migrant_health.report", ""),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )


def render_page(
    template: str, title: str, sections: Sequence[tuple[str, str]], **context: Any
) -> str:
    """Render a page template (one that extends ``base.html.j2``) to an HTML string.

    Args:
        template: The template's file name in this package, such as ``fit_report.html.j2``.
        title: The page's title (the ``<title>`` and the heading).
        sections: ``(anchor, heading)`` of each section, in order, for the navigation bar.
        **context: The template's own variables.
    """
    page = _environment().get_template(template)
    return page.render(title=title, sections=list(sections), **context)


def write_page(path: str | Path, html: str) -> Path:
    """Write a page atomically: a temporary file beside ``path``, then a rename.

    Returns:
        The path written.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
