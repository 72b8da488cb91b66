"""Depressive symptoms on the right scale, by age, sex and place (issue 9, item 2).

The references use different instruments (docs/model.md section 7.2): PHQ-9 and a
meta-analysis of mixed instruments for migrant workers, CES-D-10 for CHARLS. They are compared
as ranges and gradients, with bounds fixed from the sources before the revision:

- out-migrant workers 21-28 % (Ye et al. 2025; Yang et al. 2022);
- adults aged 45+ (rural residents and urban locals together) 29.6-35.0 % (CHARLS 2011-2018),
  widened by 3 points for the difference of instruments;
- older rural people about 1.8 times as often as older urban people (CHARLS 2013: 30.0 % vs
  16.4 %): between 1.3 and 2.5;
- women above men, odds ratio about 1.5 (CHARLS 2018): between 1.2 and 2.0;
- the early-mobility dip bounded (assumption): the first two years in the city at most 1.5
  times the out-migrant average;
- no age band x sex x status group outside 3-50 %;
- past 80, rural people follow CHARLS's age trajectories (Hu, Li & Martikainen 2019,
  CES-D-10 >= 12): men's symptoms rise to 29 % at 85 (95 % CI 22-39), women's peak at 75-80
  (41 %, CI 36-46) and fall after it.

Snapshots of 2013 and 2018, all agents, two seeds the calibration never saw; weights are the
persons each agent stands for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, simulate

SEEDS = (2, 3)
AT_ORIGIN = ("rural_stayer", "local_migrant", "returned")


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    frames = [
        simulate(
            RunConfig(
                end=2018,
                scale=20_000,
                seed=seed,
                snapshot_years=(2013, 2018),
                snapshot_fraction=1.0,
            )
        ).snapshots.assign(seed=seed)
        for seed in SEEDS
    ]
    return pd.concat(frames, ignore_index=True)


def prevalence(people: pd.DataFrame, mask: pd.Series) -> float:
    """Weighted share with depressive symptoms among the people selected."""
    chosen = people[mask]
    return float(np.average(chosen["depressed"], weights=chosen["weight"]))


def test_out_migrant_workers_within_the_migrant_worker_studies(people: pd.DataFrame) -> None:
    share = prevalence(people, people["status"] == "out_migrant")
    assert 0.21 <= share <= 0.28


def test_adults_45_plus_near_charls(people: pd.DataFrame) -> None:
    residents = people["status"].isin((*AT_ORIGIN, "out_migrant", "urban_hukou", "urban_local"))
    share = prevalence(people, residents & (people["age"] >= 45))
    assert 0.266 <= share <= 0.38


def test_older_rural_people_about_twice_as_often_as_older_urban_locals(
    people: pd.DataFrame,
) -> None:
    older = people["age"] >= 60
    rural = prevalence(people, older & people["status"].isin(AT_ORIGIN))
    urban = prevalence(people, older & (people["status"] == "urban_local"))
    assert 1.3 <= rural / urban <= 2.5
    assert urban >= 0.08  # the urban reference sample is not free of symptoms


def test_women_report_more_depressive_symptoms(people: pd.DataFrame) -> None:
    women = prevalence(people, people["sex"] == "female")
    men = prevalence(people, people["sex"] == "male")
    odds_ratio = (women / (1 - women)) / (men / (1 - men))
    assert 1.2 <= odds_ratio <= 2.0


def test_the_early_mobility_dip_is_bounded(people: pd.DataFrame) -> None:
    out = people["status"] == "out_migrant"
    newcomers = prevalence(people, out & (people["years_in_city"] <= 1))
    assert prevalence(people, out) < newcomers <= 1.5 * prevalence(people, out)


def test_no_group_is_implausible(people: pd.DataFrame) -> None:
    groups = people.groupby(["status", "age_band", "sex"]).agg(
        agents=("pid", "size"), share=("depressed", "mean")
    )
    groups = groups[groups["agents"] >= 400]
    outside = groups[(groups["share"] < 0.03) | (groups["share"] > 0.50)]
    assert outside.empty, outside.to_string()


def test_symptoms_rise_into_late_middle_age(people: pd.DataFrame) -> None:
    """CHARLS 2013 puts the odds' peak at about 55 (women): rural residents aged 50-59 are
    more often depressed than those aged 35-44, by more than chronic illness and failing
    health alone made them (without the midlife term: 27.5 % at 46-55 against 25.5 % at 31-45,
    scale 20,000, seed 2, 2013)."""
    at_origin = people["status"].isin(AT_ORIGIN)
    late_middle = prevalence(people, at_origin & people["age"].between(50, 59))
    younger = prevalence(people, at_origin & people["age"].between(35, 44))
    assert late_middle > younger + 0.05, (late_middle, younger)


def test_the_midlife_strain_reaches_late_middle_age_and_spares_the_young() -> None:
    """Switching the midlife term off: people aged 45-59 lose several points of depressive
    symptoms, people aged 16-30 (far from the peak) almost none."""
    from migrant_health.params.scenario import Scenario

    def shares(scenario: Scenario | None) -> tuple[float, float]:
        people = simulate(
            RunConfig(
                end=2013,
                scale=20_000,
                seed=2,
                snapshot_years=(2013,),
                snapshot_fraction=1.0,
                scenario=scenario,
            )
        ).snapshots
        return (
            prevalence(people, people["age"].between(45, 59)),
            prevalence(people, people["age"].between(16, 30)),
        )

    middle, young = shares(None)
    middle_off, young_off = shares(
        Scenario(name="no midlife strain", overrides={"health.mental.midlife": 0.0})
    )
    assert middle - middle_off > 0.04, (middle, middle_off)
    assert abs(young - young_off) < 0.01, (young, young_off)


def test_the_oldest_rural_people_follow_the_charls_age_trajectories(people: pd.DataFrame) -> None:
    """Rural men aged 81+ stay below 45 % (the reference's upper CI of 39 % at the stricter
    cut-off of 12, raised by a sixth for the model's cut-off of about 10); rural women aged 81+
    are at most 5 points (the half-width of the peak's CI) above those aged 71-80, as their
    symptoms peak at 75-80. When every dependant's money worries read their own savings and
    depression did not shorten life, men 81+ were at 48.8 % and women 81+ 10.3 points above
    those aged 71-80 (61.7 % against 51.4 %; seeds 2-3, scale 20,000, 2013 and 2018)."""
    rural = people["status"].isin(AT_ORIGIN)
    men, women = people["sex"] == "male", people["sex"] == "female"
    oldest, old = people["age"] > 80, people["age"].between(71, 80)
    assert prevalence(people, rural & men & oldest) < 0.45
    women_oldest = prevalence(people, rural & women & oldest)
    women_old = prevalence(people, rural & women & old)
    assert women_oldest <= women_old + 0.05, (women_oldest, women_old)
