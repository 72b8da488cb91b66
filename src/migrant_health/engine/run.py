"""Running a simulation: configuration, chunk work, executors, and the run's result.

A run splits the population into chunks of whole communities; each chunk is simulated from
the start year to the end on its own (synthesis, initialisation, the yearly plan) and returns
its summed statistics. The driver adds the chunk results exactly (:mod:`.exact_sum`) and rounds
once, so a run is bit-identical whatever the executor, the number of workers or the order the
chunks finish in, and a run split into chunk ranges (``RunConfig.chunks``) adds back up to the
whole run bit for bit. Executors keep only a small window of chunks in flight, so memory does
not grow with the number of chunks (10,318 at one agent per person).
"""

from __future__ import annotations

import difflib
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from migrant_health import small_runs
from migrant_health.data import load_demography
from migrant_health.engine.aggregate import cell_table, check_group, tidy_aggregates
from migrant_health.engine.context import RunContext, compile_parameters
from migrant_health.engine.exact_sum import ExactSum, Packed, load_compiled, pack
from migrant_health.engine.interrupts import ignore_sigint, sigint_deferred, stop_pool
from migrant_health.engine.jit import cache_stamp, kernels_cached, note_kernels_compiled
from migrant_health.engine.plan import Plan
from migrant_health.engine.population import MORTALITY_FACTOR_CELLS, MORTALITY_FACTORS, Chunk
from migrant_health.engine.precompile import compile_kernels_once
from migrant_health.engine.process_pool import available_cores, use_the_real_streams
from migrant_health.engine.snapshot import take_snapshot
from migrant_health.engine.stats import N_CELLS, N_MAIN_CELLS, empty_accumulator
from migrant_health.engine.synthesis import PopulationLayout, build_layout, synthesize
from migrant_health.errors import RunConfigError
from migrant_health.params import ParameterTree, Scenario
from migrant_health.params.constraints import check_constraints
from migrant_health.params.tree import files_stamp

ProgressCallback = Callable[[int, int], None]
#: Chunks in flight per worker: enough to keep every worker busy while the driver adds a
#: result, few enough that memory does not grow with the number of chunks.
WINDOW_PER_WORKER = 2


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
            A run of a chunk range takes the full run's array (it reads its own chunks' rows,
            and keeps them in ``RunResult.fixed_factor_rows``, so that :func:`combine_parts`
            gives the combined run the whole array back).
        chunks: Simulate only the chunks ``first`` to ``stop - 1`` (half-open, as a Python
            slice: ``(0, 4000)`` and ``(4000, 8000)`` split 8,000 chunks in two); ``None``: all.
            The parts' exact sums add up to the whole run bit for bit
            (:func:`combine_parts`).
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
    chunks: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        # At construction, before anything compares or copies the settings (small runs compare
        # the scale before any validation).
        self._check_types()

    def check_seeds(self, runs: int = 1) -> None:
        """Refuse a seed outside the 64-bit range seeds live in, or whose ``runs`` consecutive
        runs (``seed`` to ``seed + runs - 1``, the replicates of a comparison or a fit) leave it.

        Raises:
            RunConfigError: naming the seeds the runs would use and the largest seed allowed.
        """
        seed = int(self.seed)  # a numpy uint64 would wrap around instead of passing 2^64
        last = seed + runs - 1
        if not 0 <= seed < 2**64:
            raise RunConfigError(
                f"--seed {seed} is outside [0, 2^64 - 1]: give a whole number in that range "
                "(seeds are 64-bit; a larger one would silently repeat a smaller one's run)"
            )
        if last >= 2**64:
            raise RunConfigError(
                f"--seed {seed}: its {runs} runs would use seeds {seed} to {last}, past "
                f"2^64 - 1; give a seed of at most {2**64 - runs}"
            )

    def _check_types(self) -> None:
        """Refuse settings of the wrong kind from Python callers (the CLI parses its own).

        Without it, ``scenario="fair_employment"`` failed deep in the run with an
        ``AttributeError`` and ``end="2020"`` with a ``TypeError``.
        """
        for name in ("start", "end", "seed", "workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise RunConfigError(
                    f"RunConfig({name}={value!r}): {name} must be a whole number, not "
                    f"{type(value).__name__}"
                )
        if isinstance(self.scale, bool) or not isinstance(self.scale, int | float | np.number):
            raise RunConfigError(
                f"RunConfig(scale={self.scale!r}): scale must be a number of persons per agent"
            )
        if self.scenario is not None and not isinstance(self.scenario, Scenario):
            hint = (
                f"; for a shipped scenario or a YAML file use scenario=resolve_scenario("
                f"{self.scenario!r}) (from migrant_health.scenarios import resolve_scenario)"
                if isinstance(self.scenario, str | Path)
                else ""
            )
            raise RunConfigError(
                f"RunConfig(scenario={self.scenario!r}): scenario must be a Scenario or None{hint}"
            )

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
        if not np.isfinite(self.scale):
            raise RunConfigError(
                f"--scale {self.scale} is not a number of persons per agent: give a finite "
                "number, at least 1 (1 for the national 1:1 run, 1000 by default)"
            )
        if self.scale < 1:
            raise RunConfigError(f"--scale {self.scale} must be at least 1 person per agent")
        if self.urban_scale is not None and self.urban_scale < 1:
            raise RunConfigError(f"urban scale {self.urban_scale} must be at least 1")
        self.check_seeds()
        if self.workers < 1:
            raise RunConfigError(f"--workers {self.workers} must be at least 1")
        if self.community_size < 10 or self.communities_per_chunk < 1:
            raise RunConfigError(
                "community size must be >= 10 agents and chunks hold >= 1 community"
            )
        if not 0.0 < self.snapshot_fraction <= 1.0:
            raise RunConfigError(f"snapshot fraction {self.snapshot_fraction} must lie in (0, 1]")
        if self.chunks is not None:
            first, stop = self.chunks
            if not 0 <= first < stop:
                raise RunConfigError(
                    f"--chunks {first}:{stop} must be A:B with 0 <= A < B (chunks A to B - 1)"
                )
        bad = [y for y in self.snapshot_years if not self.start <= y <= self.end]
        if bad:
            raise RunConfigError(
                f"--snapshot-years {bad} fall outside the run [{self.start}, {self.end}]"
            )


