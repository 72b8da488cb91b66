"""Charts drawn on the server as inline SVG (matplotlib; no script or CDN in the browser)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

_Z = 1.96  # 95 % intervals
#: Year ticks drawn one by one up to this many; more (a projection over decades) are thinned.
_MAX_YEAR_TICKS = 12
SUPPRESSED = "suppressed"
NO_ANSWERS = "no answers"


def svg_of(figure: Figure) -> str:
    """A figure as an SVG element to inline in a page."""
    buffer = io.StringIO()
    # Text as text, not glyph paths: smaller pages, and screen readers and searches see it.
    with rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    # Drop the XML prologue and DOCTYPE: the SVG is inlined in an HTML page.
    return text[text.index("<svg") :]


def time_series_svg(
    table: pd.DataFrame,
    title: str,
    highlight: str | None = None,
    projection: pd.DataFrame | None = None,
    unit: str = "",
) -> str:
    """Lines of an indicator over years, one per region (``region``, ``year``, ``estimate``,
    ``se``), with 95 % bands; ``highlight`` and the national line are drawn thicker, and the
    simulation's national ``projection`` (``year``, ``estimate``) dashed. The x axis has the
    years of both; the y axis is labelled with the indicator's ``unit``."""
    figure = Figure(figsize=(7.5, 3.6))
    ax = figure.subplots()
    if projection is not None and not projection.empty:
        ax.plot(
            projection["year"],
            projection["estimate"],
            linestyle="--",
            color="black",
            linewidth=1.2,
            label="simulation (baseline, out-migrants)",
        )
    for region, part in table.dropna(subset=["estimate"]).groupby("region", sort=True):
        part = part.sort_values("year")
        bold = region in (highlight, "national")
        line = ax.plot(
            part["year"],
            part["estimate"],
            marker="o",
            label=str(region),
            linewidth=2.4 if bold else 1.0,
            alpha=1.0 if bold else 0.6,
        )[0]
        se = part["se"].fillna(0.0).to_numpy()
        ax.fill_between(
            part["year"],
            part["estimate"] - _Z * se,
            part["estimate"] + _Z * se,
            color=line.get_color(),
            alpha=0.15 if bold else 0.06,
            linewidth=0,
        )
    ax.set_title(title, fontsize=11)
    has_projection = projection is not None and not projection.empty
    ax.set_xlabel("year (survey waves; dashed: simulation)" if has_projection else "survey year")
    if unit:
        ax.set_ylabel(unit)
    ax.grid(alpha=0.3)
    years = set(table["year"].dropna().astype(int))
    if projection is not None and has_projection:
        years |= set(projection["year"].dropna().astype(int))
    if len(years) > _MAX_YEAR_TICKS:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=_MAX_YEAR_TICKS, integer=True))
    elif years:
        ax.set_xticks(sorted(years))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    else:
        ax.text(0.5, 0.5, "no published cells to show", ha="center", transform=ax.transAxes)
    return svg_of(figure)


def _blank_reasons(table: pd.DataFrame) -> list[str]:
    """Why each cell has no estimate: 'suppressed' (hidden in a shared view), 'no answers' (no
    respondent of the group has a value, n = 0: e.g. depressive symptoms of a wave whose
    instrument has no cut-off), "no estimate" (respondents, but no estimate), or '' (it has one)."""
    estimates = table["estimate"].astype(float).to_numpy()
    hidden = (
        table["suppressed"].fillna(False).astype(bool).to_numpy()
        if "suppressed" in table
        else np.zeros(len(table), dtype=bool)
    )
    counts = pd.to_numeric(table["n"], errors="coerce").fillna(0).to_numpy()
    reasons = []
    for value, is_hidden, n in zip(estimates, hidden, counts, strict=True):
        if not np.isnan(value):
            reasons.append("")
        elif is_hidden:
            reasons.append(SUPPRESSED)
        else:
            reasons.append(NO_ANSWERS if n == 0 else "no estimate")
    return reasons


def _bars(ax: Axes, table: pd.DataFrame, title: str, unit: str = "") -> None:
    positions = np.arange(len(table))
    estimates = table["estimate"].astype(float).to_numpy()
    errors = _Z * table["se"].astype(float).fillna(0.0).to_numpy()
    ax.bar(
        positions,
        np.nan_to_num(estimates),
        yerr=np.where(np.isnan(estimates), 0, errors),
        color="#3b6ea5",
        capsize=3,
    )
    for x, reason in zip(positions, _blank_reasons(table), strict=True):
        if reason:
            ax.text(float(x), 0.0, reason, rotation=90, ha="center", va="bottom", fontsize=8)
    if np.isnan(estimates).all():
        # Nothing to scale the axis by (matplotlib's default is -0.04 to 0.04): the range of
        # a share or a 0-1 score.
        ax.set_ylim(0.0, 1.0)
    ax.set_xticks(positions, [str(g) for g in table["group"]], fontsize=8, rotation=20)
    ax.set_title(title, fontsize=10)
    if unit:
        ax.set_ylabel(unit, fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def breakdown_svg(table: pd.DataFrame, title: str, unit: str = "") -> str:
    """Bars of an indicator by group (``group``, ``estimate``, ``se``, and ``suppressed`` in a
    shared view) with 95 % error bars, the y axis labelled with ``unit``; a cell without an
    estimate shows as an empty slot labelled 'suppressed' or 'no answers' (n = 0)."""
    figure = Figure(figsize=(7.5, 3.2))
    _bars(figure.subplots(), table, title, unit)
    return svg_of(figure)


def breakdowns_svg(table: pd.DataFrame, title: str, unit: str = "") -> str:
    """One panel per breakdown (``subgroup``) of an indicator, in one figure (one SVG is much
    quicker to draw than four)."""
    parts = [(str(s), p) for s, p in table.groupby("subgroup", sort=False) if s != "all"]
    figure = Figure(figsize=(10, 2.8 * ((len(parts) + 1) // 2)))
    axes = figure.subplots((len(parts) + 1) // 2, 2, squeeze=False).ravel()
    for ax, (subgroup, part) in zip(axes, parts, strict=False):
        _bars(ax, part, subgroup.replace("_", " "), unit)
    for ax in axes[len(parts) :]:
        ax.set_visible(False)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return svg_of(figure)
