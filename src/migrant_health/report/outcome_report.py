"""The report of a run or a comparison: ``migrant-health report``, :func:`write_report`.

One self-contained HTML page (the skeleton of :mod:`~migrant_health.report.page`: styles
inline, figures as embedded PNGs, every chart's data as a CSV download inside the page, nothing
loaded from the network). For a comparison it reads, top to bottom:

1. **Comparison**: settings, scenarios, replicates and how their parameter sets were drawn;
2. **Time series** of the headline figures, baseline and each scenario, with 90 % bands over
   replicates;
3. **By subgroup**: each scenario's delta against the baseline in the last year, by sex, age
   band, education, city tier, origin region, arrival cohort, years in the city, status ...
   (whatever groups the results hold), as dot-and-interval charts and one table;
4. **Levers**: what each scenario stands for and each override with its meaning, unit, seed
   section and baseline value;
5. **Costs**: the comparison's cost tables if it holds them;
6. **How to read it**: what the bands and intervals are.

For a run: its settings, the headline time series, the last year by subgroup, and its scenario.
Charts can also be saved as SVG or PNG files (``figures``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from migrant_health.errors import RunConfigError
from migrant_health.params import ParameterTree
from migrant_health.report.charts import scenario_colours, series_chart, subgroup_chart
from migrant_health.report.costs import read_cost_tables
from migrant_health.report.downloads import csv_download, file_stem
from migrant_health.report.figures import check_figure_format, save_figure
from migrant_health.report.levers import lever_rows, lever_table
from migrant_health.report.page import render_page, write_page
from migrant_health.report.page_chart import Chart, html_table, number_text
from migrant_health.report.sensitivity_report import build_sensitivity_report
from migrant_health.report.source import Results, open_results
from migrant_health.report.tables import (
    HEADLINE_FIGURES,
    Headline,
    dimension_label,
    display_unit,
    headline_series,
    subgroup_table,
)
from migrant_health.setting_names import setting
from migrant_health.store import RUNS
from migrant_health.value_text import value_text as shown_value
from migrant_health.writable import check_can_write

if TYPE_CHECKING:  # pragma: no cover - types only
    pass

#: The headlines charted by subgroup (the table holds every headline): what the seed's
#: strategies act on and the outcomes issue 11 asks about.
SUBGROUP_CHARTS: tuple[str, ...] = (
    "share_over_44h",
    "monthly_income_mean",
    "insured_destination_share",
    "stay_intention_share",
    "integration_index",
    "integration_identity",
    "poor_health_share [status=out_migrant]",
    "depression_share [status=out_migrant]",
    "returns_health_driven",
    "hukou_conversions",
)
ProgressCallback = Callable[[int, int], None]


def _units() -> dict[str, str]:
    from migrant_health.model import default_plan

    return {m.name: m.unit for m in default_plan().metrics}


def _shown(x: float, headline: Headline, signed: bool = False) -> str:
    """A number in a headline's format, without its ``%`` (the unit column says it)."""
    if x is None or not math.isfinite(x):
        return "-"
    text = headline.fmt.replace("%", "").replace("+", "").format(x * headline.scale)
    return f"+{text}" if signed and not text.startswith("-") and x != 0 else text


def _scenario_names(results: Results) -> list[str] | None:
    if results.kind != "comparison":
        return None
    return [str(s["name"]) for s in results.metadata["scenarios"]]


def _series_charts(
    series: pd.DataFrame, units: dict[str, str], scenarios: list[str] | None
) -> list[Chart]:
    charts = []
    for headline in HEADLINE_FIGURES:
        data = series[(series["metric"] == headline.metric) & (series["group"] == headline.group)]
        if data.empty:
            continue
        unit = display_unit(units.get(headline.metric, ""), headline.scale)
        what = "mean over replicates, band: 90 % of replicates" if scenarios else "the run"
        charts.append(
            Chart(
                name=f"series-{file_stem(headline.key)}",
                title=headline.label,
                caption=f"{unit}; {what}",
                figure=series_chart(data, headline.scale, unit, scenarios),
                data=data.reset_index(drop=True),
            )
        )
    return charts


def _subgroup_charts(
    table: pd.DataFrame, units: dict[str, str], scenarios: list[str] | None, year: int
) -> list[Chart]:
    charts = []
    for headline in HEADLINE_FIGURES:
        if headline.key not in SUBGROUP_CHARTS:
            continue
        data = table[(table["metric"] == headline.metric) & (table["label"] == headline.label)]
        if data.empty:
            continue
        unit = display_unit(units.get(headline.metric, ""), headline.scale, delta=bool(scenarios))
        what = (
            f"delta against the baseline in {year}, line: 90 % interval over replicates"
            if scenarios
            else f"value in {year}"
        )
        charts.append(
            Chart(
                name=f"subgroups-{file_stem(headline.key)}",
                title=headline.label,
                caption=f"{unit}; {what}",
                figure=subgroup_chart(data, headline.scale, unit, scenarios),
                data=data.reset_index(drop=True),
            )
        )
    return charts


