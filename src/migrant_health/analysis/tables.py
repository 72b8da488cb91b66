"""Regression tables in text, Markdown, LaTeX and HTML.

``regression_table([model_a, model_b])`` lays fitted estimators (or tidy tables) side by side:
one row per term with the estimate and significance stars, the standard error in parentheses
below, and the number of respondents at the bottom. LaTeX and HTML are rendered by maketables'
``MTable`` (booktabs LaTeX, styled HTML); text and Markdown are plain and dependency-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd

from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.model_names import FORMATS
from migrant_health.errors import DataError

Format = Literal["text", "markdown", "latex", "html"]
STARS = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
NOTE = "Standard errors in parentheses. * p<0.1, ** p<0.05, *** p<0.01."


def _stars(p: float) -> str:
    for cut, mark in STARS:
        if p < cut:
            return mark
    return ""


def _key(row: pd.Series) -> str:
    """Row label: ``equation:term`` and ``term [group]`` where those columns exist."""
    key = str(row["term"])
    if "equation" in row.index and pd.notna(row["equation"]):
        key = f"{row['equation']}:{key}"
    for extra in ("group", "category"):
        if extra in row.index and pd.notna(row[extra]):
            key = f"{key} [{row[extra]}]"
    return key


def coefficient_grid(
    models: Sequence[SurveyEstimator | pd.DataFrame],
    names: Sequence[str] | None = None,
    digits: int = 3,
) -> pd.DataFrame:
    """The table's cells: estimate rows and standard-error rows per term, one column per model."""
    if not models:
        raise DataError("a regression table needs at least one model")
    names = list(names) if names else [f"({i + 1})" for i in range(len(models))]
    columns: dict[str, dict[str, str]] = {}
    order: list[str] = []
    counts: dict[str, str] = {}
    for name, model in zip(names, models, strict=True):
        table = model if isinstance(model, pd.DataFrame) else model.summary()
        cells: dict[str, str] = {}
        for _, row in table.iterrows():
            key = _key(row)
            if key not in order:
                order.append(key)
            cells[key] = f"{row['estimate']:.{digits}f}{_stars(float(row['p']))}"
            cells[key + " (se)"] = f"({row['se']:.{digits}f})"
        columns[name] = cells
        n = getattr(model, "n_", None)
        counts[name] = f"{int(n):,}" if n is not None else ""
    index = [k for key in order for k in (key, key + " (se)")]
    grid = pd.DataFrame(
        {name: [cells.get(k, "") for k in index] for name, cells in columns.items()}
    )
    grid.index = [k if not k.endswith(" (se)") else "" for k in index]
    grid.loc["N"] = [counts[n] for n in names]
    return grid


def markdown_cell(text: str) -> str:
    """A cell's text with its pipes escaped (``1\\|2``): a bare ``|`` splits the row."""
    return text.replace("|", "\\|")


def _markdown(header: list[str], rows: list[list[str]], first_left: bool = True) -> list[str]:
    """Lines of a Markdown table, cells escaped; the first column left-aligned, others centred."""
    header = [markdown_cell(c) for c in header]
    rows = [[markdown_cell(c) for c in r] for r in rows]
    widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    rules = [":" + "-" * w + ":" for w in widths]
    if first_left:
        rules[0] = "-" * (widths[0] + 2)
    return [line(header), "|" + "|".join(rules) + "|", *map(line, rows)]


def markdown_frame(frame: pd.DataFrame, float_format: str = ".4g") -> str:
    """A table of results (an estimator's extra table) as Markdown, cells escaped.

    Args:
        frame: The table; its index is not shown.
        float_format: Format of floating-point cells.
    """
    rows = [
        [format(v, float_format) if isinstance(v, float) else str(v) for v in record]
        for record in frame.itertuples(index=False)
    ]
    return "\n".join(_markdown([str(c) for c in frame.columns], rows))


def _text(grid: pd.DataFrame, markdown: bool) -> str:
    header = ["", *grid.columns]
    rows = [[str(i), *map(str, r)] for i, r in zip(grid.index, grid.to_numpy(), strict=True)]
    if markdown:
        return "\n".join([*_markdown(header, rows), "", NOTE])
    widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(
            [r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]
        )

    rule = "-" * len(fmt(header))
    body = [fmt(r) for r in rows]
    return "\n".join([rule, fmt(header), rule, *body[:-1], rule, body[-1], rule, NOTE])


def regression_table(
    models: Sequence[SurveyEstimator | pd.DataFrame],
    names: Sequence[str] | None = None,
    format: Format = "text",
    digits: int = 3,
    caption: str | None = None,
) -> str:
    """Render fitted models (or tidy tables) side by side.

    Args:
        models: Fitted estimators or tidy tables (term, estimate, se, p, ...).
        names: Column headers (default ``(1)``, ``(2)``, ...).
        format: ``text``, ``markdown``, ``latex`` or ``html``.
        digits: Decimal places.
        caption: Caption of LaTeX/HTML tables.

    Returns:
        The table as a string.
    """
    if format not in FORMATS:
        raise DataError(f"unknown table format '{format}'; choose one of {', '.join(FORMATS)}")
    grid = coefficient_grid(models, names, digits)
    if format in ("text", "markdown"):
        return _text(grid, markdown=format == "markdown")
    import maketables

    table = maketables.MTable(grid, notes=NOTE, caption=caption)
    return str(table.make(type="tex" if format == "latex" else "html"))
