"""Subgroup models recover a known difference in the effect of integration, and the test of
equal effects rejects it, but not when the effects are equal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.analysis.diagnostics import EstimationWarning
from migrant_health.analysis.heterogeneity import SubgroupModel, age_band
from migrant_health.errors import DataError


def grouped_survey(n: int, seed: int, old_effect: float) -> pd.DataFrame:
    """Integration improves health by 1.0 under 45 and by ``old_effect`` from 45 on."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n)
    integration = rng.uniform(0, 1, n)
    slope = np.where(age < 45, 1.0, old_effect)
    health = slope * integration + 0.01 * age + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "age": age,
            "integration": integration,
            "health": health,
            "sex": rng.choice(["male", "female"], n),
        }
    )


def test_a_subgroup_difference_is_recovered_and_detected() -> None:
    data = grouped_survey(4000, seed=1, old_effect=0.2)
    fit = SubgroupModel(
        "health", exposure="integration", by="age_band", covariates=["age", "sex"]
    ).fit(data)
    groups = fit.groups_.set_index("group")["estimate"]
    assert list(groups.index) == ["15-29", "30-44", "45-59", "60+"]
    assert groups["15-29"] == pytest.approx(1.0, abs=0.25)
    assert groups["45-59"] == pytest.approx(0.2, abs=0.25)
    assert fit.equal_effects_["df"] == 3
    assert fit.equal_effects_["p"] < 0.001


def test_equal_effects_are_not_rejected_when_equal() -> None:
    data = grouped_survey(3000, seed=2, old_effect=1.0)
    fit = SubgroupModel("health", exposure="integration", by="sex").fit(data)
    assert fit.equal_effects_["p"] > 0.05
    assert set(fit.to_dict()["coefficients"]) == {
        "integration | sex=female",
        "integration | sex=male",
    }


def test_ordered_models_by_group_and_age_bands() -> None:
    rng = np.random.default_rng(3)
    data = grouped_survey(1500, seed=3, old_effect=1.0)
    data["srh"] = 1 + np.searchsorted(
        [-1.0, 0.0, 1.0, 2.0], data["health"] + rng.logistic(size=1500)
    )
    fit = SubgroupModel("srh", exposure="integration", by="sex", model="ologit").fit(data)
    assert (fit.groups_["estimate"] > 0).all()
    assert age_band(pd.Series([15, 29, 30, 59, 60, 80])).tolist() == [
        "15-29",
        "15-29",
        "30-44",
        "45-59",
        "60+",
        "60+",
    ]


def test_the_equal_effects_test_uses_psus_that_span_the_groups() -> None:
    # Each city's men and women share a shock to integration's effect: the two groups' estimates
    # move together, so their difference (0.3) is much better determined than either alone.
    # Treating the groups as independent would miss it (p = 0.17 for this draw).
    rng = np.random.default_rng(11)
    n, cities = 4000, 40
    city = rng.integers(0, cities, n)
    female = rng.random(n) < 0.5
    integration = rng.uniform(0, 1, n)
    slope = 1.0 + rng.normal(0, 1.0, cities)[city] + 0.3 * female
    data = pd.DataFrame(
        {
            "city": city,
            "sex": np.where(female, "female", "male"),
            "integration": integration,
            "health": slope * integration + rng.normal(0, 1, n),
        }
    )
    fit = SubgroupModel("health", exposure="integration", by="sex", cluster="city").fit(data)
    groups = fit.groups_.set_index("group")
    assert groups.loc["female", "se"] > 0.12  # each group alone is imprecise (city shocks)
    assert fit.equal_effects_["df"] == 1
    assert fit.equal_effects_["p"] < 0.01
    interaction = fit.pooled_model_.summary().set_index("term").loc["integration:C(sex)[female]"]
    assert interaction["estimate"] == pytest.approx(0.3, abs=0.1)


def test_a_column_of_ids_is_refused_in_a_message_of_one_line() -> None:
    """Every respondent a group of one: the message listed all 400 and ran to pages."""
    data = grouped_survey(400, seed=2, old_effect=0.5).assign(id=range(400))
    with pytest.raises(
        DataError, match=r"and 395 more groups\); by needs a column.*dest_city_tier"
    ) as caught:
        SubgroupModel("health", exposure="integration", by="id").fit(data)
    assert len(str(caught.value)) < 400


def test_a_group_too_small_to_fit_is_said_not_only_listed() -> None:
    """The table of groups reads as every group unless a skipped one is warned about."""
    data = grouped_survey(600, seed=4, old_effect=1.0)
    data = data[(data["age"] < 60) | (data.index % 40 == 0)]  # a handful of people aged 60+
    with pytest.warns(EstimationWarning, match=r"groups of 'age_band' not estimated: 60\+: \d+"):
        fit = SubgroupModel("health", exposure="integration", by="age_band").fit(data)
    assert "60+" in fit.skipped_
    assert "60+" not in set(fit.groups_["group"])