def _subgroup_blocks(
    table: pd.DataFrame, units: dict[str, str], comparison: bool
) -> list[dict[str, Any]]:
    """The subgroup table on the page: one block per headline, rows formatted."""
    blocks = []
    # A subgroup where the metric is 0 in every run says nothing (hukou conversions among
    # out-migrants by years in the city: a convert is no out-migrant): left out of the page's
    # table, kept in its CSV.
    numbers = ["baseline", "value", "delta", "delta_lo", "delta_hi"] if comparison else ["value"]
    table = table[~table[numbers].fillna(0.0).eq(0.0).all(axis=1)]
    for headline in HEADLINE_FIGURES:
        rows = table[(table["metric"] == headline.metric) & (table["label"] == headline.label)]
        if rows.empty:
            continue
        unit = units.get(headline.metric, "")
        shown = []
        for row in rows.to_dict("records"):
            cells = {
                "dimension": dimension_label(str(row["dimension"])),
                "subgroup": str(row["subgroup"]),
            }
            if comparison:
                cells |= {
                    "scenario": str(row["scenario"]),
                    "baseline": _shown(row["baseline"], headline),
                    "value": _shown(row["value"], headline),
                    "delta": _shown(row["delta"], headline, signed=True),
                    "interval": f"[{_shown(row['delta_lo'], headline)}, "
                    f"{_shown(row['delta_hi'], headline)}]",
                }
            else:
                cells["value"] = _shown(row["value"], headline)
            shown.append(cells)
        blocks.append(
            {
                "label": headline.label,
                "key": headline.key,
                "unit": display_unit(unit, headline.scale),
                "delta_unit": display_unit(unit, headline.scale, delta=True),
                "rows": shown,
            }
        )
    return blocks


def _about(results: Results) -> dict[str, str]:
    """The settings shown first: what was run, when, by which version."""
    meta = results.metadata
    config = meta.get("config", {})
    about = {
        "directory": str(results.directory),
        "created": str(meta.get("created", "")),
        "package version": str(meta.get("version", "")),
        "years": f"{config.get('start')}-{config.get('end')}",
        "persons per agent": number_text(config.get("scale")),
        "seed": str(config.get("seed")),
    }
    if results.kind == "comparison":
        about["scenarios"] = ", ".join(_scenario_names(results) or [])
        about["replicates"] = str(meta.get("replicates"))
        draws = meta.get("parameter_draws") or {}
        if draws.get("rule"):
            about["parameter sets"] = f"{draws['rule']} (study {draws.get('study', '?')})"
        if meta.get("interval") is not None:
            about["interval"] = f"{float(meta['interval']):.0%} over replicates"
    else:
        scenario = config.get("scenario") or {}
        about["scenario"] = str(scenario.get("name", "baseline (the shipped defaults)"))
        if meta.get("agents") is not None:
            about["agents"] = number_text(meta["agents"])
        if meta.get("agent_years") is not None:
            about["agent-years"] = number_text(meta["agent_years"])
    seconds = (meta.get("timings_seconds") or {}).get("total")
    if isinstance(seconds, int | float):
        about["wall time"] = f"{seconds:.1f} s"
    return about


def _recorded_scenarios(results: Results) -> list[dict[str, Any]]:
    if results.kind == "comparison":
        return [dict(s) for s in results.metadata["scenarios"]]
    scenario = (results.metadata.get("config") or {}).get("scenario")
    return [dict(scenario)] if scenario else []


def _lever_blocks(scenarios: list[dict[str, Any]], tree: ParameterTree) -> list[dict[str, Any]]:
    blocks = []
    for scenario in scenarios:
        rows = [
            {
                **row,
                "value": shown_value(row["value"]),
                "baseline": shown_value(row["baseline"]) if row["baseline"] is not None else "-",
            }
            for row in lever_rows(scenario, tree)
        ]
        blocks.append(
            {
                "name": str(scenario.get("name", "")),
                "origin": str(scenario.get("origin", "")),
                "description": " ".join(str(scenario.get("description", "")).split()),
                "rows": rows,
            }
        )
    return blocks


@dataclass
class Report:
    """A rendered report: the page and its charts (for :func:`save_charts`)."""

    html: str
    charts: list[Chart]


