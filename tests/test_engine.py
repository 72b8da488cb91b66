"""Engine contracts: conservation, determinism, common random numbers, layout, workers.

Workers never outlive a failed run, and a run never starts more workers than it can use.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, Scenario, simulate
from migrant_health.engine import chunk_work, executors
from migrant_health.engine.executors import ProcessExecutor, SerialExecutor
from migrant_health.model import default_plan

SMALL = RunConfig(end=2014, scale=40_000, seed=3, communities_per_chunk=40)


@pytest.fixture(scope="module")
def small_run() -> RunResult:
    return simulate(SMALL, executor=SerialExecutor())


def test_people_are_neither_created_nor_lost(small_run: RunResult) -> None:
    # Next year's population = this year's + entrants - deaths, exactly (hukou converts stay).
    pop = small_run.series("population")
    entrants = small_run.series("entrants")
    deaths = small_run.series("deaths")
    years = list(pop.index)
    assert len(years) == 7
    for prev, year in itertools.pairwise(years):
        assert pop[year] == pytest.approx(pop[prev] + entrants[year] - deaths[year], abs=1e-6)


def test_statuses_partition_the_population(small_run: RunResult) -> None:
    table = small_run.aggregates
    pop = table[(table.metric == "population")]
    by_status = pop[pop.group.str.fullmatch(r"status=\w+") & (pop.group != "status=urban_local")]
    total = by_status.groupby("year")["value"].sum()
    pd.testing.assert_series_equal(total, small_run.series("population"), check_names=False)


def test_workers_do_not_change_results(small_run: RunResult) -> None:
    # One worker against four (more workers than cores is fine): bit-identical tables.
    parallel = simulate(SMALL, executor=ProcessExecutor(workers=4))
    pd.testing.assert_frame_equal(small_run.aggregates, parallel.aggregates, check_exact=True)


def test_same_seed_same_numbers_other_seed_other_numbers(small_run: RunResult) -> None:
    again = simulate(SMALL, executor=SerialExecutor())
    pd.testing.assert_frame_equal(small_run.aggregates, again.aggregates, check_exact=True)
    other = simulate(RunConfig(end=2014, scale=40_000, seed=4, communities_per_chunk=40))
    assert not np.allclose(
        other.series("returns").to_numpy(), small_run.series("returns").to_numpy()
    )


def test_reform_shares_random_numbers_with_the_baseline(small_run: RunResult) -> None:
    # A reform that starts in 2012 leaves every earlier year bit-identical to the baseline
    # (common random numbers), and changes what it acts on afterwards.
    reform = Scenario.from_dict({"policy.public_services.resident_scheme_access": {2012: 1.0}})
    reformed = simulate(
        RunConfig(end=2014, scale=40_000, seed=3, communities_per_chunk=40, scenario=reform)
    )
    before = reformed.aggregates[reformed.aggregates.year < 2012].reset_index(drop=True)
    base_before = small_run.aggregates[small_run.aggregates.year < 2012].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, base_before, check_exact=True)
    assert (
        reformed.value("insured_destination_share", 2014)
        > small_run.value("insured_destination_share", 2014) + 0.05
    )


def test_groups_are_well_formed(small_run: RunResult) -> None:
    groups = set(small_run.aggregates["group"])
    assert "all" in groups
    assert "sex=female,status=out_migrant" in groups
    assert "age_band=21-30,status=out_migrant" in groups
    for group in groups - {"all"}:
        keys = [part.split("=")[0] for part in group.split(",")]
        assert keys == sorted(keys), group
    shares = small_run.aggregates[small_run.aggregates.metric.str.endswith("_share")]
    assert shares["value"].between(0, 1).all()


def test_stage_and_living_type_shares_sum_to_one(small_run: RunResult) -> None:
    table = small_run.aggregates
    for metric, key in (("stage_share", "stage="), ("living_type_share", "living_type=")):
        rows = table[(table.metric == metric) & table.group.str.fullmatch(key + r"\w+")]
        totals = rows.groupby("year")["value"].sum()
        np.testing.assert_allclose(totals.to_numpy(), 1.0, rtol=1e-9)


def test_start_after_the_base_year_reports_only_later_years(small_run: RunResult) -> None:
    # Years before --start are burn-in from the 2008 base population, so they are the same
    # years as in a run reported from 2008.
    late = simulate(RunConfig(start=2012, end=2014, scale=40_000, seed=3, communities_per_chunk=40))
    assert sorted(late.aggregates.year.unique()) == [2012, 2013, 2014]
    late_2013 = late.value("migrant_workers_total", 2013)
    assert late_2013 == small_run.value("migrant_workers_total", 2013)


def _fail_first_chunk_sleep_on_others(task: tuple[int, int, int]) -> None:
    """A stand-in chunk: chunk 0 fails at once, every other one would take a minute."""
    if task[0] == 0:
        raise ValueError("chunk 0 failed")
    time.sleep(60)


def test_a_failing_chunk_stops_every_worker_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pool is forked, so the workers run these stand-ins; waiting for the chunks still
    # running (a minute here, an hour in a national run) before reporting is what must not happen.
    monkeypatch.setattr(chunk_work, "_worker_init", lambda plan, config: None)
    monkeypatch.setattr(chunk_work, "_worker_run", _fail_first_chunk_sleep_on_others)
    before = set(multiprocessing.active_children())
    began = time.monotonic()
    tasks = [(k, 0, 0) for k in range(3)]
    with pytest.raises(ValueError, match="chunk 0 failed"):
        list(ProcessExecutor(workers=2).map(default_plan(), SMALL, tasks))
    assert time.monotonic() - began < 30
    assert set(multiprocessing.active_children()) <= before, "a worker outlived the failure"


def test_workers_beyond_the_chunks_or_the_cores_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "default_workers", lambda: 4)
    assert executors.cap_workers(2, tasks=11) == (2, None)
    assert executors.cap_workers(1000, tasks=11) == (
        4,
        "workers=1000 capped to 4: 4 cores are available",
    )
    assert executors.cap_workers(8, tasks=3) == (
        3,
        "workers=8 capped to 3: the work is 3 chunks",
    )
    assert (
        executors.cap_workers(3, tasks=1, unit="trial")[1]
        == "workers=3 capped to 1: the work is 1 trial"
    )
    assert (
        executors.cap_workers(9, tasks=4)[1]
        == "workers=9 capped to 4: the work is 4 chunks and 4 cores are available"
    )
