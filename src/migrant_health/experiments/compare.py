"""Scenario comparison: every scenario against the baseline, replicate by replicate.

A comparison runs each scenario (and the baseline, always the reference) in ``R`` replicates.
Replicate ``r`` has its own seed (``seed + r``) and its own parameter set drawn from the
calibration study (:mod:`~migrant_health.experiments.parameter_draws`); within a replicate every
scenario runs with that seed and that parameter set, the scenario's levers stacked on the
parameter set. The engine's random streams are keyed by (seed, chunk, module, decision, year),
so the scenario and the baseline of a replicate draw the same random numbers for the same
person and decision (common random numbers): their difference is the policy's effect in that
world, with little sampling noise, and the spread of the differences over replicates is the
uncertainty about it (:mod:`~migrant_health.experiments.deltas`).

Deaths respond to health in the scenario runs: each replicate's baseline runs first and its
mortality renormalisation factors are held fixed in that replicate's scenario runs
(``RunConfig.fixed_mortality_factors``), so the baseline stays on the life table while a
scenario's health gains and losses change its deaths (docs/model.md, section 7).

Everything is checked before the first run (scenarios, stacks, settings, the output directory),
and the output is written to a staging directory renamed into place at the end:
``comparison.json``, ``aggregates.parquet``, ``deltas.parquet``, and the costs
(:mod:`~migrant_health.experiments.costs`): ``costs.parquet`` and ``cost_effectiveness.parquet``.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import migrant_health
from migrant_health import small_runs
from migrant_health.arguments import as_list, whole_number
from migrant_health.atomic import atomic_directory
from migrant_health.engine.dask_executor import active_client
from migrant_health.engine.executors import cap_workers, default_workers
from migrant_health.engine.run import run_plan
from migrant_health.engine.run_config import RunConfig
from migrant_health.engine.run_context import count_chunks
from migrant_health.errors import RunConfigError, ScenarioError
from migrant_health.experiments.costs import compute_costs, first_changed_year, lever_values
from migrant_health.experiments.deltas import INTERVAL, combine_runs, read_deltas, write_deltas
from migrant_health.experiments.parameter_draws import (
    RELATIVE_THRESHOLD,
    STUDY_DIR,
    ParameterDraw,
    draw_parameter_sets,
    load_trials,
    qualifying_trials,
)
from migrant_health.experiments.run_pool import compile_before_runs, run_tasks
from migrant_health.model import default_plan
from migrant_health.params import Scenario
from migrant_health.scenarios import BASELINE, baseline_scenario, check_scenario, resolve_scenario
from migrant_health.setting_names import setting
from migrant_health.writable import check_new_directory

KIND = "comparison"
RUNS = Path("runs")  # where run directories go too (store.RUNS)
#: Replicates of a comparison under ``MIGRANT_HEALTH_SMALL_RUNS`` (see ``small_runs``).
SMALL_REPLICATES = 2
ProgressCallback = Callable[[int, int], None]
#: What a run of a comparison hands back: seconds, mortality factors, the table if not written.
TaskResult = tuple[float, np.ndarray, pd.DataFrame | None]


@dataclass(frozen=True)
class ComparisonPlan:
    """A checked comparison, ready to run.

    Attributes:
        scenarios: The baseline first, then each compared scenario (names unique).
        draws: Each replicate's seed and parameter set.
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: The comparison's seed (replicate ``r`` uses ``seed + r``).
        workers: Processes running whole runs in parallel.
    """

    scenarios: tuple[Scenario, ...]
    draws: tuple[ParameterDraw, ...]
    start: int
    end: int
    scale: float
    seed: int
    workers: int

    @property
    def names(self) -> list[str]:
        """Scenario names, the baseline first."""
        return [s.name for s in self.scenarios]

    def config(self, scenario: Scenario, draw: ParameterDraw) -> RunConfig:
        """The run of ``scenario`` in ``draw``'s replicate: its levers on the parameter set."""
        stacked = draw.scenario().stack(scenario, later_wins=True)
        return RunConfig(
            start=self.start,
            end=self.end,
            scale=self.scale,
            seed=draw.seed,
            workers=1,
            scenario=stacked if stacked.overrides else None,
        )


@dataclass(frozen=True)
class RunTask:
    """One run of a comparison, as a worker process receives it."""

    scenario: str
    replicate: int
    config: RunConfig
    part: Path
    # On a Dask cluster a worker may not see this machine's files: it returns the table.
    write_part: bool = True


@dataclass
class Comparison:
    """The outcome of a comparison.

    Attributes:
        deltas: The table of ``deltas.parquet``.
        metadata: The content of ``comparison.json``.
        directory: The comparison directory (``None`` if nothing was kept).
        timings: Seconds spent simulating, on the tables, and in all.
        costs: The table of ``costs.parquet``: scenario, lever, unit, reached_person_years,
            cost_bn_cny_discounted (a ``total`` row per scenario).
        cost_effectiveness: The table of ``cost_effectiveness.parquet``: scenario, outcome,
            unit, averted, averted_lo, averted_hi, cost_bn_cny_discounted,
            cost_per_outcome_cny.
    """

    deltas: pd.DataFrame
    metadata: dict[str, Any]
    directory: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)
    cost_effectiveness: pd.DataFrame = field(default_factory=pd.DataFrame)


