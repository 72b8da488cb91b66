"""Subgroup models recover a known difference in the effect of integration, and the test of
equal effects rejects it, but not when the effects are equal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migrant_health.analysis.heterogeneity import SubgroupModel, age_band


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
