"""Selection: the Heckman two-step corrects a known bias; health-selection hypotheses tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels.datasets import mroz
from survey_factory import origin_and_destination_survey

from migrant_health.analysis import EstimationWarning
from migrant_health.analysis.health_selection import HealthSelectionTests
from migrant_health.analysis.selection import HeckmanTwoStep
from migrant_health.errors import DataError

BETA = 0.5  # true effect of integration on the outcome
RHO = 0.7  # correlation of staying with the outcome's error


def stayers_survey(n: int, seed: int) -> pd.DataFrame:
    """Out-migrants stay in the city (and are surveyed) more if healthier than predicted."""
    rng = np.random.default_rng(seed)
    integration = rng.normal(0, 1, n)
    land = rng.normal(0, 1, n)  # land at the origin pulls people home: the exclusion restriction
    errors = rng.multivariate_normal([0, 0], [[1, RHO], [RHO, 1]], n)
    stays = (0.3 + 0.5 * integration - 1.0 * land + errors[:, 0] > 0).astype(int)
    outcome = 1 + BETA * integration + errors[:, 1]
    return pd.DataFrame(
        {
            "integration": integration,
            "land": land,
            "in_city": stays,
            "health_index": np.where(stays == 1, outcome, np.nan),
        }
    )


def test_heckman_corrects_the_bias_of_ols_on_stayers() -> None:
    fit = HeckmanTwoStep(
        "health_index", exposure="integration", selection="in_city", selection_covariates=["land"]
    ).fit(stayers_survey(4000, seed=1))
    corrected = fit.coef_["integration"]
    assert fit.naive_["integration"] < BETA - 0.05  # OLS on stayers is biased down
    assert corrected == pytest.approx(BETA, abs=0.05)
    assert fit.rho_ == pytest.approx(RHO, abs=0.15)
    assert fit.n_selected_ < fit.n_ == 4000


def test_corrected_standard_errors_match_the_sampling_spread() -> None:
    estimates, errors = [], []
    for seed in range(25):
        fit = HeckmanTwoStep(
            "health_index",
            exposure="integration",
            selection="in_city",
            selection_covariates=["land"],
        ).fit(stayers_survey(1500, seed=seed))
        table = fit.summary().query("equation == 'outcome'").set_index("term")
        estimates.append(table.loc["integration", "estimate"])
        errors.append(table.loc["integration", "se"])
    assert np.mean(errors) == pytest.approx(np.std(estimates, ddof=1), rel=0.35)


def test_robust_errors_agree_with_the_textbook_ones_when_the_model_holds() -> None:
    # Two different formulas for the same variance: the stacked sandwich and Heckman's own.
    # Leaving out the correction for the estimated first step shrinks the robust errors by
    # 4-7 % here (the selection is strong, RHO = 0.7), well outside these tolerances.
    data = stayers_survey(20_000, seed=7)
    options = {"exposure": "integration", "selection": "in_city", "selection_covariates": ["land"]}
    se = {
        kind: HeckmanTwoStep("health_index", se=kind, **options)
        .fit(data)
        .summary()
        .query("equation == 'outcome'")
        .set_index("term")["se"]
        for kind in ("robust", "conventional")
    }
    assert se["robust"]["integration"] == pytest.approx(se["conventional"]["integration"], rel=0.01)
    assert se["robust"]["Intercept"] == pytest.approx(se["conventional"]["Intercept"], rel=0.01)
    assert se["robust"]["lambda"] == pytest.approx(se["conventional"]["lambda"], rel=0.025)


# Wooldridge, Introductory Econometrics, Example 17.5 (married women's wages, Mroz 1987):
# Stata's ``heckman lwage educ exper expersq, select(inlf = nwifeinc educ exper expersq age
# kidslt6 kidsge6) twostep``. Coefficient, conventional two-step standard error.
MROZ_OUTCOME = {
    "Intercept": (-0.5781032, 0.3050062),
    "educ": (0.1090655, 0.0155230),
    "exper": (0.0438873, 0.0162611),
    "expersq": (-0.0008591, 0.0004389),
    "lambda": (0.0322619, 0.1336246),
}
MROZ_SELECTION = {
    "Intercept": (0.2700768, 0.5085930),
    "nwifeinc": (-0.0120237, 0.0048398),
    "educ": (0.1309047, 0.0252542),
    "exper": (0.1233476, 0.0187164),
    "expersq": (-0.0018871, 0.0006000),
    "age": (-0.0528527, 0.0084772),
    "kidslt6": (-0.8683285, 0.1185223),
    "kidsge6": (0.0360050, 0.0434768),
}


def test_heckman_reproduces_the_textbook_wage_equation_of_married_women() -> None:
    data = mroz.load()
    data["lwage"] = np.log(data["wage"]).where(data["inlf"] == 1)
    fit = HeckmanTwoStep(
        "lwage",
        exposure="educ",
        covariates=["exper", "expersq"],
        selection="inlf",
        selection_covariates=["nwifeinc", "age", "kidslt6", "kidsge6"],
        se="conventional",
    ).fit(data)
    table = fit.summary().set_index(["equation", "term"])
    for equation, reference in (("outcome", MROZ_OUTCOME), ("selection", MROZ_SELECTION)):
        for term, (estimate, se) in reference.items():
            assert table.loc[(equation, term), "estimate"] == pytest.approx(estimate, abs=1e-4)
            assert table.loc[(equation, term), "se"] == pytest.approx(se, rel=1e-3)
    assert fit.rho_ == pytest.approx(0.04861, abs=1e-4)
    assert fit.sigma_ == pytest.approx(0.66362875, abs=1e-6)


def test_conventional_errors_refuse_a_survey_design() -> None:
    with pytest.raises(DataError, match=r"simple random sample.*--se robust"):
        HeckmanTwoStep(
            "health_index",
            exposure="integration",
            selection="in_city",
            selection_covariates=["land"],
            se="conventional",
            weights="w",
        ).fit(stayers_survey(200, seed=0).assign(w=1.0))


@pytest.mark.parametrize(
    ("column", "expected"),
    [(["male", "female"], "it holds no number"), ([0, 2], "it holds 2$")],
)
def test_the_selection_column_must_be_zero_or_one(column: list[object], expected: str) -> None:
    """A text column (which reads as all missing) is named, not left to empty the sample."""
    survey = stayers_survey(200, seed=0)
    survey["in_city"] = column * 100
    with pytest.raises(DataError, match=f"selection column 'in_city' must be 0/1.*{expected}"):
        HeckmanTwoStep(
            "health_index",
            exposure="integration",
            selection="in_city",
            selection_covariates=["land"],
        ).fit(survey)


def test_heckman_requires_an_exclusion_restriction() -> None:
    with pytest.raises(DataError, match="exclusion restriction"):
        HeckmanTwoStep(
            "health_index",
            exposure="integration",
            selection="in_city",
            selection_covariates=["integration"],
        ).fit(stayers_survey(200, seed=0))


def test_healthy_migrant_and_salmon_bias_are_detected() -> None:
    fit = HealthSelectionTests().fit(origin_and_destination_survey(4000, seed=1, salmon=0.8))
    table = fit.summary().set_index("term")
    assert table.loc["healthy_migrant", "estimate"] > 0
    assert table.loc["salmon_bias", "estimate"] < 0
    assert table["supported"].all()


def test_no_salmon_bias_when_return_is_unrelated_to_health() -> None:
    fit = HealthSelectionTests().fit(origin_and_destination_survey(4000, seed=2, salmon=0.0))
    table = fit.summary().set_index("term")
    assert bool(table.loc["healthy_migrant", "supported"])
    assert not bool(table.loc["salmon_bias", "supported"])


def test_selected_respondents_without_an_outcome_are_left_out_and_counted() -> None:
    """Item nonresponse among stayers (a survey's refusals): the file was refused before."""
    data = stayers_survey(3000, seed=3)
    stayers = np.flatnonzero(data["in_city"].to_numpy() == 1)
    data.loc[stayers[:60], "health_index"] = np.nan
    model = HeckmanTwoStep(
        "health_index", exposure="integration", selection="in_city", selection_covariates=["land"]
    )
    data.loc[stayers[-40:], "land"] = np.nan
    with pytest.warns(
        EstimationWarning,
        match=r"100 of 3,000 respondents dropped: land missing \(40\); "
        r"health_index missing though selected \(in_city = 1\) \(60\)",
    ):
        fit = model.fit(data)
    assert fit.n_ == 3000 - 100 and fit.n_selected_ == len(stayers) - 100
    assert fit.coef_["integration"] == pytest.approx(BETA, abs=0.08)


def heckman_of_stayers(**options: str) -> HeckmanTwoStep:
    """The Heckman model of :func:`stayers_survey`, with design options."""
    return HeckmanTwoStep(
        "health_index",
        exposure="integration",
        selection="in_city",
        selection_covariates=["land"],
        **options,
    )


def test_a_zero_weight_leaves_the_respondent_out_of_both_equations_and_is_counted() -> None:
    """A zero weight stands for no one: it was fed to the probit and ended in an SVD error."""
    data = stayers_survey(1500, seed=4)
    data["w"] = np.random.default_rng(4).uniform(0.5, 2.0, len(data))
    zero = [0, 1, 2, 3, 4]  # stayers and leavers alike
    data.loc[zero, "w"] = 0.0
    with pytest.warns(EstimationWarning, match=r"5 of 1,500 respondents dropped: w zero \(5\)"):
        fit = heckman_of_stayers(weights="w").fit(data)
    without = heckman_of_stayers(weights="w").fit(data.drop(index=zero))
    pd.testing.assert_frame_equal(fit.summary(), without.summary())
    result = fit.to_dict()
    assert (result["n"], result["respondents"], result["n_dropped"]) == (1495, 1500, 5)
    assert result["dropped"] == {"w zero": 5}


def test_a_negative_weight_is_refused_naming_its_row() -> None:
    data = stayers_survey(300, seed=5).assign(w=1.0)
    data.loc[6, "w"] = -2.0
    with pytest.raises(
        DataError, match=r"weights column 'w' has 1 negative value\(s\), rows 7 \(-2\)"
    ):
        heckman_of_stayers(weights="w").fit(data)


def test_respondents_missing_a_selection_column_or_the_design_are_counted() -> None:
    """Origin respondents without the selection column were dropped without a word."""
    data = stayers_survey(1000, seed=6).assign(w=1.0, psu=np.arange(1000) // 10)
    data.loc[:99, "in_city"] = np.nan  # never asked: not in the city
    data.loc[100:109, "w"] = np.nan
    data.loc[110:111, "psu"] = np.nan
    with pytest.warns(EstimationWarning, match=r"112 of 1,000 respondents dropped"):
        fit = heckman_of_stayers(weights="w", cluster="psu").fit(data)
    assert fit.n_ == 888
    assert fit.to_dict()["dropped"] == {"in_city missing": 100, "w missing": 10, "psu missing": 2}
