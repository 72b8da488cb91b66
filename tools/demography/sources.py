"""The shared data folder: its tables, its calibration targets and their citations.

``demography.csv`` (documented in the shared ``DEMOGRAPHY.md``) holds every input table in long
form, one row per value with its table name, year, sex, age band, unit, source and confidence;
``calibration_targets.csv`` holds the NBS and literature targets. The citation helpers list the
units, sources and confidence of the rows a derivation used, for ``sources.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .parameters import MAX_AGE, SEXES


@dataclass(frozen=True)
class Shared:
    """The shared tables, with helpers to pull one table out."""

    demography: pd.DataFrame
    targets: pd.DataFrame

    def table(self, name: str) -> pd.DataFrame:
        """Rows of one table; raises if it is absent."""
        out = self.demography[self.demography["table"] == name]
        if out.empty:
            raise SystemExit(f"demography.csv has no table {name!r}")
        return out

    def series(self, name: str, sex: str = "total") -> pd.Series:
        """A by-year series of a table with no age split."""
        rows = self.table(name)
        rows = rows[rows["sex"] == sex]
        return pd.Series(rows["value"].to_numpy(float), index=rows["year"].astype(int)).sort_index()

    def target(self, key: str, year: int) -> float:
        """A numeric calibration target."""
        rows = self.targets[(self.targets["key"] == key) & (self.targets["year"] == year)]
        if len(rows) != 1:
            raise SystemExit(f"calibration_targets.csv: expected one row {key} {year}")
        return float(rows["value"].iloc[0])


def read_shared(folder: Path) -> Shared:
    """Read demography.csv and calibration_targets.csv."""
    demo = pd.read_csv(folder / "demography.csv")
    targets = pd.read_csv(folder / "calibration_targets.csv", dtype={"value": str})
    targets["value"] = pd.to_numeric(targets["value"], errors="coerce")
    targets["year"] = pd.to_numeric(targets["year"], errors="coerce")
    return Shared(demography=demo, targets=targets)


def census_2010(shared: Shared) -> np.ndarray:
    """2010 census by single year of age 0..100+, shape (2, 101) [male, female]."""
    rows = shared.table("population_by_age_sex_census_national")
    rows = rows[rows["year"] == 2010]
    out = np.zeros((2, MAX_AGE + 1))
    for s, sex in enumerate(SEXES):
        sub = rows[rows["sex"] == sex]
        out[s, sub["age_from"].astype(int).to_numpy()] = sub["value"].to_numpy(float)
    if (out <= 0).any():
        raise SystemExit("census 2010 table has missing ages")
    return out


def band_table(shared: Shared, name: str, year: int | None = None) -> pd.DataFrame:
    """A banded table as a frame indexed by lower age with one column per sex."""
    rows = shared.table(name)
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows.pivot(index="age_from", columns="sex", values="value")[list(SEXES)]


#: A demography.csv table a derivation read, with the first and last year of the rows used
#: (None: all its rows).
Cite = tuple[str, tuple[int, int] | None]


def citations(shared: Shared, tables: Sequence[Cite]) -> list[dict[str, Any]]:
    """Table names with the distinct units and citations of the rows used (years lo..hi)."""
    out = []
    for name, span in tables:
        rows = shared.table(name)
        if span is not None:
            rows = rows[(rows["year"] >= span[0]) & (rows["year"] <= span[1])]
        out.append(
            {
                "table": name,
                "years": "all" if span is None else f"{span[0]}-{span[1]}",
                "unit": sorted(set(rows["unit"].astype(str))),
                "citation": sorted(set(rows["source"].astype(str))),
                "confidence": sorted(set(rows["confidence"].astype(str))),
            }
        )
    return out


def target_citations(shared: Shared, keys: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """calibration_targets.csv rows used, with their sources."""
    out = []
    for key, year in keys:
        row = shared.targets[(shared.targets["key"] == key) & (shared.targets["year"] == year)]
        out.append(
            {
                "file": "calibration_targets.csv",
                "key": key,
                "year": year,
                "value": float(row["value"].iloc[0]),
                "unit": str(row["unit"].iloc[0]),
                "citation": str(row["source"].iloc[0]),
            }
        )
    return out
