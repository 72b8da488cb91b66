"""Linear and logit models: the seed's gender claim about BMI, depression, fixed effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from migrant_health.analysis.regression import BinaryModel, LinearModel


def bmi_survey(n: int, seed: int) -> pd.DataFrame:
    """Integration lowers BMI by 2 points for women and not at all for men (seed 3.3)."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(
        {
            "integration": rng.uniform(0, 1, n),
            "sex": rng.choice(["male", "female"], n),
            "dest_city": rng.integers(0, 40, n),
            "weight": rng.uniform(0.5, 2, n),
            "strata": rng.integers(0, 4, n),
        }
    )
    city_effect = rng.normal(0, 1, 40)[data["dest_city"]]
    female = (data["sex"] == "female").to_numpy()
    data["bmi"] = (
        23 + 0.5 * female - 2.0 * female * data["integration"] + city_effect + rng.normal(0, 1.5, n)
    )
    return data


def test_integration_lowers_bmi_for_women_not_men() -> None:
    data = bmi_survey(3000, seed=1)
    fit = LinearModel(
        "bmi",
        exposure="integration",
        interaction="sex",
        fixed_effects=["dest_city"],
        cluster="dest_city",
    ).fit(data)
    slopes = fit.slopes_by_group_.set_index("group")
    assert list(slopes.index) == ["sex[male]", "sex[female]"]
    assert slopes.loc["sex[female]", "estimate"] == pytest.approx(-2.0, abs=0.3)
    assert slopes.loc["sex[male]", "ci_low"] < 0 < slopes.loc["sex[male]", "ci_high"]
    assert fit.coef_["integration:sex[female]"] == pytest.approx(-2.0, abs=0.4)


def test_design_based_errors_with_weights_and_strata() -> None:
    data = bmi_survey(2000, seed=2)
    fit = LinearModel(
        "bmi",
        exposure="integration",
        interaction="sex",
        weights="weight",
        cluster="dest_city",
        strata="strata",
    ).fit(data)
    table = fit.summary().set_index("term")
    assert table.loc["integration:sex[female]", "estimate"] == pytest.approx(-2.0, abs=0.5)
    assert (table["se"] > 0).all()


def test_logit_for_depression_recovers_log_odds() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    data = pd.DataFrame(
        {
            "integration": rng.uniform(0, 1, n),
            "age": rng.uniform(18, 60, n),
            "weight": rng.uniform(0.5, 2, n),
            "city": rng.integers(0, 30, n),
        }
    )
    eta = -0.5 - 1.5 * data["integration"] + 0.02 * (data["age"] - 40)
    data["depressed"] = (rng.random(n) < special.expit(eta)).astype(int)
    for options in ({}, {"weights": "weight"}, {"fixed_effects": ["city"], "cluster": "city"}):
        fit = BinaryModel("depressed", exposure="integration", covariates=["age"], **options)
        table = fit.fit(data).summary().set_index("term")
        assert table.loc["integration", "estimate"] == pytest.approx(-1.5, abs=0.3), options
        assert table.loc["integration", "odds_ratio"] == pytest.approx(
            np.exp(table.loc["integration", "estimate"])
        )
