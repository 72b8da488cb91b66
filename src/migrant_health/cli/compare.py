"""``migrant-health compare``: scenarios against the baseline, with common random numbers."""

from __future__ import annotations

from math import isnan
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from migrant_health.cli.errors import friendly_errors
from migrant_health.cli.output import FormatOpt, check_format, emit, notes_console, records
from migrant_health.cli.preflight import (
    compile_first,
    compiles_here,
    warn,
    warn_levers_from_the_start,
)
from migrant_health.cli.progress import runs_progress
from migrant_health.cli.scheduler import SCHEDULER_OPTION, cluster_for

if TYPE_CHECKING:
    import pandas as pd

    from migrant_health.experiments.compare import Comparison, ComparisonPlan

# pandas, the experiments and the model (seconds) are imported in the functions that use them:
# every start of the command line, even --help, imports this module.

console = Console()


@friendly_errors
def compare_command(
    scenarios: str = typer.Option(
        ...,
        "--scenarios",
        help="Scenarios to compare, separated by commas: shipped names (migrant-health "
        "scenarios list), YAML files, or stacks a+b. The baseline is always included.",
    ),
    replicates: int = typer.Option(
        5, help="Replicates: each has its own seed and calibrated parameter set (at least 2)."
    ),
    start: int = typer.Option(2008, help="First year reported."),
    end: int = typer.Option(2035, help="Last year simulated."),
    scale: float = typer.Option(1000.0, help="Persons represented by one agent."),
    seed: int = typer.Option(1, help="Seed of replicate 0 (replicate r uses seed + r)."),
    workers: int = typer.Option(
        0, help="Processes running whole runs in parallel (0 = every available core)."
    ),
    later_wins: bool = typer.Option(
        False,
        "--later-wins",
        help="In a stack a+b, let b override a where both set a lever in the same year "
        "(otherwise refused).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Comparison directory to create (default: a new `runs/comparison-<date>-<time>`).",
    ),
    scheduler: str | None = SCHEDULER_OPTION,
    output_format: FormatOpt = "text",
) -> None:
    """Compare scenarios with the baseline: every scenario in every replicate, with common
    random numbers, then the deltas (scenario minus baseline) with 90 % intervals.

    Writes comparison.json, aggregates.parquet (scenario, replicate, year, metric, group,
    value), deltas.parquet (scenario, metric, group, year, baseline, value, delta,
    delta_lo, delta_hi, delta_se, replicates), costs.parquet (scenario, lever, unit,
    reached_person_years, cost_bn_cny_discounted) and cost_effectiveness.parquet (scenario,
    outcome, unit, averted, averted_lo, averted_hi, cost_bn_cny_discounted,
    cost_per_outcome_cny), and prints the headline deltas in the last year and the costs.
    json: an object with keys directory, config, scenarios, replicates, year, summary (a list
    of rows), costs and cost_effectiveness (the rows of those tables). csv: the summary rows.
    A row has the columns label, scenario, metric, group, year, baseline, value, delta,
    delta_lo, delta_hi, delta_se, replicates and unit (values in the metric's own unit).
    """
    from migrant_health.experiments.compare import check_output, plan_comparison

    check_format(output_format)
    names = [part.strip() for part in scenarios.split(",") if part.strip()]
    plan = plan_comparison(
        names,
        replicates,
        start=start,
        end=end,
        scale=scale,
        seed=seed,
        workers=workers,
        later_wins=later_wins,
    )
    check_output(out)  # before any run; creates nothing
    notes = notes_console(output_format, console)
    _say_before(plan, notes)
    if workers and scheduler is None and plan.workers < workers:
        # As simulate says it (cap_workers): more workers than runs or cores only compete.
        from migrant_health.engine.executors import cap_workers

        runs = len(plan.names) * len(plan.draws)
        _, note = cap_workers(workers, runs, unit="run")
        if note:
            notes.print(f"note: {note}", highlight=False)
    compile_first(plan.config(plan.scenarios[0], plan.draws[0]), notes, compiles_here(scheduler))
    # Whole runs are the cluster's tasks (replicates and scenarios, or samples).
    with cluster_for(scheduler, plan.workers):
        result = _run_with_progress(plan, out, notes)
    assert result.directory is not None
    summary = summary_frame(result.deltas, plan)
    if output_format == "text":
        for table in summary_tables(summary, plan):
            console.print(table)
        for table in cost_tables(result, plan):
            console.print(table)
    else:
        document = {
            "directory": str(result.directory),
            "config": result.metadata["config"],
            "scenarios": plan.names,
            "replicates": len(plan.draws),
            "year": plan.end,
            "summary": records(summary),
            "costs": records(result.costs),
            "cost_effectiveness": records(result.cost_effectiveness),
        }
        emit(output_format, document, summary)
    runs = len(plan.names) * len(plan.draws)
    notes.print(
        f"{runs} runs in {result.timings['total']:.1f} s on {plan.workers} worker(s); "
        f"comparison written to [bold]{result.directory}[/]"
    )


