"""Groups that follow people: everyone who has ever out-migrated, by arrival cohort.

Status groups change membership: hukou conversion moves the most integrated out-migrants out
of ``status=out_migrant``, so a reform that speeds conversion makes the out-migrants' mean
integration fall and reads as harm. The ``arrival_cohort`` groups hold everyone who has ever
out-migrated, whatever their status now (issue 11, item 2).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.engine.stats import ARRIVAL_COHORT_LABELS
from migrant_health.params import Scenario

YEARS = (2012, 2024)
CONFIG = RunConfig(end=2024, scale=50_000, seed=3, snapshot_years=YEARS, snapshot_fraction=1.0)
# Five times the out-migrants' chance of hukou conversion from 2012 (seed 4.3-4.4).
OPEN_HUKOU = Scenario("open_hukou", {"policy.management.hukou_openness": {2012: 5.0}})


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return simulate(CONFIG)


@pytest.fixture(scope="module")
def reform() -> RunResult:
    return simulate(replace(CONFIG, scenario=OPEN_HUKOU, snapshot_years=()))


def test_the_cohorts_hold_everyone_who_has_ever_out_migrated(baseline: RunResult) -> None:
    people = baseline.snapshots
    for year in YEARS:
        movers = people[(people["year"] == year) & (people["first_out_year"] > 0)]
        # Converts and returnees stay in their cohort.
        assert {"urban_hukou", "returned", "out_migrant"} <= set(movers["status"])
        total = baseline.value("population", year, "arrival_cohort=any")
        assert total == pytest.approx(movers["weight"].sum())
        bands = [
            baseline.series("population", f"arrival_cohort={label}").get(year, 0.0)
            for label in ARRIVAL_COHORT_LABELS
        ]
        assert sum(bands) == pytest.approx(total)


def test_the_base_year_cohort_only_loses_its_dead(baseline: RunResult) -> None:
    size = baseline.series("population", "arrival_cohort=by2008").to_numpy()
    assert (np.diff(size) <= 0).all() and size[-1] < size[0]


def test_faster_hukou_conversion_is_not_read_as_lost_integration(
    baseline: RunResult, reform: RunResult
) -> None:
    def change(metric: str, group: str) -> float:
        return reform.value(metric, 2024, group) - baseline.value(metric, 2024, group)

    # The status view: the most integrated leave the out-migrants, whose mean falls.
    assert change("hukou_conversions", "all") > 0
    assert change("integration_index", "status=out_migrant") < 0
    # The cohort view follows the same people into urban hukou: their integration rises.
    assert change("integration_index", "arrival_cohort=any") > 0
    assert change("integration_index", "arrival_cohort=by2008") > 0
    # Nobody joins or leaves the base-year cohort but by death (the same under the reform).
    assert change("population", "arrival_cohort=by2008") == 0.0
