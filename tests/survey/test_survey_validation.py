"""Validation reports every problem of a survey table at once, with column, row and reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from survey_factory import simulate_survey

from migrant_health.errors import DataError
from migrant_health.survey.errors import SurveyValidationError
from migrant_health.survey.meta import SurveyMeta, set_meta
from migrant_health.survey.readers import read_survey
from migrant_health.survey.validate import check_survey, validate_survey


def test_a_clean_table_passes_and_is_coerced() -> None:
    table = validate_survey(simulate_survey(200))
    assert str(table["employed"].dtype) == "boolean"
    assert str(table["education"].dtype) == "Int64"
    assert (
        table["med_insurance"]
        .isin(["rural_origin", "none", "urban_employee_dest", "urban_resident_dest"])
        .all()
    )


def test_booleans_accept_zero_one_and_true_false() -> None:
    frame = simulate_survey(4).astype(object)
    frame["employed"] = ["1", 0, "TRUE", "false"]
    table = validate_survey(frame)
    assert table["employed"].tolist() == [True, False, True, False]


def test_every_kind_of_problem_is_reported_at_once() -> None:
    bad = simulate_survey(20).astype(object)
    bad = bad.drop(columns=["bmi"])  # missing required column
    bad.loc[1, "id"] = bad.loc[0, "id"]  # duplicate id (rows 1 and 2)
    bad.loc[2, "age"] = 7  # out of range
    bad.loc[3, "sex"] = "M"  # not a code
    bad.loc[4, "employed"] = "yes"  # not a boolean
    bad.loc[5, "education"] = 2.5  # not whole
    bad.loc[6, "monthly_income"] = "abc"  # not a number
    bad.loc[7, "age"] = None  # missing where required for everyone
    bad.loc[8, "years_in_city"] = 70  # exceeds age
    bad.loc[9, "srh"] = 6  # beyond the 5-level scale
    bad.loc[10, "med_insurance"] = "NCMS"
    bad.loc[11, "weight"] = "inf"  # reads as a number, but no column holds it
    with pytest.raises(SurveyValidationError) as caught:
        validate_survey(bad, source="bad.csv")
    error = caught.value
    assert isinstance(error, DataError)
    found = {(p.column, p.row, p.reason.split(" (")[0].split(":")[0]) for p in error.problems}
    expected = {
        ("bmi", None, "required column is missing"),
        ("id", 1, "duplicate id"),
        ("id", 2, "duplicate id"),
        ("age", 3, "outside the allowed range 15 to 100"),
        ("sex", 4, "not one of male, female"),
        ("employed", 5, "not a boolean"),
        ("education", 6, "not a whole number"),
        ("monthly_income", 7, "not a number"),
        ("age", 8, "missing value"),
        ("years_in_city", 9, "years in the city exceed age"),
        ("srh", 10, "outside the allowed range 1 to 5"),
        (
            "med_insurance",
            11,
            "not one of none, rural_origin, urban_resident_dest, urban_employee_dest, other",
        ),
        ("weight", 12, "not a finite number"),
    }
    assert expected <= found
    text = str(error)
    assert text.startswith("bad.csv:")
    for column in ("bmi", "id", "age", "sex", "employed", "education", "monthly_income", "srh"):
        assert f"column '{column}'" in text


def test_duplicate_columns_are_a_column_problem() -> None:
    frame = simulate_survey(5)
    frame = pd.concat([frame, frame[["age"]]], axis=1)
    _, report = check_survey(frame)
    assert [(p.column, p.row) for p in report.problems] == [("age", None)]


def test_optional_columns_may_be_absent_and_required_ones_are_named() -> None:
    frame = simulate_survey(10).drop(columns=["weight", "strata", "psu", "migration_status"])
    validate_survey(frame)
    _, report = check_survey(frame.drop(columns=["srh", "feels_local"]))
    assert {p.column for p in report.problems} == {"srh", "feels_local"}


def test_a_model_may_require_only_its_own_columns() -> None:
    frame = simulate_survey(10)[["id", "srh", "age"]].assign(my_variable=1.0)
    validate_survey(frame, require=["srh", "age", "my_variable"])


def test_health_scales_follow_the_metadata() -> None:
    frame = simulate_survey(10)
    frame.loc[0, "srh"] = 5
    frame.loc[1, "depression_score"] = 40
    set_meta(frame, SurveyMeta(srh_levels=4, depression_scale="PHQ-9", depression_max=27))
    _, report = check_survey(frame)
    reasons = {(p.column, p.row): p.reason for p in report.problems}
    assert reasons[("srh", 1)] == "outside the allowed range 1 to 4"
    assert reasons[("depression_score", 2)] == "outside the allowed range 0 to 27"


def test_coded_answers_with_value_labels_are_told_how_to_recode(tmp_path: Path) -> None:
    """Stata files code sex 1/2 and label the codes; the refusal quotes the labels and the
    recode that would take them (the codes alone said nothing of the labels)."""
    import pyreadstat

    survey = simulate_survey(30, seed=1)
    survey["sex"] = survey["sex"].map({"male": 1, "female": 2})
    labels = {"sex": {1: "Male", 2: "Female"}}
    pyreadstat.write_dta(survey, str(tmp_path / "coded.dta"), variable_value_labels=labels)
    with pytest.raises(SurveyValidationError) as refused:
        validate_survey(read_survey(tmp_path / "coded.dta"))
    assert (
        "the file's value labels: 1 'Male', 2 'Female'; recode the codes, or their labels, in "
        "the column map, e.g. recode: {sex: {1: male, 2: female}}" in str(refused.value)
    )