def _say_before(plan: ComparisonPlan, notes: Console) -> None:
    """Warnings about levers that start after --end, and what is about to run."""
    from migrant_health.scenarios.levers import idle_levers_message

    for scenario in plan.scenarios[1:]:
        warn_levers_from_the_start(scenario)
        idle = idle_levers_message(
            scenario.idle_paths(plan.end), len(scenario.overrides), plan.end, scenario.name
        )
        if idle is not None:
            warn(idle)
    runs = len(plan.names) * len(plan.draws)
    notes.print(
        f"comparing {len(plan.names)} scenarios x {len(plan.draws)} replicates = {runs} runs "
        f"({plan.start}-{plan.end}, 1 agent = {plan.scale:g} persons) on {plan.workers} "
        f"worker{'s' if plan.workers != 1 else ''}",
        highlight=False,
    )


def _run_with_progress(plan: ComparisonPlan, out: Path | None, notes: Console) -> Comparison:
    from migrant_health.experiments.compare import RUNS, run_comparison

    with runs_progress("comparing", notes) as progress:
        return run_comparison(plan, out, runs=RUNS, progress=progress)


def summary_frame(deltas: pd.DataFrame, plan: ComparisonPlan) -> pd.DataFrame:
    """The headline metrics' deltas in the last year, one row per headline and scenario.

    Values are in the metric's own unit (a share as 0-1), as in ``deltas.parquet``; a
    headline the run has no value for gets empty values.
    """
    import pandas as pd

    from migrant_health.experiments.deltas import DELTA_COLUMNS
    from migrant_health.headlines import HEADLINES, data_labels
    from migrant_health.model import default_plan

    headlines = pd.DataFrame(
        [
            (label, metric, group)
            for label, (_, metric, group, _, _) in zip(data_labels(), HEADLINES, strict=True)
        ],
        columns=["label", "metric", "group"],
    )
    pairs = headlines.merge(pd.DataFrame({"scenario": plan.names[1:]}), how="cross")
    last = deltas[deltas["year"] == plan.end].drop(columns="year")
    summary = pairs.merge(last, on=["scenario", "metric", "group"], how="left")
    summary["year"] = plan.end
    summary["unit"] = summary["metric"].map({m.name: m.unit for m in default_plan().metrics})
    # The label, the columns of deltas.parquet, the unit: built here rather than as a constant
    # of this module, which would import the deltas (pandas, DuckDB) at every start.
    return summary[["label", *DELTA_COLUMNS, "unit"]]


def summary_tables(summary: pd.DataFrame, plan: ComparisonPlan) -> list[Table]:
    """One rich table per scenario: baseline, scenario, delta and its 90 % interval."""
    from migrant_health.headlines import HEADLINES

    formats = {
        (metric, group): (label, scale, fmt) for label, metric, group, scale, fmt in HEADLINES
    }
    tables = []
    for scenario in plan.names[1:]:
        rows = summary[summary["scenario"] == scenario]
        table = Table(
            title=f"{scenario} vs baseline, {plan.end} (mean of {len(plan.draws)} replicates; "
            "90 % interval over replicates)",
            title_justify="left",
        )
        table.add_column("")
        for column in ("baseline", scenario, "delta", "90 % interval"):
            table.add_column(column, justify="right")
        numbers = rows[["baseline", "value", "delta", "delta_lo", "delta_hi"]].to_numpy(float)
        keys = rows[["metric", "group"]].itertuples(index=False, name=None)
        for (metric, group), (base, value, delta, low, high) in zip(keys, numbers, strict=True):
            label, scale, fmt = formats[(metric, group)]  # the label as indented in HEADLINES
            # A share's delta is a difference of percentages: percentage points (its interval
            # in the same unit, left unwritten).
            share = fmt.endswith("%")
            points, bare = (f"{fmt[:-1]} pts", fmt[:-1]) if share else (fmt, fmt)
            table.add_row(
                label,
                _shown(base, scale, fmt),
                _shown(value, scale, fmt),
                _shown(delta, scale, points, signed=True),
                f"[{_shown(low, scale, bare)}, {_shown(high, scale, bare)}]",
            )
        tables.append(table)
    return tables


