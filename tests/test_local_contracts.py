"""Labour contracts in local non-farm work at origin (seed 4.1).

NBS counts the labour contracts of all employed migrant workers (35.1 % in 2016,
``nbs.labour_contract_share``), local migrant workers included. In the model a person's local
non-farm work is formal (a labour contract) or informal as a lasting trait of the person
(``labor.local_job``), the better schooled more often on contract; a formal local job gets
the formal hours, pay premium and freedom from arrears and from the hazards of informal work
that a formal city job gets. With every local job informal, all migrant workers' contract
share was 27.3-28.1 % in 2009-2016.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numba import njit

from migrant_health import RunConfig, simulate
from migrant_health.engine.codes import JOB_FORMAL, JOB_INFORMAL
from migrant_health.engine.random import permanent_key
from migrant_health.modules.labor import STREAM_LOCAL_CONTRACT, local_job

AT_ORIGIN = ("rural_stayer", "local_migrant", "returned")
SEED = 2


def base_year_parameters() -> np.void:
    """The parameter record of the base year."""
    from migrant_health.engine.run_context import build_context

    ctx, _ = build_context(RunConfig(end=2009, scale=200_000))
    return ctx.params[0]


@njit(cache=False)
def local_jobs(p: np.void, key: np.uint64, pids: np.ndarray, education: np.ndarray) -> np.ndarray:
    """The kind of local job of each person (``pids``, with their level of schooling)."""
    kinds = np.empty(pids.size, np.int64)
    for i in range(pids.size):
        kinds[i] = local_job(p, key, pids[i], education[i])
    return kinds


def contract_key(seed: int) -> np.uint64:
    # The key as the kernels type it: called from Python the key comes back as an int, which
    # a compiled function would take as a signed integer (other draws).
    return np.uint64(permanent_key(np.uint64(seed), STREAM_LOCAL_CONTRACT))


def contract_share(p: np.void, education: int, people: int = 40_000) -> float:
    pids = np.arange(people, dtype=np.int64)
    kinds = local_jobs(p, contract_key(5), pids, np.full(people, education, np.int64))
    assert set(np.unique(kinds)) <= {JOB_FORMAL, JOB_INFORMAL}
    return float(np.mean(kinds == JOB_FORMAL))


def test_contracts_go_more_often_to_the_better_schooled() -> None:
    """Each level of schooling is on contract with the chance its log-odds give (junior high,
    level 2, at the intercept)."""
    p = base_year_parameters()
    shares = [contract_share(p, education) for education in range(5)]
    for education, share in enumerate(shares):
        x = p["labor__origin__formal_intercept"] + p["labor__sector__formal_education"] * (
            education - 2
        )
        assert share == pytest.approx(1.0 / (1.0 + np.exp(-x)), abs=0.01), (education, shares)
    assert shares == sorted(shares) and shares[4] > shares[0] + 0.1, shares


def test_without_contracts_every_local_job_is_informal() -> None:
    p = base_year_parameters().copy()
    p["labor__origin__formal_intercept"] = -50.0
    assert contract_share(p, 4) == 0.0


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    return simulate(
        RunConfig(
            end=2016,
            scale=40_000,
            seed=SEED,
            snapshot_years=(2008, 2012, 2016),
            snapshot_fraction=1.0,
        )
    )


@pytest.fixture(scope="module")
def local_workers(run) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    people = run.snapshots
    return people[people["status"].isin(AT_ORIGIN) & people["job"].isin(["informal", "formal"])]


def test_all_migrant_workers_contract_share_meets_nbs_2016(run) -> None:  # type: ignore[no-untyped-def]
    """NBS 2016: 35.1 % of employed migrant workers held a labour contract (tolerance 3
    points); out-migrants alone stay near their 2012 figure (43.9 %)."""
    assert abs(run.value("labour_contract_share", 2016, "all") * 100.0 - 35.1) <= 3.0
    out = run.value("labour_contract_share", 2012, "status=out_migrant") * 100.0
    assert abs(out - 43.9) <= 3.0


def test_the_metric_counts_migrant_workers_in_formal_jobs(run) -> None:  # type: ignore[no-untyped-def]
    """The metric is the weighted share of formal jobs among NBS migrant workers: employed
    out-migrants and non-farm workers at origin."""
    people = run.snapshots
    people = people[people["year"] == 2016]
    workers = people[
        ((people["status"] == "out_migrant") & (people["job"] != "none"))
        | (people["status"].isin(AT_ORIGIN) & people["job"].isin(["informal", "formal"]))
    ]
    share = np.average(workers["job"] == "formal", weights=workers["weight"])
    assert run.value("labour_contract_share", 2016, "all") == pytest.approx(share, abs=1e-9)


def test_a_minority_of_local_jobs_carry_a_contract(local_workers: pd.DataFrame) -> None:
    share = np.average(local_workers["job"] == "formal", weights=local_workers["weight"])
    assert 0.10 < share < 0.30, share


def test_a_contract_means_fewer_hours_and_more_pay(local_workers: pd.DataFrame) -> None:
    """Among local migrant workers with junior high schooling in 2016: formal jobs have the
    shorter weeks and the pay premium of formal city jobs."""
    same = local_workers[
        (local_workers["year"] == 2016) & (local_workers["education_label"] == "junior_high")
    ]
    by_job = same.groupby("job", observed=True)[["hours", "income"]].mean()
    assert by_job.loc["formal", "hours"] < by_job.loc["informal", "hours"] - 3.0
    assert by_job.loc["formal", "income"] > by_job.loc["informal", "income"] * 1.05


def test_every_local_job_is_of_the_persons_kind(local_workers: pd.DataFrame) -> None:
    """The base year's local migrant workers (the labour module's start), the base year's
    returnees in local work (the steady start) and the yearly steps' local workers all hold
    the kind of job their lasting draw gives."""
    assert set(local_workers["year"]) == {2008, 2012, 2016}
    kinds = local_jobs(
        base_year_parameters(),
        contract_key(SEED),
        local_workers["pid"].to_numpy(np.int64),
        local_workers["education"].to_numpy(np.int64),
    )
    expected = np.where(kinds == JOB_FORMAL, "formal", "informal")
    assert (local_workers["job"].astype(str).to_numpy() == expected).all()
    assert (local_workers.loc[local_workers["year"] == 2008, "job"] == "formal").any()


def test_a_person_holds_one_kind_of_local_job(local_workers: pd.DataFrame) -> None:
    """Those in local work in both 2012 and 2016 hold the same kind of job in both years."""
    kinds = local_workers.pivot_table(
        index="pid", columns="year", values="job", aggfunc="first", observed=True
    ).dropna()
    assert len(kinds) > 500
    assert (kinds[2012] == kinds[2016]).all()
