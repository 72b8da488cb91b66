"""The report of a sensitivity study: ``migrant-health report`` on a study directory.

One self-contained HTML page, as a run's or a comparison's (:mod:`outcome_report`). It reads,
top to bottom:

1. **Study**: method and design, runs, seed, scale, years, the year the samples hold from,
   timings;
2. **Parameters**: each sampled parameter with its sampled bounds, documented range, default
   and unit;
3. **By output**: per output, the parameters ranked by their index (a chart with the 95 %
   intervals, and the table), and every run's output against each parameter's value;
4. **How to read it**: what the indices are, for the method of the study.

Everything comes from the study's own files (``sensitivity.json``, ``indices.parquet``,
``samples.parquet``), checked before anything is drawn (:mod:`~migrant_health.report.source`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from migrant_health.errors import StoreError
from migrant_health.report.downloads import csv_download, file_stem
from migrant_health.report.page import render_page
from migrant_health.report.page_chart import Chart, html_table
from migrant_health.report.sensitivity_charts import indices_chart, ranked, samples_chart
from migrant_health.report.source import Results

ProgressCallback = Callable[[int, int], None]


def _bounds(values: list[float] | None) -> str:
    if not values:
        return "-"
    low, high = values
    return f"{low:.4g} to {high:.4g}"


def _about(results: Results) -> dict[str, str]:
    meta = results.metadata
    config = meta.get("config", {})
    timings = meta.get("timings_seconds", {})
    from_year = config.get("from_year")
    about = {
        "study": results.name,
        "method": str(meta.get("method", "-")),
        "design": str(meta.get("design", "-")),
        "runs": f"{meta.get('runs', '-')} ({meta.get('samples', '-')} samples)",
        "years": f"{config.get('start', '-')}-{config.get('end', '-')}",
        "samples hold": f"from {from_year} (the defaults before)"
        if from_year is not None
        else "in every year",
        "persons per agent": f"{config.get('scale', '-'):,.0f}"
        if isinstance(config.get("scale"), int | float)
        else "-",
        "seed": str(config.get("seed", "-")),
        "common random numbers": "yes" if config.get("common_random_numbers") else "no",
        "time": f"{timings.get('total', float('nan')):.1f} s "
        f"({timings.get('per_run_mean', float('nan')):.2f} s a run)"
        if timings
        else "-",
        "written": f"{meta.get('created', '-')} by migrant_health {meta.get('version', '-')}",
    }
    return about


def _parameter_table(results: Results) -> pd.DataFrame:
    rows = [
        {
            "parameter": item["name"],
            "sampled": _bounds(item.get("bounds")),
            "documented range": _bounds(item.get("documented_range")),
            "default": item.get("default"),
            "unit": item.get("unit", ""),
        }
        for item in results.metadata.get("parameters", [])
    ]
    return pd.DataFrame(
        rows, columns=["parameter", "sampled", "documented range", "default", "unit"]
    )


def _check_columns(samples: pd.DataFrame, names: list[str], results: Results) -> None:
    missing = [name for name in names if name not in samples.columns]
    if missing:
        raise StoreError(
            f"{results.file('samples.parquet')}: lacks the column(s) {', '.join(missing)} that "
            "sensitivity.json names; was it written by another program? Run the study again"
        )


def build_sensitivity_report(
    results: Results, progress: ProgressCallback | None = None
) -> tuple[str, list[Chart]]:
    """Read a checked sensitivity study and render its page.

    Args:
        results: The study's directory (:func:`~migrant_health.report.source.open_results`).
        progress: Called with ``(charts_done, charts_total)`` while the charts are drawn.

    Returns:
        The page's HTML and its charts (for saving as files).

    Raises:
        StoreError: If ``samples.parquet`` lacks a parameter or output the study names.
    """
    meta = results.metadata
    method = str(meta["method"])
    indices = pd.read_parquet(results.file("indices.parquet"))
    samples = pd.read_parquet(results.file("samples.parquet"))
    parameters = [item["name"] for item in meta.get("parameters", [])]
    outputs = meta.get("outputs", [])
    _check_columns(samples, parameters + [item["name"] for item in outputs], results)
    charts: list[Chart] = []
    blocks: list[dict[str, Any]] = []
    for output in outputs:
        name, unit = output["name"], output.get("unit", "")
        table = ranked(indices[indices["output"] == name], method)
        stem = file_stem(name)
        shown = samples[["sample", *parameters, name]]
        charts.append(
            Chart(
                f"indices-{stem}",
                f"{name}: the parameters ranked",
                _indices_caption(method, unit),
                indices_chart(table, method, unit),
                table,
            )
        )
        charts.append(
            Chart(
                f"samples-{stem}",
                f"{name}: every run",
                f"the output ({unit}) of each of the {len(samples)} runs against each "
                "parameter's sampled value",
                samples_chart(samples, name, parameters, unit),
                shown,
            )
        )
        blocks.append({"name": name, "unit": unit, "table": html_table(table)})
    rendered = []
    for done, chart in enumerate(charts, start=1):
        rendered.append(chart.context())
        if progress is not None:
            progress(done, len(charts))
    for k, block in enumerate(blocks):
        block["charts"] = rendered[2 * k : 2 * k + 2]
    parameter_table = _parameter_table(results)
    html = render_page(
        "sensitivity_report.html.j2",
        f"migrant_health: sensitivity study {results.name}",
        [
            ("about", "Study"),
            ("parameters", "Parameters"),
            ("outputs", "By output"),
            ("method", "How to read it"),
        ],
        method=method,
        about=_about(results),
        parameters=html_table(parameter_table),
        parameters_csv=csv_download(parameter_table, "parameters.csv"),
        outputs=blocks,
        indices_csv=csv_download(indices, "indices.csv"),
        samples_csv=csv_download(samples, "samples.csv"),
        confidence=meta.get("confidence", 0.95),
    )
    return html, charts


def _indices_caption(method: str, unit: str) -> str:
    if method == "morris":
        return (
            f"bar: mu* in {unit}, the change of the output across the parameter's whole "
            "sampled range, with its 95 % interval; diamond: sigma, the spread of the effects"
        )
    return "bars: S1 (the parameter alone) and ST (with its interactions), with 95 % intervals"
