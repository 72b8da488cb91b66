"""Estimates that would look significant but are wrong are refused; doubtful ones warn by name.

Complete separation, a constant outcome and a constant exposure are errors naming the variable;
quasi-complete separation, dropped covariates (constant or collinear) and non-convergence are
:class:`EstimationWarning`\\ s naming it; the libraries' own warnings are said again in the
toolkit's words and never reach the user raw.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from migrant_health.analysis import EstimationWarning
from migrant_health.analysis.diagnostics import restate
from migrant_health.analysis.mediation import Mediation
from migrant_health.analysis.ordered import OrderedLogit
from migrant_health.analysis.regression import BinaryModel, LinearModel
from migrant_health.errors import DataError


def survey(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    integration = rng.uniform(0, 1, n)
    age = rng.uniform(18, 60, n)
    latent = 2 * integration - 0.02 * age + rng.logistic(0, 1, n)
    return pd.DataFrame(
        {
            "integration": integration,
            "age": age,
            "sex": rng.choice(["male", "female"], n),
            "social_support": 3 + integration + rng.normal(0, 1, n),
            "depressed": (latent < 0).astype(int),
            "srh": 1 + np.searchsorted([-1.0, 0.0, 1.0], latent),
            "bmi": 23 + rng.normal(0, 2, n),
        }
    )


def fit_quietly(model: object, data: pd.DataFrame) -> list[warnings.WarningMessage]:
    """Fit ``model`` and return every warning raised (all of them, not only the first)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data)  # type: ignore[attr-defined]
    return caught


@pytest.mark.parametrize(
    "model",
    [
        BinaryModel("depressed", link="logit", exposure="integration"),
        BinaryModel("depressed", link="probit", exposure="integration"),
    ],
)
def test_complete_separation_of_a_binary_outcome_is_refused_naming_the_variable(
    model: BinaryModel,
) -> None:
    data = survey()
    data["depressed"] = (data["integration"] < 0.4).astype(int)  # integration sorts everyone
    with pytest.raises(DataError, match=r"integration predict\(s\) every respondent's outcome"):
        model.fit(data)


def test_complete_separation_with_weights_and_fixed_effects_is_refused() -> None:
    data = survey().assign(w=1.5, city=lambda d: np.arange(len(d)) % 5)
    data["depressed"] = (data["age"] > 40).astype(int)
    with pytest.raises(DataError, match="age predict"):
        BinaryModel("depressed", exposure="integration", covariates=["age"], weights="w").fit(data)
    with pytest.raises(DataError, match="age predict"):
        BinaryModel(
            "depressed", exposure="integration", covariates=["age"], fixed_effects=["city"]
        ).fit(data)


def test_an_ordered_outcome_sorted_by_a_regressor_is_refused() -> None:
    data = survey()
    data["srh"] = 1 + np.searchsorted([0.25, 0.5, 0.75], data["integration"])
    with pytest.raises(DataError, match=r"integration predict.*complete separation"):
        OrderedLogit(exposure="integration", covariates=["age"]).fit(data)


def test_quasi_separation_warns_naming_the_variable_and_still_fits() -> None:
    data = survey(seed=1)
    data["returnee"] = (np.arange(len(data)) < 12).astype(int)
    data.loc[data["returnee"] == 1, "depressed"] = 1  # every returnee depressed
    caught = fit_quietly(
        model := BinaryModel("depressed", exposure="integration", covariates=["returnee"]), data
    )
    messages = [str(w.message) for w in caught]
    assert all(issubclass(w.category, EstimationWarning) for w in caught), messages
    assert any("returnee" in m and "quasi-complete separation" in m for m in messages), messages
    assert model.coef_["integration"] == pytest.approx(-2.0, abs=0.7)  # the rest is estimated


def test_a_constant_outcome_is_refused_not_reported_as_significant() -> None:
    data = survey().assign(bmi=22.0)
    with pytest.raises(DataError, match=r"outcome 'bmi' is 22 for all 600 respondents"):
        LinearModel("bmi", exposure="age").fit(data)
    with pytest.raises(DataError, match="outcome 'depressed' is 0"):
        BinaryModel("depressed", exposure="age").fit(data.assign(depressed=0))


def test_a_constant_exposure_is_refused() -> None:
    data = survey().assign(integration=0.5)
    with pytest.raises(DataError, match=r"'integration' takes one value \(0.5\)"):
        LinearModel("bmi", exposure="integration", covariates=["age"]).fit(data)
    with pytest.raises(DataError, match="'integration' takes one value"):
        Mediation("bmi", covariates=["age"], n_sims=100).fit(data)


@pytest.mark.parametrize("exposure", ["city", "C(city)", "age:city"])
def test_a_text_exposure_of_one_category_is_refused(exposure: str) -> None:
    """It expands to no column at all, and the model was fitted without it, in silence."""
    data = survey().assign(city="Shenzhen")
    named = re.escape(exposure) + ("" if exposure == "city" else r"' \('city'\)")
    with pytest.raises(DataError, match=rf"'{named}'? takes one value \(Shenzhen\)"):
        LinearModel("bmi", exposure=exposure, covariates=["sex"]).fit(data)


