"""The report of a comparison or a run: ``migrant-health report``, read as a user reads it.

A small real comparison (two strategies with their levers moved to 2010, 2 replicates,
2008-2013) gives a page with every section in order; its CSV links hold the numbers of the
comparison's own files (the subgroup table is ``deltas.parquet`` row for row, the bands are the
replicates' 5th and 95th percentiles recomputed here from ``aggregates.parquet``); the levers
say what each override means; the cost tables show when the directory holds them. A run gets
its own, shorter page. A wrong directory, a missing file or an unwritable ``--out`` is refused
with one message, exit status 2, and nothing written. The page as a browser shows it is checked
in ``test_report_browser.py``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health import StoreError, write_report
from migrant_health.cli.main import app
from migrant_health.params import ParameterTree
from migrant_health.report.outcome_report import SUBGROUP_CHARTS
from migrant_health.report.tables import HEADLINE_FIGURES
from report_fixtures import (
    END,
    LEVER_YEAR,
    SharedReport,
    shared_report,
    tiny_comparison,
    tiny_run,
)

COMPARISON_SECTIONS = ["about", "series", "subgroups", "levers", "costs", "method"]
RUN_SECTIONS = ["about", "series", "subgroups", "levers"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> SharedReport:
    return shared_report(tmp_path_factory)


@pytest.fixture(scope="module")
def comparison(shared: SharedReport) -> Path:
    """The small comparison (shared: read it, do not change it)."""
    return shared.comparison


@pytest.fixture(scope="module")
def page(shared: SharedReport) -> str:
    """Its report, written by the command line, with its charts as SVG files."""
    return shared.page.read_text(encoding="utf-8")


def _section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start : page.index("</section>", start)]


def _downloads(page: str) -> dict[str, pd.DataFrame]:
    """Every CSV link of the page, by file name, read back as a table."""
    found = re.findall(
        r'<a class="csv" href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"',
        page,
    )
    return {name: pd.read_csv(io.BytesIO(base64.b64decode(data))) for data, name in found}


def test_a_comparison_page_has_every_section_in_order(page: str, comparison: Path) -> None:
    positions = [page.index(f'<section id="{name}">') for name in COMPARISON_SECTIONS]
    assert positions == sorted(positions)
    navigation = page[page.index("<nav>") : page.index("</nav>")]
    assert re.findall(r'href="#(\w+)"', navigation) == COMPARISON_SECTIONS
    about = html.unescape(_section(page, "about"))
    assert f"2008-{END}" in about and "50,000" in about
    assert "fair_employment_2010, migrant_management_2010" in about


def test_the_page_loads_nothing_from_the_network(page: str) -> None:
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert re.findall(r'(?:src|href)="(?!data:|#)([^"]*)"', page) == []
    images = re.findall(r'<img src="data:image/png;base64,', page)
    assert len(images) == len(re.findall(r"<figure ", page)) > 20


def test_time_series_bands_are_the_replicates_5th_to_95th_percentiles(
    page: str, comparison: Path
) -> None:
    series = _downloads(page)["time-series.csv"]
    assert set(series["scenario"]) == {
        "baseline",
        "fair_employment_2010",
        "migrant_management_2010",
    }
    assert (series["value_lo"] <= series["value"] + 1e-12).all()
    assert (series["value"] <= series["value_hi"] + 1e-12).all()
    # Two replicates with their own seeds and parameter sets: the bands have a width.
    assert (series["value_hi"] > series["value_lo"]).mean() > 0.5

    aggregates = pd.read_parquet(comparison / "aggregates.parquet")
    replicates = aggregates.groupby(["scenario", "metric", "group", "year"])["value"]
    expected = pd.DataFrame(
        {"lo": replicates.quantile(0.05), "hi": replicates.quantile(0.95)}
    ).reset_index()
    both = series.merge(expected, on=["scenario", "metric", "group", "year"], validate="1:1")
    assert len(both) == len(series)
    assert np.allclose(both["value_lo"], both["lo"]) and np.allclose(both["value_hi"], both["hi"])


def test_each_time_series_chart_downloads_its_own_headline(page: str) -> None:
    downloads = _downloads(page)
    charts = re.findall(r'<figure id="(series-[^"]+)"', _section(page, "series"))
    assert len(charts) == len(HEADLINE_FIGURES)
    hours = downloads["series-share_over_44h.csv"]
    assert set(hours["metric"]) == {"share_over_44h"} and set(hours["group"]) == {"all"}
    assert sorted(set(hours["year"])) == list(range(2008, END + 1))


def test_subgroup_deltas_are_the_comparisons_deltas(page: str, comparison: Path) -> None:
    table = _downloads(page)["subgroups.csv"]
    deltas = pd.read_parquet(comparison / "deltas.parquet")
    assert set(table["year"]) == {END}
    assert "baseline" not in set(table["scenario"])  # its deltas are 0 by construction
    # Every subgroup the results hold, the arrival cohorts that follow people included.
    dimensions = {"sex", "age_band", "education", "city_tier", "origin_region", "arrival_cohort"}
    assert dimensions <= set(table["dimension"])
    both = table.merge(
        deltas, on=["scenario", "metric", "group", "year"], suffixes=("", "_stored"), how="left"
    )
    for column in ("baseline", "value", "delta", "delta_lo", "delta_hi"):
        assert np.allclose(both[column], both[f"{column}_stored"], equal_nan=True), column
    # The lever moves the hours of every subgroup of workers well before the last year.
    hours = table[(table["metric"] == "share_over_44h") & (table["dimension"] == "sex")]
    fair = hours[hours["scenario"] == "fair_employment_2010"]
    assert len(fair) == 2 and (fair["delta_hi"] < 0).all()


def test_the_pages_subgroup_table_leaves_out_rows_that_are_zero_in_every_run(page: str) -> None:
    """Hukou conversions among out-migrants by years in the city are 0 in every run (a convert
    is no out-migrant): such rows filled the page's table; the CSV keeps every row."""
    table = _downloads(page)["subgroups.csv"]
    numbers = ["baseline", "value", "delta", "delta_lo", "delta_hi"]
    zero = table[table[numbers].fillna(0.0).eq(0.0).all(axis=1)]
    shown = _section(page, "subgroups").count("<tr><td>")
    assert len(zero) > 0 and shown == len(table) - len(zero)


