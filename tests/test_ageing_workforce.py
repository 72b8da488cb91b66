"""An ageing workforce: schooling, later first jobs and older workers staying in migrant work.

The NBS monitoring survey shows the migrant workforce ageing fast: the mean age of migrant
workers rose from 34.0 (2008) to 39.7 years (2017), the share aged 16-20 fell from 10.7 % to
2.6 % and the share over 50 rose from 11.4 % to 21.3 % (calibration_targets.csv,
``nbs.mean_age``, ``nbs.age_share_*``). Rural youth stay longer in school (the national
senior-secondary gross enrolment ratio rose from 74 % to 88 %, ``edu.ger_senior_secondary``),
and students neither work nor migrate.
"""

from __future__ import annotations

import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, simulate
from migrant_health.experiments import Quantity, simulate_cells
from migrant_health.experiments.quantity import ModelRun

# MoE national gross enrolment ratio in senior secondary education (ages 15-17): rural youth,
# the model's population, enrol less, so it bounds the model's enrolment from above.
NATIONAL_SENIOR_SECONDARY_GER = {2008: 0.740, 2017: 0.883}
# MoE national gross enrolment ratio in tertiary education (ages 18-22, ``edu.ger_tertiary``),
# which urban youth lead: it bounds the rural-hukou cohorts' college education from above.
NATIONAL_TERTIARY_GER = {2012: 0.300, 2018: 0.481, 2022: 0.596}


@pytest.fixture(scope="module")
def cells() -> ModelRun:
    """The national population at one agent per 20,000 persons, 2008-2017."""
    return simulate_cells(RunConfig(end=2017, scale=20_000, seed=3))


@pytest.fixture(scope="module")
def youth_panel() -> pd.DataFrame:
    """Snapshots of a quarter of the people in 2008, 2012 and 2017."""
    run: RunResult = simulate(
        RunConfig(
            end=2017,
            scale=20_000,
            seed=5,
            snapshot_years=(2008, 2012, 2017),
            snapshot_fraction=0.25,
        )
    )
    return run.snapshots


def _share_of_migrant_workers(run: ModelRun, bands: str) -> pd.Series:
    return Quantity("migrant_workers_total", f"age_band={bands}", share_of="all").evaluate(run)[
        "value"
    ]


def test_students_neither_work_nor_migrate(youth_panel: pd.DataFrame) -> None:
    """16-17-year-olds bound for senior high and 18-21-year-olds bound for college are students."""
    rural = youth_panel[youth_panel["status"] != "urban_local"]
    senior_students = rural[rural["age"].between(16, 17) & (rural["education"] >= 3)]
    college_students = rural[rural["age"].between(18, 21) & (rural["education"] == 4)]
    students = pd.concat([senior_students, college_students])
    assert len(students) > 500
    assert (students["job"] == "none").all()
    assert not (students["status"] == "out_migrant").any()
    assert not students["first_migration"].any()


def test_students_families_pay_their_bills(youth_panel: pd.DataFrame) -> None:
    """A student's family keeps them: no savings of their own while in school, and no debt.

    Before calibration step 50 the care step took students' bills from their savings, which
    nothing refilled while they studied: every student, rural or urban, was in debt, and rural
    stayers of 16-20 with negative savings went from 30 % in 2008 to 71 % in 2022 as
    schooling lengthened (seeds 2-3).
    """
    senior = youth_panel["age"].between(16, 17) & (youth_panel["education"] >= 3)
    college = youth_panel["age"].between(18, 21) & (youth_panel["education"] == 4)
    students = youth_panel[senior | college]
    assert {"rural_stayer", "urban_local"} <= set(students["status"])
    assert len(students) > 500
    assert (students["savings"] == 0.0).all(), students["savings"].describe()