@dataclass
class ChunkResult:
    """What one chunk hands back: its summed statistics, snapshot rows and records.

    The statistics of a chunk simulated in another process come :class:`Packed` (their
    non-zero elements), which :class:`ExactSum` adds as they are (:meth:`packed`).
    """

    index: int
    accumulator: np.ndarray | Packed
    snapshots: list[pd.DataFrame] = field(default_factory=list)
    seconds: float = 0.0
    records: dict[str, np.ndarray] = field(default_factory=dict)

    def packed(self) -> ChunkResult:
        """The result with its statistics packed for the trip to another process.

        A chunk's accumulator is about 70 % zeros: packed, 16 MB travel instead of 35 (10^7
        agents, 2008-2035), and the driver's exact addition passes over the non-zero elements
        only. The sum is the same bit for bit (adding a zero changes no sum).
        """
        if isinstance(self.accumulator, Packed):
            return self
        return replace(self, accumulator=pack(self.accumulator))


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
        n_chunks: Chunks simulated (those of ``config.chunks`` in a partial run).
        records: Per-chunk records (name -> array with chunks first, then years), such as the
            mortality renormalisation factors; in a partial run, of its chunks only.
        chunks_total: Chunks of the whole population (``n_chunks`` unless partial).
        partial_sums: A partial run's exact sums (:meth:`ExactSum.components` of the
            ``(years, cells, statistics)`` accumulator), which :func:`combine_parts` adds up;
            empty for a whole run.
        fixed_factor_rows: A partial run's rows (its chunks') of the fixed mortality factors
            it held (``RunConfig.fixed_mortality_factors``), which :func:`combine_parts` joins
            into the whole run's; ``None`` for a whole run or one that held none. A part read
            back from its directory has these rows, not the whole array.
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
    chunks_total: int = 0
    partial_sums: list[np.ndarray] = field(default_factory=list, repr=False)
    fixed_factor_rows: np.ndarray | None = field(default=None, repr=False)

    @property
    def partial(self) -> bool:
        """Whether the run simulated only a range of its chunks (``RunConfig.chunks``)."""
        return self.config.chunks is not None

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
        """One metric of one group as a series indexed by year (empty for a group no one was
        in).

        Raises:
            KeyError: for a metric the run does not have, naming the closest one, and for a
                group that no run has (a misspelled key or value, or keys out of order),
                naming the closest ones.
        """
        is_metric = self.aggregates["metric"] == metric
        if not is_metric.any() and len(self.aggregates):
            known = sorted(set(self.aggregates["metric"]))
            close = difflib.get_close_matches(metric, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise KeyError(
                f"no metric '{metric}' in this run{hint} (`migrant-health metrics` lists them)"
            )
        rows = self.aggregates[is_metric & (self.aggregates["group"] == group)]
        if rows.empty and len(self.aggregates):
            check_group(group, set(self.aggregates["group"]))
        return rows.set_index("year")["value"]

    def value(self, metric: str, year: int, group: str = "all") -> float:
        """One number of the tidy table.

        Raises:
            KeyError: for an unknown metric or group (:meth:`series`), a year outside the run's
                years, or a metric the run does not report for this group and year.
        """
        series = self.series(metric, group)
        if not self.config.start <= year <= self.config.end:
            raise KeyError(
                f"year {year} lies outside this run's years, {self.config.start}-{self.config.end}"
            )
        if year not in series.index:
            raise KeyError(f"no value for {metric} / {group} / {year}")
        return float(series.loc[year])


# -- chunk work ---------------------------------------------------------------------------------

_WORKER_STATE: dict[str, Any] = {}


# The context last built in this process, with its configuration, its fixed mortality factors
# (left out of the configuration's equality, so compared by identity) and the parameter files'
# stamp (an edited file must be read again in a long-lived process: a notebook, the platform's
# server, a cluster worker). A command checks its run before simulating (count_chunks), then
# runs it (run_chunks), and a serial run sets up its worker too: the same parameters, scenario
# and constraints would be resolved three times.
_LAST_CONTEXT: list[
    tuple[RunConfig, np.ndarray | None, tuple[Any, ...], tuple[RunContext, PopulationLayout]]
] = []


def build_context(config: RunConfig) -> tuple[RunContext, PopulationLayout]:
    """Resolve parameters, load data, and size the population for a configuration.

    The context is read-only, so the last one built is kept and handed out again for an equal
    configuration (same settings, scenario and fixed mortality factors) while the parameter
    files are unchanged.
    """
    stamp = files_stamp()
    for cached, factors, cached_stamp, built in _LAST_CONTEXT:
        try:
            same = (
                factors is config.fixed_mortality_factors
                and cached_stamp == stamp
                and bool(cached == config)
            )
        except (TypeError, ValueError):  # overrides holding arrays do not compare
            same = False
        if same:
            return built
    built = _build_context(config)
    _LAST_CONTEXT[:] = [(config, config.fixed_mortality_factors, stamp, built)]
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
    n_chunks = len(layout.chunk_bounds(config.communities_per_chunk))
    chunk_range(config, n_chunks)  # a range that does not fit fails here, before any work
    fixed = {}
    if config.fixed_mortality_factors is not None:
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
    # Writable and C-contiguous, as a run's own factors are (copied only if not): Numba types
    # layout and writability, so read-only factors (loaded from a file) made the mortality
    # kernel compile again for them.
    factors = np.require(factors, dtype=np.float64, requirements=["C", "W"])
    expected = (n_chunks, n_years, *MORTALITY_FACTOR_CELLS)
    if factors.shape != expected:
        raise RunConfigError(
            f"the fixed mortality factors have shape {factors.shape}, but this run needs "
            f"{expected} ({n_chunks} chunks, {n_years} simulated years): take them from a run "
            "with the same scale, seed, chunk size and end year (RunResult.mortality_factors); "
            "a run of a chunk range takes the whole run's factors (or its parts' joined in "
            "chunk order), not only those of its own chunks"
        )
    known = factors[~np.isnan(factors)]
    if not (np.isfinite(known).all() and (known > 0).all()):
        raise RunConfigError(
            "the fixed mortality factors must be positive mean relative risks (or NaN for an "
            "empty cell); take them from a run's RunResult.mortality_factors"
        )
    return factors


def chunk_range(config: RunConfig, n_chunks: int) -> range:
    """The chunks a run simulates: ``config.chunks`` checked against the run's chunks, or all.

    Raises:
        RunConfigError: if the range does not lie within ``0 .. n_chunks``, naming the valid
            range.
    """
    if config.chunks is None:
        return range(n_chunks)
    first, stop = config.chunks
    if not 0 <= first < stop <= n_chunks:
        raise RunConfigError(
            f"--chunks {first}:{stop} does not fit this run: it has {n_chunks} chunk"
            f"{'s' if n_chunks != 1 else ''} (0 to {n_chunks - 1}), so give A:B with "
            f"0 <= A < B <= {n_chunks} (chunks A to B - 1)"
        )
    return range(first, stop)


def parse_chunks(text: str) -> tuple[int, int]:
    """``A:B`` (as ``--chunks`` takes it) as ``(A, B)``; raises :class:`RunConfigError`."""
    first, sep, stop = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(first), int(stop)
    except ValueError:
        raise RunConfigError(
            f"--chunks '{text}' must be A:B, the chunks A to B - 1 (as a Python slice), "
            "such as 0:4000"
        ) from None


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


def _pool_worker_run(task: tuple[int, int, int]) -> ChunkResult:
    """:func:`_worker_run` in a worker process: the result packed for the pipe."""
    return _worker_run(task).packed()


# -- executors ----------------------------------------------------------------------------------


class Executor(Protocol):
    """Runs chunk tasks and yields their results in task order.

    An executor may say ``on_this_machine = True`` when its chunks run on this machine and load
    its cache of compiled kernels: a first run then compiles them here first, side by side. One
    that does not say so is taken to run elsewhere (a cluster's machines compile for
    themselves).
    """

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results of the tasks, in the order of ``tasks``."""
        ...


class SerialExecutor:
    """Runs every chunk in this process."""

    on_this_machine = True

    def map(
        self, plan: Plan, config: RunConfig, tasks: list[tuple[int, int, int]]
    ) -> Iterator[ChunkResult]:
        """Results in task order."""
        _worker_init(plan, config)
        for task in tasks:
            yield _worker_run(task)


class ProcessExecutor:
    """Runs chunks in a pool of worker processes (each builds the context once).

    At most ``window`` chunks are in flight (submitted, running or finished but not yet
    yielded): a national run has thousands of chunks, and each finished chunk holds its
    accumulator (tens of MB) until it is yielded, so submitting them all at once would let
    memory grow with the population. Results are yielded in task order.

    Ctrl-C in a terminal reaches every process of the foreground group. The workers ignore it,
    so this process alone decides what happens: on an interrupt, a failing chunk or an abandoned
    iteration it terminates the workers at once (rather than letting them finish the chunks
    they hold) and re-raises. No worker outlives :meth:`map`.
    """

    on_this_machine = True

    def __init__(self, workers: int, window: int | None = None) -> None:
        self.workers = workers
        self.window = max(1, window or WINDOW_PER_WORKER * workers)

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
        waiting = iter(tasks)
        in_flight: deque[Future[ChunkResult]] = deque()

        def submit_more() -> None:
            # Workers are forked by a submit; a Ctrl-C meanwhile is raised once they exist
            # (and ignore it).
            with sigint_deferred():
                while len(in_flight) < self.window:
                    task = next(waiting, None)
                    if task is None:
                        return
                    in_flight.append(pool.submit(_pool_worker_run, task))

        try:
            submit_more()
            # Futures are waited for one by one, never cancelled: cancelling them (as
            # ``Executor.map`` does when its iterator closes) races the pool's management
            # thread, which then dies with ``InvalidStateError`` and can hang the exit. Each is
            # dropped once yielded, and its place in the window goes to the next chunk.
            while in_flight:
                result = in_flight.popleft().result()
                submit_more()
                yield result
        except BaseException:
            # The pool's workers are the children started since ``before``: the pool itself
            # offers no public way to terminate them before Python 3.14.
            stop_pool(pool, [p for p in multiprocessing.active_children() if p not in before])
            raise
        pool.shutdown(wait=True)


def _pool_worker_init(plan: Plan, config: RunConfig) -> None:
    """Worker start: leave Ctrl-C to the parent, write to the real streams, build the context."""
    ignore_sigint()
    use_the_real_streams()
    _worker_init(plan, config)


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


@dataclass
class ChunkSums:
    """What simulating a run's chunks gives, before the cells and metrics are derived.

    Attributes:
        ctx: The run context.
        layout: The population layout.
        sums: The exact sum of the chunks' ``(years, cells, statistics)`` accumulators.
        snapshots: The snapshot frames, in chunk order.
        timings: Seconds spent setting up and simulating.
        records: The chunks' records stacked in chunk order (chunks first).
        chunks: The chunks simulated.
        chunks_total: The chunks of the whole population.
    """

    ctx: RunContext
    layout: PopulationLayout
    sums: ExactSum
    snapshots: list[pd.DataFrame]
    timings: dict[str, float]
    records: dict[str, np.ndarray]
    chunks: range
    chunks_total: int


def sum_chunks(
    plan: Plan,
    config: RunConfig,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> ChunkSums:
    """Simulate the run's chunks (all, or ``config.chunks``) and add their statistics exactly.

    Only a chunk's accumulator is added and dropped as it arrives, so memory holds the window
    of chunks in flight, the sum, and the (small) records and any snapshot rows asked for.
    """
    config = small_runs.shrink_run(config)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ctx, layout = build_context(config)
    bounds = layout.chunk_bounds(config.communities_per_chunk)
    chunks = chunk_range(config, len(bounds))
    tasks = [(k, *bounds[k]) for k in chunks]
    timings["setup"] = time.perf_counter() - t0
    # Chunks run on this machine (not on a Dask cluster's elsewhere): their kernels are cached
    # here.
    runs_here = executor is None or bool(getattr(executor, "on_this_machine", False))
    executor = executor or make_executor(min(config.workers, len(tasks)))
    sums = ExactSum((len(ctx.years), N_CELLS, len(plan.statistics)))
    if runs_here:
        # A first run: the kernels are compiled side by side on this machine's cores before
        # any chunk starts (the workers would each compile all of them, one after another).
        began = time.perf_counter()
        if compile_kernels_once(plan, ctx, *bounds[0], len(ctx.years)):
            timings["compile"] = time.perf_counter() - began
    with sigint_deferred():
        load_compiled()  # a Ctrl-C during the first chunk's addition would be swallowed
    snapshots: list[pd.DataFrame] = []
    records: dict[str, list[np.ndarray]] = {}
    # What the kernels are compiled for as the chunks start, noted once they have finished.
    stamp = cache_stamp() if runs_here else None
    t1 = time.perf_counter()
    if progress is not None:
        progress(0, len(tasks))  # the total is known before the first chunk (which may compile)
    results = _ordered(executor.map(plan, config, tasks), chunks)
    for done, result in enumerate(results, start=1):
        sums.add(result.accumulator)
        snapshots.extend(result.snapshots)
        for name, record in result.records.items():
            records.setdefault(name, []).append(record)
        if progress is not None:
            progress(done, len(tasks))
    timings["simulate"] = time.perf_counter() - t1
    if runs_here:
        note_kernels_compiled(stamp)
    stacked = {name: np.stack(parts) for name, parts in records.items()}
    return ChunkSums(ctx, layout, sums, snapshots, timings, stacked, chunks, len(bounds))


def compile_plan_kernels(
    plan: Plan, config: RunConfig, progress: ProgressCallback | None = None
) -> bool:
    """Before a first run on this machine, compile ``plan``'s kernels for runs like ``config``
    side by side on its cores (:func:`~migrant_health.engine.precompile.compile_kernels_once`).

    For work that starts runs in worker processes of its own (a comparison, a sensitivity
    study, a calibration): each worker would otherwise compile every kernel itself.

    Args:
        plan: The plan.
        config: Runs like which (the kernels' argument types do not depend on its settings).
        progress: Called with ``(kernels compiled, kernels)``.

    Returns:
        Whether the kernels were compiled (not when a run has finished since the kernel
        sources last changed, in a worker process, or with one core).
    """
    if kernels_cached():
        return False
    config = small_runs.shrink_run(config)
    ctx, layout = build_context(config)
    first, size = layout.chunk_bounds(config.communities_per_chunk)[0]
    return compile_kernels_once(plan, ctx, first, size, len(ctx.years), progress)


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
    """Simulate the run's chunks and sum their statistics (:func:`sum_chunks`, rounded once).

    Returns:
        The run context, the population layout, the ``(years, cells, statistics)`` sums, the
        snapshot frames, the seconds spent setting up and simulating, and the chunks' records
        stacked in chunk order (chunks first).
    """
    done = sum_chunks(plan, config, progress, executor)
    return done.ctx, done.layout, done.sums.value(), done.snapshots, done.timings, done.records


def weighted_cells(plan: Plan, ctx: RunContext, total: np.ndarray, first_year: int) -> pd.DataFrame:
    """The weighted cell table of the reported years (from ``first_year`` on)."""
    weights = {"rural": ctx.scale, "urban_local": ctx.urban_scale}
    # The years before the first reported one are simulated (the population's history), not
    # reported: their cells are not made at all.
    first = max(0, first_year - ctx.years.start)
    return cell_table(total[first:], ctx.years[first:], weights, plan.statistics)


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
    done = sum_chunks(plan, config, progress, executor)
    partial = done.sums.components() if config.chunks is not None else []
    rows = None
    if config.chunks is not None and config.fixed_mortality_factors is not None:
        # What combine needs to give the combined run the whole array back (a view of a
        # float64 array, as the kernel reads it: no copy).
        first, stop = config.chunks
        rows = np.asarray(config.fixed_mortality_factors, dtype=np.float64)[first:stop]
    return _result(plan, config, done, done.sums.value(), partial, rows)


def _result(
    plan: Plan,
    config: RunConfig,
    done: ChunkSums,
    total: np.ndarray,
    partial_sums: list[np.ndarray],
    fixed_factor_rows: np.ndarray | None = None,
) -> RunResult:
    """The run's tables from its summed statistics."""
    ctx, timings = done.ctx, dict(done.timings)
    t2 = time.perf_counter()
    cells = weighted_cells(plan, ctx, total, config.start)
    aggregates = tidy_aggregates(cells, ctx.demography.standard_weights, plan.metrics)
    timings["aggregate"] = time.perf_counter() - t2
    snapshots = done.snapshots
    snap = pd.concat(snapshots, ignore_index=True) if snapshots else pd.DataFrame()
    if not snap.empty:
        snap = snap.sort_values(["year", "pid"], kind="stable").reset_index(drop=True)
    # Main cells only: the tenure cells hold out-migrants a second time (engine/stats.py).
    agent_years = int(total[:, :N_MAIN_CELLS, plan.statistics.index("persons")].sum())
    return RunResult(
        config,
        ctx.tree,
        aggregates,
        cells,
        snap,
        timings,
        agent_years,
        done.layout.n_agents,
        len(done.chunks),
        done.records,
        done.chunks_total,
        partial_sums,
        fixed_factor_rows,
    )


def combine_parts(plan: Plan, parts: Iterable[RunResult]) -> RunResult:
    """The whole run put back together from runs of its chunk ranges, bit for bit.

    The parts' exact sums are added and rounded once, as the whole run rounds its own, so the
    combined cells and aggregates equal the whole run's exactly; records are joined in chunk
    order and snapshot rows concatenated.

    Args:
        plan: The plan the parts ran.
        parts: Partial runs (``RunConfig.chunks`` set) of one configuration, whose ranges cover
            every chunk once, in any order.

    The combined run holds the fixed mortality factors its parts held (their rows joined in
    chunk order: the whole run's array), so it records them as the whole run does.

    Raises:
        RunConfigError: if a part is not partial, the parts' settings differ (fixed mortality
            factors included: held by some parts only, or different arrays), or their ranges
            overlap or leave chunks out (naming the chunks).
    """
    ordered = sorted(parts, key=lambda part: part.config.chunks or (0, 0))
    if not ordered or any(not part.partial_sums for part in ordered):
        raise RunConfigError(
            "combine takes runs of chunk ranges (simulate --chunks A:B), each with its exact sums"
        )
    config = replace(ordered[0].config, chunks=None)
    for part in ordered[1:]:
        if _as_whole(part.config) != _as_whole(config):
            raise RunConfigError(
                f"the parts ran different settings ({_differences(config, part.config)}); "
                "every part must be the same run with another --chunks"
            )
    covered = 0
    for part in ordered:
        first, stop = part.config.chunks or (0, 0)
        if first != covered:
            what = "overlap" if first < covered else f"leave out chunks {covered}:{first}"
            raise RunConfigError(
                f"the parts' chunk ranges {first}:{stop} and the ones before {what}; give "
                f"ranges that cover 0:{part.chunks_total} once"
            )
        covered = stop
    total_chunks = ordered[0].chunks_total
    if covered != total_chunks:
        raise RunConfigError(
            f"the parts cover chunks 0:{covered} of 0:{total_chunks}: chunks "
            f"{covered}:{total_chunks} are missing"
        )
    config = replace(config, fixed_mortality_factors=_joined_factors(ordered))
    ctx, layout = build_context(config)
    sums = ExactSum(ordered[0].partial_sums[0].shape)
    for part in ordered:
        sums.add_sum(part.partial_sums)
    names = ordered[0].records.keys()
    records = {name: np.concatenate([part.records[name] for part in ordered]) for name in names}
    snapshots = [part.snapshots for part in ordered if not part.snapshots.empty]
    timings = {
        key: sum(part.timings.get(key, 0.0) for part in ordered) for key in ("setup", "simulate")
    }
    done = ChunkSums(
        ctx, layout, sums, snapshots, timings, records, range(total_chunks), total_chunks
    )
    return _result(plan, config, done, sums.value(), [])


def _joined_factors(parts: list[RunResult]) -> np.ndarray | None:
    """The fixed mortality factors held by every part, their rows joined in chunk order.

    The setting is left out of :class:`RunConfig`'s comparison (an array), so it is checked
    here: parts that held the factors and parts that did not, or parts given different
    arrays, ran different deaths and do not add up to any run.

    Args:
        parts: The parts in chunk order, covering every chunk once.

    Returns:
        The whole run's array, or ``None`` if no part held the factors fixed.
    """
    rows = [part.fixed_factor_rows for part in parts]
    held = [r for r in rows if r is not None]
    if not held:
        return None
    if len(held) != len(rows):

        def ranges(holding: bool) -> str:
            return ", ".join(
                "{}:{}".format(*(part.config.chunks or (0, 0)))
                for part, r in zip(parts, rows, strict=True)
                if (r is not None) == holding
            )

        raise RunConfigError(
            f"the parts differ in fixed_mortality_factors: chunks {ranges(True)} held the "
            f"mortality factors fixed, chunks {ranges(False)} did not; simulate the odd parts "
            "again so that every part holds the same factors, or none"
        )
    joined = np.concatenate(held)
    for part in parts:
        # A part simulated in this process still has the whole array it was given.
        given = part.config.fixed_mortality_factors
        if given is not None and not np.array_equal(
            np.asarray(given, dtype=np.float64), joined, equal_nan=True
        ):
            first, stop = part.config.chunks or (0, 0)
            raise RunConfigError(
                f"the parts held different fixed mortality factors (chunks {first}:{stop} held "
                "another array than the parts' rows joined); give every part the same whole "
                "run's factors"
            )
    return joined


def _as_whole(config: RunConfig) -> RunConfig:
    """What parts of one run share: every setting but the range, the workers (each machine
    has its own) and where the scenario was read from (its name and overrides count)."""
    scenario = config.scenario
    if scenario is not None:
        scenario = replace(scenario, description="", origin="")
    return replace(config, chunks=None, workers=1, scenario=scenario)


def _differences(a: RunConfig, b: RunConfig) -> str:
    """The settings of two runs that differ, as ``name a != b``."""
    a, b = _as_whole(a), _as_whole(b)
    names = [f.name for f in fields(RunConfig) if f.compare]
    differ = [n for n in names if getattr(a, n) != getattr(b, n)]
    return ", ".join(f"{n} {getattr(a, n)!r} != {getattr(b, n)!r}" for n in differ)


def _ordered(results: Iterable[ChunkResult], chunks: range) -> Iterator[ChunkResult]:
    for expected, result in zip(chunks, results, strict=False):
        if result.index != expected:
            raise RuntimeError(f"chunk {result.index} arrived out of order (expected {expected})")
        yield result


def default_workers() -> int:
    """Workers to use by default: every core the process may use."""
    return available_cores()
