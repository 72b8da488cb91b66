"""``migrant-health report``: the HTML report of a run, a comparison or a sensitivity study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

from migrant_health.cli.errors import friendly_errors, stderr
from migrant_health.cli.progress import transient_bar
from migrant_health.cli.runs import RUNS

console = Console()


@friendly_errors
def report_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="RUN_COMPARISON_OR_STUDY",
            help="A run, comparison or sensitivity directory, or the id of one in the runs "
            "folder (migrant-health runs list).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The HTML page to write (replaced if it exists).")
    ] = Path("report.html"),
    figures: Annotated[
        Path | None,
        typer.Option(
            "--figures",
            help="Also save every chart in this folder (created if missing).",
        ),
    ] = None,
    figure_format: Annotated[
        str, typer.Option("--figure-format", help="Format of the --figures files: svg or png.")
    ] = "svg",
    runs: Annotated[
        Path, typer.Option("--runs", help="The runs folder an id is looked up in.")
    ] = RUNS,
) -> None:
    """Write one self-contained HTML page of a run, a comparison or a sensitivity study (it
    opens offline).

    A comparison's page: its settings; the headline figures over the years, baseline and each
    scenario, with 90 % bands over replicates; each scenario's deltas by subgroup in the last
    year (charts with intervals, and a table); each scenario's levers and what they stand for;
    the cost tables if the comparison holds them; how to read it. A run's page: its settings,
    the headline figures, the last year by subgroup and its scenario. A sensitivity study's
    page: its design and parameters, and per output the parameters ranked by their indices
    (with 95 % intervals) and every run's output against each parameter. Every chart's data is a
    CSV link inside the page. Checked before anything is drawn: the directory and its files,
    --out and --figures; on an error nothing is written (exit status 2).
    """
    from migrant_health.report.outcome_report import write_report

    with transient_bar(
        TextColumn("[bold]drawing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("charts"),
        TimeElapsedColumn(),
        console=stderr,
    ) as bar:
        task = bar.add_task("charts", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        path = write_report(
            target, out, figures=figures, figure_format=figure_format, runs=runs, progress=progress
        )
    console.print(f"report written to [bold]{path}[/]")
    if figures is not None:
        console.print(f"charts saved as {figure_format.upper()} files in [bold]{figures}[/]")