def build_report(results: Results, progress: ProgressCallback | None = None) -> Report:
    """Read a checked run, comparison or sensitivity directory and render its page.

    Args:
        results: The directory (:func:`~migrant_health.report.source.open_results`).
        progress: Called with ``(charts_done, charts_total)`` while the charts are drawn.
    """
    if results.kind == "sensitivity":
        return Report(*build_sensitivity_report(results, progress))
    scenarios = _scenario_names(results)
    comparison = scenarios is not None
    config = results.metadata["config"]
    year = int(config["end"])
    units = _units()
    series = headline_series(results.file("aggregates.parquet"), scenarios)
    by_group = subgroup_table(
        results.file("deltas.parquet" if comparison else "aggregates.parquet"), year, scenarios
    )
    charts = _series_charts(series, units, scenarios)
    series_count = len(charts)
    charts += _subgroup_charts(by_group, units, scenarios, year)
    rendered = []
    for done, chart in enumerate(charts, start=1):
        rendered.append(chart.context())
        if progress is not None:
            progress(done, len(charts))
    scenario_records = _recorded_scenarios(results)
    tree = ParameterTree.load()
    costs = read_cost_tables(results.directory) if comparison else []
    kind = "comparison" if comparison else "run"
    sections = [
        ("about", kind.capitalize()),
        ("series", "Time series"),
        ("subgroups", f"By subgroup, {year}"),
        ("levers", "Levers" if comparison else "Scenario"),
    ]
    if comparison:
        sections += [("costs", "Costs"), ("method", "How to read it")]
    html = render_page(
        "outcome_report.html.j2",
        f"migrant_health: {kind} {results.name}",
        sections,
        kind=kind,
        year=year,
        about=_about(results),
        colours=scenario_colours(scenarios) if scenarios else {},
        scenarios=scenarios or [],
        series_charts=rendered[:series_count],
        series_csv=csv_download(series, "time-series.csv"),
        subgroup_charts=rendered[series_count:],
        subgroup_blocks=_subgroup_blocks(by_group, units, comparison),
        subgroup_csv=csv_download(by_group, "subgroups.csv"),
        levers=_lever_blocks(scenario_records, tree),
        levers_csv=csv_download(lever_table(scenario_records, tree), "levers.csv"),
        costs=[
            {
                "file": cost.file,
                "heading": cost.heading,
                "table": html_table(cost.frame),
                "csv": csv_download(cost.frame, cost.file.replace(".parquet", ".csv")),
            }
            for cost in costs
        ],
        interval=results.metadata.get("interval", 0.9),
        replicates=results.metadata.get("replicates"),
    )
    return Report(html, charts)


def save_charts(charts: Sequence[Chart], folder: Path, file_format: str) -> list[Path]:
    """Save every chart as ``folder/<name>.<format>``; return the paths."""
    return [save_figure(c.figure, folder, c.name, file_format) for c in charts]


def write_report(
    target: str | Path,
    out: str | Path,
    *,
    figures: str | Path | None = None,
    figure_format: str = "svg",
    runs: str | Path = RUNS,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write the HTML report of a run, a comparison or a sensitivity study (and, optionally, its
    charts as files).

    Everything is checked before anything is drawn or written: the directory (a run's, a
    comparison's or a study's, with the files it must hold), ``out`` and ``figures`` (their
    folders must be writable). The page is written atomically; so is each figure file.

    Example::

        from migrant_health import write_report

        write_report("runs/comparison-20261201-101500", out="comparison.html")

    Args:
        target: A run, comparison or sensitivity directory, or the id of one in ``runs``.
        out: The HTML file to write (replaced if it exists).
        figures: A folder to save every chart in as well (created if missing).
        figure_format: ``svg`` or ``png``, for ``figures``.
        runs: The runs folder an id is looked up in.
        progress: Called with ``(charts_done, charts_total)`` while the charts are drawn.

    Returns:
        The page's path.

    Raises:
        StoreError: if ``target`` is not a run, comparison or sensitivity directory, lacks a
            file, or names no directory of the runs folder.
        RunConfigError: if ``out`` or ``figures`` cannot be written, or the format is unknown.
    """
    check_figure_format(figure_format)
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise RunConfigError(
            f"{setting('out', str(out))} must be an .html file (the report is one HTML page)"
        )
    check_can_write(out, "out", what="the report")
    if figures is not None:
        check_can_write(figures, "figures", directory=True, what="the figures folder")
    results = open_results(target, runs)
    report = build_report(results, progress)
    if figures is not None:
        save_charts(report.charts, Path(figures), figure_format)
    return write_page(out, report.html)
