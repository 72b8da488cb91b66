"""Running a simulation: simulate a run's chunks, add their statistics, and derive its tables.

A run splits the population into chunks of whole communities; each chunk is simulated from
the start year to the end on its own (:mod:`.chunk_work`: synthesis, initialisation, the yearly
plan) and returns its summed statistics. The driver adds the chunk results exactly
(:mod:`.exact_sum`) and rounds once, so a run is bit-identical whatever the executor
(:mod:`.executors`), the number of workers or the order the chunks finish in, and a run split
into chunk ranges (``RunConfig.chunks``, :mod:`.run_config`) adds back up to the whole run bit
for bit (:mod:`.combine`). A run's settings are :class:`RunConfig`, its parameters, data and
population layout its context (:mod:`.run_context`).
"""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migrant_health import small_runs
from migrant_health.arguments import whole_number
from migrant_health.engine.aggregate import cell_table, check_group, tidy_aggregates
from migrant_health.engine.chunk_work import ChunkResult
from migrant_health.engine.context import RunContext
from migrant_health.engine.exact_sum import ExactSum, load_compiled
from migrant_health.engine.executors import Executor, make_executor
from migrant_health.engine.interrupts import sigint_deferred
from migrant_health.engine.jit import cache_stamp, kernels_cached, note_kernels_compiled
from migrant_health.engine.plan import Plan
from migrant_health.engine.population import MORTALITY_FACTORS
from migrant_health.engine.precompile import compile_kernels_once
from migrant_health.engine.run_config import RunConfig, chunk_range
from migrant_health.engine.run_context import build_context
from migrant_health.engine.stats import N_CELLS, N_MAIN_CELLS
from migrant_health.engine.synthesis import PopulationLayout
from migrant_health.errors import RunConfigError, StoreError
from migrant_health.params import ParameterTree

ProgressCallback = Callable[[int, int], None]


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

    def __repr__(self) -> str:
        """A few lines: the settings, the size and the tables' shapes (``print(result)`` dumped
        every table and array, about 250 kB for a small run)."""
        c = self.config
        scenario = c.scenario.name if c.scenario is not None else "baseline"
        chunks = f"{self.n_chunks} chunks" + (
            f" ({c.chunks[0]}:{c.chunks[1]} of {self.chunks_total})" if c.chunks else ""
        )
        return (
            f"RunResult({scenario}, {c.start}-{c.end}, scale {c.scale:g}, seed {c.seed}: "
            f"{self.agent_years:,} agent-years, {self.n_agents:,} agents in {chunks}; "
            f"aggregates {len(self.aggregates):,} rows, cells {len(self.cells):,} rows, "
            f"snapshots {len(self.snapshots):,} rows)"
        )

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
        if MORTALITY_FACTORS not in self.records:
            raise StoreError(
                "this run holds no mortality factors: a run read back from its folder "
                "(load_run) keeps its results, not its per-chunk records; simulate it again "
                "to hold its factors fixed in a scenario run"
            )
        return self.records[MORTALITY_FACTORS]

    def series(self, metric: str, group: str = "all") -> pd.Series:
        """One metric of one group as a series indexed by year (empty for a group no one was
        in).

        Raises:
            KeyError: for a metric the run does not have, naming the closest one, and for a
                group that no run has (a misspelled key or value, or keys out of order),
                naming the closest ones.
            TypeError: for a metric or group that is not text (``group=None``).
        """
        for name, given in (("metric", metric), ("group", group)):
            if not isinstance(given, str):
                raise TypeError(
                    f"{name}={given!r}: give the {name} by name, such as "
                    f"{'depression_share' if name == 'metric' else 'status=out_migrant'}"
                    f"{' (all people: all)' if name == 'group' else ''}, not "
                    f"{type(given).__name__}"
                )
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
            TypeError: for a metric or group that is not text, or a year that is not a whole
                number.
        """
        year = whole_number(year, what="year", error=TypeError)
        series = self.series(metric, group)
        if not self.config.start <= year <= self.config.end:
            raise KeyError(
                f"year {year} lies outside this run's years, {self.config.start}-{self.config.end}"
            )
        if year not in series.index:
            raise KeyError(f"no value for {metric} / {group} / {year}")
        return float(series.loc[year])


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
    if config is not None and not isinstance(config, RunConfig):
        hint = (
            " (a scenario goes into the settings: RunConfig(scenario=resolve_scenario(...)), "
            "from migrant_health.scenarios import resolve_scenario)"
            if isinstance(config, str)
            else ""
        )
        raise RunConfigError(
            f"simulate({config!r}): give a RunConfig (from migrant_health import RunConfig; "
            f"RunConfig(end=2030, scale=10_000)) or nothing for the defaults{hint}"
        )
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


def _ordered(results: Iterable[ChunkResult], chunks: range) -> Iterator[ChunkResult]:
    for expected, result in zip(chunks, results, strict=False):
        if result.index != expected:
            raise RuntimeError(f"chunk {result.index} arrived out of order (expected {expected})")
        yield result
