"""People at origin without work live on what their household gives them (docs/model.md 7.4).

A dependant consumes what they receive and does not borrow to live: living costs never draw
their savings down. Before this rule the old at origin ran into debt year after year (ten
months of the wage index by their eighties) and every rural person over 80 was under the
money-worry line of the mental-health target. The household pays most of a dependant's
medical bills too, and a dependant's money worries are the household's: its income per head
under the relative-poverty line, not the dependant's own savings.

Converts to urban hukou past the urban retirement age live on the employee pension if they
retired on the employee scheme, and as dependants of their urban household otherwise
(calibration step 45): with neither, they paid a city's living costs from their savings and
half of the converts aged 61+ sat at the floor of -24 months by 2035.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from migrant_health import RunConfig, simulate
from migrant_health.engine.codes import (
    FAMILY_SINGLE,
    FAMILY_TOGETHER,
    INS_RURAL,
    INS_URBAN_EMPLOYEE,
    INS_URBAN_RESIDENT,
    JOB_FARM,
    JOB_INFORMAL,
    JOB_NONE,
    OUT_MIGRANT,
    RETURNED,
    RURAL_STAYER,
    URBAN_HUKOU,
    URBAN_LOCAL,
)
from migrant_health.modules.care import paid_from_own_savings, relative_household_income
from migrant_health.modules.labor import yearly_saving
from migrant_health.modules.mental_target import money_worries


@pytest.fixture(scope="module")
def p(base_year_params: np.void) -> np.void:
    """The parameter record of the base year (conftest)."""
    return base_year_params


@pytest.mark.parametrize("status", [RURAL_STAYER, RETURNED])
@pytest.mark.parametrize("age", [18, 45, 70, 85])
def test_a_dependant_at_origin_does_not_borrow_to_live(p: np.void, status: int, age: int) -> None:
    assert yearly_saving(p, status, JOB_NONE, 0.0, 0, age, INS_RURAL) == 0.0


def test_a_farmer_still_saves_what_the_farm_leaves_over_living_costs(p: np.void) -> None:
    expected = (
        12.0
        * (p["labor__origin__farm_income_share"] - p["labor__living_cost__origin"])
        * p["labor__savings__saving_share"]
    )
    assert yearly_saving(p, RURAL_STAYER, JOB_FARM, 0.0, 0, 50, INS_RURAL) == pytest.approx(
        expected
    )


def test_a_retired_convert_lives_on_a_pension_or_on_the_household(p: np.void) -> None:
    """Past the retirement age a convert who retired on the employee scheme draws the urban
    locals' pension; one who did not lives on the household and borrows nothing to live."""
    retired = int(p["labor__urban__retirement_age"]) + 5
    on_pension = yearly_saving(p, URBAN_HUKOU, JOB_NONE, 0.0, 4, retired, INS_URBAN_EMPLOYEE)
    assert on_pension == pytest.approx(
        yearly_saving(p, URBAN_LOCAL, JOB_NONE, 0.0, 4, retired, INS_URBAN_EMPLOYEE)
    )
    # Living on the household, they never borrow to live: in a big city its transfers do not
    # cover the living costs and they save nothing; in a small town (living costs of their own
    # city since calibration step 50) they keep a little of them.
    on_household = [
        yearly_saving(p, URBAN_HUKOU, JOB_NONE, 0.0, tier, retired, INS_URBAN_RESIDENT)
        for tier in (1, 2, 3, 4)
    ]
    assert on_household[0] == 0.0
    assert all(0.0 <= saved < 0.1 for saved in on_household), on_household
    # Before the retirement age a convert without work pays the city's living costs.
    assert yearly_saving(p, URBAN_HUKOU, JOB_NONE, 0.0, 4, 45, INS_URBAN_RESIDENT) < 0.0
    # The household pays most of the medical bills of the one without a pension.
    bill = paid_from_own_savings(p, URBAN_HUKOU, JOB_NONE, INS_URBAN_RESIDENT, retired, 1000.0)
    assert bill == pytest.approx(1000.0 * (1.0 - p["care__capacity__dependant_bills"]))
    assert (
        paid_from_own_savings(p, URBAN_HUKOU, JOB_NONE, INS_URBAN_EMPLOYEE, retired, 1000.0)
        == 1000.0
    )


def test_retired_converts_do_not_run_down_to_the_floor_of_savings() -> None:
    """Converts aged 61+ hold savings above the floor of -24 months through 2035 (48 % of them
    were at it in 2035 before calibration step 45, seeds 1-2 at scale 10,000)."""
    people = simulate(
        RunConfig(end=2035, scale=20_000, seed=2, snapshot_years=(2035,), snapshot_fraction=1.0)
    ).snapshots
    old = people[(people["status"] == "urban_hukou") & (people["age"] >= 61)]
    assert len(old) > 300
    at_floor = float((old["savings"] <= -23.99).mean())
    assert at_floor < 0.05, at_floor
    assert old["savings"].median() > 0.0, old["savings"].describe()


