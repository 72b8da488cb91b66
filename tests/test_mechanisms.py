"""The seed's mechanisms, asserted on one shared simulation (seed sections 2.2 and 3).

Each test reads as a sentence of the seed. Tolerances are set so that a model without the
mechanism (or with it reversed) fails: effects are compared against their standard errors or
against margins several times the Monte Carlo noise of the shared run. Healthy-migrant
selection and the erosion of the migrants' advantage are tested away from the start, on two
seeds and matched by age and sex, in tests/test_health_selection_patterns.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from migrant_health import RunConfig, RunResult, Scenario, simulate

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


def _out_migrants(panel: pd.DataFrame) -> pd.DataFrame:
    return panel[panel["status"] == "out_migrant"]


def test_salmon_bias_returners_were_sicker(transitions: pd.DataFrame) -> None:
    """Out-migrants who return next year are in worse health now than those who stay."""
    out = transitions[transitions["status"] == "out_migrant"]
    returners = out[out["returned_this_year_next"]]
    stayers = out[~out["returned_this_year_next"]]
    assert len(returners) > 1000
    assert returners["health"].mean() < stayers["health"].mean() - 0.01
    assert (returners["srh"] <= 2).mean() > 1.5 * (stayers["srh"] <= 2).mean()


def test_health_driven_returns_are_counted(mechanism_run: RunResult) -> None:
    returns = mechanism_run.series("returns")
    driven = mechanism_run.series("returns_health_driven")
    assert (driven > 0).all() and (driven < returns).all()


@pytest.fixture(scope="module")
def settled(panel: pd.DataFrame) -> pd.DataFrame:
    """Every out-migrant person-year of the shared run (about 220,000).

    A sample of 80,000 was used before; once the base-year stock stopped counting marriages
    made in the city as spouses left at origin, support varied less with integration and the
    part of the integration effect on depressive symptoms that support carries (0.036) fell
    under two standard errors of the coefficient at that size (0.050). On every person-year
    it is 0.038 against 0.030.
    """
    out = _out_migrants(panel).copy()
    out["depressed_f"] = out["depressed"].astype(float)
    out["years"] = out["years_in_city"].clip(0, 15)
    return out


def _integration_models(settled: pd.DataFrame, outcome: str) -> tuple[Any, Any]:
    """OLS of ``outcome`` on integration within each year in the city, without and with
    social support."""
    base = f"{outcome} ~ integration_index + age + C(years)"
    return smf.ols(base, settled).fit(), smf.ols(f"{base} + social_support", settled).fit()


def _through_support(settled: pd.DataFrame, outcome: str) -> tuple[float, float, float]:
    """The part of integration's link with ``outcome`` that runs through social support.

    The product of coefficients: ``a`` from support on integration, ``b`` from ``outcome`` on
    support given integration (both within each year in the city, with age); for OLS with
    the same covariates ``a * b`` is exactly how far adding support moves the integration
    coefficient. Its standard error is Sobel's first-order one, with each coefficient's
    standard error clustered by person, since a person counts once a year.

    Returns:
        The indirect effect, its standard error, and the direct effect (integration's
        coefficient with support held).
    """
    clustered = {"cov_type": "cluster", "cov_kwds": {"groups": settled["pid"]}}
    covariates = "integration_index + age + C(years)"
    a_fit = smf.ols(f"social_support ~ {covariates}", settled).fit(**clustered)
    b_fit = smf.ols(f"{outcome} ~ {covariates} + social_support", settled).fit(**clustered)
    a, se_a = a_fit.params["integration_index"], a_fit.bse["integration_index"]
    b, se_b = b_fit.params["social_support"], b_fit.bse["social_support"]
    direct = float(b_fit.params["integration_index"])
    return float(a * b), float(np.hypot(a * se_b, b * se_a)), direct


def test_integration_goes_with_fewer_depressive_symptoms_partly_through_support(
    settled: pd.DataFrame,
) -> None:
    """Within each year in the city, more integrated out-migrants report fewer depressive
    symptoms; adding social support shrinks the integration effect (support mediates part of
    it) without removing it."""
    dep, dep_support = _integration_models(settled, "depressed_f")
    b = "integration_index"
    assert dep.params[b] < -4 * dep.bse[b]
    assert dep.params[b] + 2 * dep.bse[b] < dep_support.params[b] < 0
    assert dep_support.params["social_support"] < 0


def test_integration_goes_with_better_self_rated_health(settled: pd.DataFrame) -> None:
    srh, _ = _integration_models(settled, "srh")
    assert srh.params["integration_index"] > 4 * srh.bse["integration_index"]


def test_support_carries_part_of_the_integration_effect_on_self_rated_health(
    settled: pd.DataFrame,
) -> None:
    """Seed 3.1: support carries part of integration's link with self-rated health.

    Measured on every out-migrant person-year of the shared run: the indirect effect through
    support is 0.059 on the five-level scale, 4.8 % of the total, 10.4 standard errors from
    zero (10.2 and 10.4 with the run's seed set to 2 and 3); integration keeps most of its
    link directly. Until 2026-12-02 the test asked that adding support move the integration
    coefficient by more than two standard errors of the coefficient itself (1.99, 2.00 and
    2.04 on these seeds): a coefficient's uncertainty, not that of the move, which for nested
    models on the same people is far smaller, so the check sat at the edge whatever the model.
    Support reaches self-rated health through mental health and, weakly, through recovery and
    chronic onset, since young out-migrants' health sits near its ceiling (docs/calibration.md
    section 10).
    """
    indirect, se, direct = _through_support(settled, "srh")
    assert indirect > 4 * se
    assert direct > 0


def test_support_and_mental_health_dip_in_the_first_years(
    panel: pd.DataFrame, transitions: pd.DataFrame
) -> None:
    """Leaving cuts support; it is lowest in the first years and recovers as ties grow."""
    out = _out_migrants(panel)
    by_years = out.groupby(out["years_in_city"].clip(0, 12))[["social_support", "mental"]].mean()
    leavers = transitions[transitions["first_migration_next"]]
    before = leavers["social_support"].mean()
    assert by_years.loc[1, "social_support"] < before - 0.1
    assert by_years.loc[10, "social_support"] > by_years.loc[1, "social_support"] + 0.15
    assert by_years.loc[[1, 2], "mental"].mean() < leavers["mental"].mean() - 0.03
    assert by_years.loc[10, "mental"] > by_years.loc[[1, 2], "mental"].mean() + 0.03


def test_integration_lowers_bmi_of_women_not_men(settled: pd.DataFrame) -> None:
    """With the seed's hypothesis on, the BMI-integration slope of women is well below men's."""
    slopes = {}
    for sex in ("female", "male"):
        rows = settled[settled["sex"] == sex]
        fit = smf.ols("bmi ~ integration_index + age + C(years)", rows).fit()
        slopes[sex] = (fit.params["integration_index"], fit.bse["integration_index"])
    gap = slopes["male"][0] - slopes["female"][0]
    assert gap > 4 * np.hypot(slopes["male"][1], slopes["female"][1])


def test_bmi_hypothesis_switch_changes_women_only() -> None:
    """Switching the hypothesis off raises out-migrant women's BMI; men's barely moves."""
    config = dict(end=2016, scale=20_000, seed=5, communities_per_chunk=100)
    on = simulate(RunConfig(**config))  # type: ignore[arg-type]
    off = simulate(
        RunConfig(
            **config,
            scenario=Scenario.from_dict(  # type: ignore[arg-type]
                {"health.bmi.integration_effect_women_only": 0}
            ),
        )
    )
    women = "sex=female,status=out_migrant"
    men = "sex=male,status=out_migrant"
    women_gap = off.value("bmi_mean", 2016, women) - on.value("bmi_mean", 2016, women)
    men_gap = abs(off.value("bmi_mean", 2016, men) - on.value("bmi_mean", 2016, men))
    assert women_gap > 0.4
    assert men_gap < women_gap / 5


def test_older_migrants_are_less_integrated_and_less_healthy(settled: pd.DataFrame) -> None:
    """At the same years in the city, migrants of 50 and over are less integrated and sicker."""
    rows = settled.assign(old=(settled["age"] >= 50).astype(float))
    for outcome in ("integration_index", "health", "local_ties"):
        fit = smf.ols(f"{outcome} ~ old + C(years)", rows).fit()
        assert fit.params["old"] < -4 * fit.bse["old"], outcome


def test_education_brings_ties_and_stay_intention_but_less_identity(
    settled: pd.DataFrame,
) -> None:
    """Seed 3.3: the better educated mix more with locals and want to stay, yet identify less."""
    rows = settled.assign(stay=settled["stay_intention"].astype(float))
    ties = smf.ols("local_ties ~ education + age + C(years)", rows).fit()
    stay = smf.ols("stay ~ education + age + C(years)", rows).fit()
    identity = smf.ols("integration_identity ~ education + age + C(years)", rows).fit()
    assert ties.params["education"] > 4 * ties.bse["education"]
    assert stay.params["education"] > 4 * stay.bse["education"]
    assert identity.params["education"] < -4 * identity.bse["education"]


def test_poor_health_lowers_employment_income_and_later_integration(
    panel: pd.DataFrame,
) -> None:
    """Health -> employment -> income -> integration (seed 3.4)."""
    out = _out_migrants(panel)
    poor = out["health"] < 0.8
    employed = out["job"] != "none"
    assert employed[poor].mean() < employed[~poor].mean() - 0.01
    earners = out[out["income"] > 0]
    low = earners["health"] < 0.8
    ratio = earners.loc[low, "income"].mean() / earners.loc[~low, "income"].mean()
    assert ratio < 0.95
    later = panel[["pid", "year", "status", "integration_economic"]].copy()
    later["year"] -= 3
    joined = out.merge(later, on=["pid", "year"], suffixes=("", "_later"))
    joined = joined[joined["status_later"] == "out_migrant"].sample(50_000, random_state=2)
    fit = smf.ols("integration_economic_later ~ health + integration_economic + age", joined).fit()
    assert fit.params["health"] > 4 * fit.bse["health"]


def test_destination_insurance_raises_stay_intention(settled: pd.DataFrame) -> None:
    rows = settled.assign(
        stay=settled["stay_intention"].astype(float),
        insured=settled["insurance"]
        .isin(["urban_resident_dest", "urban_employee_dest"])
        .astype(float),
    )
    fit = smf.ols("stay ~ insured + age + education + C(years)", rows).fit()
    assert fit.params["insured"] > 0.05
    assert fit.params["insured"] > 4 * fit.bse["insured"]


def test_health_records_follow_insurance_and_the_known_gradients(settled: pd.DataFrame) -> None:
    """Seed 4.2: public health services reach the insured more; the CMDS odds ratios come back.

    He et al. 2021 (CMDS 2017): OR 1.38 for destination insurance, 0.87 for men, 0.91 for
    cross-province migrants. A logit on the simulated out-migrants recovers the model's own
    parameters, which are those odds ratios.
    """
    rows = settled.assign(
        record=settled["health_record"].astype(float),
        insured=settled["insurance"]
        .isin(["urban_resident_dest", "urban_employee_dest"])
        .astype(float),
        female=(settled["sex"] == "female").astype(float),
        cross=settled["cross_province"].astype(float),
        chronic_f=settled["chronic"].astype(float),
        years10=settled["years_in_city"].clip(upper=10) / 10.0,
    )
    fit = smf.logit("record ~ insured + female + cross + chronic_f + years10", rows).fit(disp=0)
    assert 0.2 < rows["record"].mean() < 0.5
    for term, log_or in (("insured", np.log(1.383)), ("female", -np.log(0.866))):
        assert abs(fit.params[term] - log_or) < 3 * fit.bse[term] + 0.02
    assert fit.params["insured"] > 4 * fit.bse["insured"]


def test_identity_is_the_slowest_dimension(panel: pd.DataFrame) -> None:
    """Over the first ten years in the city, identity rises least of the four dimensions."""
    out = _out_migrants(panel)
    first = out[out["years_in_city"].between(0, 10)]
    means = first.groupby("years_in_city")[
        [
            "integration_economic",
            "integration_social",
            "integration_cultural",
            "integration_identity",
        ]
    ].mean()
    gains = means.loc[10] - means.loc[0]
    assert gains.idxmin() == "integration_identity"
    # by a margin far above the Monte Carlo noise of these means (thousands of migrants each)
    assert gains["integration_identity"] < gains.drop("integration_identity").min() - 0.05


def test_most_migrants_are_in_the_early_stages(mechanism_run: RunResult) -> None:
    for year in (2010, 2015, 2020):
        early = mechanism_run.value("stage_share", year, "stage=embedding") + mechanism_run.value(
            "stage_share", year, "stage=drifting"
        )
        assert early > 0.75
        assert mechanism_run.value("integration_identity", year) < mechanism_run.value(
            "integration_economic", year
        )


def test_magnitudes_match_the_seed_headlines(mechanism_run: RunResult) -> None:
    """About 225 million migrant workers in 2008, about two thirds of them out-migrants."""
    total = mechanism_run.value("migrant_workers_total", 2008)
    out = mechanism_run.value("migrant_workers_out", 2008)
    assert 200e6 < total < 250e6
    assert 0.55 < out / total < 0.72