def test_subgroup_charts_show_a_dot_and_interval_per_scenario(page: str) -> None:
    section = _section(page, "subgroups")
    charts = re.findall(r'<figure id="(subgroups-[^"]+)"', section)
    assert len(charts) == len(SUBGROUP_CHARTS)
    data = _downloads(page)["subgroups-poor_health_share_status_out_migrant.csv"]
    assert set(data["headline_group"]) == {"status=out_migrant"}
    assert all(g.endswith("status=out_migrant") and "," in g for g in data["group"])
    assert "Every headline by subgroup" in section
    # The table shows the deltas with their intervals, shares in percentage points.
    assert "delta in percentage points" in section and "90 % interval" in section


def test_levers_say_what_each_override_stands_for(page: str, comparison: Path) -> None:
    section = html.unescape(_section(page, "levers"))
    tree = ParameterTree.load()
    levers = _downloads(page)["levers.csv"]
    assert set(levers["scenario"]) == {"fair_employment_2010", "migrant_management_2010"}
    for row in levers.to_dict("records"):
        spec = tree.spec(row["path"])
        assert row["path"] in section and spec.description in section
        assert row["unit"] == spec.unit
        assert str(LEVER_YEAR) in row["value"]  # as the comparison ran it
    assert "Seed section 4.1" in section  # the scenario's own description
    assert "No lever set: the shipped defaults." in section  # the baseline


def test_the_cost_section_says_whether_the_comparison_holds_cost_tables(
    page: str, comparison: Path
) -> None:
    section = _section(page, "costs")
    held = [
        name
        for name in ("costs.parquet", "cost_effectiveness.parquet")
        if (comparison / name).exists()
    ]
    assert ("No cost table in this comparison" in section) == (not held)
    assert all(name in section for name in held)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return tiny_comparison(tmp_path / "tiny")


def test_cost_files_are_shown_as_tables(tiny: Path, tmp_path: Path) -> None:
    priced = tiny
    costs = pd.DataFrame(
        {
            "scenario": ["shorter_hours"] * 2,
            "lever": ["policy.fair_employment.hours_reduction", "training"],
            "unit": ["hours/week", "share"],
            "reached_person_years": [1.5e8, 2.0e7],
            "cost_bn_cny_discounted": [12.25, 3.5],
        }
    )
    effect = pd.DataFrame(
        {
            "scenario": ["shorter_hours"],
            "outcome": ["poor-health person-years"],
            "unit": ["person-years"],
            "averted": [81234.0],
            "averted_lo": [60000.0],
            "averted_hi": [99000.0],
            "cost_bn_cny_discounted": [15.75],
            "cost_per_outcome_cny": [193884.0],
        }
    )
    costs.to_parquet(priced / "costs.parquet")
    effect.to_parquet(priced / "cost_effectiveness.parquet")
    out = write_report(priced, tmp_path / "priced.html")
    section = _section(out.read_text(encoding="utf-8"), "costs")
    assert "No cost table" not in section
    assert "Fiscal cost of each lever" in section and "cost per outcome" in section
    assert "193,884" in section and "12.25" in section
    downloads = _downloads(section)
    pd.testing.assert_frame_equal(downloads["costs.csv"], costs)
    assert downloads["cost_effectiveness.csv"]["averted"].tolist() == [81234.0]