def plan_comparison(
    scenarios: Sequence[str | Path | Scenario],
    replicates: int,
    *,
    start: int = 2008,
    end: int = 2035,
    scale: float = 1000.0,
    seed: int = 1,
    workers: int = 1,
    later_wins: bool = False,
) -> ComparisonPlan:
    """Resolve and check everything a comparison needs, before any run.

    Args:
        scenarios: Shipped names, YAML paths, ``a+b`` stacks or :class:`Scenario` objects; the
            baseline is added first if missing.
        replicates: Replicates (at least 2: an interval needs a spread).
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: Replicate ``r`` runs with ``seed + r``.
        workers: Processes running runs in parallel (0: every core), fitted to the runs.
        later_wins: In ``a+b`` stacks, let a later part override an earlier one.

    Raises:
        RunConfigError: for impossible settings or replicate counts.
        ScenarioError: for an unknown, malformed or conflicting scenario, a name given twice,
            or nothing to compare.
    """
    scenarios = as_list(scenarios, what="scenarios", one=(str, Path, Scenario), error=ScenarioError)
    replicates = whole_number(replicates, what="replicates", error=RunConfigError)
    workers = whole_number(workers, what="workers", error=RunConfigError)
    if replicates < 2:
        raise RunConfigError(
            f"{setting('replicates', replicates)} must be at least 2: the interval of a delta "
            "is its spread over replicates (20 or more give stable 90 % intervals)"
        )
    replicates = small_runs.shrink_count(replicates, SMALL_REPLICATES)
    base = small_runs.shrink_run(RunConfig(start=start, end=end, scale=scale, seed=seed))
    count_chunks(base)  # checks the years and the scale, before anything else is read
    base.check_seeds(replicates)
    compared = _resolve_all(scenarios, later_wins)
    draws = draw_parameter_sets(replicates, seed)
    for scenario in compared:
        for draw in draws:
            check_scenario(draw.scenario().stack(scenario, later_wins=True))
    if workers < 0:
        raise RunConfigError(f"{setting('workers', workers)} must be 0 (every core) or more")
    runs = len(compared) * len(draws)
    used, _ = cap_workers(workers or default_workers(), runs, unit="run")
    return ComparisonPlan(
        tuple(compared), tuple(draws), base.start, base.end, float(base.scale), seed, used
    )


def _resolve_all(scenarios: Sequence[str | Path | Scenario], later_wins: bool) -> list[Scenario]:
    """The baseline, then every other scenario resolved, with unique names."""
    resolved = [resolve_scenario(item, later_wins=later_wins) for item in scenarios]
    compared = [baseline_scenario()]
    seen = {BASELINE: "the reference"}
    for scenario in resolved:
        if scenario.name == BASELINE and not scenario.overrides:
            continue
        if scenario.name in seen:
            # A scenario made in Python (origin "<scenario>") is named in Python, not in a file.
            fix = (
                "give each its own name, Scenario(name=..., overrides=...)"
                if scenario.origin.startswith("<")
                else "give it once, or set another 'name:' in the file"
            )
            raise ScenarioError(
                f"two scenarios are named '{scenario.name}' ({seen[scenario.name]} and "
                f"{scenario.origin}); each needs its own name: {fix}"
            )
        seen[scenario.name] = scenario.origin
        compared.append(scenario)
    if len(compared) == 1:
        raise ScenarioError(
            "nothing to compare: name at least one scenario besides the baseline, such as "
            + setting("scenarios", ["fair_employment"], flag_value="baseline,fair_employment")
        )
    return compared


def check_output(out: str | Path | None, runs: Path = RUNS) -> None:
    """Fail before any run if the comparison directory cannot be written (creating nothing).

    Raises:
        RunConfigError: if ``out`` exists or its folder cannot be written.
    """
    check_new_directory(out, runs, "the comparison directory")


def run_comparison(
    plan: ComparisonPlan,
    out: str | Path | None = None,
    *,
    runs: Path | None = RUNS,
    progress: ProgressCallback | None = None,
) -> Comparison:
    """Run every scenario in every replicate and write the comparison's tables.

    Args:
        plan: The checked comparison.
        out: The directory to create (must not exist).
        runs: Without ``out``, where a new ``comparison-<date>-<time>`` goes; ``None`` keeps
            nothing (the tables are built in a temporary directory).
        progress: Called with ``(runs_done, runs_total)`` after each run.

    Returns:
        The deltas, the metadata and the directory.
    """
    began = time.perf_counter()
    if out is None and runs is None:
        with tempfile.TemporaryDirectory(prefix="comparison-") as scratch:
            result = _run_into(plan, Path(scratch), progress, began)
        result.directory = None
        return result
    check_output(out, runs or RUNS)
    with atomic_directory(out, runs or RUNS, KIND) as (staging, target):
        result = _run_into(plan, staging, progress, began)
    result.directory = target
    return result


