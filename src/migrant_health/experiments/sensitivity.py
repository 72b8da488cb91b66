"""Global sensitivity analysis of the microsimulation: Morris screening and Sobol indices.

A study samples the chosen parameters with SALib (:mod:`~migrant_health.experiments.
salib_methods`), runs one simulation per sample, reads the chosen outputs from each run and
hands them back to SALib for the indices. Every run uses the same seed: the engine's random
streams are keyed by (seed, chunk, module, decision, year), so two samples differ only by their
parameters (common random numbers). An elementary effect is then the parameter's effect, not
noise, and a parameter that cannot move an output (a lever acting on out-migrants, read on urban
locals; any parameter read before the year it starts) gets an effect of exactly zero.

Runs are independent and go over worker processes as whole runs; each run's outputs are put back
in sample order, so the result does not depend on the number of workers. Everything is checked
before the first run (parameters, bounds, outputs, sample size, every sample's parameter set
against the tree's conditions, the output directory), and the output is written to a staging
directory renamed into place at the end: ``sensitivity.json``, ``indices.parquet``,
``samples.parquet`` and ``indices.png``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import migrant_health
from migrant_health import small_runs
from migrant_health.arguments import as_list, whole_number
from migrant_health.atomic import atomic_directory
from migrant_health.engine.executors import cap_workers, default_workers
from migrant_health.engine.run_config import RunConfig
from migrant_health.engine.run_context import count_chunks
from migrant_health.errors import RunConfigError, ScenarioError
from migrant_health.experiments.quantity import simulate_cells
from migrant_health.experiments.run_pool import compile_before_runs, run_tasks
from migrant_health.experiments.salib_methods import (
    CONFIDENCE,
    METHODS,
    MORRIS_LEVELS,
    analyze_outputs,
    problem,
    runs_needed,
    sample_inputs,
    samples_problem,
)
from migrant_health.experiments.sensitivity_design import (
    SampledParameter,
    SensitivityError,
    StudyOutput,
    bound_pairs,
    parse_bounds,
    parse_outputs,
    parse_parameters,
    sample_scenario,
)
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.scenario import FIRST_YEAR
from migrant_health.scenarios import check_scenario
from migrant_health.setting_names import setting
from migrant_health.writable import check_new_directory

KIND = "sensitivity"
RUNS = Path("runs")  # where run and comparison directories go too (store.RUNS)
#: Trajectories (Morris) or base points (Sobol) under ``MIGRANT_HEALTH_SMALL_RUNS``.
SMALL_SAMPLES: dict[str, int] = {"morris": 2, "sobol": 8}
FILES = ("sensitivity.json", "indices.parquet", "samples.parquet", "indices.png")
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class SensitivityPlan:
    """A checked study, ready to run.

    Attributes:
        method: ``morris`` or ``sobol``.
        parameters: What is sampled, with bounds.
        outputs: What is measured.
        samples: Trajectories (Morris) or base points (Sobol).
        inputs: The input matrix, one row per run.
        scenarios: The overrides of each run.
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: Seed of every run and of the design.
        workers: Processes running whole runs in parallel.
        from_year: Year from which sampled values hold (``None``: every year).
        levels: Grid levels of Morris's design.
    """

    method: str
    parameters: tuple[SampledParameter, ...]
    outputs: tuple[StudyOutput, ...]
    samples: int
    inputs: np.ndarray
    scenarios: tuple[Scenario, ...]
    start: int
    end: int
    scale: float
    seed: int
    workers: int
    from_year: int | None = None
    levels: int = MORRIS_LEVELS

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem dictionary."""
        return problem(
            [p.name for p in self.parameters], [(p.low, p.high) for p in self.parameters]
        )

    def config(self, k: int) -> RunConfig:
        """The run of sample ``k``."""
        return RunConfig(
            start=self.start,
            end=self.end,
            scale=self.scale,
            seed=self.seed,
            workers=1,
            scenario=self.scenarios[k],
        )


@dataclass
class SensitivityResult:
    """The outcome of a study.

    Attributes:
        indices: Columns ``output, parameter, index, value, conf``.
        samples: One row per run: ``sample``, each parameter's value, each output's value.
        metadata: The content of ``sensitivity.json``.
        directory: The study directory (``None`` if nothing was kept).
    """

    indices: pd.DataFrame
    samples: pd.DataFrame
    metadata: dict[str, Any]
    directory: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)


