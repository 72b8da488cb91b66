"""The cost tables a comparison may hold, shown as they are.

A comparison that priced its levers holds ``costs.parquet`` (scenario, lever, unit,
reached_person_years, cost_bn_cny_discounted) and ``cost_effectiveness.parquet`` (scenario,
outcome, unit, averted, averted_lo, averted_hi, cost_bn_cny_discounted, cost_per_outcome_cny).
The report renders whichever of them is present, column by column as stored, so a column added
later shows without a change here; without either, the page says there is no cost table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

#: The cost files a comparison may hold, with the heading each gets on the page.
COST_FILES: dict[str, str] = {
    "costs.parquet": "Fiscal cost of each lever",
    "cost_effectiveness.parquet": "Outcomes averted and cost per outcome",
}


@dataclass(frozen=True)
class CostTable:
    """A cost file of a comparison, read.

    Attributes:
        file: Its file name.
        heading: What the page calls it.
        frame: Its rows as stored.
    """

    file: str
    heading: str
    frame: pd.DataFrame


def read_cost_tables(directory: Path) -> list[CostTable]:
    """The cost files present in a comparison directory, in the order of :data:`COST_FILES`."""
    found = []
    for name, heading in COST_FILES.items():
        path = directory / name
        if path.is_file():
            literal = "'" + str(path).replace("'", "''") + "'"
            with duckdb.connect() as connection:
                frame = connection.execute(f"SELECT * FROM read_parquet({literal})").df()
            found.append(CostTable(name, heading, frame))
    return found