def test_the_old_at_origin_are_not_in_debt_from_living() -> None:
    """Rural people aged 75+ without chronic illness (little medical spending) keep savings
    around zero or above; before the rule their median was about -4 months at 71-80 and -11
    at 80+."""
    people = simulate(
        RunConfig(end=2013, scale=20_000, seed=2, snapshot_years=(2013,), snapshot_fraction=1.0)
    ).snapshots
    old: pd.DataFrame = people[
        people["status"].isin(("rural_stayer", "returned"))
        & (people["age"] >= 75)
        & ~people["chronic"].astype(bool)
    ]
    assert len(old) > 300
    assert old["savings"].median() > 0.0, old["savings"].describe()


def test_the_household_pays_most_of_a_dependants_medical_bill(p: np.void) -> None:
    own = paid_from_own_savings(p, RURAL_STAYER, JOB_NONE, INS_RURAL, 70, 1000.0)
    assert own == pytest.approx(1000.0 * (1.0 - p["care__capacity__dependant_bills"]))
    assert own < 500.0
    # Earners, and anyone in the city, pay their bills themselves.
    assert paid_from_own_savings(p, RURAL_STAYER, JOB_FARM, INS_RURAL, 50, 1000.0) == 1000.0
    assert paid_from_own_savings(p, OUT_MIGRANT, JOB_NONE, INS_RURAL, 40, 1000.0) == 1000.0


def test_a_dependants_money_worries_are_the_households(p: np.void) -> None:
    # The relative-poverty line: half the median household income per head of the place.
    sd = p["care__capacity__household_income_sd"]
    line = p["health__mental__financial_stress_household"] * np.exp(-0.5 * sd * sd)
    poor, comfortable = 0.99 * line, 1.01 * line
    in_debt, saved = -10.0, 30.0  # months of the wage index
    married, single = FAMILY_TOGETHER, FAMILY_SINGLE
    old, retired = 70, int(p["labor__urban__retirement_age"]) + 5
    assert money_worries(p, RURAL_STAYER, JOB_NONE, INS_RURAL, old, married, saved, poor)
    assert not money_worries(
        p, RURAL_STAYER, JOB_NONE, INS_RURAL, old, married, in_debt, comfortable
    )
    # So are a retired convert's without the employee pension, who lives on the household.
    assert money_worries(
        p, URBAN_HUKOU, JOB_NONE, INS_URBAN_RESIDENT, retired, married, saved, poor
    )
    assert not money_worries(
        p, URBAN_HUKOU, JOB_NONE, INS_URBAN_RESIDENT, retired, married, in_debt, comfortable
    )
    # So are an unmarried person's at origin or among urban locals, in their parents' household.
    assert not money_worries(p, RURAL_STAYER, JOB_FARM, INS_RURAL, 30, single, in_debt, comfortable)
    assert not money_worries(
        p, URBAN_LOCAL, JOB_NONE, INS_URBAN_RESIDENT, 30, single, in_debt, comfortable
    )
    # A married earner's are their savings', whatever the household's income, and so are an
    # out-migrant's, away from the household, a retired urban local's and a retired convert's
    # on the employee pension.
    assert money_worries(p, RURAL_STAYER, JOB_FARM, INS_RURAL, 40, married, in_debt, comfortable)
    assert not money_worries(p, OUT_MIGRANT, JOB_INFORMAL, INS_RURAL, 30, single, saved, poor)
    assert money_worries(
        p, URBAN_LOCAL, JOB_NONE, INS_URBAN_EMPLOYEE, retired, married, in_debt, comfortable
    )
    assert money_worries(
        p, URBAN_HUKOU, JOB_NONE, INS_URBAN_EMPLOYEE, retired, married, in_debt, comfortable
    )


def test_a_quarter_of_households_are_under_the_relative_poverty_line(p: np.void) -> None:
    """Half the median of a lognormal with log SD 1: Phi(ln 0.5) = 24.4 % of households (a
    line at half the mean instead would put 38 % under it).

    A household's income comes from the person's standard-normal permanent draw ``z``, so the
    share under the line is Phi at the draw where the worries start: every draw below it
    worries, none above it (checked on a grid around it rather than on a sample, which
    would also call the compiled rules hundreds of thousands of times from Python).
    """
    sd = p["care__capacity__household_income_sd"]
    share = p["health__mental__financial_stress_household"]
    # Under the line: ln(h) = sd*z - sd^2/2 < ln(share) - sd^2/2, i.e. z < ln(share)/sd.
    line = np.log(share) / sd
    draws = np.concatenate([line + np.linspace(-3.0, 3.0, 60), line + np.array([-1e-6, 1e-6])])
    worried = [
        money_worries(
            p, RURAL_STAYER, JOB_NONE, INS_RURAL, 70, FAMILY_TOGETHER, 0.0,
            relative_household_income(p, z),
        )
        for z in draws
    ]  # fmt: skip
    assert worried == list(draws < line)
    assert norm.cdf(line) == pytest.approx(0.244, abs=0.001)