def domain_survey(seed: int) -> pd.DataFrame:
    """Three strata of four PSUs; group ``a`` reaches one PSU of stratum 0 but all PSUs of 1, 2."""
    rng = np.random.default_rng(seed)
    n = 900
    stratum = np.repeat([0, 1, 2], n // 3)
    psu = stratum * 10 + rng.integers(0, 4, n)
    group = rng.choice(["a", "b"], n)
    group[(stratum == 0) & (psu != 0)] = "b"  # in stratum 0, group a lives in PSU 0 only
    integration = rng.uniform(0, 1, n)
    slope = np.where(group == "a", 1.0, 0.4)
    psu_shock = rng.normal(0, 0.5, 40)[psu]
    return pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "w": rng.uniform(0.5, 2.0, n),
            "grp": group,
            "integration": integration,
            "health": slope * integration + psu_shock + rng.normal(0, 1, n),
        }
    )


def domain_variance_by_hand(data: pd.DataFrame, group: str) -> float:
    """Variance of the group's slope: its weighted OLS scores, zero outside the group, summed
    by PSU and spread within each stratum of the whole sample (every PSU counted)."""
    inside = (data["grp"] == group).to_numpy()
    X = np.column_stack((np.ones(inside.sum()), data.loc[inside, "integration"]))
    w = data.loc[inside, "w"].to_numpy()
    y = data.loc[inside, "health"].to_numpy()
    bread = np.linalg.inv((X * w[:, None]).T @ X)
    residual = y - X @ (bread @ (X * w[:, None]).T @ y)
    scores = np.zeros((len(data), 2))
    scores[inside] = X * (w * residual)[:, None]
    meat = np.zeros((2, 2))
    for _, stratum in data.groupby("stratum"):
        totals = pd.DataFrame(scores[stratum.index]).groupby(stratum["psu"].to_numpy()).sum()
        centred = totals.to_numpy() - totals.to_numpy().mean(axis=0)
        meat += len(totals) / (len(totals) - 1) * centred.T @ centred
    return float((bread @ meat @ bread)[1, 1])


def test_a_group_in_one_psu_of_a_stratum_is_estimated_over_the_whole_design() -> None:
    """Fitted alone, group a's rows had one PSU in stratum 0: the group was dropped."""
    data = domain_survey(seed=12)
    fit = SubgroupModel(
        "health", exposure="integration", by="grp", weights="w", cluster="psu", strata="stratum"
    ).fit(data)
    groups = fit.groups_.set_index("group")
    assert fit.skipped_ == {}
    assert list(groups.index) == ["a", "b"]
    for group in ("a", "b"):
        assert groups.loc[group, "se"] ** 2 == pytest.approx(
            domain_variance_by_hand(data, group), rel=1e-6
        )
    assert fit.equal_effects_["df"] == 1
    assert fit.n_ == len(data)


def test_without_a_design_the_groups_are_fitted_alone_as_before() -> None:
    """Domains change only how a design's variance is taken; robust errors stay as they were."""
    from migrant_health.analysis.regression import LinearModel

    data = domain_survey(seed=13)
    fit = SubgroupModel("health", exposure="integration", by="grp", weights="w").fit(data)
    alone = LinearModel("health", exposure="integration", weights="w").fit(data[data.grp == "a"])
    a = fit.groups_.set_index("group").loc["a"]
    assert a["se"] == pytest.approx(alone.summary().set_index("term").loc["integration", "se"])


def test_the_respondents_left_out_are_counted_and_warned_of_by_group() -> None:
    """The JSON lacked the counts; warnings came once per group, each signed 'ols of health'."""
    data = grouped_survey(800, seed=5, old_effect=1.0)
    data.loc[data.index[:7], "sex"] = None
    female = data.index[data["sex"] == "female"]
    data.loc[female[:5], "health"] = np.nan
    with pytest.warns(EstimationWarning) as caught:
        fit = SubgroupModel("health", exposure="integration", by="sex").fit(data)
    messages = [str(w.message) for w in caught]
    assert "heterogeneity of health, sex = female: 5 of " in " ".join(messages)
    assert not any(m.startswith("ols of health") for m in messages)
    result = fit.to_dict()
    assert (result["respondents"], result["n_dropped"]) == (800, 12)
    assert result["dropped"] == {"sex missing": 7, "health missing": 5}
    assert result["n"] == 800 - 12
