"""A self-contained HTML page of a run's fit to the calibration targets.

The page holds the fit table (failures in red), one plot per target series (the model's
trajectory over the run's years against the targets with their tolerance), the targets that
were skipped with the reason, and how tolerances are set. Plots are PNG images embedded as
base64 ``data:`` URIs, so the single file can be mailed or archived. The file is written
atomically (a temporary file beside the target, then a rename).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment

from migrant_health.atomic import atomic_path

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
 body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
        max-width: 1200px; color: #222; line-height: 1.4; }
 h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
 table { border-collapse: collapse; font-size: 0.85em; width: 100%; }
 th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left;
          vertical-align: top; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
 tr.fail td.status { color: #b00020; font-weight: bold; }
 tr.pass td.status { color: #1b7f3b; font-weight: bold; }
 .verdict { padding: 0.6em 1em; border-radius: 4px; font-weight: bold; }
 .verdict.bad { background: #fdecea; color: #b00020; }
 .verdict.good { background: #e8f5e9; color: #1b7f3b; }
 .grid { display: flex; flex-wrap: wrap; gap: 12px; }
 .grid figure { margin: 0; width: 380px; }
 .grid img { width: 380px; }
 figcaption { font-size: 0.75em; color: #555; }
 .caveat { color: #555; font-size: 0.9em; }
 dl.meta dt { font-weight: bold; float: left; clear: left; width: 11em; }
 dl.meta dd { margin-left: 11.5em; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<dl class="meta">
{% for name, value in meta.items() %}<dt>{{ name }}</dt><dd>{{ value }}</dd>
{% endfor %}</dl>
<p class="verdict {{ 'good' if failed == 0 else 'bad' }}">
{{ passed }} of {{ total }} targets within tolerance;
{% if failed %}{{ failed }} fail: the model does not reproduce them at these parameters.
{% else %}none fails.{% endif %}
Objective J = {{ objective }} (weighted mean of (error / tolerance)&sup2;).</p>

<h2>Fit table</h2>
<p class="caveat">Values in each target's unit. Error = model &minus; target (0 inside a
range). A target passes when |error| &le; tolerance, where tolerance = max(half-width of the
source's 95% CI, 2 &times; Monte Carlo SE of the model value, a floor: counts 3&nbsp;%, shares
3 points, means 5&nbsp;%, CMDS index levels 0.05). SE: {{ se_method }}.</p>
<table>
<thead><tr><th>target</th><th>year</th><th>unit</th><th>observed</th><th>model</th>
<th>error</th><th>tolerance</th><th>status</th><th>model quantity</th><th>caveat</th></tr>
</thead>
<tbody>
{% for row in rows %}<tr class="{{ 'pass' if row.pass else 'fail' }}">
<td>{{ row.key }}</td><td class="num">{{ row.year }}</td><td>{{ row.unit }}</td>
<td class="num">{{ row.observed }}</td><td class="num">{{ row.model }}</td>
<td class="num">{{ row.error }}</td><td class="num">{{ row.tolerance }}</td>
<td class="status">{{ 'pass' if row.pass else 'FAIL' }}</td>
<td>{{ row.quantity }}</td><td class="caveat">{{ row.caveat }}</td></tr>
{% endfor %}</tbody>
</table>

<h2>Model against targets, series by series</h2>
<p class="caveat">Line: the model's value in every simulated year. Points: targets, with
bars of &plusmn; tolerance (green: pass, red: fail; a range target is drawn as its range
widened by the tolerance).</p>
<div class="grid">
{% for plot in plots %}<figure><img src="data:image/png;base64,{{ plot.png }}"
 alt="{{ plot.key }}"><figcaption>{{ plot.key }}: {{ plot.quantity }}</figcaption></figure>
{% endfor %}</div>

<h2>Targets not compared ({{ skipped|length }} series)</h2>
<table>
<thead><tr><th>target</th><th>years</th><th>reason</th></tr></thead>
<tbody>
{% for row in skipped %}<tr><td>{{ row.key }}</td><td>{{ row.years }}</td>
<td class="caveat">{{ row.reason }}</td></tr>
{% endfor %}</tbody>
</table>
</body>
</html>
"""


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


def plot_series(key: str, table: pd.DataFrame, series: pd.DataFrame) -> str:
    """One series: model trajectory and targets with tolerance bars, as base64 PNG."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(4.6, 2.9), dpi=90)
    figure.subplots_adjust(left=0.17, right=0.97, top=0.9, bottom=0.12)
    axes = figure.add_subplot()
    line = series[series["key"] == key].sort_values("year")
    axes.plot(line["year"], line["model"], color="#1f4e79", linewidth=1.6, label="model")
    rows = table[table["key"] == key]
    for passed, colour in ((True, "#1b7f3b"), (False, "#b00020")):
        part = rows[rows["pass"] == passed]
        if part.empty:
            continue
        centre = (part["observed_low"] + part["observed_high"]) / 2
        half = (part["observed_high"] - part["observed_low"]) / 2 + part["tolerance"]
        axes.errorbar(
            part["model_year"],
            centre,
            yerr=half,
            fmt="o",
            color=colour,
            markersize=4,
            capsize=3,
            label="target (pass)" if passed else "target (fail)",
        )
    unit = str(rows["unit"].iloc[0]) if len(rows) else ""
    axes.set_title(key, fontsize=9)
    axes.set_ylabel(unit[:40], fontsize=8)
    axes.tick_params(labelsize=7)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(fontsize=7, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


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
        meta: Run settings shown at the top (name -> text).
        objective: The calibration objective of the table.
        se_method: How the Monte Carlo standard errors were obtained.
        title: Page title.
    """
    rows = [
        {
            "key": r["key"],
            "year": int(r["year"]),
            "unit": r["unit"],
            "observed": _observed(r),
            "model": _number(float(r["model"])),
            "error": _number(float(r["error"])),
            "tolerance": _number(float(r["tolerance"])),
            "pass": bool(r["pass"]),
            "quantity": r["quantity"],
            "caveat": r["caveat"],
        }
        for r in table.to_dict("records")
    ]
    plots = [
        {
            "key": key,
            "quantity": str(table.loc[table["key"] == key, "quantity"].iloc[0]),
            "png": plot_series(key, table, series),
        }
        for key in dict.fromkeys(table["key"])
    ]
    skipped_rows = []
    for key, part in skipped.groupby("key", sort=False):
        years = sorted({int(y) for y in part["year"].dropna()})
        skipped_rows.append(
            {
                "key": key,
                "years": ", ".join(str(y) for y in years) or "-",
                "reason": str(part["reason"].iloc[0]),
            }
        )
    passed = int(table["pass"].sum())
    environment = Environment(autoescape=True, keep_trailing_newline=True)
    return environment.from_string(_TEMPLATE).render(
        title=title,
        meta=meta,
        passed=passed,
        total=len(table),
        failed=len(table) - passed,
        objective=f"{objective:.4g}",
        se_method=se_method,
        rows=rows,
        plots=plots,
        skipped=skipped_rows,
    )


def write_fit_report(path: str | Path, html: str) -> Path:
    """Write the page atomically: a temporary file beside ``path``, then a rename."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