def test_figures_are_saved_as_svg_files(page: str, shared: SharedReport) -> None:
    figures = sorted(shared.figures.iterdir())
    names = re.findall(r'<figure id="([^"]+)"', page)
    assert [f.stem for f in figures] == sorted(names)
    assert all(f.suffix == ".svg" and "<svg" in f.read_text()[:2000] for f in figures)


def test_a_run_gets_its_settings_series_subgroups_and_scenario(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    run = tiny_run(runs / "small-run")
    out = tmp_path / "run.html"
    # By id, as `runs show` takes it.
    arguments = ["report", "small-run", "--runs", str(runs), "--out", str(out)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    positions = [page.index(f'<section id="{name}">') for name in RUN_SECTIONS]
    assert positions == sorted(positions) and '<section id="costs">' not in page
    about = html.unescape(_section(page, "about"))
    assert "2008-2010" in about and "shorter_hours" in about and "20,000" in about
    levers = html.unescape(_section(page, "levers"))
    hours = ParameterTree.load().spec("policy.fair_employment.hours_reduction")
    assert "a working-time rule from 2009" in levers and hours.description in levers
    assert "2009: 6" in levers and hours.unit in levers
    aggregates = pd.read_parquet(run / "aggregates.parquet")
    downloads = _downloads(page)
    values = downloads["subgroups.csv"].merge(
        aggregates, on=["metric", "group", "year"], suffixes=("", "_stored")
    )
    assert sorted(values["group"]) == ["sex=female", "sex=male"]
    assert (values["value"] == values["value_stored"]).all()
    series = downloads["series-share_over_44h.csv"]
    assert series["year"].tolist() == [2008, 2009, 2010] and (series["value"] == 0.6).all()


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", *args])
    return result.exit_code, " ".join(result.output.split())


def test_a_directory_of_no_known_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    out = tmp_path / "r.html"
    code, message = _report(str(tmp_path / "notes"), "--out", str(out))
    assert code == 2 and "not a run, comparison or sensitivity directory" in message
    assert "Traceback" not in message
    assert not out.exists()


def test_a_comparison_missing_its_deltas_is_refused(tiny: Path, tmp_path: Path) -> None:
    broken = tiny
    (broken / "deltas.parquet").unlink()
    out = tmp_path / "r.html"
    code, message = _report(str(broken), "--out", str(out))
    assert code == 2 and "lacks deltas.parquet" in message
    assert not out.exists()
    with pytest.raises(StoreError, match=r"lacks deltas\.parquet"):
        write_report(broken, out)


def test_a_file_that_is_not_parquet_is_named(tiny: Path, tmp_path: Path) -> None:
    (tiny / "aggregates.parquet").write_text("year,metric,group,value\n")
    out = tmp_path / "r.html"
    code, message = _report(str(tiny), "--out", str(out))
    assert code == 2 and "aggregates.parquet: not readable as Parquet" in message
    assert not out.exists()


def test_an_unknown_id_names_the_closest(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    tiny_comparison(runs / "small-comparison")
    code, message = _report(
        "small-comparisn", "--runs", str(runs), "--out", str(tmp_path / "r.html")
    )
    assert code == 2 and "closest: small-comparison" in message


def test_an_unwritable_out_is_refused_before_anything_is_drawn(tiny: Path, tmp_path: Path) -> None:
    comparison = tiny
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, message = _report(
        str(comparison), "--out", str(blocker / "r.html"), "--figures", str(tmp_path / "figs")
    )
    assert code == 2 and "cannot write the report" in message
    assert not (tmp_path / "figs").exists()
    code, message = _report(
        str(comparison), "--out", str(tmp_path / "r.html"), "--figures", str(blocker)
    )
    assert code == 2 and "--figures" in message and "is a file" in message
    assert not (tmp_path / "r.html").exists()


def test_a_health_gap_is_shown_in_points_not_percent() -> None:
    """A gap is a difference of two shares: its charts read percentage points (they said %)."""
    from migrant_health.model import default_plan
    from migrant_health.report.tables import display_unit

    units = {m.name: m.unit for m in default_plan().metrics}
    for gap in ("health_gap_urban_rural", "health_gap_residence"):
        assert display_unit(units[gap], 100.0) == "percentage points"
    assert display_unit(units["poor_health_share"], 100.0) == "%"