def plan_sensitivity(
    method: str,
    params: Sequence[str],
    outputs: Sequence[str],
    samples: int,
    *,
    bounds: Sequence[str] | dict[str, tuple[float, float]] = (),
    start: int = 2008,
    end: int = 2035,
    scale: float = 1000.0,
    seed: int = 1,
    workers: int = 1,
    from_year: int | None = None,
) -> SensitivityPlan:
    """Check everything a study needs and draw its design, before any run.

    Args:
        method: ``morris`` or ``sobol``.
        params: Parameter paths, ``path[k]`` for a vector's coordinate.
        outputs: ``metric:group:year`` or ``metric:year``.
        samples: Trajectories (Morris, at least 2) or base points (Sobol, a power of two, at
            least 8).
        bounds: ``path=low:high`` items (or a mapping) narrowing documented ranges.
        start: First year reported.
        end: Last year simulated.
        scale: Persons per agent.
        seed: Seed of every run (common random numbers) and of the design.
        workers: Processes running runs in parallel (0: every core), fitted to the runs.
        from_year: Sampled values hold from this year (the defaults before); ``None``: every
            year.

    Raises:
        SensitivityError: for a bad method, parameter, bound, output, sample size, or a sample
            that breaks a condition between parameters.
        RunConfigError: for impossible run settings.
    """
    params = as_list(params, what="params", one=(str,), error=SensitivityError)
    outputs = as_list(outputs, what="outputs", one=(str,), error=SensitivityError)
    samples = whole_number(samples, what="samples", error=SensitivityError)
    workers = whole_number(workers, what="workers", error=RunConfigError)
    if method not in METHODS:
        raise SensitivityError(
            f"unknown {setting('method', method)}; choose one of {', '.join(METHODS)}"
        )
    base = small_runs.shrink_run(RunConfig(start=start, end=end, scale=scale, seed=seed))
    count_chunks(base)  # checks the years and the scale
    if from_year is not None and not FIRST_YEAR <= from_year <= base.end:
        # After the last simulated year the sampled values would change nothing.
        raise SensitivityError(
            f"{setting('from_year', from_year)} must lie in [{FIRST_YEAR}, {base.end}] (the "
            "simulated years)"
        )
    tree = ParameterTree.load()
    chosen = parse_parameters(
        list(params),
        bound_pairs(bounds) if isinstance(bounds, dict) else parse_bounds(bounds),
        tree,
    )
    measured = parse_outputs(list(outputs), base.start, base.end)
    problem_text = samples_problem(method, samples)
    if problem_text is not None:
        raise SensitivityError(problem_text)
    if workers < 0:
        raise RunConfigError(f"{setting('workers', workers)} must be 0 (every core) or more")
    samples = small_runs.shrink_count(samples, SMALL_SAMPLES[method])
    spec = problem([p.name for p in chosen], [(p.low, p.high) for p in chosen])
    inputs = sample_inputs(method, spec, samples, seed)
    scenarios = tuple(
        sample_scenario(chosen, row, tree, f"sample-{k}", from_year) for k, row in enumerate(inputs)
    )
    _check_samples(scenarios, chosen, inputs)
    used, _ = cap_workers(workers or default_workers(), len(scenarios), unit="run")
    return SensitivityPlan(
        method,
        tuple(chosen),
        tuple(measured),
        samples,
        inputs,
        scenarios,
        base.start,
        base.end,
        float(base.scale),
        seed,
        used,
        from_year,
    )


def _check_samples(
    scenarios: Sequence[Scenario], parameters: Sequence[SampledParameter], inputs: np.ndarray
) -> None:
    """Every sample's parameter set must satisfy the tree's conditions (ordered cut-points...)."""
    for k, scenario in enumerate(scenarios):
        try:
            check_scenario(scenario)
        except ScenarioError as exc:
            values = ", ".join(
                f"{p.name}={v:g}" for p, v in zip(parameters, inputs[k], strict=True)
            )
            raise SensitivityError(
                f"sample {k} ({values}) breaks a condition between parameters: {exc}; narrow "
                f"the ranges with {setting('bounds')} so that every combination is valid"
            ) from None


def check_output(out: str | Path | None, runs: Path = RUNS) -> None:
    """Fail before any run if the study directory cannot be written (creating nothing).

    Raises:
        RunConfigError: if ``out`` exists or its folder cannot be written.
    """
    check_new_directory(out, runs, "the sensitivity directory")


@dataclass(frozen=True)
class _SampleTask:
    """One run of a study, as a worker process receives it."""

    config: RunConfig
    outputs: tuple[StudyOutput, ...]


def _run_sample(task: _SampleTask) -> tuple[list[float], float]:
    """Run one sample and read its outputs (in a worker process)."""
    run = simulate_cells(task.config)
    values = [
        float(output.quantity.evaluate(run)["value"].get(output.year, np.nan))
        for output in task.outputs
    ]
    return values, run.seconds


