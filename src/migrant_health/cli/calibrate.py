"""The ``fit`` and ``calibrate`` commands: the model against its calibration targets."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from migrant_health.atomic import atomic_path
from migrant_health.cli.errors import friendly_errors, stderr
from migrant_health.cli.preflight import COMPILING, prepare_run, workers_from_option
from migrant_health.cli.progress import transient_bar
from migrant_health.errors import DataError, RunConfigError
from migrant_health.writable import check_can_write

if TYPE_CHECKING:
    import pandas as pd

    from migrant_health.experiments.matching import MatchedTargets
    from migrant_health.experiments.quantity import ModelRun

# pandas, the engine, the data and the experiments (seconds) are imported in the functions that
# use them: every start of the command line, even --help, imports this module.

console = Console()


def _number(value: float) -> str:
    import pandas as pd

    if pd.isna(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _fit_console_table(table: pd.DataFrame, title: str) -> Table:
    view = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1))
    view.add_column("target (unit)", min_width=22, overflow="fold")
    for column in ("year", "observed", "model", "error", "tol."):
        view.add_column(column, justify="right")
    view.add_column("status")
    for row in table.to_dict("records"):
        low, high = row["observed_low"], row["observed_high"]
        observed = f"{_number(low)}-{_number(high)}" if high > low else _number(row["observed"])
        status = "[green]pass[/]" if row["pass"] else "[bold red]FAIL[/]"
        view.add_row(
            f"{row['key']} [dim]({row['unit']})[/]",
            str(row["year"]),
            observed,
            _number(row["model"]),
            _number(row["error"]),
            _number(row["tolerance"]),
            status,
        )
    return view


def best_so_far(best: float) -> str:
    """The calibration bar's label: the best objective, or that no trial has finished yet."""
    import pandas as pd

    return "no trial finished yet" if pd.isna(best) else f"best J = {best:.4g}"


def _progress(label: str) -> Progress:
    return transient_bar(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    )


def _warn_of_unknown_keys(matched: MatchedTargets) -> None:
    """Name, on stderr and before any run, the keys of the targets file that the package does
    not know: only the report said so, and a misspelt key looked like a target left out on
    purpose."""
    unknown = matched.unknown_keys()
    if not unknown:
        return
    listed = "; ".join(
        f"{key!r}" + (f" (did you mean {close!r}?)" if close else "") for key, close in unknown
    )
    stderr.print(
        f"warning: {matched.label}: {len(unknown)} key(s) the package does not know, not "
        f"compared: {listed}. The known keys and their quantities are in docs/calibration.md, "
        "section 1.",
        markup=False,
    )


