"""``migrant_health.write_report``: the Python entry point of ``migrant-health report``.

The work is in :mod:`migrant_health.report.outcome_report`; it is imported when called, because
it reads the deltas' definitions from the experiments package, which loads the survey
estimators (statsmodels, pyfixest) and would double the time ``import migrant_health`` takes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from migrant_health.store import RUNS


def write_report(
    target: str | Path,
    out: str | Path = "report.html",
    *,
    figures: str | Path | None = None,
    figure_format: str = "svg",
    runs: str | Path = RUNS,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the self-contained HTML report of a run, a comparison or a sensitivity study;
    return its path.

    The page opens offline: styles inline, charts as embedded PNGs, every chart's data as a
    CSV link inside the page. For a comparison: the headline figures over the years with 90 %
    bands over replicates, each scenario's deltas by subgroup in the last year, its levers and
    what they stand for, and the cost tables if the comparison holds them (docs/policy.md). For
    a sensitivity study: its design and parameters, and per output the parameters ranked by
    their indices with intervals and every run's output against each parameter
    (docs/sensitivity.md).

    Example::

        from migrant_health import compare, write_report

        compare(["fair_employment"], replicates=5, end=2030, scale=50_000, out="fair")
        write_report("fair", out="fair.html", figures="fair-figures")

    Args:
        target: A run, comparison or sensitivity directory, or the id of one in ``runs``.
        out: The HTML file to write (replaced if it exists).
        figures: A folder to save every chart in as well (created if missing).
        figure_format: ``svg`` or ``png``, for ``figures``.
        runs: The runs folder an id is looked up in.
        progress: Called with ``(charts_done, charts_total)`` while the charts are drawn.

    Raises:
        StoreError: if ``target`` is not a run, comparison or sensitivity directory, lacks a
            file, or names no directory of the runs folder (nothing is written).
        RunConfigError: if ``out`` or ``figures`` cannot be written (nothing is written).
    """
    from migrant_health.report.outcome_report import write_report as write

    return write(
        target, out, figures=figures, figure_format=figure_format, runs=runs, progress=progress
    )