def test_the_outcome_as_its_own_regressor_is_refused() -> None:
    """It fitted a coefficient of exactly 1 and printed it as an estimate (2026-12-05)."""
    with pytest.raises(DataError, match="'bmi' is the outcome and a regressor at once"):
        LinearModel("bmi", exposure="bmi").fit(survey())
    with pytest.raises(DataError, match="'age' is the outcome and a regressor at once"):
        LinearModel("age", exposure="integration", covariates=["age"]).fit(survey())


def test_a_weights_column_that_is_not_numeric_is_named() -> None:
    """Text weights dropped every row, and the message blamed the outcome and exposure."""
    with pytest.raises(DataError, match="weights column 'sex' is not numeric"):
        LinearModel("bmi", exposure="age", weights="sex").fit(survey())


def test_a_collinear_covariate_is_dropped_by_its_own_name() -> None:
    data = survey().assign(age_months=lambda d: 12 * d["age"])
    model = LinearModel("bmi", exposure="integration", covariates=["age", "age_months"])
    messages = [str(w.message) for w in fit_quietly(model, data)]
    assert any("age_months dropped, being collinear" in m for m in messages), messages
    assert "age_months" not in model.coef_.index and "age" in model.coef_.index
    assert not any("x1" in m or "x2" in m for m in messages)


def test_collinearity_with_fixed_effects_is_restated_with_real_names() -> None:
    data = survey().assign(city=lambda d: np.arange(len(d)) % 6)
    data["city_size"] = data["city"] * 1.5  # constant within each city: absorbed by the effects
    model = LinearModel(
        "bmi", exposure="integration", covariates=["city_size"], fixed_effects=["city"]
    )
    caught = fit_quietly(model, data)
    messages = [str(w.message) for w in caught]
    assert all(issubclass(w.category, EstimationWarning) for w in caught), messages
    assert any("city_size dropped" in m for m in messages), messages


def test_a_covariate_without_variation_is_dropped_with_a_warning() -> None:
    data = survey().assign(cross_province=1)
    model = LinearModel("bmi", exposure="integration", covariates=["cross_province"])
    messages = [str(w.message) for w in fit_quietly(model, data)]
    assert any("cross_province dropped: one value" in m for m in messages), messages


@pytest.mark.parametrize(
    "model",
    [
        LinearModel("bmi", exposure="integration", covariates=["age", "sex"]),
        BinaryModel("depressed", exposure="integration", covariates=["age"]),
        BinaryModel("depressed", exposure="integration", fixed_effects=["sex"]),
        OrderedLogit(exposure="integration", covariates=["sex"]),
    ],
    ids=["ols", "logit", "logit-fe", "ologit"],
)
def test_a_clean_fit_passes_no_library_warning_through(model: object) -> None:
    # pyfixest and statsmodels warn about their own use of pandas and NumPy; none of it is
    # about the respondents, so none of it may reach the user.
    caught = fit_quietly(model, survey(seed=2))
    assert [str(w.message) for w in caught] == []


def test_a_library_warning_is_said_again_about_the_users_variables() -> None:
    said = restate(
        "The following variables are collinear: dropped: ['x1']",
        UserWarning,
        "/site-packages/pyfixest/estimation/feols_.py",
        "ols of bmi",
        {"x0": "integration", "x1": "age_months"},
    )
    assert said is not None and said.startswith("ols of bmi: age_months dropped")
    said = restate("Maximum number of iterations reached", ConvergenceWarning, "", "logit of y", {})
    assert said is not None and "did not converge" in said
    assert restate("reset_index inplace", DeprecationWarning, "", "ols of bmi", {}) is None
    # An object of the process finalised during the fit says nothing about the respondents.
    unclosed = "<psycopg.Connection object at 0x7f> was deleted while still open."
    assert restate(unclosed, ResourceWarning, "", "probit of willing_to_stay", {}) is None


def test_mediation_with_a_separated_binary_outcome_names_the_mediator() -> None:
    data = survey()
    data["good_health"] = (data["social_support"] > 3.5).astype(int)
    with pytest.raises(DataError, match=r"social_support predict.*complete separation"):
        Mediation("good_health", covariates=["age"], n_sims=100).fit(data)


def test_a_missing_column_is_named_with_the_closest_existing_one() -> None:
    data = survey()
    for i in range(80):
        data[f"item_{i:02d}"] = 0
    with pytest.raises(DataError) as error:
        LinearModel("bmi", exposure="integration_index").fit(data)
    message = str(error.value)
    assert "did you mean 'integration'?" in message
    assert f"{data.shape[1]} available:" in message and "and 27 more not shown" in message
