"""The ``migrant-health`` command: simulate, plan, metrics, params."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import migrant_health
from migrant_health.cli.calibrate import calibrate_command, fit_command
from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.preflight import prepare_run
from migrant_health.cli.summary import summary_table
from migrant_health.cli.survey import survey_app
from migrant_health.engine.run import RunConfig, default_workers
from migrant_health.errors import ParameterError, RunConfigError
from migrant_health.model import default_plan, simulate
from migrant_health.params import ParameterTree, Scenario
from migrant_health.store import RUNS, check_writable, write_run
from migrant_health.writable import check_can_write

app = typer.Typer(
    help="Urban integration and health of China's rural migrant workers: a national "
    "microsimulation and survey toolkit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(help="Inspect the parameter tree.", no_args_is_help=True)
app.add_typer(params_app, name="params")
app.add_typer(survey_app, name="survey")
app.command("fit")(fit_command)
app.command("calibrate")(calibrate_command)
console = Console()


def _print_version(show: bool) -> None:
    if show:
        typer.echo(f"migrant-health {migrant_health.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
) -> None:
    """Urban integration and health of China's rural migrant workers."""


def _parse_years(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    try:
        return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise RunConfigError(
            f"--snapshot-years '{text}' must be years separated by commas, such as 2010,2020"
        ) from None


@app.command("simulate")
@friendly_errors
def simulate_command(
    scenario: Path | None = typer.Option(
        None,
        "--scenario",
        help="Scenario YAML overriding parameters ({path: value} or {path: {year: value}}).",
    ),
    start: int = typer.Option(2008, help="First year reported."),
    end: int = typer.Option(2035, help="Last year simulated."),
    scale: float = typer.Option(1000.0, help="Persons represented by one agent."),
    seed: int = typer.Option(1, help="Seed of all random streams."),
    workers: int = typer.Option(0, help="Worker processes (0 = every available core)."),
    snapshot_years: str | None = typer.Option(
        None, "--snapshot-years", help="Years to write agent-level samples, e.g. 2010,2020."
    ),
    snapshot_fraction: float = typer.Option(0.05, help="Share of people in the snapshot sample."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Run directory to create (default: a new runs/run-<date>-<time>).",
    ),
) -> None:
    """Run the national microsimulation, print a summary and write a run directory."""
    config = RunConfig(
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=workers or default_workers(),
        snapshot_years=_parse_years(snapshot_years),
        snapshot_fraction=snapshot_fraction,
        scenario=Scenario.from_yaml(scenario) if scenario is not None else None,
    )
    # Before a long simulation, not after; checking creates nothing.
    if out is not None:
        check_writable(out)
    else:
        check_can_write(RUNS, "--out", directory=True)
    config = prepare_run(config, workers, console)
    with Progress(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("chunks", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = simulate(config, progress=progress)
    out = write_run(result, out)
    name = config.scenario.name if config.scenario else "baseline"
    console.print(
        summary_table(
            result.aggregates,
            title=f"migrant_health {name}, "
            f"{config.start}-{config.end}, 1 agent = {result.config.scale:g} persons",
        )
    )
    seconds = result.timings["simulate"]
    console.print(
        f"{result.agent_years:,} agent-years in {seconds:.1f} s "
        f"({result.agent_years / max(seconds, 1e-9):,.0f} per second, {config.workers} "
        f"worker(s)); run written to [bold]{out}[/]"
    )


@app.command("plan")
def plan_command() -> None:
    """Print the yearly plan: the order of modules, what each does, reads, writes and uses."""
    plan = default_plan()
    # One block per module, wrapped at spaces: readable in a narrow terminal and when piped.
    width = max(60, min(110, shutil.get_terminal_size((100, 24)).columns))
    typer.echo("Yearly plan (every year, in this order)")
    for row in plan.describe():
        typer.echo(f"\n{row['step']}. {row['module']}  (seed {row['seed']})")
        for field in ("does", "reads", "writes", "parameters", "results"):
            label = f"   {field + ':':<12}"
            typer.echo(
                textwrap.fill(
                    row[field],
                    width=width,
                    initial_indent=label,
                    subsequent_indent=" " * len(label),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
    typer.echo("\nInitialisation order: " + " -> ".join(m.name for m in plan.init))
    typer.echo(
        "Policy levers (parameters under 'policy.') are read inside the modules that list "
        "them under parameters."
    )


@app.command("metrics")
def metrics_command() -> None:
    """List every output metric with its unit and definition."""
    table = Table(title="Metrics", title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("definition", overflow="fold")
    for metric in default_plan().metrics:
        by = f" (by {metric.by})" if metric.by else ""
        table.add_row(metric.name, metric.unit, metric.definition + by)
    console.print(table)


@params_app.command("show")
@friendly_errors
def params_show(
    path: str = typer.Argument("", help="A parameter or subtree path, e.g. health.mental."),
) -> None:
    """Show parameters with value, unit, range and source."""
    tree = ParameterTree.load()
    paths = tree.paths(path)
    if not paths:
        raise ParameterError(
            f"no parameter under '{path}' (top-level groups: "
            f"{', '.join(sorted({p.split('.')[0] for p in tree.paths()}))})"
        )
    table = Table(title=f"Parameters {path or '(all)'}", title_justify="left", show_lines=True)
    table.add_column("path", no_wrap=True)
    for column in ("value", "unit", "range", "source"):
        table.add_column(column, overflow="fold")
    for name in paths:
        spec = tree.spec(name)
        free = f"\ncalibrate {list(spec.calibrate)}" if spec.calibrate else ""
        table.add_row(
            name,
            str(spec.value),
            spec.unit,
            f"[{spec.range[0]:g}, {spec.range[1]:g}]{free}",
            spec.source,
        )
    console.print(table)


def main() -> None:  # pragma: no cover - entry point
    """Run the CLI."""
    app()