def _shown(x: float, scale: float, fmt: str, signed: bool = False) -> str:
    """A number in a headline's format (``-`` if missing; ``+`` before a positive delta)."""
    if isnan(x):
        return "-"
    text = fmt.format(x * scale)
    return f"+{text}" if signed and not text.startswith(("-", "+")) else text


#: What a lever's reach counts, by who it reaches (person-years unless events are counted).
REACH_UNITS = {"catastrophic": "million events", "conversions": "million conversions"}
#: Each outcome's scale and unit in the table of what a scenario buys (deaths are thousands).
OUTCOME_UNITS = {
    "poor_health_person_years": (1e-6, "million person-years"),
    "depressive_symptom_person_years": (1e-6, "million person-years"),
    "catastrophic_spending_events": (1e-6, "million events"),
    "integration_index_gained": (1e-6, "million person-year-points (0-100)"),
    "deaths": (1e-3, "thousand deaths"),
}


def cost_tables(result: Comparison, plan: ComparisonPlan) -> list[Table]:
    """The cost of each scenario by lever, and what it buys: outcomes averted and their price.

    Each row says its unit: a lever reaches person-years of the people it is for, or events
    (catastrophic bills, hukou conversions); an outcome is in millions, deaths in thousands.
    """
    from migrant_health.scenarios import BASELINE
    from migrant_health.scenarios.levers import LEVERS

    eligible = {lever.path: lever.eligible for lever in LEVERS}
    levers = Table(
        title=f"Costs to {plan.end}, bn CNY discounted to each scenario's first lever "
        f"year (mean of {len(plan.draws)} replicates)",
        title_justify="left",
    )
    levers.add_column("scenario", overflow="fold")
    levers.add_column("lever", overflow="fold")
    levers.add_column("reached", justify="right")
    levers.add_column("counted in", overflow="fold")
    levers.add_column("cost", justify="right")
    for row in result.costs.to_dict("records"):
        if row["scenario"] == BASELINE:
            continue
        reached = float(row["reached_person_years"])
        counted = REACH_UNITS.get(eligible.get(str(row["lever"]), ""), "million person-years")
        levers.add_row(
            str(row["scenario"]),
            str(row["lever"]).rsplit(".", 1)[-1],
            "" if isnan(reached) else f"{reached / 1e6:,.2f}",
            "" if isnan(reached) else counted,
            f"{float(row['cost_bn_cny_discounted']):,.1f}",
        )
    outcomes = Table(
        title="What it buys: outcomes averted vs baseline (discounted; 90 % interval over "
        "replicates), and CNY per outcome",
        title_justify="left",
    )
    outcomes.add_column("scenario", overflow="fold")
    outcomes.add_column("outcome", overflow="fold")
    for column in ("averted", "90 % interval"):
        outcomes.add_column(column, justify="right")
    outcomes.add_column("unit", overflow="fold")
    outcomes.add_column("CNY each", justify="right")
    for row in result.cost_effectiveness.to_dict("records"):
        price = float(row["cost_per_outcome_cny"])
        scale, unit = OUTCOME_UNITS.get(str(row["outcome"]), (1e-6, "million"))
        low, high = float(row["averted_lo"]) * scale, float(row["averted_hi"]) * scale
        outcomes.add_row(
            str(row["scenario"]),
            str(row["outcome"]).replace("_", " "),
            f"{float(row['averted']) * scale:+,.2f}",
            f"[{low:+,.2f}, {high:+,.2f}]",
            unit,
            "-" if isnan(price) else f"{price:,.0f}",
        )
    return [levers, outcomes]
