"""Selection: the Heckman two-step corrects a known bias; health-selection hypotheses tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_factory import origin_and_destination_survey

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