@friendly_errors
def fit_command(
    scenario: str | None = typer.Option(
        None,
        "--scenario",
        help="A shipped scenario or a scenario YAML ({path: value}), e.g. a calibration's "
        "best.yaml.",
    ),
    targets: Path | None = typer.Option(
        None, "--targets", help="Targets CSV (default: the shipped calibration_targets.csv)."
    ),
    scale: float = typer.Option(1000.0, help="Persons represented by one agent."),
    seed: int = typer.Option(1, help="Seed of all random streams."),
    end: int | None = typer.Option(
        None, help="Last simulated year (default: the latest year a target needs)."
    ),
    workers: int = typer.Option(0, help="Worker processes (0 = every available core)."),
    replicates: int = typer.Option(
        0,
        help="Extra runs with other seeds for the Monte Carlo SE of every target (0 = analytic "
        "SE of shares and counts only).",
    ),
    out: Path = typer.Option(Path("fit-report.html"), "--out", help="HTML report to write."),
    csv: Path | None = typer.Option(
        None,
        "--csv",
        help="Also write the fit table as CSV (one row per compared target: observed, model, "
        "error, tolerance, pass, z, weight, ...), e.g. to compare two fits with "
        "tools/fit_diff.py.",
    ),
) -> None:
    """Run the model, compare it with the calibration targets, and write an HTML report.

    Exits 0 whether or not targets pass (the table and the report say which fail), and 2 on
    bad input (targets file, scenario, settings).
    """
    from migrant_health.data import load_demography
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.experiments.fit import fit_summary, fit_table, model_series, objective
    from migrant_health.experiments.matching import load_targets, match_targets
    from migrant_health.experiments.quantity import replicate_se, simulate_cells
    from migrant_health.scenarios import resolve_stack

    frame = load_targets(targets)
    matched = match_targets(frame)
    _warn_of_unknown_keys(matched)
    if not matched.comparisons:
        raise DataError(matched.why_none_compared())
    parsed = resolve_stack([scenario] if scenario else [])  # validated before running
    check_can_write(out, "out")  # the report is written after every run: check it now
    if csv is not None:
        if csv.resolve() == out.resolve():
            raise RunConfigError(
                f"--csv {csv} is the report's --out: give the fit table a file of its own"
            )
        check_can_write(csv, "csv")
    if replicates < 0:
        raise RunConfigError(f"--replicates {replicates} must be 0 or more")
    resolved_workers = workers_from_option(workers)
    demography = load_demography()
    given_end = end is not None
    end = end if end is not None else min(matched.years[1], demography.last_year)
    config = RunConfig(end=end, scale=scale, seed=seed, workers=resolved_workers, scenario=parsed)
    if given_end:  # a --end the user gave is named first; one taken from the targets is not
        config.validate(demography.first_year, demography.last_year)
    matched.require_years(demography.first_year, end, demography.last_year)
    config.check_seeds(replicates + 1)
    config = prepare_run(config, workers, console)
    runs: list[ModelRun] = []
    with _progress("simulating") as bar:
        for k in range(replicates + 1):
            task = bar.add_task(f"chunks (run {k + 1} of {replicates + 1})", total=None)

            def progress(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            run_config = replace(config, seed=seed + k)
            runs.append(simulate_cells(run_config, progress=progress))
    run = runs[0]
    names = {c.key: c.spec.quantity for c in matched.comparisons}
    se = replicate_se(names, runs, scale) if len(runs) > 1 else None
    se_method = (
        f"standard deviation across {len(runs)} runs with seeds {seed}..{seed + replicates}"
        if se is not None
        else "analytic (binomial over the agents behind shares and counts; none for means)"
    )
    table = fit_table(run, matched, se=se)
    dropped = len(matched.comparisons) - len(table)
    name = parsed.name if parsed is not None else "shipped defaults"
    console.print(
        _fit_console_table(
            table, f"Fit to {matched.label}: {name}, 1 agent = {scale:g} persons, seed {seed}"
        )
    )
    console.print(fit_summary(table))
    if dropped:
        console.print(f"{dropped} target(s) lie outside the simulated years 2008-{end}.")
    console.print(
        f"{matched.skipped['key'].nunique()} target series not compared (the report lists "
        "each with the reason)."
    )
    from migrant_health.report.fit_report import render_fit_report
    from migrant_health.report.page import write_page

    meta = {
        "parameters": name + (f" ({scenario})" if scenario is not None else ""),
        "targets": matched.label,
        "run": f"2008-{end}, 1 agent = {scale:g} persons, seed {seed}",
        "Monte Carlo SE": se_method,
        "written": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }
    html = render_fit_report(
        table, model_series(run, matched), matched.skipped, meta, objective(table), se_method
    )
    path = write_page(out, html)
    console.print(f"report written to [bold]{path}[/]")
    if csv is not None:
        with atomic_path(csv) as tmp:
            table.to_csv(tmp, index=False)
        console.print(f"fit table written to [bold]{csv}[/]")


@friendly_errors
def calibrate_command(
    targets: Path | None = typer.Option(
        None, "--targets", help="Targets CSV (default: the shipped calibration_targets.csv)."
    ),
    trials: int = typer.Option(100, help="Completed trials wanted in the study in total."),
    workers: int = typer.Option(1, help="Worker processes sharing the study's journal."),
    study: Path = typer.Option(
        Path("calibration-study"), "--study", help="Study directory (resumed if it exists)."
    ),
    scale: float = typer.Option(5000.0, help="Persons per agent in every trial."),
    seed: int = typer.Option(1, help="Seed of every trial (common random numbers)."),
    params: str | None = typer.Option(
        None,
        "--params",
        help="Comma-separated parameter paths to calibrate (default: every path with a "
        "calibrate range).",
    ),
    end: int | None = typer.Option(
        None, help="Last simulated year (default: the latest year a target needs)."
    ),
    replicates: int = typer.Option(
        3, help="Extra seeds run at the start point to fix the tolerances."
    ),
) -> None:
    """Calibrate the free parameters to the targets with Optuna; write best.yaml.

    The study lives in --study DIR (study.json, targets.csv, tolerances.csv, journal.log,
    best.yaml, trials.csv) and resumes where it stopped; several --workers share its journal.
    """
    from migrant_health.engine.executors import cap_workers
    from migrant_health.engine.jit import kernels_cached
    from migrant_health.experiments.calibration import calibrate

    only = [p.strip() for p in params.split(",") if p.strip()] if params else None
    # The study's files are written from the first trial on: check the place before any work.
    check_can_write(study, "study", directory=True)
    if trials >= 1 and workers >= 1:  # calibrate() explains bad values
        used, note = cap_workers(workers, trials, unit="trial")
        if note:
            console.print(f"note: {note}", highlight=False)
        workers = used
    if not kernels_cached():
        # calibrate() compiles them once its settings are checked (a first run, or before its
        # workers start).
        console.print(COMPILING, highlight=False)
    with _progress("calibrating") as bar:
        task = bar.add_task("trials", total=trials)

        def progress(done: int, total: int, best: float) -> None:
            bar.update(task, completed=done, total=total, description=best_so_far(best))

        result = calibrate(
            study,
            targets,
            trials=trials,
            workers=workers,
            scale=scale,
            seed=seed,
            parameters=only,
            end=end,
            replicates=replicates,
            progress=progress,
        )
    console.print(
        result.scenario_file.read_text(encoding="utf-8"),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    console.print(
        f"best objective J = {result.best_objective:.4g} (start point J = "
        f"{result.start_objective:.4g}) after {result.n_trials} trials; best parameters written "
        f"to [bold]{result.scenario_file}[/]. Check them with: migrant-health fit --scenario "
        f"{result.scenario_file}"
    )
