"""Where one lives sets one's living costs, whatever one's hukou (docs/model.md 7.4).

Pay is the city's (``labor.income.by_tier``), and so are living costs
(``labor.living_cost.by_tier``): an urban local, a convert and an out-migrant with the same
job, pay and city keep the same part of it. Before calibration step 50 every urban resident
paid a tier-2 city's living costs wherever they lived: the converts made at origin, placed in a
tier-4 town and paid as there, fell into debt (employed converts of 21-60 who never migrated
with negative savings went from 15-20 % in 2015 to 30-32 % in 2035, seeds 2-3), while urban
locals of tier-1 cities paid less than out-migrants beside them.
"""

from __future__ import annotations

import numpy as np
import pytest

from migrant_health.engine.codes import (
    INS_URBAN_EMPLOYEE,
    JOB_FORMAL,
    OUT_MIGRANT,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.modules.labor import yearly_saving


@pytest.fixture(scope="module")
def p(base_year_params: np.void) -> np.void:
    """The parameter record of the base year (conftest)."""
    return base_year_params


@pytest.mark.parametrize("tier", [1, 2, 3, 4])
def test_the_same_job_and_city_leave_the_same_saving_whatever_the_hukou(
    p: np.void, tier: int
) -> None:
    pay = 1.2 * float(p["labor__wage_index"])
    saved = [
        yearly_saving(p, status, JOB_FORMAL, pay, tier, 40, INS_URBAN_EMPLOYEE)
        for status in (OUT_MIGRANT, URBAN_LOCAL, URBAN_HUKOU)
    ]
    assert saved[1] == pytest.approx(saved[0])
    assert saved[2] == pytest.approx(saved[0])


def test_an_urban_local_in_a_big_city_pays_its_living_costs(p: np.void) -> None:
    """At the same pay, a year in a tier-1 city leaves less than one in a tier-4 town, by
    twelve months of the difference of their living costs (times the share saved)."""
    pay = float(p["labor__wage_index"])
    big = yearly_saving(p, URBAN_LOCAL, JOB_FORMAL, pay, 1, 40, INS_URBAN_EMPLOYEE)
    small = yearly_saving(p, URBAN_LOCAL, JOB_FORMAL, pay, 4, 40, INS_URBAN_EMPLOYEE)
    costs = p["labor__living_cost__by_tier"]
    expected = 12.0 * (costs[0] - costs[3]) * p["labor__savings__saving_share"]
    assert expected > 0.0
    assert small - big == pytest.approx(expected)
