"""A run's cells are split and weighted once for all its quantities, and never serve another run.

A fit or a calibration trial evaluates about a hundred quantities on one run, so the split and
weighted cells of the last run are kept (experiments/quantity.py). These tests hold what that
must not change: each run is read from its own cells, and a finished run's copies go with it.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

from migrant_health import RunConfig
from migrant_health.experiments import quantity
from migrant_health.experiments.quantity import ModelRun, Quantity, simulate_cells

MIGRANT_WORKERS = Quantity("migrant_workers_total")
MEAN_AGE = Quantity("mean_age_migrant_workers")


@pytest.fixture(scope="module")
def run() -> ModelRun:
    return simulate_cells(RunConfig(end=2009, scale=500_000, seed=1))


def test_each_run_is_read_from_its_own_cells(run: ModelRun) -> None:
    first = MIGRANT_WORKERS.evaluate(run)["value"]
    doubled = run.cells.copy()
    doubled["migrant_workers"] *= 2.0
    other = ModelRun(run.config, doubled)
    np.testing.assert_array_equal(MIGRANT_WORKERS.evaluate(other)["value"], 2.0 * first)
    np.testing.assert_array_equal(MIGRANT_WORKERS.evaluate(run)["value"], first)


def test_the_same_cells_at_another_scale_are_weighted_again(run: ModelRun) -> None:
    first = MIGRANT_WORKERS.evaluate(run)["value"]
    finer = ModelRun(RunConfig(end=2009, scale=250_000, seed=1), run.cells)
    # The cells are already weighted; only the analytic standard error reads persons per
    # agent: twice the agents for the same total, so 1/sqrt(2) of the error (cells weighted
    # at the old scale would give 1/2).
    np.testing.assert_array_equal(MIGRANT_WORKERS.evaluate(finer)["value"], first)
    coarse_se = MIGRANT_WORKERS.evaluate(run)["se"].to_numpy()
    fine_se = MIGRANT_WORKERS.evaluate(finer)["se"].to_numpy()
    np.testing.assert_allclose(fine_se, coarse_se / np.sqrt(2.0), rtol=1e-9)


def test_quantities_of_one_run_agree_with_a_fresh_evaluation(run: ModelRun) -> None:
    cached = MEAN_AGE.evaluate(run)
    quantity._LAST_AGENT_CELLS.clear()
    fresh = MEAN_AGE.evaluate(run)
    assert cached.equals(fresh)
    assert cached["value"].between(25, 50).all()


def test_a_finished_runs_cells_are_not_kept(run: ModelRun) -> None:
    other = ModelRun(run.config, run.cells.copy())
    MEAN_AGE.evaluate(other)
    assert quantity._LAST_AGENT_CELLS
    del other
    gc.collect()
    assert not quantity._LAST_AGENT_CELLS
