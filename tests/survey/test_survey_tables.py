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