def run_sensitivity(
    plan: SensitivityPlan,
    out: str | Path | None = None,
    *,
    runs: Path | None = RUNS,
    progress: ProgressCallback | None = None,
) -> SensitivityResult:
    """Run every sample, compute the indices and write the study directory.

    Args:
        plan: The checked study.
        out: The directory to create (must not exist).
        runs: Without ``out``, where a new ``sensitivity-<date>-<time>`` goes; ``None`` keeps
            nothing.
        progress: Called with ``(runs_done, runs_total)`` after each run.

    Returns:
        The indices, the samples, the metadata and the directory.
    """
    began = time.perf_counter()
    keep = out is not None or runs is not None
    if keep:
        check_output(out, runs or RUNS)
    tasks = [_SampleTask(plan.config(k), plan.outputs) for k in range(len(plan.scenarios))]
    if tasks:
        compile_before_runs(tasks[0].config)
    if progress is not None:
        progress(0, len(tasks))
    finished = 0

    def done(_index: int, _result: tuple[list[float], float]) -> None:
        nonlocal finished
        finished += 1
        if progress is not None:
            progress(finished, len(tasks))

    t0 = time.perf_counter()
    found = run_tasks(_run_sample, tasks, plan.workers, done)
    t1 = time.perf_counter()
    names = [o.name for o in plan.outputs]
    outputs = pd.DataFrame([values for values, _ in found], columns=names)
    indices = analyze_outputs(plan.method, plan.problem, plan.inputs, outputs, plan.seed)
    samples = pd.concat(
        [
            pd.DataFrame({"sample": np.arange(len(tasks))}),
            pd.DataFrame(plan.inputs, columns=[p.name for p in plan.parameters]),
            outputs,
        ],
        axis=1,
    )
    t2 = time.perf_counter()
    seconds = [s for _, s in found]
    timings = {
        "simulate": round(t1 - t0, 3),
        "per_run_mean": round(float(np.mean(seconds)), 3),
        "analyze": round(t2 - t1, 3),
    }
    result = SensitivityResult(indices, samples, {}, timings=timings)
    if not keep:
        timings["total"] = round(time.perf_counter() - began, 3)
        result.metadata = study_metadata(plan, timings)
        return result
    with atomic_directory(out, runs or RUNS, KIND) as (staging, target):
        indices.to_parquet(staging / "indices.parquet", index=False)
        samples.to_parquet(staging / "samples.parquet", index=False)
        # Matplotlib is loaded for the figure only, not with the command line.
        from migrant_health.experiments.sensitivity_plot import plot_indices

        plot_indices(indices, plan.method, staging / "indices.png")
        timings["total"] = round(time.perf_counter() - began, 3)
        result.metadata = study_metadata(plan, timings)
        (staging / "sensitivity.json").write_text(
            json.dumps(result.metadata, indent=2), encoding="utf-8"
        )
    result.directory = target
    return result


def study_metadata(plan: SensitivityPlan, timings: dict[str, float]) -> dict[str, Any]:
    """The content of ``sensitivity.json``."""
    return {
        "kind": KIND,
        "package": "migrant_health",
        "version": migrant_health.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "method": plan.method,
        "design": _design(plan),
        "samples": plan.samples,
        "runs": runs_needed(plan.method, plan.samples, len(plan.parameters)),
        "parameters": [
            {
                "name": p.name,
                "path": p.path,
                "index": p.index,
                "bounds": [p.low, p.high],
                "documented_range": list(p.documented),
                "default": p.default,
                "unit": p.unit,
            }
            for p in plan.parameters
        ],
        "outputs": [
            {
                "name": o.name,
                "metric": o.quantity.metric,
                "group": o.quantity.group,
                "year": o.year,
                "unit": o.unit,
            }
            for o in plan.outputs
        ],
        "config": {
            "start": plan.start,
            "end": plan.end,
            "scale": plan.scale,
            "seed": plan.seed,
            "workers": plan.workers,
            "from_year": plan.from_year,
            "common_random_numbers": True,
        },
        "confidence": CONFIDENCE,
        "files": list(FILES),
        "timings_seconds": timings,
    }


def _design(plan: SensitivityPlan) -> str:
    if plan.method == "morris":
        return (
            f"SALib morris: {plan.samples} trajectories of {len(plan.parameters) + 1} points on "
            f"a {plan.levels}-level grid; mu_star in the output's unit over the whole range"
        )
    return (
        f"SALib sobol (Saltelli): {plan.samples} base points x {len(plan.parameters) + 2}; "
        "first-order (S1) and total (ST) indices"
    )


def read_indices(directory: str | Path) -> pd.DataFrame:
    """The indices table of a study directory."""
    return pd.read_parquet(Path(directory) / "indices.parquet")
