"""Shared simulations: run once per test session and reused by the mechanism tests."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numba
import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.engine.exact_sum import pack
from migrant_health.engine.jit import kernels_cached
from migrant_health.engine.run_context import build_context

if TYPE_CHECKING:  # pragma: no cover - pytest-xdist is a test dependency, not always loaded
    from xdist.scheduler.protocol import Scheduling

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


#: pytest options that only report (help, collection, fixtures) and run no test.
_REPORT_ONLY_OPTIONS = (
    "help",
    "version",
    "collectonly",
    "showfixtures",
    "show_fixtures_per_test",
    "markers",
)


def pytest_configure(config: pytest.Config) -> None:
    """Compile the kernels once, before the test processes start, unless already done.

    On a fresh checkout every process that runs a kernel before it is cached compiles it
    itself: both test workers, every command a test starts and every worker of a two-worker
    run, for minutes each on two shared cores (on a clean clone, `.ci/run` took 39 min on the
    clock without this step and 21 min with it, on the same machine the same day). Compiled
    here once, they all load it; the run compiles the model's kernels side by side on the
    machine's cores (:mod:`migrant_health.engine.precompile`). Only the controlling process
    does it (test workers have ``workerinput``), and only for a session that runs tests. It is
    done unless a run has finished since the kernel sources last changed
    (:func:`~migrant_health.engine.jit.kernels_cached`): a cache holding only some kernels (a
    test that called one helper, an interrupted session) is completed.
    """
    if hasattr(config, "workerinput") or numba.config.DISABLE_JIT:
        return
    if any(getattr(config.option, name, False) for name in _REPORT_ONLY_OPTIONS):
        return
    started = time.perf_counter()
    compiling = not kernels_cached()
    if compiling:
        print("compiling the model's kernels once before the tests (a few minutes) ...", flush=True)
    try:
        if compiling:
            simulate(RunConfig(end=2010, scale=50_000, seed=1, snapshot_years=(2009,)))
        # What a two-worker run's workers send back (engine.exact_sum), which a one-worker run
        # does not compile: loaded in a moment once cached.
        pack(np.ones(3))
    except Exception as error:  # the tests that need the model report it, one by one
        print(f"the first compilation failed ({error!r}); each test compiles what it needs")
        return
    if compiling:
        print(f"compiled in {time.perf_counter() - started:.0f} s", flush=True)


#: Test files whose tests each take minutes (the documentation's commands): run first.
LONGEST_FIRST = ("tests/test_docs_commands.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the longest tests first, so that no worker is left with one at the end.

    Every worker sorts the same collection the same way (a stable sort), as pytest-xdist
    requires.
    """
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Scheduling | None:
    """``-n 2`` distributes the tests by work stealing instead of pytest-xdist's ``load``.

    With ``load`` each worker is handed batches of tests in advance, and one worker sat idle
    for about four minutes at the end while the other ran the documentation's commands it had
    been handed (per-worker sums of the test durations: 1,080 s against 807 s). With work
    stealing a worker that runs out takes half of the other's queue. ``load`` is what ``-n``
    implies, so an explicit ``--dist load`` is replaced too; any other ``--dist`` is kept.
    Without pytest-xdist this hook is never called (``optionalhook``).
    """
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)


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
