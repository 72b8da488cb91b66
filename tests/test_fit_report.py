"""The fit report reads from the verdict down: summary, plots, full table, with CSV downloads.

A small fit table made by hand (two series, one failing target, one undefined model value)
shows what a reader gets: the worst misses first in units of tolerance, plots titled by what
they measure rather than by target key, a caveat written once per series, and every table
and plot's data as a CSV file inside the page. The page as a browser renders it is checked in
``test_fit_report_browser.py``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from typing import Any

import pandas as pd
import pytest

from migrant_health.experiments import TARGET_MAP
from migrant_health.experiments.fit import FIT_COLUMNS
from migrant_health.report import render_fit_report, series_data, series_label
from migrant_health.report.fit_report import worst_misses
from migrant_health.report.plots import SERIES_DATA_COLUMNS

WOMEN = "nbs.female_share_outmigrants"
DEPRESSION = "lit.depression_prevalence"
WOMEN_CAVEAT = "share of women among out-migrant workers (model: employed out-migrants)"
DEPRESSION_CAVEAT = "a range: 21.45 % (PHQ-9) to 28 % (meta-analysis)"


def _comparison(
    key: str, year: int, observed: float, model: float, tolerance: float, **extra: Any
) -> dict[str, Any]:
    """One row of a fit table; ``range=(low, high)`` makes a range target."""
    low, high = extra.pop("range", (observed, observed))
    error = 0.0 if low <= model <= high else model - (low if model < low else high)
    row = {
        "key": key,
        "year": year,
        "observed": observed,
        "model": model,
        "error": error,
        "tolerance": tolerance,
        "pass": bool(math.isfinite(model) and abs(error) <= tolerance),
        "unit": "% of out-migrants",
        "model_year": year,
        "observed_low": low,
        "observed_high": high,
        "se": 0.5,
        "z": error / tolerance,
        "weight": 0.25,
        "kind": "share",
        "quantity": "female_share_migrant_workers [status=out_migrant]",
        "confidence": "confirmed",
        "caveat": WOMEN_CAVEAT,
    }
    return {**row, **extra}


@pytest.fixture
def table() -> pd.DataFrame:
    """Women among out-migrants in four years (2010 fails by 2.5 tolerances) and a range."""
    rows = [
        _comparison(WOMEN, 2008, 30.0, 31.0, 3.0),
        _comparison(WOMEN, 2009, 30.5, 31.5, 3.0),
        _comparison(WOMEN, 2010, 31.0, 38.5, 3.0),
        _comparison(WOMEN, 2011, 31.0, math.nan, 3.0),
        _comparison(
            DEPRESSION,
            2023,
            24.7,
            25.0,
            3.0,
            range=(21.45, 28.0),
            model_year=2011,
            unit="% (range of sources)",
            quantity="depression_share [status=out_migrant]",
            caveat=DEPRESSION_CAVEAT,
        ),
    ]
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


@pytest.fixture
def series() -> pd.DataFrame:
    years = range(2008, 2012)
    return pd.DataFrame(
        [{"key": WOMEN, "year": y, "model": 31.0 + y - 2008} for y in years]
        + [{"key": DEPRESSION, "year": y, "model": 25.0} for y in years]
    )


@pytest.fixture
def page(table: pd.DataFrame, series: pd.DataFrame) -> str:
    skipped = pd.DataFrame(
        {"key": ["nbs.mean_hours_per_day"] * 2, "year": [2013, 2016], "reason": ["days"] * 2}
    )
    meta = {"run": "2008-2011, 1 agent = 20000 persons, seed 1"}
    return render_fit_report(table, series, skipped, meta, 1.9, "analytic")


def _downloads(page: str) -> dict[str, pd.DataFrame]:
    """Every CSV download of the page, by file name, read back as a table."""
    found = re.findall(
        r'<a class="csv" href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"',
        page,
    )
    return {name: pd.read_csv(io.BytesIO(base64.b64decode(data))) for data, name in found}


def test_the_page_reads_summary_then_plots_then_full_table(page: str) -> None:
    positions = [page.index(f'<section id="{name}">') for name in ("summary", "plots", "table")]
    assert positions == sorted(positions)
    summary = page[positions[0] : positions[1]]
    assert "3 of 5 targets pass" in summary
    assert "2 fail, in 1 of 2 series" in summary
    assert "Objective J = 1.9" in summary


def test_worst_misses_come_first_in_units_of_tolerance(table: pd.DataFrame) -> None:
    worst = worst_misses(table)
    # The undefined model value is the worst miss; 38.5 against 31 +- 3 is 2.5 tolerances.
    assert list(zip(worst["key"], worst["year"], strict=True))[:2] == [
        (WOMEN, 2011),
        (WOMEN, 2010),
    ]
    assert worst["z"].iloc[1] == pytest.approx(2.5)
    assert len(worst) == len(table)  # fewer comparisons than the five rows shown at least


def test_plots_are_titled_by_what_they_measure_with_the_unit(page: str) -> None:
    plots = page[page.index('<section id="plots">') : page.index('<section id="table">')]
    titles = [html.unescape(t) for t in re.findall(r"<h3>(.*?)</h3>", plots)]
    assert titles == ["Women among out-migrant workers", "Depression among migrant workers"]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", plots)
    assert captions[0].startswith("% of out-migrants")


def test_each_caveat_is_written_once_per_series_and_collapsed(page: str) -> None:
    assert page.count(html.escape(WOMEN_CAVEAT)) == 1  # four years, one caveat
    assert page.count(html.escape(DEPRESSION_CAVEAT)) == 1
    assert page.count("<details><summary>caveat</summary>") == 2


def test_every_table_and_plot_downloads_as_csv(page: str, table: pd.DataFrame) -> None:
    downloads = _downloads(page)
    assert set(downloads) == {
        "worst-misses.csv",
        "fit-table.csv",
        "targets-not-compared.csv",
        "plot-nbs.female_share_outmigrants.csv",
        "plot-lit.depression_prevalence.csv",
    }
    full = downloads["fit-table.csv"]
    assert list(full.columns) == ["key", "label", *FIT_COLUMNS[1:]]
    assert len(full) == len(table)
    assert full["label"].iloc[0] == "Women among out-migrant workers"
    # Unrounded numbers, not the page's four significant digits.
    assert full["model"].iloc[2] == 38.5 and full["observed_low"].iloc[4] == 21.45
    assert len(downloads["targets-not-compared.csv"]) == 2
    plot = downloads["plot-nbs.female_share_outmigrants.csv"]
    assert list(plot.columns) == list(SERIES_DATA_COLUMNS)
    assert list(plot["year"]) == [2008, 2009, 2010, 2011]
    assert list(plot["status"].fillna("")) == ["pass", "pass", "FAIL", "FAIL"]


def test_a_target_compared_in_another_year_is_plotted_in_its_model_year(
    table: pd.DataFrame, series: pd.DataFrame
) -> None:
    data = series_data(DEPRESSION, table, series)
    target = data[data["status"].notna()]
    assert list(target["year"]) == [2011] and list(target["target_year"]) == [2023]
    assert len(data) == 4  # the trajectory in every model year, the target in one


def test_every_compared_target_series_has_a_human_label() -> None:
    unlabelled = [spec.key for spec in TARGET_MAP if series_label(spec.key) == spec.key]
    assert unlabelled == []
    assert series_label("nbs.some_new_series") == "nbs.some_new_series"
