"""A chart and a table as a page shows them.

Every page of the package (a run's, a comparison's or a sensitivity study's report) embeds its
charts through the ``chart`` macro of ``macros.html.j2``, which :meth:`Chart.context` feeds,
and its generic tables through the ``data_table`` macro, which :func:`html_table` feeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from migrant_health.report.downloads import csv_download
from migrant_health.report.figures import png_base64

if TYPE_CHECKING:  # pragma: no cover - types only
    from matplotlib.figure import Figure


@dataclass
class Chart:
    """A chart of the page: its figure, its data and where it is shown.

    Attributes:
        name: File-name-safe name (the figure file is ``name.svg`` or ``name.png``).
        title: Its heading on the page.
        caption: The unit and what the lines or dots are.
        figure: The matplotlib figure.
        data: The rows it is drawn from (its CSV download).
    """

    name: str
    title: str
    caption: str
    figure: Figure
    data: pd.DataFrame

    def context(self) -> dict[str, Any]:
        """What the page's ``chart`` macro needs."""
        return {
            "name": self.name,
            "anchor": self.name,
            "title": self.title,
            "caption": self.caption,
            "alt": f"{self.title}: {self.caption}",
            "png": png_base64(self.figure),
            "csv": csv_download(self.data, f"{self.name}.csv"),
        }


def number_text(value: Any) -> str:
    """A cell of a generic table: numbers to 4 significant digits or with separators."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if not math.isfinite(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def html_table(frame: pd.DataFrame) -> dict[str, Any]:
    """A frame as the page's ``data_table`` macro shows it: every cell as text."""
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    rows = [
        {column: number_text(value) for column, value in record.items()}
        for record in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    return {"columns": [str(c) for c in frame.columns], "numeric": numeric, "rows": rows}
