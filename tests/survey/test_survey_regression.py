"""Linear and logit models: the seed's gender claim about BMI, depression, fixed effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from migrant_health.analysis.regression import BinaryModel, LinearModel
from migrant_health.errors import DataError


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


def test_a_zero_one_moderator_names_its_groups_zero_and_one() -> None:
    """The second group was labelled ``integration | female``, as if not a level."""
    data = bmi_survey(2000, seed=4)
    data["female"] = (data["sex"] == "female").astype(int)
    fit = LinearModel("bmi", exposure="integration", interaction="female").fit(data)
    slopes = fit.slopes_by_group_.set_index("group")
    assert list(slopes.index) == ["female=0", "female=1"]
    assert list(slopes["term"]) == ["integration | female=0", "integration | female=1"]
    assert slopes.loc["female=1", "estimate"] == pytest.approx(-2.0, abs=0.5)
    assert set(fit.to_dict()["slopes_by_group"]) == {"female=0", "female=1"}


@pytest.mark.parametrize(
    ("moderator", "expected"),
    [
        ("age", r"'age' is continuous \(\d+ values, 18 to 5\d\).*by='age_band'"),
        ("integration", r"'integration' is the exposure 'integration' itself"),
        ("sex_code", r"'sex_code' takes 1 and 2, not 0 and 1.*C\(sex_code\)"),
        ("tier_code", r"'tier_code' is numeric codes \(4 values, 1 to 4\).*C\(tier_code\)"),
    ],
)
def test_a_moderator_without_groups_is_refused(moderator: str, expected: str) -> None:
    """A continuous moderator printed slopes 'by group' at age 0 and per year of age."""
    data = bmi_survey(500, seed=5)
    data["age"] = np.random.default_rng(5).integers(18, 60, len(data))
    data["sex_code"] = np.where(data["sex"] == "male", 1, 2)
    data["tier_code"] = np.arange(len(data)) % 4 + 1  # a city tier: codes, not a measure
    with pytest.raises(DataError, match=expected):
        LinearModel("bmi", exposure="integration", interaction=moderator).fit(data)
    with pytest.raises(DataError, match=expected):
        BinaryModel("obese", exposure="integration", interaction=moderator).fit(
            data.assign(obese=(data["bmi"] > 25).astype(int))
        )


def test_a_categorical_moderator_of_numeric_codes_is_taken_by_category() -> None:
    data = bmi_survey(1000, seed=6)
    data["sex_code"] = np.where(data["sex"] == "male", 1, 2)
    fit = LinearModel("bmi", exposure="integration", interaction="C(sex_code)").fit(data)
    assert list(fit.slopes_by_group_["group"]) == ["C(sex_code)[1]", "C(sex_code)[2]"]