def _run_into(
    plan: ComparisonPlan, folder: Path, progress: ProgressCallback | None, began: float
) -> Comparison:
    parts = folder / "parts"
    parts.mkdir()
    tasks = [
        RunTask(
            scenario.name,
            draw.replicate,
            plan.config(scenario, draw),
            parts / f"{k:03d}-{draw.replicate:03d}.parquet",
            write_part=active_client() is None,
        )
        for draw in plan.draws
        for k, scenario in enumerate(plan.scenarios)
    ]
    compile_before_runs(tasks[0].config)
    if progress is not None:
        progress(0, len(tasks))
    finished = 0

    def done_with(batch: list[RunTask]) -> Callable[[int, TaskResult], None]:
        def done(index: int, result: TaskResult) -> None:
            nonlocal finished
            if result[2] is not None:  # the run's table came back from a cluster's worker
                result[2].to_parquet(batch[index].part, index=False)
            finished += 1
            if progress is not None:
                progress(finished, len(tasks))

        return done

    t0 = time.perf_counter()
    # The baselines first: their mortality factors are held fixed in the scenario runs.
    baselines = [t for t in tasks if t.scenario == BASELINE]
    factors = {
        t.replicate: result[1]
        for t, result in zip(
            baselines,
            run_tasks(_run_task, baselines, plan.workers, done_with(baselines)),
            strict=True,
        )
    }
    scenario_runs = [
        replace(t, config=replace(t.config, fixed_mortality_factors=factors[t.replicate]))
        for t in tasks
        if t.scenario != BASELINE
    ]
    run_tasks(_run_task, scenario_runs, plan.workers, done_with(scenario_runs))
    t1 = time.perf_counter()
    combine_runs([t.part for t in tasks], plan.names, folder / "aggregates.parquet")
    for task in tasks:
        task.part.unlink()
    parts.rmdir()
    write_deltas(folder / "aggregates.parquet", plan.names, BASELINE, folder / "deltas.parquet")
    deltas = read_deltas(folder / "deltas.parquet")
    reported = range(plan.start, plan.end + 1)
    values = lever_values(
        [(t.scenario, t.replicate, t.config.scenario) for t in tasks],
        reported,
        BASELINE,
        starts={s.name: first_changed_year(s, reported) for s in plan.scenarios},
    )
    costs, effectiveness = compute_costs(
        folder / "aggregates.parquet", values, plan.names, BASELINE
    )
    costs.to_parquet(folder / "costs.parquet", index=False)
    effectiveness.to_parquet(folder / "cost_effectiveness.parquet", index=False)
    t2 = time.perf_counter()
    timings = {
        "simulate": round(t1 - t0, 3),
        "tables": round(t2 - t1, 3),
        "total": round(t2 - began, 3),
    }
    metadata = comparison_metadata(plan, timings)
    (folder / "comparison.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return Comparison(
        deltas, metadata, timings=timings, costs=costs, cost_effectiveness=effectiveness
    )


def _run_task(task: RunTask) -> TaskResult:
    """Run one scenario in one replicate and write its tidy table (in a worker process).

    Returns:
        The seconds it took, the run's mortality renormalisation factors, and its table if
        the task does not write it (``write_part`` false), else ``None``.
    """
    began = time.perf_counter()
    # The plan, not model.simulate: its warning about a lever's timing was given once, for the
    # comparison, and not again for each of its runs.
    result = run_plan(default_plan(), task.config)
    table = result.aggregates.assign(scenario=task.scenario, replicate=task.replicate)
    table = table[["scenario", "replicate", "year", "metric", "group", "value"]]
    if task.write_part:
        table.to_parquet(task.part, index=False)
    return time.perf_counter() - began, result.mortality_factors, None if task.write_part else table


def comparison_metadata(plan: ComparisonPlan, timings: dict[str, float]) -> dict[str, Any]:
    """The content of ``comparison.json`` (the contract the run catalogue indexes)."""
    trials = load_trials()
    return {
        "kind": KIND,
        "package": "migrant_health",
        "version": migrant_health.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {
            "start": plan.start,
            "end": plan.end,
            "scale": plan.scale,
            "seed": plan.seed,
            "workers": plan.workers,
        },
        "scenarios": [
            {
                "name": s.name,
                "description": s.description.strip(),
                "origin": s.origin,
                "overrides": _jsonable(s.overrides),
            }
            for s in plan.scenarios
        ],
        "replicates": len(plan.draws),
        "replicate_draws": [
            {"replicate": d.replicate, "seed": d.seed, "parameter_set": d.parameter_set}
            for d in plan.draws
        ],
        "parameter_draws": {
            "study": f"params/calibration/{STUDY_DIR.name}",
            "rule": (
                f"replicate 0: the shipped defaults; others: trials with objective J within "
                f"{RELATIVE_THRESHOLD:.0%} of the best, as displacements from trial 0 added to "
                "the shipped defaults"
            ),
            "qualifying_trials": len(qualifying_trials(trials)),
            "trials": len(trials),
        },
        "interval": INTERVAL,
        "deaths": (
            "respond to health: each scenario run holds its replicate's baseline mortality "
            "renormalisation factors fixed"
        ),
        "timings_seconds": timings,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
