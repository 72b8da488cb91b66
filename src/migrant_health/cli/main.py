"""The ``migrant-health`` command: simulate, plan, metrics, params (and the commands of the
other ``cli`` modules: fit, calibrate, compare, scenarios, survey)."""

from __future__ import annotations

import shutil
import textwrap
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

import migrant_health
from migrant_health.cli.calibrate import calibrate_command, fit_command
from migrant_health.cli.combine import combine_command
from migrant_health.cli.compare import compare_command
from migrant_health.cli.errors import friendly_errors, ignore_ctrl_c_while_exiting, stderr
from migrant_health.cli.output import (
    FormatOpt,
    check_format,
    emit,
    notes_console,
    records,
    warn_ignored,
)
from migrant_health.cli.preflight import prepare_run, workers_from_option
from migrant_health.cli.progress import transient_bar
from migrant_health.cli.report import report_command
from migrant_health.cli.runs import register_new_run, runs_app
from migrant_health.cli.scenarios import scenarios_app
from migrant_health.cli.scheduler import SCHEDULER_OPTION, executor_for
from migrant_health.cli.sensitivity import sensitivity_command
from migrant_health.cli.serve import serve_command
from migrant_health.cli.summary import summary_table
from migrant_health.cli.survey import survey_app
from migrant_health.errors import ParameterError, RunConfigError
from migrant_health.writable import check_can_write

if TYPE_CHECKING:
    from migrant_health.engine.executors import Executor
    from migrant_health.engine.run import RunResult
    from migrant_health.engine.run_config import RunConfig
    from migrant_health.params import ParameterSpec, ParameterTree

# The model, the engine, the store and the parameters (pandas, Numba, PyArrow, YAML: seconds)
# are imported in the commands that use them: every start of the command line, even --help and
# --version, imports this module and every command's.

#: The share of people a snapshot samples unless --snapshot-fraction says otherwise.
SNAPSHOT_FRACTION = 0.05

app = typer.Typer(
    help="Urban integration and health of China's rural migrant workers: a national "
    "microsimulation and survey toolkit.",
    no_args_is_help=True,
    rich_markup_mode="markdown",  # docstrings reflow as paragraphs, ``code`` as code
    pretty_exceptions_enable=False,
)
params_app = typer.Typer(
    help="Inspect the parameter tree.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(params_app, name="params")
app.add_typer(survey_app, name="survey")
app.add_typer(runs_app, name="runs")
app.add_typer(scenarios_app, name="scenarios")
app.command("fit")(fit_command)
app.command("calibrate")(calibrate_command)
app.command("compare")(compare_command)
app.command("combine")(combine_command)
app.command("report")(report_command)
app.command("sensitivity")(sensitivity_command)
app.command("serve")(serve_command)
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
    scenario: list[str] | None = typer.Option(
        None,
        "--scenario",
        help="A shipped scenario (migrant-health scenarios list) or a YAML file of overrides "
        "({path: value} or {path: {year: value}}); repeat it, or join with '+', to stack "
        "scenarios (each applied on the ones before).",
    ),
    later_wins: bool = typer.Option(
        False,
        "--later-wins",
        help="When stacked scenarios set a lever in the same year to different values, let "
        "the later one win (otherwise refused).",
    ),
    start: int = typer.Option(2008, help="First year reported."),
    end: int = typer.Option(2035, help="Last year simulated."),
    scale: float = typer.Option(1000.0, help="Persons represented by one agent."),
    seed: int = typer.Option(1, help="Seed of all random streams."),
    workers: int = typer.Option(0, help="Worker processes (0 = every available core)."),
    snapshot_years: str | None = typer.Option(
        None, "--snapshot-years", help="Years to write agent-level samples, e.g. 2010,2020."
    ),
    snapshot_fraction: float = typer.Option(
        SNAPSHOT_FRACTION, help="Share of people in the snapshot sample."
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Run directory to create (default: a new `runs/run-<date>-<time>`).",
    ),
    chunks: str | None = typer.Option(
        None,
        "--chunks",
        help="Simulate only chunks A to B - 1 of the run (A:B, as a Python slice, e.g. 0:4000): "
        "a part of a national run split over machines; 'migrant-health combine' adds the parts "
        "up to the whole run, bit for bit.",
    ),
    scheduler: str | None = SCHEDULER_OPTION,
    output_format: FormatOpt = "text",
) -> None:
    """Run the national microsimulation, print a summary and write a run directory.

    With --format json or csv only the summary is printed on stdout; progress and notes go to
    stderr. json: an object with keys scenario, start, end, scale, seed, workers, agent_years,
    chunks ([A, B] of --chunks, null for a whole run), chunks_total, seconds, run_directory
    and summary, a list of rows. csv: the rows. A row has the columns
    label, metric, group, year, value and unit: a headline figure in one of the summary's
    years, as in aggregates.parquet (null or empty where the run has none), in the metric's
    own unit (persons, share 0-1, ...; not scaled as in the text).
    """
    from migrant_health.engine.run_config import RunConfig, parse_chunks
    from migrant_health.headlines import summary_frame
    from migrant_health.scenarios import resolve_stack
    from migrant_health.store import RUNS, check_writable, write_run

    check_format(output_format)
    resolved_workers = workers_from_option(workers)
    # A fraction out of range is an error (RunConfig.validate), not a warning as well.
    ignored = snapshot_fraction != SNAPSHOT_FRACTION and 0.0 < snapshot_fraction <= 1.0
    if snapshot_years is None and ignored:
        warn_ignored("--snapshot-fraction", "--snapshot-years")
    config = RunConfig(
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=resolved_workers,
        snapshot_years=_parse_years(snapshot_years),
        snapshot_fraction=snapshot_fraction,
        scenario=resolve_stack(scenario or [], later_wins=later_wins),
        chunks=parse_chunks(chunks) if chunks is not None else None,
    )
    # Before a long simulation, not after; checking creates nothing.
    if out is not None:
        check_writable(out)
    else:
        check_can_write(RUNS, "out", directory=True)
    notes = notes_console(output_format, console)
    config = prepare_run(config, workers, notes, scheduler)
    with executor_for(scheduler, config.workers) as executor:
        result = _simulate_with_progress(config, notes, executor)
    if config.snapshot_years and result.snapshots.empty:
        stderr.print(
            f"warning: --snapshot-fraction {snapshot_fraction:g} sampled no one at this scale: "
            "the run has no snapshots; raise the fraction",
            highlight=False,
        )
    out = write_run(result, out)
    register_new_run(out)
    if output_format == "text":
        console.print(summary_table(result.aggregates, title=_run_title(result)))
    else:
        summary = records(summary_frame(result.aggregates))
        emit(output_format, {**_run_facts(result, out), "summary": summary}, summary)
    _print_run_footer(result, out, notes)


