"""Which respondents a model uses: every one left out is counted by reason, and a model that
the remaining respondents cannot support is refused before it is fitted.

A fixed effect of one respondent per level used to crash the process inside pyfixest (exit
134); respondents dropped for a missing weight, outcome or fixed-effect singleton were left out
without a word; a text covariate of one category vanished silently; three respondents gave
``division by zero`` and seven respondents for six coefficients printed ``***``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.analysis import EstimationWarning
from migrant_health.analysis.ordered import OrderedLogit
from migrant_health.analysis.regression import BinaryModel, LinearModel
from migrant_health.cli.survey import survey_app
from migrant_health.errors import DataError
from migrant_health.survey.readers import read_survey, write_survey

runner = CliRunner()


def _warnings_of(model: object, data: pd.DataFrame) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data)  # type: ignore[attr-defined]
    return [str(w.message) for w in caught if issubclass(w.category, EstimationWarning)]


@pytest.mark.parametrize("model", [LinearModel, BinaryModel])
def test_a_fixed_effect_of_one_respondent_per_level_is_refused_before_fitting(
    model: type[LinearModel],
) -> None:
    data = simulate_survey(300).assign(chronic=lambda d: d["chronic"].astype(int))
    outcome = "bmi" if model is LinearModel else "chronic"
    with pytest.raises(DataError, match="fixed effect 'id' has a single respondent in every level"):
        model(outcome, exposure="social_support", fixed_effects=["id"]).fit(data)


def test_the_cli_names_the_fixed_effect_and_exits_2(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(300), tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app,
        ["estimate", str(path), "--model", "ols", "--outcome", "bmi",
         "--exposure", "social_support", "--fixed-effects", "id"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "error: ols of bmi: fixed effect 'id'" in result.stderr
    assert "Traceback" not in result.output


def test_singletons_of_a_fixed_effect_are_counted_as_dropped() -> None:
    data = simulate_survey(300)
    data["place"] = [f"p{i // 2}" if i < 100 else f"alone{i}" for i in range(len(data))]
    model = LinearModel("bmi", exposure="social_support", fixed_effects=["place"])
    said = _warnings_of(model, data)
    assert model.n_ == 100
    assert (
        "ols of bmi: 200 of 300 respondents dropped: alone in their level of fixed effect "
        "'place' (200)" in said
    )


def test_respondents_without_a_weight_are_counted_by_column_in_text_and_json(
    tmp_path: Path,
) -> None:
    data = simulate_survey(300)
    data.loc[:200, "weight"] = np.nan  # 201 rows
    data.loc[290:, "bmi"] = np.nan  # 10 rows
    path = write_survey(data, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "ols", "--outcome", "bmi",
            "--exposure", "social_support", "--weights", "weight"]  # fmt: skip
    text = runner.invoke(survey_app, args)
    assert text.exit_code == 0, text.output
    assert (
        "warning: ols of bmi: 211 of 300 respondents dropped: bmi missing (10); "
        "weight missing (201)" in text.stderr
    )
    document = json.loads(runner.invoke(survey_app, [*args, "--json"]).stdout)
    assert document["n"] == 89 and document["respondents"] == 300
    assert document["n_dropped"] == 211
    assert document["dropped"] == {"bmi missing": 10, "weight missing": 201}


def test_a_zero_weight_leaves_the_respondent_out_and_says_so() -> None:
    """validate accepts weights >= 0, so estimate does too: zero stands for no one."""
    data = simulate_survey(300)
    data.loc[:4, "weight"] = 0.0
    model = LinearModel("bmi", exposure="social_support", weights="weight")
    said = _warnings_of(model, data)
    assert model.n_ == 295
    assert "ols of bmi: 5 of 300 respondents dropped: weight zero (5)" in said


def test_a_negative_weight_is_refused_with_its_count_and_rows() -> None:
    data = simulate_survey(300).assign(w=1.0)
    data.loc[[3, 7], "w"] = -1.5
    with pytest.raises(DataError, match=r"'w' has 2 negative value\(s\), rows 4 \(-1.5\), 8"):
        LinearModel("bmi", exposure="social_support", weights="w").fit(data)


@pytest.mark.parametrize("column", ["sex", "origin_province"])
def test_a_text_covariate_of_one_category_warns_like_a_numeric_constant(column: str) -> None:
    data = simulate_survey(300).assign(**{column: "same"})
    said = _warnings_of(LinearModel("bmi", exposure="social_support", covariates=[column]), data)
    assert f"ols of bmi: {column} dropped: one value (same) for all 300 respondents used" in said


@pytest.mark.parametrize("model", [LinearModel, OrderedLogit])
def test_no_more_respondents_than_coefficients_is_refused(model: type[LinearModel]) -> None:
    data = simulate_survey(300).head(3)
    outcome = "bmi" if model is LinearModel else "srh"
    with pytest.raises(DataError, match="3 respondents for 3 coefficients"):
        model(outcome, exposure="social_support", covariates=["age"]).fit(data)


def test_few_residual_degrees_of_freedom_warn() -> None:
    data = simulate_survey(300).head(7)
    model = LinearModel(
        "bmi", exposure="social_support", covariates=["age", "education", "years_in_city", "weight"]
    )
    said = _warnings_of(model, data)
    assert any(
        "only 1 residual degree(s) of freedom (7 respondents, 6 coefficients)" in s for s in said
    )


def test_a_file_read_gives_its_name_to_a_negative_weight(tmp_path: Path) -> None:
    data = simulate_survey(50).assign(w=1.0)
    data.loc[0, "w"] = -2
    frame = read_survey(write_survey(data, tmp_path / "neg.csv"))
    with pytest.raises(DataError, match=r"neg\.csv: ols of bmi"):
        LinearModel("bmi", exposure="social_support", weights="w").fit(frame)
