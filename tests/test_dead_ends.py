"""No dead ends: mental health and stay intention shape what follows (issue 9, deliverable 5).

Mental health enters work (seed 3.4: health is human capital) and the decision to return
(seed 3.2: the salmon bias is about health broadly), and the intention to stay is the proximate
cause of staying. Each test compares runs that differ only in one lever, with the same seed:
every draw is a function of (seed, stream, year, person), so the same people meet the same luck
in both runs and the difference is the lever's effect. Where mental health or stay intention fed
nothing, these differences were exactly zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, Scenario, simulate
from migrant_health.params import ParameterTree

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

SEEDS = (1, 2, 3, 4)
YEARS = range(2012, 2017)
CONFIG = dict(
    start=YEARS[0],  # the years before are simulated, not aggregated
    end=YEARS[-1],
    scale=20_000,
    workers=1,  # the test runs beside others on the machine's cores
    communities_per_chunk=100,
    snapshot_years=tuple(YEARS),
    snapshot_fraction=1.0,
)
#: Seed 4.3's psychological services reaching every out-migrant from 2010, at the top of the
#: range of their effect (indicated psychotherapy rather than universal seminars).
SERVICES = {
    "policy.management.mental_health_services": {2010: 1.0},
    "policy.management.mental_health_effect": {2010: 0.6},
}
#: One log-odds more intention to stay (about 20 points of stay intention), nothing else.
STAY_SHIFT = 1.0


def _stay_scenario() -> dict[str, dict[int, float]]:
    intercept = ParameterTree.load().scalar("migration.stay.intercept")
    return {"migration.stay.intercept": {2010: intercept + STAY_SHIFT}}


def _run(seed: int, scenario: dict[str, dict[int, float]] | None = None) -> RunResult:
    parsed = Scenario.from_dict(scenario) if scenario is not None else None  # type: ignore[arg-type]
    return simulate(RunConfig(seed=seed, scenario=parsed, **CONFIG))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs() -> dict[str, list[RunResult]]:
    """Baseline, mental-health services and higher stay intention, for each seed."""
    stay = _stay_scenario()
    return {
        "baseline": [_run(seed) for seed in SEEDS],
        "services": [_run(seed, SERVICES) for seed in SEEDS],
        "stay": [_run(seed, stay) for seed in SEEDS],
    }


def _total(result: RunResult, metric: str) -> float:
    return float(result.series(metric).loc[list(YEARS)].sum())


def _relative_changes(runs: dict[str, list[RunResult]], lever: str, metric: str) -> np.ndarray:
    """Per seed: the lever's run against the baseline of the same seed, summed over the years."""
    return np.array(
        [
            _total(changed, metric) / _total(base, metric) - 1.0
            for base, changed in zip(runs["baseline"], runs[lever], strict=True)
        ]
    )


def _beyond_noise(changes: np.ndarray) -> tuple[float, float]:
    """Mean change over seeds and its Monte Carlo standard error."""
    return float(changes.mean()), float(changes.std(ddof=1) / np.sqrt(changes.size))


def _same_out_migrants(base: pd.DataFrame, changed: pd.DataFrame) -> pd.DataFrame:
    """Person-years spent in the city in both runs (the same people, years and draws)."""
    columns = ["pid", "year", "status", "job", "income", "mental"]
    both = base[columns].merge(changed[columns], on=["pid", "year"], suffixes=("", "_lever"))
    return both[(both["status"] == "out_migrant") & (both["status_lever"] == "out_migrant")]


def test_mental_health_services_keep_the_same_out_migrants_in_work_and_raise_their_pay(
    runs: dict[str, list[RunResult]],
) -> None:
    """The same out-migrants, in the same years, hold a job more often and earn more when
    psychological services lift their mental health: depressive symptoms cost jobs and
    productive time (labor.mental)."""
    pairs = pd.concat(
        _same_out_migrants(base.snapshots, lever.snapshots)
        for base, lever in zip(runs["baseline"], runs["services"], strict=True)
    )
    assert len(pairs) > 100_000
    lift = (pairs["mental_lever"] - pairs["mental"]).mean()
    assert lift > 0.05  # the lever does reach mental health
    employed = (pairs["job_lever"] != "none").astype(float) - (pairs["job"] != "none")
    gain, se = employed.mean(), employed.std() / np.sqrt(len(employed))
    assert gain > 4 * se
    # Modest: people with and without depressive symptoms differ by 10-15 employment points
    # at most (OECD 2012), and the lever moves mental health by under half that contrast.
    assert gain < 0.02
    earners = pairs[(pairs["income"] > 0) & (pairs["income_lever"] > 0)]
    log_pay = np.log(earners["income_lever"]) - np.log(earners["income"])
    assert log_pay.mean() > 4 * log_pay.std() / np.sqrt(len(log_pay))
    assert log_pay.mean() < 0.05  # a few percent at most (Stewart et al. 2003: ~10% of time)


def test_mental_health_services_raise_out_migrant_income_and_lower_returns(
    runs: dict[str, list[RunResult]],
) -> None:
    """Nationally, the lever raises out-migrants' mean pay and fewer of them return home:
    distress, like illness, sends out-migrants home (salmon bias), and services ease it."""
    returns, se = _beyond_noise(_relative_changes(runs, "services", "returns"))
    assert returns < -3 * se
    assert returns < -0.02
    pay = np.array(
        [
            changed.series("monthly_income_mean", "status=out_migrant").loc[list(YEARS)].mean()
            / base.series("monthly_income_mean", "status=out_migrant").loc[list(YEARS)].mean()
            - 1.0
            for base, changed in zip(runs["baseline"], runs["services"], strict=True)
        ]
    )
    mean_pay, se_pay = _beyond_noise(pay)
    assert mean_pay > 3 * se_pay


def test_a_higher_stay_intention_lowers_returns(runs: dict[str, list[RunResult]]) -> None:
    """Out-migrants who intend to stay return less: raising the intention alone (its intercept,
    with integration and insurance as they were) lowers the number of returns."""
    intention = np.array(
        [
            changed.series("stay_intention_share").loc[list(YEARS)].mean()
            - base.series("stay_intention_share").loc[list(YEARS)].mean()
            for base, changed in zip(runs["baseline"], runs["stay"], strict=True)
        ]
    )
    assert (intention > 0.1).all()
    changes = _relative_changes(runs, "stay", "returns")
    returns, se = _beyond_noise(changes)
    assert (changes < 0).all()
    assert returns < -3 * se
