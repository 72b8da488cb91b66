"""Regression tables render to text, Markdown, LaTeX and HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.analysis.regression import LinearModel
from migrant_health.analysis.tables import regression_table


@pytest.fixture(scope="module")
def models() -> list[LinearModel]:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300)})
    data["y"] = 1 + 0.5 * data["x"] + rng.normal(size=300)
    return [
        LinearModel("y", exposure="x").fit(data),
        LinearModel("y", exposure="x", covariates=["z"]).fit(data),
    ]


def test_text_and_markdown_tables(models: list[LinearModel]) -> None:
    text = regression_table(models, ["base", "adjusted"])
    assert "base" in text and "adjusted" in text and "***" in text and "N" in text
    markdown = regression_table(models, format="markdown")
    assert markdown.splitlines()[0].startswith("|") and "(1)" in markdown


@pytest.mark.parametrize(("kind", "marker"), [("latex", "\\toprule"), ("html", "<table")])
def test_latex_and_html_through_maketables(
    models: list[LinearModel], kind: str, marker: str
) -> None:
    rendered = regression_table(models, format=kind)  # type: ignore[arg-type]
    assert marker in rendered


def unescaped_pipes(line: str) -> int:
    """Cell borders of a Markdown row: pipes not escaped as ``\\|``."""
    return line.count("|") - line.count("\\|")


def test_markdown_escapes_the_pipe_of_cut_points() -> None:
    """``| 1|2 | ...`` split the cut-point rows into an extra column."""
    from migrant_health.analysis.ordered import OrderedLogit

    rng = np.random.default_rng(1)
    data = pd.DataFrame({"x": rng.normal(size=400)})
    data["srh"] = 1 + np.searchsorted([-1.0, 0.0, 1.0], data["x"] + rng.logistic(size=400))
    fit = OrderedLogit("srh", exposure="x").fit(data)
    rows = [line for line in regression_table([fit], format="markdown").splitlines() if "|" in line]
    assert any(line.startswith("| 1\\|2 ") for line in rows)
    assert {unescaped_pipes(line) for line in rows} == {3}
    assert "1|2" in regression_table([fit], format="text")  # plain text keeps the cut's name


def test_markdown_extra_tables_are_markdown_tables_with_escaped_cells() -> None:
    from migrant_health.analysis.tables import markdown_frame

    slopes = pd.DataFrame({"term": ["x | d=0", "x | d=1"], "estimate": [0.51234567, 0.5]})
    lines = markdown_frame(slopes).splitlines()
    assert lines[0] == "| term     | estimate |"
    assert lines[2] == "| x \\| d=0 | 0.5123   |"
    assert {unescaped_pipes(line) for line in lines} == {3}