def test_rural_enrolment_rises_and_stays_below_the_national_ratio(
    youth_panel: pd.DataFrame,
) -> None:
    """More rural 16-17-year-olds are in senior secondary school in 2017 than in 2008, but
    fewer than the national gross enrolment ratio, which includes urban youth."""
    enrolment = {}
    for year in (2008, 2017):
        youth = youth_panel[
            (youth_panel["year"] == year)
            & youth_panel["age"].between(16, 17)
            & (youth_panel["status"] != "urban_local")
        ]
        students = (youth["education"] >= 3) & (youth["job"] == "none")
        enrolment[year] = float(students.mean())
        assert enrolment[year] < NATIONAL_SENIOR_SECONDARY_GER[year]
    assert enrolment[2017] > enrolment[2008] + 0.05


def test_rural_college_education_stays_below_the_national_ratio_and_levels_off() -> None:
    """Rural-hukou people aged 18-22 are college-educated (or college-bound) less often than
    the national tertiary gross enrolment ratio, and later cohorts keep the schooling of the
    cohort born in ``population.education.recent_until`` instead of rising on.

    With the cohort trend rising on, 50-52 % of the rural 18-22-year-olds of 2018 (national
    ratio 48.1 %), 72 % of those of 2022 (59.6 %) and 93 % of those of 2035 were
    college-educated (seeds 1, 2 and 5 before calibration step 45), and most rural youth were
    students into their twenties by the 2030s.
    """
    people = simulate(
        RunConfig(
            end=2035,
            scale=20_000,
            seed=5,
            snapshot_years=(*NATIONAL_TERTIARY_GER, 2035),
            snapshot_fraction=0.25,
        )
    ).snapshots
    youth = people[people["age"].between(18, 22) & (people["status"] != "urban_local")]
    college = (youth["education"] == 4).groupby(youth["year"]).mean()
    for year, ratio in NATIONAL_TERTIARY_GER.items():
        assert college[year] < ratio, (year, college[year], ratio)
    assert college[2018] > college[2012] + 0.10
    assert abs(college[2035] - college[2022]) < 0.05, college.round(3).to_dict()


def test_mean_age_of_migrant_workers_rises_by_years_not_months(cells: ModelRun) -> None:
    """NBS: 34.0 years in 2008, 39.7 in 2017; the model's workforce ages by 3 years or more."""
    mean_age = Quantity("mean_age_migrant_workers").evaluate(cells)["value"]
    assert mean_age[2017] - mean_age[2008] >= 3.0


def test_fewer_teenagers_among_migrant_workers(cells: ModelRun) -> None:
    """NBS: the 16-20 share fell from 10.7 % to 2.6 %; the model's falls by more than half,
    below 5 % by 2017."""
    teenagers = _share_of_migrant_workers(cells, "16-20")
    assert teenagers[2017] < 0.5 * teenagers[2008]
    assert teenagers[2017] < 0.05


def test_more_workers_over_fifty(cells: ModelRun) -> None:
    """NBS: the share over 50 rose from 11.4 % to 21.3 %; the model's rises by 5 points or more."""
    over_fifty = _share_of_migrant_workers(cells, "51-60|61+")
    assert over_fifty[2017] - over_fifty[2008] >= 0.05


def test_rural_hukou_workers_keep_working_past_sixty(youth_panel: pd.DataFrame) -> None:
    """Without an urban pension, some rural-hukou people in their sixties still hold city jobs,
    but fewer than in their fifties (retirement from migrant work is spread over ages).

    Counted among all rural-hukou people of the age: the employed share of the few
    out-migrants in their sixties (13 in this panel) says little, since those without a job go
    home within a year or two.
    """
    rural_hukou = youth_panel[~youth_panel["status"].isin(["urban_local", "urban_hukou"])]
    city_job = (rural_hukou["status"] == "out_migrant") & rural_hukou["job"].isin(
        ["informal", "formal"]
    )
    sixties = city_job[rural_hukou["age"].between(61, 69)].mean()
    fifties = city_job[rural_hukou["age"].between(51, 59)].mean()
    assert 0.0 < sixties < 0.5 * fifties
