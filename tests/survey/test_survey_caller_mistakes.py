"""Mistakes a Python caller makes are answered in the toolkit's words, before anything is fitted.

A weight of ``inf`` failed in each estimator's own words (pyfixest blamed its column ``'w'`` for
negative values, the logit's deviance was NaN, the ordered logit suspected separation, the
heterogeneity model asked for fewer groups); ``n/a`` in the outcome dropped a respondent under
an empty reason; ``covariates="age"`` asked for columns ``a, g, e``; an exposure read as text was
fitted as one dummy per respondent; a wrong keyword named ``_FixestModel.__init__()``, and
``fit(records)`` raised an ``AttributeError``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from survey_factory import simulate_survey

from migrant_health.analysis import MODEL_NAMES, EstimationWarning, make_estimator
from migrant_health.analysis.base import SurveyEstimator
from migrant_health.analysis.heterogeneity import SubgroupModel
from migrant_health.analysis.iv import IVModel, two_way_iv
from migrant_health.analysis.mediation import Mediation
from migrant_health.analysis.ordered import OrderedLogit
from migrant_health.analysis.regression import BinaryModel, LinearModel
from migrant_health.analysis.selection import HeckmanTwoStep
from migrant_health.errors import DataError

WEIGHTED: dict[str, Callable[[], SurveyEstimator]] = {
    "ols": lambda: LinearModel("bmi", exposure="social_support", weights="w"),
    "logit": lambda: BinaryModel("chronic", exposure="social_support", weights="w"),
    "ologit": lambda: OrderedLogit(exposure="social_support", weights="w"),
    "mediation": lambda: Mediation("bmi", exposure="years_in_city", n_sims=100, weights="w"),
    "heterogeneity": lambda: SubgroupModel("bmi", exposure="social_support", weights="w"),
}


def _warnings_of(model: SurveyEstimator, data: pd.DataFrame) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data)
    return [str(w.message) for w in caught if issubclass(w.category, EstimationWarning)]


@pytest.mark.parametrize("name", list(WEIGHTED))
def test_an_infinite_weight_is_refused_with_its_rows_by_every_estimator(name: str) -> None:
    data = simulate_survey(300).assign(w=1.0, chronic=lambda d: d["chronic"].astype(int))
    data.loc[3, "w"] = np.inf
    data.loc[7, "w"] = -np.inf
    # Rows are the table's, also for the heterogeneity model, which fits each group apart.
    with pytest.raises(
        DataError, match=r"weights column 'w' has 2 infinite value\(s\), rows 4 \(inf\), 8 \(-inf\)"
    ):
        WEIGHTED[name]().fit(data)


def test_a_missing_weight_leaves_the_respondent_out_and_text_in_it_is_said() -> None:
    data = simulate_survey(300).assign(w=1.0).astype({"w": object})
    data.loc[:1, "w"] = np.nan
    data.loc[2, "w"] = "n/a"
    model = LinearModel("bmi", exposure="social_support", weights="w")
    said = _warnings_of(model, data)
    assert model.n_ == 297
    assert (
        "ols of bmi: 3 of 300 respondents dropped: w missing (2); w not a number, e.g. 'n/a' (1)"
        in said[0]
    )


def test_text_in_a_numeric_outcome_is_counted_under_its_own_reason() -> None:
    data = simulate_survey(300).astype({"bmi": object})
    data.loc[0, "bmi"] = "n/a"
    data.loc[1, "bmi"] = np.nan
    model = LinearModel("bmi", exposure="social_support")
    said = _warnings_of(model, data)
    assert said == [
        "ols of bmi: 2 of 300 respondents dropped: bmi missing (1); bmi not a number, e.g. "
        "'n/a' (1); text in a numeric column is taken as missing: leave a missing answer "
        "blank, or recode the text if it stands for a value"
    ]
    result = model.to_dict()
    assert result["n_dropped"] == 2
    assert result["dropped"] == {"bmi missing": 1, "bmi not a number, e.g. 'n/a'": 1}


def test_an_infinite_answer_is_counted_as_dropped() -> None:
    """pyfixest dropped such rows by itself, so the fit had said it dropped no one."""
    data = simulate_survey(300)
    data.loc[0, "bmi"] = np.inf
    data.loc[1, "social_support"] = -np.inf
    model = LinearModel("bmi", exposure="social_support").fit(data)
    result = model.to_dict()
    assert result["n_dropped"] == 2 and model.n_ == 298
    assert result["dropped"] == {"bmi infinite": 1, "social_support infinite": 1}


def test_one_column_name_may_be_given_as_a_string_wherever_a_list_is_taken() -> None:
    data = simulate_survey(300)
    as_list = LinearModel("bmi", exposure="social_support", covariates=["age"]).fit(data)
    as_name = LinearModel("bmi", exposure="social_support", covariates="age").fit(data)
    pd.testing.assert_frame_equal(as_name.summary(), as_list.summary())
    assert LinearModel("bmi", fixed_effects="dest_city").fixed_effects == ("dest_city",)
    iv = IVModel("bmi", endogenous="social_support", instruments="years_in_city")
    assert (iv.endogenous, iv.instruments) == (("social_support",), ("years_in_city",))
    heckman = HeckmanTwoStep("bmi", selection="willing_to_stay", selection_covariates="age")
    assert heckman.selection_covariates == ("age",)
    assert OrderedLogit(covariates="age").covariates == ("age",)
    both = two_way_iv(data, "bmi", "social_support", "age", "years_in_city", covariates="sex")
    assert "sex[female]" in both["integration -> health"].coef_.index


def test_several_names_in_one_string_are_refused_with_the_list_to_give() -> None:
    with pytest.raises(
        DataError,
        match=r"LinearModel\(covariates='age,sex'\): a string is one column name; give several "
        r"as a list: covariates=\['age', 'sex'\]",
    ):
        LinearModel("bmi", exposure="social_support", covariates="age,sex")


@pytest.mark.parametrize(
    "model",
    [
        LinearModel("bmi", exposure="social_support"),
        OrderedLogit(exposure="social_support"),
        Mediation("srh", exposure="social_support", mediator="years_in_city", n_sims=100),
    ],
)
def test_an_exposure_of_numbers_stored_as_text_is_refused_naming_the_column(
    model: SurveyEstimator,
) -> None:
    data = simulate_survey(300)
    data["social_support"] = data["social_support"].round(2).astype(str)
    data.loc[0, "social_support"] = "n/a"
    with pytest.raises(DataError) as caught:
        model.fit(data)
    said = str(caught.value)
    assert "'social_support' holds numbers stored as text (" in said
    assert "and text that is not a number ('n/a')" in said
    assert "pd.to_numeric(data['social_support'], errors='coerce')" in said
    assert "or write C(social_support) to fit its values as categories" in said


def test_text_codes_and_c_of_numbers_as_text_stay_categories() -> None:
    data = simulate_survey(300).assign(tier=lambda d: d["dest_city_tier"].astype(str))
    tiers = LinearModel("bmi", exposure="tier").fit(data)
    assert "tier[2]" in tiers.coef_.index
    data["band"] = (data["age"] // 10 * 10).astype(str) + ".5"
    bands = LinearModel("bmi", exposure="C(band)").fit(data)
    assert any(str(t).startswith("C(band)[") for t in bands.coef_.index)


def test_a_wrong_keyword_names_the_class_called_and_the_option_meant() -> None:
    with pytest.raises(
        TypeError,
        match=r"^LinearModel\(\) got unexpected keyword argument\(s\) 'covariate'; did you mean "
        r"'covariates'\? \(LinearModel takes: outcome, exposure, covariates, interaction, ",
    ):
        LinearModel("bmi", exposure="social_support", covariate=["age"])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"^OrderedLogit\(\) got unexpected .* 'weight'; did you"):
        OrderedLogit(exposure="social_support", weight="weight")
    with pytest.raises(TypeError, match=r"^LinearModel\(\): missing a required argument"):
        LinearModel()  # type: ignore[call-arg]


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_fit_takes_a_data_frame_with_rows(name: str) -> None:
    records = simulate_survey(50).to_dict("records")
    estimator = make_estimator(name, outcome="bmi")
    kind = type(estimator).__name__
    with pytest.raises(
        DataError, match=rf"^{kind}\.fit\(\) takes a pandas DataFrame .*, not a list; make one"
    ):
        estimator.fit(records)  # type: ignore[arg-type]
    with pytest.raises(DataError, match=rf"^{kind}\.fit\(\): the data have no rows \(37 column"):
        estimator.fit(simulate_survey(50).iloc[:0])
