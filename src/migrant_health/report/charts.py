"""The charts of a run's or a comparison's report.

- :func:`series_chart`: one headline over the years; in a comparison, a line per scenario (the
  mean over replicates) in a band of the replicates' 5th to 95th percentiles;
- :func:`subgroup_chart`: one headline in the last year by subgroup; in a comparison, each
  scenario's delta against the baseline as a dot with its 90 % interval (a dot-and-interval
  chart), in a run the value as a dot.

Each chart is drawn from the frame that its CSV download holds (the values scaled for reading
only), so what a reader downloads is what the chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from migrant_health.report.figures import new_figure
from migrant_health.report.tables import dimension_label

if TYPE_CHECKING:  # pragma: no cover - types only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BASELINE_COLOUR = "#333333"
# Colour-blind-safe colours (Okabe and Ito) for the scenarios compared with the baseline.
SCENARIO_COLOURS: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
)
BAND_ALPHA = 0.18
#: Pixels per inch: sharp enough at the size shown (a time series about 300 px wide, a chart
#: by subgroup about 620 px) on a laptop; the fit report's few plots use more.
CHART_DPI = 130


def scenario_colours(scenarios: Sequence[str]) -> dict[str, str]:
    """Colour of each scenario: the first (the baseline) dark grey, the others in turn."""
    colours = {scenarios[0]: BASELINE_COLOUR} if scenarios else {}
    for k, name in enumerate(scenarios[1:]):
        colours[name] = SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]
    return colours


def _style(axes: Axes, unit: str) -> None:
    axes.tick_params(labelsize=6.5)
    axes.set_ylabel(unit, fontsize=6.5)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)


def series_chart(
    data: pd.DataFrame, scale: float, unit: str, scenarios: Sequence[str] | None = None
) -> Figure:
    """A headline over the years.

    Args:
        data: Rows of :func:`~migrant_health.report.tables.headline_series` for one headline.
        scale: Factor from the metric's unit to ``unit``.
        unit: The unit shown on the axis.
        scenarios: A comparison's scenarios (baseline first); ``None`` for a run.
    """
    from matplotlib.ticker import MaxNLocator

    # Fixed margins (the labels of a time series have a known size): a page draws about
    # twenty-five of these.
    figure = new_figure(3.3, 2.1, dpi=CHART_DPI, fitted=False)
    figure.subplots_adjust(left=0.16, right=0.98, top=0.97, bottom=0.11)
    axes = figure.add_subplot()
    if scenarios is None:
        axes.plot(data["year"], data["value"] * scale, color=SCENARIO_COLOURS[0], linewidth=1.4)
    else:
        colours = scenario_colours(scenarios)
        for name in scenarios:
            rows = data[data["scenario"] == name]
            if rows.empty:
                continue
            colour = colours[name]
            axes.fill_between(
                rows["year"],
                rows["value_lo"] * scale,
                rows["value_hi"] * scale,
                color=colour,
                alpha=BAND_ALPHA,
                linewidth=0,
            )
            axes.plot(rows["year"], rows["value"] * scale, color=colour, linewidth=1.2, label=name)
        axes.legend(fontsize=5.5, frameon=False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    _style(axes, unit)
    return figure


def _positions(data: pd.DataFrame) -> tuple[list[str], list[float], dict[tuple[str, str], float]]:
    """Rows of the chart, top to bottom: a gap between dimensions, labels ``dimension: value``."""
    labels: list[str] = []
    ticks: list[float] = []
    where: dict[tuple[str, str], float] = {}
    y = 0.0
    previous = None
    for dimension, subgroup in (
        data[["dimension", "subgroup"]].drop_duplicates().itertuples(index=False, name=None)
    ):
        if previous is not None and dimension != previous:
            y += 0.6
        previous = dimension
        where[(dimension, subgroup)] = y
        ticks.append(y)
        labels.append(f"{dimension_label(dimension)}: {subgroup}")
        y += 1.0
    return labels, ticks, where


def subgroup_chart(
    data: pd.DataFrame, scale: float, unit: str, scenarios: Sequence[str] | None = None
) -> Figure:
    """A headline in one year by subgroup: deltas with intervals, or a run's values.

    Args:
        data: Rows of :func:`~migrant_health.report.tables.subgroup_table` for one headline.
        scale: Factor from the metric's unit to ``unit``.
        unit: The unit shown on the axis (of a delta, for a comparison).
        scenarios: A comparison's scenarios (baseline first); ``None`` for a run.
    """
    labels, ticks, where = _positions(data)
    # Fixed margins in inches (room for the longest label, "integration stage: integration"),
    # not fitted: a fitted layout draws the figure twice.
    compared = list(scenarios[1:]) if scenarios is not None else []
    legend = 0.13 * len(compared) + 0.05 if compared else 0.0  # a legend row per scenario
    width, height = 4.4, 0.7 + legend + 0.15 * len(labels)
    figure = new_figure(width, height, dpi=CHART_DPI, fitted=False)
    figure.subplots_adjust(
        left=1.55 / width, right=0.97, top=1 - (0.1 + legend) / height, bottom=0.42 / height
    )
    axes = figure.add_subplot()
    rows = np.array([where[key] for key in zip(data["dimension"], data["subgroup"], strict=True)])
    if scenarios is None:
        axes.plot(data["value"] * scale, rows, "o", color=SCENARIO_COLOURS[0], markersize=3)
    else:
        colours = scenario_colours(scenarios)
        step = 0.7 / max(len(compared), 1)
        for k, name in enumerate(compared):
            mask = (data["scenario"] == name).to_numpy()
            if not mask.any():
                continue
            part = data[mask]
            y = rows[mask] + (k - (len(compared) - 1) / 2) * step
            axes.hlines(
                y,
                part["delta_lo"] * scale,
                part["delta_hi"] * scale,
                color=colours[name],
                linewidth=1.1,
            )
            axes.plot(
                part["delta"] * scale, y, "o", color=colours[name], markersize=2.6, label=name
            )
        axes.axvline(0.0, color="#999999", linewidth=0.7)
        # Above the chart, one scenario a row: never over a dot.
        axes.legend(
            fontsize=5.5, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=1
        )
    axes.set_yticks(ticks, labels, fontsize=6)
    axes.invert_yaxis()
    axes.tick_params(axis="x", labelsize=6.5)
    axes.set_xlabel(unit, fontsize=6.5)
    axes.grid(axis="x", color="#e5e5e5", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    return figure
