"""Running a simulation: configuration, chunk work, executors, and the run's result.

A run splits the population into chunks of whole communities; each chunk is simulated from
the start year to the end on its own (synthesis, initialisation, the yearly plan) and returns
its summed statistics. The driver adds chunk results in chunk order, so a run is bit-identical
whatever the executor or the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from migrant_health import small_runs
from migrant_health.data import load_demography
from migrant_health.engine.aggregate import cell_table, tidy_aggregates
from migrant_health.engine.context import RunContext, compile_parameters
from migrant_health.engine.interrupts import (
    ignore_sigint,
    sigint_deferred,
    sigint_ignored,
    terminate,
)
from migrant_health.engine.plan import Plan
from migrant_health.engine.population import MORTALITY_FACTOR_CELLS, MORTALITY_FACTORS, Chunk
from migrant_health.engine.snapshot import take_snapshot
from migrant_health.engine.stats import N_MAIN_CELLS, empty_accumulator
from migrant_health.engine.synthesis import PopulationLayout, build_layout, synthesize
from migrant_health.errors import RunConfigError
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.constraints import check_constraints

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RunConfig:
    """Settings of one run.

    Attributes:
        start: First year reported (the simulation always starts from the base year of the
            data, 2008; earlier years are burn-in when ``start`` is later).
        end: Last simulated year (at most the last year of the demographic data, 2035).
        scale: Persons represented by one rural-hukou agent.
        urban_scale: Persons per agent of the urban-local reference sample (default 10 x scale).
        seed: Seed of every random stream.
        workers: Processes running chunks (1 = in this process).
        communities_per_chunk: Communities per chunk (fixed; results do not depend on workers).
        community_size: Agents per origin community.
        snapshot_years: Years whose agent-level sample is kept.
        snapshot_fraction: Share of people in the snapshot sample.
        scenario: Parameter overrides, or ``None`` for the baseline.
        frozen: Keep the base year's conditions in every year: its parameters (wage index,
            insurance roll-out, policy), the calendar trends (``p.conditions_year`` stays the
            base year), life tables and hukou conversion rate. People still age and cohorts
            still enter. For checking that the start is a steady state.
        fixed_mortality_factors: Mortality renormalisation factors held fixed, taken from a
            reference run (its ``RunResult.mortality_factors``) with the same seed, scale,
            chunks and years. ``None`` (the default): every run renormalises its deaths to the
            life table, so health moves deaths between people but not their number. Given: a
            scenario's health gains and losses change its deaths (docs/model.md, section 7).
    """

    start: int = 2008
    end: int = 2035
    scale: float = 1000.0
    urban_scale: float | None = None
    seed: int = 1
    workers: int = 1
    communities_per_chunk: int = 1000
    community_size: int = 100
    snapshot_years: tuple[int, ...] = ()
    snapshot_fraction: float = 0.05
    scenario: Scenario | None = None
    frozen: bool = False
    # Left out of comparisons and of the printed form: an array, possibly large.
    fixed_mortality_factors: np.ndarray | None = field(default=None, compare=False, repr=False)

    def validate(self, first_year: int, last_year: int) -> None:
        """Raise :class:`RunConfigError` for impossible settings, saying what is allowed."""
        if not first_year <= self.start <= last_year:
            raise RunConfigError(
                f"--start {self.start} is outside the data's years [{first_year}, {last_year}]"
            )
        if not self.start <= self.end <= last_year:
            raise RunConfigError(
                f"--end {self.end} must lie in [{self.start}, {last_year}] "
                f"(from --start to the last year of the demographic data)"
            )
        if not np.isfinite(self.scale) or self.scale < 1:
            raise RunConfigError(f"--scale {self.scale} must be at least 1 person per agent")
        if self.urban_scale is not None and self.urban_scale < 1:
            raise RunConfigError(f"urban scale {self.urban_scale} must be at least 1")
        if self.workers < 1:
            raise RunConfigError(f"--workers {self.workers} must be at least 1")
        if self.community_size < 10 or self.communities_per_chunk < 1:
            raise RunConfigError(
                "community size must be >= 10 agents and chunks hold >= 1 community"
            )
        if not 0.0 < self.snapshot_fraction <= 1.0:
            raise RunConfigError(f"snapshot fraction {self.snapshot_fraction} must lie in (0, 1]")
        bad = [y for y in self.snapshot_years if not self.start <= y <= self.end]
        if bad:
            raise RunConfigError(
                f"--snapshot-years {bad} fall outside the run [{self.start}, {self.end}]"
            )


@dataclass
class ChunkResult:
    """What one chunk hands back: its summed statistics, snapshot rows and records."""

    index: int
    accumulator: np.ndarray
    snapshots: list[pd.DataFrame] = field(default_factory=list)
    seconds: float = 0.0
    records: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class RunResult:
    """The outcome of a run.

    Attributes:
        config: The settings.
        tree: The parameter tree with the scenario applied.
        aggregates: Tidy table ``year, metric, group, value``.
        cells: Weighted statistics per year and cell (for re-aggregation): the main cells,
            then the out-migrants again in the tenure cells (``years_in_city`` not empty);
            then everyone who has ever out-migrated in the cohort cells (``arrival_cohort``
            set); sum one kind only (``engine.aggregate.main_cells``, ``tenure_cells``,
            ``cohort_cells``).
        snapshots: Agent-level sample rows for the snapshot years (empty if none).
        timings: Seconds spent in each phase.
        agent_years: Agent-years simulated (living agents summed over simulated years).
        n_agents: Agents allocated (entrants and padding included).
        n_chunks: Chunks simulated.
        records: Per-chunk records (name -> array with chunks first, then years), such as the
            mortality renormalisation factors.
    """

    config: RunConfig
    tree: ParameterTree
    aggregates: pd.DataFrame
    cells: pd.DataFrame
    snapshots: pd.DataFrame
    timings: dict[str, float]
    agent_years: int
    n_agents: int
    n_chunks: int
    records: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def mortality_factors(self) -> np.ndarray:
        """The run's mortality renormalisation factors, to hold fixed in a scenario run.

        Shape ``(chunks, years, population, sex, age group)``: the mean relative risk of death
        of each chunk's rural-hukou people (population 0) and urban locals (1) by sex and
        ten-year age group in each simulated year, NaN where a cell was empty. Pass it as
        ``RunConfig.fixed_mortality_factors`` of a run with the same seed, scale and years.
        """
        return self.records[MORTALITY_FACTORS]

    def series(self, metric: str, group: str = "all") -> pd.Series:
        """One metric of one group as a series indexed by year."""
        rows = self.aggregates[
            (self.aggregates["metric"] == metric) & (self.aggregates["group"] == group)
        ]
        return rows.set_index("year")["value"]

    def value(self, metric: str, year: int, group: str = "all") -> float:
        """One number of the tidy table; raises ``KeyError`` if absent."""
        series = self.series(metric, group)
        if year not in series.index:
            raise KeyError(f"no value for {metric} / {group} / {year}")
        return float(series.loc[year])


# -- chunk work ---------------------------------------------------------------------------------

_WORKER_STATE: dict[str, Any] = {}


# The context last built in this process, with its configuration and fixed mortality factors
# (left out of the configuration's equality, so compared by identity). A command checks its run
# before simulating (count_chunks), then runs it (run_chunks), and a serial run sets up its
# worker too: the same parameters, scenario and constraints would be resolved three times.
_LAST_CONTEXT: list[tuple[RunConfig, np.ndarray | None, tuple[RunContext, PopulationLayout]]] = []


def build_context(config: RunConfig) -> tuple[RunContext, PopulationLayout]:
    """Resolve parameters, load data, and size the population for a configuration.

    The context is read-only, so the last one built is kept and handed out again for an equal
    configuration (same settings, scenario and fixed mortality factors).
    """
    for cached, factors, built in _LAST_CONTEXT:
        try:
            same = factors is config.fixed_mortality_factors and bool(cached == config)
        except (TypeError, ValueError):  # overrides holding arrays do not compare
            same = False
        if same:
            return built
    built = _build_context(config)
    _LAST_CONTEXT[:] = [(config, config.fixed_mortality_factors, built)]
    return built


def _build_context(config: RunConfig) -> tuple[RunContext, PopulationLayout]:
    demo = load_demography()
    config.validate(demo.first_year, demo.last_year)
    tree = ParameterTree.load()
    data_years = range(demo.first_year, demo.last_year + 1)
    origin = "defaults"
    if config.scenario is not None:
        tree = config.scenario.apply(tree, years=data_years)
        origin = config.scenario.origin
    years = range(demo.first_year, config.end + 1)
    check_constraints(tree, years, origin)
    urban_scale = config.urban_scale or 10.0 * config.scale
    layout = build_layout(demo, config.scale, urban_scale, config.community_size)
    params = compile_parameters(tree, years)
    if config.frozen:
        params[:] = params[0]
        demo = demo.frozen_at(demo.first_year)
    fixed = {}
    if config.fixed_mortality_factors is not None:
        n_chunks = len(layout.chunk_bounds(config.communities_per_chunk))
        fixed[MORTALITY_FACTORS] = _checked_factors(
            config.fixed_mortality_factors, n_chunks, len(years)
        )
    ctx = RunContext(
        seed=config.seed,
        start=demo.first_year,
        end=config.end,
        scale=config.scale,
        urban_scale=urban_scale,
        community_size=config.community_size,
        first_urban_pid=layout.first_urban_pid,
        tree=tree,
        params=params,
        demography=demo,
        fixed_records=fixed,
    )
    return ctx, layout


def _checked_factors(factors: np.ndarray, n_chunks: int, n_years: int) -> np.ndarray:
    """Fixed mortality factors that fit this run's chunks and years, as float64.

    The kernel reads them without bounds checks, so the whole shape is checked here, and every
    factor must be a positive mean relative risk (or NaN: nobody in that cell).
    """
    factors = np.asarray(factors, dtype=np.float64)
    expected = (n_chunks, n_years, *MORTALITY_FACTOR_CELLS)
    if factors.shape != expected:
        raise RunConfigError(
            f"the fixed mortality factors have shape {factors.shape}, but this run needs "
            f"{expected} ({n_chunks} chunks, {n_years} simulated years): take them from a run "
            "with the same scale, seed, chunk size and end year (RunResult.mortality_factors)"
        )
    known = factors[~np.isnan(factors)]
    if not (np.isfinite(known).all() and (known > 0).all()):
        raise RunConfigError(
            "the fixed mortality factors must be positive mean relative risks (or NaN for an "
            "empty cell); take them from a run's RunResult.mortality_factors"
        )
    return factors


def simulate_chunk(
    plan: Plan,
    ctx: RunContext,
    layout: PopulationLayout,
    index: int,
    first_pid: int,
    size: int,
    snapshot_years: tuple[int, ...] = (),
    snapshot_fraction: float = 0.05,
) -> ChunkResult:
    """Synthesise, initialise and simulate one chunk over all years."""
    began = time.perf_counter()
    chunk = Chunk.allocate(index, first_pid, size, plan.states, plan.scratch)
    chunk.accumulator = empty_accumulator(len(ctx.years), len(plan.statistics))
    synthesize(chunk, layout, ctx)
    for kernel in plan.init_kernels():
        kernel(chunk, ctx, ctx.start)
    steps = plan.step_kernels()
    snapshots = []
    for year in ctx.years:
        for kernel in steps:
            kernel(chunk, ctx, year)
        if year in snapshot_years:
            snapshots.append(take_snapshot(chunk, ctx, year, snapshot_fraction))
    seconds = time.perf_counter() - began
    return ChunkResult(index, chunk.accumulator, snapshots, seconds, chunk.records)


def _worker_init(plan: Plan, config: RunConfig) -> None:
    _WORKER_STATE["ctx"], _WORKER_STATE["layout"] = build_context(config)
    _WORKER_STATE["config"] = config
    _WORKER_STATE["plan"] = plan


def _worker_run(task: tuple[int, int, int]) -> ChunkResult:
    config: RunConfig = _WORKER_STATE["config"]
    return simulate_chunk(
        _WORKER_STATE["plan"],
        _WORKER_STATE["ctx"],
        _WORKER_STATE["layout"],
        *task,
        snapshot_years=config.snapshot_years,
        snapshot_fraction=config.snapshot_fraction,
    )


# -- executors ----------------------------------------------------------------------------------


class Executor(Protocol):
    """Runs chunk tasks and yields their results in task order."""

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results of the tasks, in the order of ``tasks``."""
        ...


