"""A run's context: its parameters, data and population layout, built once per configuration.

Every process that simulates chunks of a run builds it (the driver to check the settings and
count the chunks, each worker before its first chunk); the last one built is kept, since a
command checks its run, then runs it, and a serial run sets up its worker too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from migrant_health.data import load_demography
from migrant_health.engine.context import RunContext, compile_parameters
from migrant_health.engine.population import MORTALITY_FACTOR_CELLS, MORTALITY_FACTORS
from migrant_health.engine.run_config import RunConfig, chunk_range
from migrant_health.engine.synthesis import PopulationLayout, build_layout
from migrant_health.errors import RunConfigError
from migrant_health.params import ParameterTree
from migrant_health.params.constraints import check_constraints
from migrant_health.params.tree import files_stamp

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


def count_chunks(config: RunConfig) -> int:
    """Chunks a run of ``config`` is cut into; checks every setting and the scenario on the way.

    Cheap (no simulation), so commands call it before any work: a bad setting or scenario
    fails first, and the number of workers can be fitted to the work.
    """
    _, layout = build_context(config)
    return len(layout.chunk_bounds(config.communities_per_chunk))
