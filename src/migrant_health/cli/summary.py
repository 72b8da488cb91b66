"""The printed summary of a run: headline figures for a few years, as a rich table."""

from __future__ import annotations

from math import isnan
from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd


def summary_table(aggregates: pd.DataFrame, title: str = "Summary") -> Table:
    """A rich table of the headline figures."""
    # Imported here: the headlines load the model (pandas, Numba), which --help needs none of.
    from migrant_health.headlines import HEADLINES, summary_frame

    frame = summary_frame(aggregates)
    years = list(dict.fromkeys(frame["year"]))
    table = Table(title=title, title_justify="left")
    table.add_column("")
    for year in years:
        table.add_column(str(year), justify="right")
    values = frame["value"].to_numpy().reshape(len(HEADLINES), len(years))
    for (label, _, _, scale, fmt), row in zip(HEADLINES, values, strict=True):
        table.add_row(label, *("-" if isnan(v) else fmt.format(v * scale) for v in row))
    return table