class SerialExecutor:
    """Runs every chunk in this process."""

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order."""
        _worker_init(plan, config)
        for task in tasks:
            yield _worker_run(task)


class ProcessExecutor:
    """Runs chunks in a pool of worker processes (each builds the context once).

    Ctrl-C in a terminal reaches every process of the foreground group. The workers ignore it,
    so this process alone decides what happens: on an interrupt, a failing chunk or an abandoned
    iteration it terminates the workers at once (rather than letting them finish the chunks
    they hold) and re-raises. No worker outlives :meth:`map`.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order (waited for in order, so sums are deterministic)."""
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_pool_worker_init,
            initargs=(plan, config),
        )
        try:
            # The workers are forked by the first submit; a Ctrl-C meanwhile is raised here
            # once they exist (and ignore it).
            with sigint_deferred():
                futures: list[Future[ChunkResult]] = [
                    pool.submit(_worker_run, task) for task in tasks
                ]
            # Futures are waited for one by one, never cancelled: cancelling them (as
            # ``Executor.map`` does when its iterator closes) races the pool's management
            # thread, which then dies with ``InvalidStateError`` and can hang the exit. Each is
            # dropped once yielded, so finished chunks' accumulators (tens of MB each) are not
            # all held until the run ends.
            futures.reverse()
            while futures:
                yield futures.pop().result()
        except BaseException:
            # The pool's workers are the children started since ``before``: the pool itself
            # offers no public way to terminate them before Python 3.14.
            _stop_workers(pool, [p for p in multiprocessing.active_children() if p not in before])
            raise
        pool.shutdown(wait=True)


def _pool_worker_init(plan: Plan, config: RunConfig) -> None:
    """Worker start: leave Ctrl-C to the parent, then build the context."""
    ignore_sigint()
    _worker_init(plan, config)


def _stop_workers(pool: ProcessPoolExecutor, workers: list[Any]) -> None:
    """Terminate the pool's worker processes, reap them, and wind the pool down."""
    with sigint_ignored():
        terminate(workers)
        # With its workers gone the pool's management thread marks the rest broken and ends.
        pool.shutdown(wait=True)


