"""A self-contained HTML page of a run's fit to the calibration targets.

The page reads from the verdict down to the detail, and fits a laptop screen (1366 px wide):

1. **Summary**: targets passed of the total, the objective, the run's settings and the worst
   misses in units of their tolerance (above 1 fails).
2. **Plots**, one per target series, titled with the series' label and unit
   (:mod:`migrant_health.report.labels`): the model's trajectory against the targets.
3. **The full table**, one block per series with its caveat once (collapsed), scrolling
   inside its frame rather than widening the page.
4. The targets not compared, with the reason, and how tolerances are set.

Every table and every plot's data can be downloaded as CSV from links embedded in the page
(:mod:`migrant_health.report.downloads`); plots are embedded PNGs. The page shares its skeleton,
style sheet and writer with every other page of the package (:mod:`migrant_health.report.page`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from migrant_health.report.downloads import csv_download, file_stem
from migrant_health.report.labels import series_label, series_source
from migrant_health.report.page import render_page
from migrant_health.report.plots import plot_series_data, series_data

#: Rows of the worst-misses table: at least this many, and every failure up to the maximum.
WORST_MISSES_MIN, WORST_MISSES_MAX = 5, 10
#: The page's sections: anchor and heading in the navigation bar.
FIT_SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("plots", "Plots"),
    ("table", "Full table"),
    ("skipped", "Targets not compared"),
    ("method", "How tolerances are set"),
)


def _number(value: float) -> str:
    """A readable number: thousands separators for large values, 4 significant digits."""
    if not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _observed(row: Mapping[Hashable, Any]) -> str:
    low, high = float(row["observed_low"]), float(row["observed_high"])
    if high > low:
        return f"{_number(low)}–{_number(high)}"
    return _number(float(row["observed"]))


def _anchor(key: str) -> str:
    return "plot-" + file_stem(key)


def _row(record: Mapping[Hashable, Any]) -> dict[str, Any]:
    """One comparison, formatted for the page."""
    z = float(record["z"])
    year, model_year = int(record["year"]), int(record["model_year"])
    return {
        "key": record["key"],
        "label": series_label(str(record["key"])),
        "anchor": _anchor(str(record["key"])),
        "year": str(year) if year == model_year else f"{year} (model {model_year})",
        "observed": _observed(record),
        "model": _number(float(record["model"])),
        "error": _number(float(record["error"])),
        "tolerance": _number(float(record["tolerance"])),
        "z": f"{abs(z):.2f}" if math.isfinite(z) else "n/a",
        "pass": bool(record["pass"]),
    }


def worst_misses(table: pd.DataFrame) -> pd.DataFrame:
    """The comparisons farthest from their targets in units of tolerance, worst first.

    Every failing comparison up to :data:`WORST_MISSES_MAX`, and the closest calls among
    those passing up to :data:`WORST_MISSES_MIN` rows; a model value the run could not
    evaluate counts as the worst.
    """
    size = abs(table["z"]).fillna(math.inf)
    failed = int((~table["pass"]).sum())
    count = min(max(WORST_MISSES_MIN, failed), WORST_MISSES_MAX)
    order = size.sort_values(ascending=False, kind="stable").index[:count]
    return table.loc[order]


def _with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """The table for download: every column unrounded, the label beside the key."""
    out = table.copy()
    out.insert(1, "label", out["key"].map(series_label))
    return out


def _series_blocks(table: pd.DataFrame, series: pd.DataFrame) -> list[dict[str, Any]]:
    """One block per target series: label, unit, caveat once, plot, its rows and its data."""
    blocks = []
    for key, rows in table.groupby("key", sort=False):
        key = str(key)
        first = rows.iloc[0]
        data = series_data(key, table, series)
        blocks.append(
            {
                "key": key,
                "label": series_label(key),
                "anchor": _anchor(key),
                "unit": str(first["unit"]),
                "source": series_source(key),
                "quantity": str(first["quantity"]),
                "caveat": str(first["caveat"]),
                "failed": int((~rows["pass"]).sum()),
                "total": len(rows),
                "rows": [_row(r) for r in rows.to_dict("records")],
                "png": plot_series_data(data),
                "csv": csv_download(data, f"plot-{file_stem(key)}.csv"),
            }
        )
    return blocks


def _skipped_rows(skipped: pd.DataFrame) -> list[dict[str, str]]:
    rows = []
    for key, part in skipped.groupby("key", sort=False):
        years = sorted({int(y) for y in part["year"].dropna()})
        rows.append(
            {
                "key": str(key),
                "years": ", ".join(str(y) for y in years) or "-",
                "reason": str(part["reason"].iloc[0]),
            }
        )
    return rows


def render_fit_report(
    table: pd.DataFrame,
    series: pd.DataFrame,
    skipped: pd.DataFrame,
    meta: Mapping[str, str],
    objective: float,
    se_method: str,
    title: str = "migrant_health: fit to calibration targets",
) -> str:
    """The report as an HTML string.

    Args:
        table: The fit table (:func:`~migrant_health.experiments.fit.fit_table`).
        series: ``key, year, model`` for every simulated year (target units).
        skipped: ``key, year, reason`` of the targets not compared.
        meta: Run settings shown in the summary (name -> text).
        objective: The calibration objective of the table.
        se_method: How the Monte Carlo standard errors were obtained.
        title: Page title.
    """
    blocks = _series_blocks(table, series)
    worst = worst_misses(table)
    passed = int(table["pass"].sum())
    return render_page(
        "fit_report.html.j2",
        title,
        FIT_SECTIONS,
        meta=meta,
        passed=passed,
        total=len(table),
        failed=len(table) - passed,
        failing_series=sum(1 for b in blocks if b["failed"]),
        objective=f"{objective:.4g}",
        se_method=se_method,
        worst=[_row(r) for r in worst.to_dict("records")],
        worst_csv=csv_download(_with_labels(worst), "worst-misses.csv"),
        blocks=blocks,
        table_csv=csv_download(_with_labels(table), "fit-table.csv"),
        skipped=_skipped_rows(skipped),
        skipped_csv=csv_download(skipped, "targets-not-compared.csv"),
    )
