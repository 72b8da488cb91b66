"""An estimator called from Python refuses values outside the schema's ranges.

The command line validates a file before it estimates; a table handed to an estimator in Python
is not, and an ordered logit once fitted a missing-value code of -9 as a level of self-rated
health (a cut point '-9|1') and a regression read an age of -9 as an age.
"""

from __future__ import annotations

import pytest
from survey_factory import simulate_survey

from migrant_health.analysis.ordered import OrderedLogit
from migrant_health.analysis.regression import LinearModel
from migrant_health.errors import DataError


def test_a_missing_code_in_the_outcome_is_refused_with_its_rows() -> None:
    data = simulate_survey(300, seed=4)
    data.loc[[4, 9], "srh"] = -9
    with pytest.raises(DataError, match=r"column 'srh' has 2 value\(s\) outside") as error:
        OrderedLogit(outcome="srh", exposure="social_support", covariates=["age"]).fit(data)
    assert "rows 5 (-9), 10 (-9)" in str(error.value) and "blank" in str(error.value)


def test_an_impossible_covariate_value_is_refused_and_the_file_named() -> None:
    data = simulate_survey(300, seed=5)
    data.loc[0, "age"] = 300
    data.attrs["source_file"] = "wave3.csv"
    with pytest.raises(DataError, match=r"^wave3.csv: .*column 'age' .*\[15, 100\]"):
        LinearModel("bmi", exposure="social_support", covariates=["age"]).fit(data)


def test_values_within_the_ranges_are_estimated_as_before() -> None:
    data = simulate_survey(300, seed=6)
    data["age"] = data["age"] + 0.5  # not whole years: only the ranges are checked
    model = LinearModel("bmi", exposure="social_support", covariates=["age"]).fit(data)
    assert model.n_ == 300


def test_a_misspelled_or_padded_column_is_named_as_the_likely_one() -> None:
    from migrant_health.survey import check_survey

    data = simulate_survey(50, seed=7).rename(
        columns={"education": "educaton", "age": " age", "sex": "Sex"}
    )
    _, report = check_survey(data)
    reasons = {p.column: p.reason for p in report.problems if p.row is None}
    assert "the file has 'educaton': did you mean it?" in reasons["education"]
    assert "the file has ' age'" in reasons["age"] and "the file has 'Sex'" in reasons["sex"]


def test_a_problem_shows_the_value_as_the_file_writes_it() -> None:
    from migrant_health.survey import check_survey

    data = simulate_survey(20, seed=8)
    data["age"] = data["age"].astype(float)
    data.loc[3, "age"] = -9.0  # a column of numbers with a blank reads as floats
    data.loc[5, "age"] = 30.5
    _, report = check_survey(data)
    shown = {p.row: p.value for p in report.problems if p.column == "age"}
    assert shown == {4: "-9", 6: "30.5"}
