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


def base_year_parameters() -> np.void:
    """The parameter record of the base year."""
    from migrant_health.engine.run import build_context

    ctx, _ = build_context(RunConfig(end=2009, scale=200_000))
    return ctx.params[0]


@njit(cache=False)
def local_jobs(p: np.void, key: np.uint64, education: int, people: int) -> np.ndarray:
    """The kind of local job of people ``0 .. people - 1`` with one level of schooling."""
    kinds = np.empty(people, np.int64)
    for pid in range(people):
        kinds[pid] = local_job(p, key, pid, education)
    return kinds


def contract_share(p: np.void, education: int, people: int = 20_000) -> float:
    kinds = local_jobs(p, permanent_key(np.uint64(5), STREAM_LOCAL_CONTRACT), education, people)
    assert set(np.unique(kinds)) <= {JOB_FORMAL, JOB_INFORMAL}
    return float(np.mean(kinds == JOB_FORMAL))


def test_contracts_go_more_often_to_the_better_schooled() -> None:
    p = base_year_parameters()
    shares = [contract_share(p, education) for education in range(5)]
    assert shares == sorted(shares) and shares[4] > shares[0] + 0.1, shares


def test_without_contracts_every_local_job_is_informal() -> None:
    p = base_year_parameters().copy()
    p["labor__origin__formal_intercept"] = -50.0
    assert contract_share(p, 4) == 0.0


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    return simulate(
        RunConfig(
            end=2016, scale=40_000, seed=2, snapshot_years=(2012, 2016), snapshot_fraction=1.0
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


def test_a_person_holds_one_kind_of_local_job(local_workers: pd.DataFrame) -> None:
    """Those in local work in both 2012 and 2016 hold the same kind of job in both years."""
    kinds = local_workers.pivot_table(
        index="pid", columns="year", values="job", aggfunc="first", observed=True
    ).dropna()
    assert len(kinds) > 500
    assert (kinds[2012] == kinds[2016]).all()