def _simulate_with_progress(
    config: RunConfig, console: Console, executor: Executor | None = None
) -> RunResult:
    """Simulate ``config`` with a progress bar of chunks on ``console`` (when a terminal).

    The bar shows the time elapsed and the time remaining, estimated from the chunks done: a
    national run takes hours.
    """
    from migrant_health.model import simulate
    from migrant_health.scenarios.levers import IdleLeverWarning, LeverTimingWarning

    with transient_bar(
        TextColumn("[bold]simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks"),
        TimeElapsedColumn(),
        TextColumn("elapsed,"),
        TimeRemainingColumn(),
        TextColumn("left"),
        console=console,
    ) as bar:
        task = bar.add_task("chunks", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with warnings.catch_warnings():
            # The command warned of a lever's timing before the run, in its own words.
            warnings.simplefilter("ignore", LeverTimingWarning)
            warnings.simplefilter("ignore", IdleLeverWarning)
            return simulate(config, progress=progress, executor=executor)


def _scenario_name(result: RunResult) -> str:
    scenario = result.config.scenario
    return scenario.name if scenario else "baseline"


def _run_title(result: RunResult) -> str:
    """The title of the printed summary: scenario, years and scale."""
    config = result.config
    title = (
        f"migrant_health {_scenario_name(result)}, "
        f"{config.start}-{config.end}, 1 agent = {config.scale:g} persons"
    )
    if config.chunks is not None:
        first, stop = config.chunks
        title += (
            f"; PARTIAL RUN: chunks {first}:{stop} of {result.chunks_total}, totals cover "
            "only their people"
        )
    return title


def _run_facts(result: RunResult, out: Path) -> dict[str, object]:
    """The run's settings and cost, as the keys of ``simulate --format json``."""
    config = result.config
    return {
        "scenario": _scenario_name(result),
        "start": config.start,
        "end": config.end,
        "scale": config.scale,
        "seed": config.seed,
        "workers": config.workers,
        "agent_years": result.agent_years,
        "chunks": list(config.chunks) if config.chunks is not None else None,
        "chunks_total": result.chunks_total,
        "seconds": result.timings["simulate"],
        "run_directory": str(out),
    }


def _print_run_footer(result: RunResult, out: Path, console: Console) -> None:
    """The line after the summary: agent-years, speed, workers and the run directory."""
    seconds = result.timings["simulate"]
    console.print(
        f"{result.agent_years:,} agent-years in {seconds:.1f} s "
        f"({result.agent_years / max(seconds, 1e-9):,.0f} per second, {result.config.workers} "
        f"worker(s)); run written to [bold]{out}[/]"
    )


@app.command("plan")
@friendly_errors
def plan_command(output_format: FormatOpt = "text") -> None:
    """Print the yearly plan: the order of modules, what each does, reads, writes and uses.

    json: an object with keys steps, a list of rows, and initialisation, the modules in the
    order they initialise. csv: the steps. A step has the columns step, module, seed, does,
    reads, writes, parameters, results and kernels (lists as comma-separated text, - if none).
    """
    from migrant_health.model import default_plan

    check_format(output_format)
    plan = default_plan()
    steps = [{**row, "step": int(row["step"])} for row in plan.describe()]
    initialisation = [m.name for m in plan.init]
    if output_format != "text":
        emit(output_format, {"steps": steps, "initialisation": initialisation}, steps)
        return
    # One block per module, wrapped at spaces: readable in a narrow terminal and when piped.
    width = max(60, min(110, shutil.get_terminal_size((100, 24)).columns))
    typer.echo("Yearly plan (every year, in this order)")
    for row in steps:
        typer.echo(f"\n{row['step']}. {row['module']}  (seed {row['seed']})")
        for field in ("does", "reads", "writes", "parameters", "results"):
            label = f"   {field + ':':<12}"
            typer.echo(
                textwrap.fill(
                    str(row[field]),
                    width=width,
                    initial_indent=label,
                    subsequent_indent=" " * len(label),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
    typer.echo("\nInitialisation order: " + " -> ".join(initialisation))
    typer.echo(
        "Policy levers (parameters under 'policy.') are read inside the modules that list "
        "them under parameters."
    )


@app.command("metrics")
@friendly_errors
def metrics_command(output_format: FormatOpt = "text") -> None:
    """List every output metric with its unit and definition.

    json: an object with the key metrics, a list of rows. csv: the rows. A row has the columns
    metric, unit, definition and by (the extra key a metric is split by, or null/empty).
    """
    from migrant_health.model import metrics

    check_format(output_format)
    rows = [{str(k): v for k, v in row.items()} for row in metrics().to_dict("records")]
    if output_format != "text":
        emit(output_format, {"metrics": rows}, rows)
        return
    table = Table(title="Metrics", title_justify="left")
    # A name is what a user types (--outputs, series()): never cut to fit.
    table.add_column("metric", no_wrap=True, min_width=max(len(str(r["metric"])) for r in rows))
    table.add_column("unit")
    table.add_column("definition", overflow="fold")
    for row in rows:
        by = f" (by {row['by']})" if row["by"] else ""
        table.add_row(row["metric"], row["unit"], f"{row['definition']}{by}")
    console.print(table)


@params_app.command("show")
@friendly_errors
def params_show(
    path: str = typer.Argument("", help="A parameter or subtree path, e.g. health.mental."),
    output_format: FormatOpt = "text",
) -> None:
    """Show parameters with value, unit, range and source.

    json: an object with keys path (as given) and parameters, a list of rows. csv: the rows.
    A row has the columns path, value (a number, a list or a mapping of year to value; JSON
    text in csv), unit, low and high (the allowed range), calibrate_low and calibrate_high
    (the calibration range, null/empty if the parameter is not calibrated), source and
    description.
    """
    from migrant_health.params import ParameterTree

    check_format(output_format)
    tree = ParameterTree.load()
    paths = tree.paths(path)
    if not paths:
        import difflib

        close = difflib.get_close_matches(path, tree.paths(), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise ParameterError(
            f"no parameter under '{path}'; {hint}(top-level groups: "
            f"{', '.join(sorted({p.split('.')[0] for p in tree.paths()}))})"
        )
    if output_format != "text":
        rows = [_parameter_row(name, tree.spec(name)) for name in paths]
        emit(output_format, {"path": path, "parameters": rows}, rows)
        return
    if not console.is_terminal:
        # Piped or redirected, the console is 80 columns: a table of five columns there split
        # the source into words of seven letters. One parameter after another instead.
        typer.echo(_parameter_records(tree, paths, console.width))
        return
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


def _parameter_records(tree: ParameterTree, paths: list[str], width: int) -> str:
    """Parameters as plain text, one after another: the path, then its value, unit and ranges,
    its description and its source, wrapped to ``width`` and indented under the path."""
    lines: list[str] = []
    for name in paths:
        spec = tree.spec(name)
        ranges = f"range [{spec.range[0]:g}, {spec.range[1]:g}]"
        if spec.calibrate:
            ranges += f", calibrate [{spec.calibrate[0]:g}, {spec.calibrate[1]:g}]"
        lines.append(name)
        for label, text in (
            ("value", f"{spec.value} {spec.unit}; {ranges}"),
            ("description", spec.description),
            ("source", spec.source),
        ):
            lines.extend(
                textwrap.wrap(
                    f"{label}: {text}",
                    width=max(40, width),
                    initial_indent="  ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _parameter_row(name: str, spec: ParameterSpec) -> dict[str, object]:
    """One parameter as a row of ``params show --format json|csv``."""
    calibrate = spec.calibrate or (None, None)
    return {
        "path": name,
        "value": spec.value,
        "unit": spec.unit,
        "low": spec.range[0],
        "high": spec.range[1],
        "calibrate_low": calibrate[0],
        "calibrate_high": calibrate[1],
        "source": spec.source,
        "description": spec.description,
    }


def main() -> None:
    """Run the CLI as a program: the ``migrant-health`` script and ``python -m migrant_health``.

    Tests call :data:`app` in their own process instead; this adds what only a program that
    is about to exit may do (see :func:`ignore_ctrl_c_while_exiting`).
    """
    from migrant_health.engine.interrupts import sigterm_as_interrupt

    sigterm_as_interrupt()
    try:
        app(prog_name="migrant-health")
    finally:
        ignore_ctrl_c_while_exiting()
