"""Deaths that respond to health in a scenario, while the baseline stays on the life table.

Every run renormalises its deaths to the national life table within population x sex x age
group: health decides who dies, not how many. A scenario run that holds the baseline's
renormalisation factors fixed (``RunConfig.fixed_mortality_factors``, as ``compare`` does)
lets its health gains change its deaths (issue 11, item 2b).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.errors import RunConfigError
from migrant_health.params import Scenario

CONFIG = RunConfig(end=2018, scale=50_000, seed=3)
# More reimbursement from 2010: more care, better health capital (seed section 4.2).
HEALTHIER = Scenario("healthier", {"policy.public_services.reimbursement_raise": {2010: 0.3}})


def deaths(run: RunResult) -> float:
    """Deaths of the rural-hukou population and the urban locals after the lever starts."""
    return float(run.series("deaths").loc[2011:].sum())


@pytest.fixture(scope="module")
def baseline() -> RunResult:
    return simulate(CONFIG)


def test_the_baseline_holding_its_own_factors_is_the_baseline(baseline: RunResult) -> None:
    factors = baseline.mortality_factors
    assert factors.shape == (baseline.n_chunks, 2018 - 2008 + 1, 2, 2, 9)
    again = simulate(replace(CONFIG, fixed_mortality_factors=factors))
    pd.testing.assert_frame_equal(again.aggregates, baseline.aggregates)


def test_a_health_improving_lever_lowers_deaths_only_when_the_factors_are_fixed(
    baseline: RunResult,
) -> None:
    renormalised = simulate(replace(CONFIG, scenario=HEALTHIER))
    fixed = simulate(
        replace(CONFIG, scenario=HEALTHIER, fixed_mortality_factors=baseline.mortality_factors)
    )
    assert fixed.value("health_capital_mean", 2018) > baseline.value("health_capital_mean", 2018)
    # Renormalised, the scenario keeps the life table's number of deaths (up to who is alive
    # in each cell); held fixed, its better health saves lives.
    assert abs(deaths(renormalised) / deaths(baseline) - 1) < 0.015
    assert deaths(fixed) < 0.98 * deaths(baseline)


def test_factors_from_a_run_of_another_size_are_refused(baseline: RunResult) -> None:
    other = replace(CONFIG, end=2015, fixed_mortality_factors=baseline.mortality_factors)
    with pytest.raises(RunConfigError, match="same scale, seed, chunk size and end year"):
        simulate(other)
    assert np.isnan(baseline.mortality_factors).mean() < 0.1  # nearly every cell has people
