"""Readers, writers and column maps: Stata and SPSS round trips, CMDS-style recoding."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.columnmap import ColumnMap
from migrant_health.survey.errors import ColumnMapError, SurveyReadError, SurveyWriteError
from migrant_health.survey.meta import get_meta
from migrant_health.survey.readers import file_format, read_survey, read_table, write_survey
from migrant_health.survey.validate import validate_survey

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "survey"
runner = CliRunner()


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    table = validate_survey(frame)
    out = table.copy()
    for col in out.columns:
        if str(out[col].dtype) in ("boolean", "Int64"):
            out[col] = out[col].astype("Float64").astype(float)
        elif out[col].dtype == object or str(out[col].dtype).startswith("str"):
            out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str)
    out["id"] = out["id"].astype(str).str.replace(r"\.0$", "", regex=True)
    return out.reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".dta", ".sav", ".csv", ".parquet"])
def test_round_trip_gives_back_the_same_survey(tmp_path: Path, suffix: str) -> None:
    original = simulate_survey(150, seed=3)
    path = write_survey(original, tmp_path / f"survey{suffix}")
    back = read_survey(path)
    pd.testing.assert_frame_equal(
        _comparable(back)[original.columns], _comparable(original), check_dtype=False
    )


@pytest.mark.parametrize("suffix", [".dta", ".sav"])
def test_value_labels_are_kept(tmp_path: Path, suffix: str) -> None:
    path = write_survey(simulate_survey(50), tmp_path / f"survey{suffix}")
    labels = read_table(path).attrs["value_labels"]
    assert labels["education"][2] == "junior high"
    assert labels["feels_local"][4] == "strongly agree"


def test_recode_by_value_label(tmp_path: Path) -> None:
    raw = pd.DataFrame({"gender": [1, 2, 2], "x": [1.0, 2.0, 3.0]})
    import pyreadstat

    pyreadstat.write_dta(
        raw, str(tmp_path / "raw.dta"), variable_value_labels={"gender": {1: "男", 2: "女"}}
    )
    cmap = ColumnMap.from_dict(
        {"rename": {"sex": "gender"}, "recode": {"sex": {"男": "male", "女": "female"}}}
    )
    frame = read_survey(tmp_path / "raw.dta", cmap)
    assert frame["sex"].tolist() == ["male", "female", "female"]
    assert "x" in frame.columns  # unmapped columns are kept for the researcher's own models


def test_cmds_template_maps_the_example_file() -> None:
    frame = read_survey(EXAMPLES / "cmds_like.csv", EXAMPLES / "cmds_column_map.yaml")
    table = validate_survey(frame, source="cmds_like.csv")
    assert get_meta(table).srh_levels == 4
    assert set(table["srh"].dropna().unique()) <= {1, 2, 3, 4}
    assert table["survey_year"].eq(2017).all()
    assert (table["age"] >= 18).all()
    assert "hometown_land" in table.columns


def test_column_map_errors_name_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(ColumnMapError, match="unknown section"):
        ColumnMap.from_dict({"renames": {}})
    with pytest.raises(ColumnMapError, match=r"not a schema column \(did you mean 'age'"):
        ColumnMap.from_dict({"rename": {"agee": "q1"}})
    with pytest.raises(ColumnMapError, match="column map: sets nothing"):
        ColumnMap.from_dict({})
    with pytest.raises(ColumnMapError, match=r"q101c1x.*did you mean 'q101c1'"):
        ColumnMap.from_dict({"derive": {"age": "2017 - q101c1x"}}).apply(
            pd.DataFrame({"q101c1": [1980]})
        )
    assert ColumnMap.from_dict({"scales": {"srh_levels": 4}}).meta.srh_levels == 4  # scales only
    with pytest.raises(ColumnMapError, match="keep_unmapped must be true or false, not 'maybe'"):
        ColumnMap.from_dict({"keep_unmapped": "maybe"})
    with pytest.raises(ColumnMapError, match="srh_levels"):
        ColumnMap.from_dict({"scales": {"srh_levels": 12}})
    with pytest.raises(ColumnMapError, match="age <- q101c"):
        ColumnMap.from_dict({"rename": {"age": "q101c"}}).apply(pd.DataFrame({"a": [1]}))
    with pytest.raises(SurveyReadError, match="unknown survey format"):
        read_table(tmp_path / "survey.xlsx")
    with pytest.raises(SurveyReadError, match="is a directory: give the path of a survey file"):
        file_format(tmp_path)
    with pytest.raises(SurveyReadError, match="has no extension, which names the survey format"):
        file_format(tmp_path / "survey")
    with pytest.raises(SurveyReadError, match="not found"):
        read_table(tmp_path / "missing.csv")


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyreadstat

    def half_write(frame: pd.DataFrame, path: str, **_: object) -> None:
        Path(path).write_text("half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pyreadstat, "write_dta", half_write)
    with pytest.raises(OSError, match="disk full"):
        write_survey(simulate_survey(5), tmp_path / "out.dta")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".dta", ".sav", ".parquet", ".csv"])
def test_index_scores_and_validation_reports_are_written_in_every_format(
    tmp_path: Path, suffix: str
) -> None:
    survey = write_survey(simulate_survey(120), tmp_path / "survey.csv")
    out = tmp_path / f"scores{suffix}"
    result = runner.invoke(survey_app, ["index", str(survey), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = read_table(out)
    assert len(scores) == 120
    assert scores["stage"].isin(["embedding", "drifting", "integration"]).all()

    bad = simulate_survey(20).astype(object)
    bad.loc[3, "age"] = 200
    bad.to_csv(tmp_path / "bad.csv", index=False)
    report = tmp_path / f"problems{suffix}"
    result = runner.invoke(
        survey_app, ["validate", str(tmp_path / "bad.csv"), "--report", str(report)]
    )
    assert result.exit_code == 2
    problems = read_table(report)
    assert problems["column"].tolist() == ["age"] and float(problems["row"].iloc[0]) == 4


def test_an_unknown_output_format_is_refused_before_any_work(tmp_path: Path) -> None:
    survey = write_survey(simulate_survey(30), tmp_path / "survey.csv")
    result = runner.invoke(survey_app, ["index", str(survey), "--out", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2
    assert "unknown survey format '.xlsx'" in result.output
    assert "dimension weights" not in result.output  # refused before the index was computed


def test_names_stata_and_spss_cannot_hold_are_all_named_before_writing(tmp_path: Path) -> None:
    frame = simulate_survey(5)
    frame["satisfaction_with_the_destination_city_overall"] = 1  # 46 characters
    frame["q1.2"] = 2
    frame["居住证"] = 3  # Chinese names are fine in both
    with pytest.raises(SurveyWriteError) as caught:
        write_survey(frame, tmp_path / "out.dta")
    message = str(caught.value)
    assert "2 column name(s) are not valid Stata variable names" in message
    assert "'satisfaction_with_the_destination_city_overall' has 46 characters (at most 32)" in (
        message
    )
    assert "'q1.2' contains '.'" in message
    assert not (tmp_path / "out.dta").exists()
    # SPSS allows the dot and 64 bytes, but not a name starting with a digit or a keyword.
    frame = simulate_survey(5).assign(**{"2nd_job": 1, "WITH": 0, "q1.2": 2})
    with pytest.raises(SurveyWriteError, match=r"'2nd_job' starts with '2'.*'WITH' is a reserved"):
        write_survey(frame, tmp_path / "out.sav")
    write_survey(frame.drop(columns=["2nd_job", "WITH"]), tmp_path / "out.sav")
    assert "q1.2" in read_table(tmp_path / "out.sav").columns


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".dta", ".sav"])
def test_survey_files_get_the_users_permissions_not_0600(tmp_path: Path, suffix: str) -> None:
    for umask, mode in ((0o022, 0o644), (0o027, 0o640)):
        target = tmp_path / f"{oct(umask)}{suffix}"
        previous = os.umask(umask)
        try:
            write_survey(simulate_survey(5), target)
        finally:
            os.umask(previous)
        assert target.stat().st_mode & 0o777 == mode


def test_a_missing_source_column_is_named_with_the_closest_and_the_count_of_the_rest() -> None:
    source = pd.DataFrame({name: [1] for name in [f"v{i:02d}" for i in range(99)] + ["q101c1"]})
    with pytest.raises(ColumnMapError) as caught:
        ColumnMap.from_dict({"rename": {"age": "q101c"}}).apply(source)
    message = str(caught.value)
    assert "age <- q101c (did you mean 'q101c1'?)" in message
    assert "The file has 100 columns" in message and "and 40 more" in message


def test_a_yes_no_column_derived_from_a_missing_answer_is_missing() -> None:
    """``q502 >= 10`` on a blank score is unknown, not "no": a non-respondent once counted as
    not depressed in every model. Expressions follow three-valued logic (pandas' nullable
    types), so a known answer is not blanked: a non-smoker is no heavy smoker whatever their
    blank cigarette count, and one "yes" makes an "or" true."""
    source = pd.DataFrame(
        {
            "q502": [12.0, 3.0, None, 8.0],
            "q103": [2010, None, 2015, 2000],
            "smokes": [1, 0, None, 1],
            "cigs": [25.0, None, None, 5.0],
            "a": [1.0, None, 0.0, None],
            "b": [None, None, 1.0, 0.0],
        }
    )
    derived = ColumnMap.from_dict(
        {
            "derive": {
                "depressed": "q502 >= 10",
                "years_in_city": "2017 - q103",
                "screened_negative": "q502.fillna(0) < 10",
                "heavy_smoker": "(smokes == 1) & (cigs >= 20)",
                "either": "(a == 1) | (b == 1)",
                "cigarettes": "cigs.where(smokes == 1, 0)",
            },
            "keep_unmapped": False,
        }
    ).apply(source)
    assert derived["depressed"].tolist() == [True, False, pd.NA, False]
    assert derived["years_in_city"].isna().tolist() == [False, True, False, False]
    assert derived["screened_negative"].tolist() == [False, True, True, True]
    assert derived["heavy_smoker"].tolist() == [True, False, pd.NA, False]
    assert derived["either"].tolist() == [True, pd.NA, True, pd.NA]
    assert derived["cigarettes"].tolist()[:2] == [25, 0]


def test_whole_valued_floats_stay_floats_in_a_derive() -> None:
    """A height in cm with a blank is whole-valued: read as integers, ``height ** -2`` was
    refused (integers to negative powers)."""
    source = pd.DataFrame({"height": [160.0, 170.0, None], "weight": [64.0, 70.0, 80.0]})
    derived = ColumnMap.from_dict(
        {"derive": {"bmi": "weight * height ** -2 * 10000"}, "keep_unmapped": False}
    ).apply(source)
    assert derived["bmi"].tolist()[:2] == pytest.approx([25.0, 24.2214533])
    assert pd.isna(derived["bmi"].iloc[2])


def test_recoded_codes_carry_their_value_labels_to_a_written_file(tmp_path: Path) -> None:
    """CMDS asks self-rated health 1 = healthy ... 4 = cannot care for self; the schema puts
    the best highest. Written back to Stata, 4 must read "healthy", not the file's old label of
    4; codes merged into one join their labels, and a code made missing loses its label."""
    import pyreadstat

    raw = pd.DataFrame({"q501": [1, 2, 3, 4], "q101e": [3, 4, 5, 9]})
    pyreadstat.write_dta(
        raw,
        str(tmp_path / "raw.dta"),
        variable_value_labels={
            "q501": {1: "healthy", 2: "basically healthy", 3: "unhealthy", 4: "cannot care"},
            "q101e": {3: "junior high", 4: "senior high", 5: "technical secondary", 9: "refused"},
        },
    )
    mapping = {
        "rename": {"srh": "q501", "education": "q101e"},
        "recode": {"srh": {1: 4, 2: 3, 3: 2, 4: 1}, "education": {3: 2, 4: 3, 5: 3, 9: None}},
        "scales": {"srh_levels": 4},
        "keep_unmapped": False,
    }
    table = read_survey(tmp_path / "raw.dta", column_map=ColumnMap.from_dict(mapping))
    labels = table.attrs["value_labels"]
    assert labels["srh"] == {4: "healthy", 3: "basically healthy", 2: "unhealthy", 1: "cannot care"}
    assert labels["education"] == {2: "junior high", 3: "senior high / technical secondary"}
    write_survey(table, tmp_path / "clean.dta")
    _, meta = pyreadstat.read_dta(str(tmp_path / "clean.dta"))
    assert meta.variable_value_labels["srh"][4] == "healthy"


def test_a_derive_that_names_a_column_with_a_space_is_told_to_use_backticks() -> None:
    source = pd.DataFrame({"birth year": [1980, 1990]})
    bare = ColumnMap.from_dict({"derive": {"age": "2017 - birth year"}})
    with pytest.raises(ColumnMapError, match=r"in backticks: `birth year`"):
        bare.apply(source)
    quoted = ColumnMap.from_dict({"derive": {"age": "2017 - `birth year`"}}).apply(source)
    assert quoted["age"].tolist() == [37, 27]
