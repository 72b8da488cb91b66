"""``migrant-health sensitivity``: Morris or Sobol indices of outputs to parameters and levers."""

from __future__ import annotations

from math import isnan
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.output import FormatOpt, check_format, emit, notes_console, records
from migrant_health.cli.preflight import compile_first, compiles_here
from migrant_health.cli.progress import runs_progress
from migrant_health.cli.scheduler import SCHEDULER_OPTION, cluster_for

if TYPE_CHECKING:
    import pandas as pd

    from migrant_health.experiments.sensitivity import SensitivityPlan, SensitivityResult

# The experiments (pandas, SALib, the engine: seconds) are imported in the functions that use
# them: every start of the command line, even --help, imports this module.

console = Console()


@friendly_errors
def sensitivity_command(
    method: str = typer.Option(
        ...,
        "--method",
        help="morris (screening: mu_star, sigma, mu; N (D + 1) runs) or sobol (S1 and ST; "
        "N (D + 2) runs).",
    ),
    params: str = typer.Option(
        ...,
        "--params",
        help="Parameter paths separated by commas (behavioural parameters or policy levers; "
        "path[k] for one coordinate of a vector), e.g. health.mental.base,"
        "policy.management.mental_health_services.",
    ),
    outputs: str = typer.Option(
        ...,
        "--outputs",
        help="Outputs separated by commas, each metric:group:year or metric:year, e.g. "
        "depression_share:status=out_migrant:2030 (groups as in calibration targets).",
    ),
    samples: int = typer.Option(
        ...,
        "--samples",
        help="Morris trajectories (at least 2) or Sobol base points (a power of two, >= 8).",
    ),
    bounds: list[str] | None = typer.Option(
        None,
        "--bounds",
        help="path=low:high narrowing a parameter's documented range; repeat it or separate "
        "by commas.",
    ),
    from_year: int | None = typer.Option(
        None,
        "--from-year",
        help="Sampled values hold from this year, the defaults before (default: every year).",
    ),
    start: int = typer.Option(2008, help="First year reported."),
    end: int = typer.Option(2035, help="Last year simulated."),
    scale: float = typer.Option(1000.0, help="Persons represented by one agent."),
    seed: int = typer.Option(1, help="Seed of every run (common random numbers) and the design."),
    workers: int = typer.Option(
        0, help="Processes running whole runs in parallel (0 = every available core)."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Study directory to create (default: a new `runs/sensitivity-<date>-<time>`).",
    ),
    scheduler: str | None = SCHEDULER_OPTION,
    output_format: FormatOpt = "text",
) -> None:
    """Global sensitivity of model outputs to parameters and levers, through SALib.

    Samples the parameters over their documented ranges (or --bounds), runs one simulation
    per sample with the same seed, and prints the indices. Writes sensitivity.json,
    indices.parquet (output, parameter, index, value, conf), samples.parquet (each run's
    inputs and outputs) and indices.png. json: an object with keys directory, method,
    samples, runs, config and indices, a list of rows. csv: the rows, with the columns output,
    parameter, index, value and conf (conf: half-width of the 95 % interval, empty if none).
    """
    from migrant_health.experiments.sensitivity import check_output, plan_sensitivity
    from migrant_health.experiments.sensitivity_design import split_list, split_outputs

    check_format(output_format)
    bound_items = [item for text in bounds or [] for item in split_list(text)]
    plan = plan_sensitivity(
        method,
        split_list(params),
        split_outputs(outputs),
        samples,
        bounds=bound_items,
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=workers,
        from_year=from_year,
    )
    check_output(out)  # before any run; creates nothing
    notes = notes_console(output_format, console)
    compile_first(plan.config(0), notes, compiles_here(scheduler))
    runs = len(plan.scenarios)
    notes.print(
        f"{plan.method}: {_count(len(plan.parameters), 'parameter')} x "
        f"{_count(len(plan.outputs), 'output')}, "
        f"{plan.samples} {'trajectories' if plan.method == 'morris' else 'base points'} = "
        f"{runs} runs ({plan.start}-{plan.end}, 1 agent = {plan.scale:g} persons, seed "
        f"{plan.seed}) on {plan.workers} worker{'s' if plan.workers != 1 else ''}",
        highlight=False,
    )
    # Whole runs are the cluster's tasks (replicates and scenarios, or samples).
    with cluster_for(scheduler, plan.workers):
        result = _run_with_progress(plan, out, notes)
    assert result.directory is not None
    if output_format == "text":
        for table in indices_tables(result.indices, plan):
            console.print(table)
    else:
        document = {
            "directory": str(result.directory),
            "method": plan.method,
            "samples": plan.samples,
            "runs": runs,
            "config": result.metadata["config"],
            "indices": records(result.indices),
        }
        emit(output_format, document, result.indices)
    notes.print(
        f"{runs} runs in {result.timings['total']:.1f} s ({result.timings['per_run_mean']:.2f} s "
        f"per run); study written to [bold]{result.directory}[/]"
    )


def _run_with_progress(
    plan: SensitivityPlan, out: Path | None, notes: Console
) -> SensitivityResult:
    from migrant_health.experiments.sensitivity import run_sensitivity

    with runs_progress("sampling", notes) as progress:
        return run_sensitivity(plan, out, progress=progress)


def indices_tables(indices: pd.DataFrame, plan: SensitivityPlan) -> list[Table]:
    """One rich table per output: a row per parameter, a column per index (value ± conf)."""
    from migrant_health.experiments.salib_methods import INDEX_NAMES

    names = INDEX_NAMES[plan.method]
    tables = []
    for output in plan.outputs:
        rows = indices[indices["output"] == output.name]
        table = Table(
            title=f"{output.name} ({output.unit}); +/- half-width of the 95 % interval",
            title_justify="left",
        )
        # A path is what a user types: folded onto a second line, never cut with "...".
        table.add_column("parameter", overflow="fold")
        for index, _ in names:
            table.add_column(index, justify="right")
        for parameter in plan.parameters:
            own = rows[rows["parameter"] == parameter.name].set_index("index")
            value, conf = own["value"].astype(float), own["conf"].astype(float)
            table.add_row(parameter.name, *(_shown(value[i], conf[i]) for i, _ in names))
        tables.append(table)
    return tables


def _shown(value: float, conf: float) -> str:
    if isnan(value):
        return "-"
    return f"{value:.4g}" if isnan(conf) else f"{value:.4g} +/- {conf:.2g}"


def _count(n: int, noun: str) -> str:
    """``1 parameter``, ``3 parameters``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