def cap_workers(requested: int, tasks: int, unit: str = "chunk") -> tuple[int, str | None]:
    """Workers the local process executor can keep busy, with a note if fewer than asked.

    More workers than tasks would sit idle, and more than the cores this process may use only
    compete for them (and for memory: each worker holds its own copy of the context). A cluster
    scheduler sizes its own pool and is not capped here.

    Args:
        requested: Workers asked for.
        tasks: Independent tasks (chunks of a run, trials of a calibration).
        unit: What a task is, for the note.

    Returns:
        The workers to use, and a note saying why it is fewer than ``requested`` (``None`` if
        it is not).
    """
    cores = default_workers()
    used = max(1, min(requested, tasks, cores))
    if used >= requested:
        return requested, None
    reasons = []  # the limits that bind
    if tasks == used:
        reasons.append(f"the work is {tasks} {unit}{'s' if tasks != 1 else ''}")
    if cores == used:
        reasons.append(f"{cores} core{'s are' if cores != 1 else ' is'} available")
    return used, f"--workers {requested} capped to {used}: {' and '.join(reasons)}"


def count_chunks(config: RunConfig) -> int:
    """Chunks a run of ``config`` is cut into; checks every setting and the scenario on the way.

    Cheap (no simulation), so commands call it before any work: a bad setting or scenario
    fails first, and the number of workers can be fitted to the work.
    """
    _, layout = build_context(config)
    return len(layout.chunk_bounds(config.communities_per_chunk))


