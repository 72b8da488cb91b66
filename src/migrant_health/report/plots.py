"""One plot per target series: the model's trajectory against its targets and tolerance.

The plot and its CSV download are drawn from the same frame (:func:`series_data`), so what a
reader downloads is exactly what the plot shows.
"""

from __future__ import annotations

import pandas as pd

from migrant_health.report.figures import new_figure, png_base64

#: Columns of :func:`series_data`.
SERIES_DATA_COLUMNS: tuple[str, ...] = (
    "year",
    "model",
    "target_year",
    "observed",
    "observed_low",
    "observed_high",
    "tolerance",
    "status",
)
_PASS, _FAIL, _LINE = "#1b7f3b", "#b00020", "#1f4e79"


def series_data(key: str, table: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """The model and the targets of one series, one row per model year.

    Args:
        key: Target key.
        table: The fit table (:func:`~migrant_health.experiments.fit.fit_table`).
        series: ``key, year, model`` for every simulated year, in target units.

    Returns:
        Columns :data:`SERIES_DATA_COLUMNS`: ``year`` is the model year, ``target_year`` the
        year the target was published for (they differ for literature figures compared in
        another year); the target columns are empty in years without a target, and
        ``status`` is ``pass`` or ``FAIL``.
    """
    line = series.loc[series["key"] == key, ["year", "model"]].astype({"year": int})
    rows = table[table["key"] == key]
    targets = pd.DataFrame(
        {
            "year": rows["model_year"].astype(int),
            "target_year": rows["year"].astype(int),
            "observed": rows["observed"],
            "observed_low": rows["observed_low"],
            "observed_high": rows["observed_high"],
            "tolerance": rows["tolerance"],
            "status": rows["pass"].map({True: "pass", False: "FAIL"}),
        }
    )
    merged = line.merge(targets, on="year", how="outer").sort_values("year", kind="stable")
    merged["target_year"] = merged["target_year"].astype("Int64")
    return merged.reset_index(drop=True)[list(SERIES_DATA_COLUMNS)]


def plot_series(
    key: str, table: pd.DataFrame, series: pd.DataFrame, title: str | None = None
) -> str:
    """One series as a base64 PNG: model line, targets with bars of ± tolerance.

    A range target is drawn as its range widened by the tolerance; green targets pass, red
    ones fail.

    Args:
        key: Target key.
        table: The fit table.
        series: ``key, year, model`` for every simulated year, in target units.
        title: Title drawn in the image (none by default: the page titles the plot).

    Returns:
        The PNG, base64-encoded, for an ``<img src="data:image/png;base64,...">``.
    """
    return plot_series_data(series_data(key, table, series), title)


def plot_series_data(data: pd.DataFrame, title: str | None = None) -> str:
    """:func:`plot_series` from a frame :func:`series_data` already made.

    A page that also offers the frame as a download computes it once (the fit report).

    Args:
        data: The series' :func:`series_data` frame.
        title: Title drawn in the image (none by default).

    Returns:
        The PNG, base64-encoded.
    """
    from matplotlib.ticker import MaxNLocator

    # Drawn at the size it is shown (about 300 px wide) and twice the pixels for sharp text.
    # Fixed margins: a fit report draws about fifty of these, and fitting the margins to the
    # labels took a third of their time. Tick labels are kept to at most seven characters
    # (when the largest tick is below 0.001 or from 100,000 up, the ticks get a power of ten
    # above the axis, which the top margin leaves room for).
    figure = new_figure(3.3, 2.1, fitted=False)
    figure.subplots_adjust(left=0.16, right=0.98, top=0.86 if title else 0.92, bottom=0.11)
    axes = figure.add_subplot()
    axes.plot(data["year"], data["model"], color=_LINE, linewidth=1.4, label="model")
    targets = data[data["status"].notna()]
    for status, colour in (("pass", _PASS), ("FAIL", _FAIL)):
        part = targets[targets["status"] == status]
        if part.empty:
            continue
        centre = (part["observed_low"] + part["observed_high"]) / 2
        half = (part["observed_high"] - part["observed_low"]) / 2 + part["tolerance"]
        axes.errorbar(
            part["year"],
            centre,
            yerr=half,
            fmt="o",
            color=colour,
            markersize=3.5,
            capsize=2.5,
            linewidth=1,
            label=f"target ({status.lower()})",
        )
    if title:
        axes.set_title(title, fontsize=8)
    axes.tick_params(labelsize=6.5)
    axes.ticklabel_format(axis="y", style="sci", scilimits=(-4, 5))
    axes.yaxis.get_offset_text().set_fontsize(6.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=6, frameon=False)
    return png_base64(figure)
