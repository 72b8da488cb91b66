"""Shared simulations: run once per test session and reused by the mechanism tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.engine.jit import kernels_cached
from migrant_health.engine.run import build_context

# A modest national population: one agent per 10,000 persons (about 100,000 agents with the
# entrants), every person in the snapshots so that consecutive years form a panel.
MECHANISM_CONFIG = RunConfig(
    start=2008,
    end=2020,
    scale=10_000,
    seed=7,
    workers=2,
    communities_per_chunk=250,
    snapshot_years=tuple(range(2008, 2021)),
    snapshot_fraction=1.0,
)


def pytest_configure(config: pytest.Config) -> None:
    """Compile the kernels once, before the test processes start, when none are cached.

    On a fresh checkout every process that runs a kernel before it is cached compiles it
    itself: both test workers, every command a test starts and every worker of a two-worker
    run, for minutes each on two shared cores (on a clean clone, the tests took 35 min on the
    clock without this step and 14.5 min after its 3.5 min, on the same machine the same day).
    Compiled here once, they all load it. Only the controlling process does it (test workers
    have ``workerinput``).
    """
    if hasattr(config, "workerinput") or kernels_cached():
        return
    print("compiling the model's kernels once before the tests (a few minutes) ...", flush=True)
    simulate(RunConfig(end=2010, scale=50_000, seed=1, snapshot_years=(2009,)))


@pytest.fixture(scope="session")
def base_year_params() -> np.void:
    """The parameter record of the base year, for tests that call a module's rules directly."""
    ctx, _ = build_context(RunConfig(end=2013, scale=200_000))
    # A copy of its own: a test that edits a field must not change it for the others.
    return ctx.params[:1].copy()[0]


@pytest.fixture(scope="session")
def mechanism_run() -> RunResult:
    """One simulation shared by the mechanism tests."""
    return simulate(MECHANISM_CONFIG)


@pytest.fixture(scope="session")
def panel(mechanism_run: RunResult) -> pd.DataFrame:
    """Agent-level panel of every living person, 2008-2020."""
    return mechanism_run.snapshots


@pytest.fixture(scope="session")
def transitions(panel: pd.DataFrame) -> pd.DataFrame:
    """Each person-year joined to the same person's state one year later (suffix ``_next``)."""
    current = panel.copy()
    following = panel.copy()
    following["year"] = following["year"] - 1
    return current.merge(following, on=["pid", "year"], suffixes=("", "_next"))