def make_executor(workers: int) -> Executor:
    """Serial for one worker, processes otherwise."""
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)


# -- the run ------------------------------------------------------------------------------------


def run_chunks(
    plan: Plan,
    config: RunConfig,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> tuple[
    RunContext,
    PopulationLayout,
    np.ndarray,
    list[pd.DataFrame],
    dict[str, float],
    dict[str, np.ndarray],
]:
    """Simulate every chunk and sum their statistics in chunk order.

    Returns:
        The run context, the population layout, the ``(years, cells, statistics)`` sums, the
        snapshot frames, the seconds spent setting up and simulating, and the chunks' records
        stacked in chunk order (chunks first).
    """
    config = small_runs.shrink_run(config)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ctx, layout = build_context(config)
    bounds = layout.chunk_bounds(config.communities_per_chunk)
    tasks = [(k, first, size) for k, (first, size) in enumerate(bounds)]
    timings["setup"] = time.perf_counter() - t0
    executor = executor or make_executor(min(config.workers, len(tasks)))
    total = empty_accumulator(len(ctx.years), len(plan.statistics))
    snapshots: list[pd.DataFrame] = []
    records: dict[str, list[np.ndarray]] = {}
    t1 = time.perf_counter()
    if progress is not None:
        progress(0, len(tasks))  # the total is known before the first chunk (which may compile)
    for done, result in enumerate(_ordered(executor.map(plan, config, tasks)), start=1):
        total += result.accumulator
        snapshots.extend(result.snapshots)
        for name, record in result.records.items():
            records.setdefault(name, []).append(record)
        if progress is not None:
            progress(done, len(tasks))
    timings["simulate"] = time.perf_counter() - t1
    stacked = {name: np.stack(parts) for name, parts in records.items()}
    return ctx, layout, total, snapshots, timings, stacked


def weighted_cells(plan: Plan, ctx: RunContext, total: np.ndarray, first_year: int) -> pd.DataFrame:
    """The weighted cell table of the reported years (from ``first_year`` on)."""
    weights = {"rural": ctx.scale, "urban_local": ctx.urban_scale}
    cells = cell_table(total, ctx.years, weights, plan.statistics)
    return cells[cells["year"] >= first_year].reset_index(drop=True)


def run_plan(
    plan: Plan,
    config: RunConfig | None = None,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> RunResult:
    """Run a model plan over the national population.

    Args:
        plan: The model to run (the package's default: :func:`migrant_health.model.default_plan`).
        config: Run settings (defaults: 2008-2035, 1,000 persons per agent, seed 1).
        progress: Called with ``(chunks_done, chunks_total)`` after each chunk.
        executor: How chunks run; by default serial for one worker, processes otherwise.

    Returns:
        The run's aggregates, snapshots and timings.

    Raises:
        RunConfigError: for impossible settings.
        ScenarioError: for a scenario that does not fit the parameter tree.
    """
    config = small_runs.shrink_run(config or RunConfig())
    ctx, layout, total, snapshots, timings, records = run_chunks(plan, config, progress, executor)
    t2 = time.perf_counter()
    cells = weighted_cells(plan, ctx, total, config.start)
    aggregates = tidy_aggregates(cells, ctx.demography.standard_weights, plan.metrics)
    timings["aggregate"] = time.perf_counter() - t2
    snap = pd.concat(snapshots, ignore_index=True) if snapshots else pd.DataFrame()
    if not snap.empty:
        snap = snap.sort_values(["year", "pid"], kind="stable").reset_index(drop=True)
    # Main cells only: the tenure cells hold out-migrants a second time (engine/stats.py).
    agent_years = int(total[:, :N_MAIN_CELLS, plan.statistics.index("persons")].sum())
    n_chunks = len(layout.chunk_bounds(config.communities_per_chunk))
    return RunResult(
        config,
        ctx.tree,
        aggregates,
        cells,
        snap,
        timings,
        agent_years,
        layout.n_agents,
        n_chunks,
        records,
    )


def _ordered(results: Iterable[ChunkResult]) -> Iterator[ChunkResult]:
    for expected, result in enumerate(results):
        if result.index != expected:
            raise RuntimeError(f"chunk {result.index} arrived out of order (expected {expected})")
        yield result


def default_workers() -> int:
    """Workers to use by default: every core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
