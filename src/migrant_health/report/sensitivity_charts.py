"""The charts of a sensitivity study's report, one pair per output.

- :func:`indices_chart`: the parameters ranked by their index. Morris: a bar of ``mu_star``
  with its 95 % interval and a diamond at ``sigma``, both in the output's unit (a diamond
  beyond its bar: the effect depends on the other parameters or is not linear). Sobol: ``S1``
  and ``ST`` bars with their intervals, as shares of the output's variance.
- :func:`samples_chart`: the output of every run against each parameter's sampled value, one
  small panel per parameter; what the indices summarise, shown whole.

Each chart is drawn from the frame its CSV download holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from migrant_health.report.charts import CHART_DPI, SCENARIO_COLOURS
from migrant_health.report.figures import new_figure

if TYPE_CHECKING:  # pragma: no cover - types only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The index a study's parameters are ranked by, and the bars drawn, per method.
RANKED_BY = {"morris": "mu_star", "sobol": "ST"}
BARS = {"morris": ("mu_star",), "sobol": ("S1", "ST")}
SAMPLE_PANELS_PER_ROW = 3


def ranked(indices: pd.DataFrame, method: str) -> pd.DataFrame:
    """One output's indices as a table, a row per parameter, the most influential first.

    Args:
        indices: The rows of ``indices.parquet`` for one output.
        method: ``morris`` or ``sobol``.

    Returns:
        Columns ``parameter`` and, per index, its value and (where SALib gives one) the
        half-width of its 95 % interval as ``<index>_conf``.
    """
    values = indices.pivot(index="parameter", columns="index", values="value")
    conf = indices.pivot(index="parameter", columns="index", values="conf")
    table = values.copy()
    for name in conf.columns:
        if conf[name].notna().any():
            table[f"{name}_conf"] = conf[name]
    order = list(dict.fromkeys(indices["parameter"]))
    table = table.reindex(order)
    key = RANKED_BY[method]
    # A stable sort: parameters of equal effect (exact zeros) keep the study's order.
    table = table.sort_values(key, ascending=False, kind="stable", na_position="last")
    columns = [c for c in _column_order(method) if c in table.columns]
    return table[columns].reset_index()


def _column_order(method: str) -> tuple[str, ...]:
    if method == "morris":
        return ("mu_star", "mu_star_conf", "sigma", "mu")
    return ("S1", "S1_conf", "ST", "ST_conf")


def _style(axes: Axes) -> None:
    axes.tick_params(labelsize=6.5)
    axes.spines[["top", "right"]].set_visible(False)


def indices_chart(table: pd.DataFrame, method: str, unit: str) -> Figure:
    """The parameters of one output ranked by their index (a table of :func:`ranked`).

    Args:
        table: :func:`ranked` of one output.
        method: ``morris`` or ``sobol``.
        unit: The output's unit (Morris indices are in it).
    """
    rows = len(table)
    figure = new_figure(6.2, 0.9 + 0.32 * rows, dpi=CHART_DPI)
    axes = figure.add_subplot()
    positions = np.arange(rows)
    bars = BARS[method]
    height = 0.8 / len(bars)
    for k, name in enumerate(bars):
        offset = (k - (len(bars) - 1) / 2) * height
        conf = table.get(f"{name}_conf")
        axes.barh(
            positions + offset,
            table[name].to_numpy(dtype=float),
            height * 0.9,
            xerr=None if conf is None else np.nan_to_num(conf.to_numpy(dtype=float)),
            capsize=2,
            color=SCENARIO_COLOURS[k],
            label=name,
        )
    if method == "morris":
        axes.plot(
            table["sigma"].to_numpy(dtype=float),
            positions,
            "D",
            color="#333333",
            markersize=4,
            label="sigma",
        )
        axes.set_xlabel(f"mu* and sigma ({unit}, over the sampled range)", fontsize=7)
    else:
        axes.set_xlabel("share of the output's variance", fontsize=7)
    axes.set_yticks(positions, list(table["parameter"]), fontsize=6.5)
    axes.invert_yaxis()
    axes.axvline(0.0, color="#999999", linewidth=0.6)
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    axes.legend(fontsize=6.5, loc="lower right")
    _style(axes)
    return figure


def samples_chart(
    samples: pd.DataFrame, output: str, parameters: Sequence[str], unit: str
) -> Figure:
    """Every run's ``output`` against each parameter's sampled value, a panel per parameter.

    Args:
        samples: ``samples.parquet``: a row per run, a column per parameter and output.
        output: The output's column.
        parameters: The parameters' columns, in the order of the panels.
        unit: The output's unit (the panels' y axis).
    """
    columns = min(SAMPLE_PANELS_PER_ROW, len(parameters))
    rows = math.ceil(len(parameters) / columns)
    figure = new_figure(2.3 * columns, 0.4 + 1.9 * rows, dpi=CHART_DPI)
    grid = figure.subplots(rows, columns, squeeze=False, sharey=True)
    y = samples[output].to_numpy(dtype=float)
    for k, axes in enumerate(grid.ravel()):
        if k >= len(parameters):
            axes.set_visible(False)
            continue
        name = parameters[k]
        axes.plot(
            samples[name].to_numpy(dtype=float),
            y,
            "o",
            markersize=3,
            alpha=0.6,
            color=SCENARIO_COLOURS[0],
        )
        axes.set_xlabel(name, fontsize=6)
        if k % columns == 0:
            axes.set_ylabel(unit, fontsize=6.5)
        axes.grid(color="#eeeeee", linewidth=0.5)
        _style(axes)
    return figure
