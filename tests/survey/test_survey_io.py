"""Readers, writers and column maps: Stata and SPSS round trips, CMDS-style recoding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from survey_factory import simulate_survey

from migrant_health.survey.columnmap import ColumnMap
from migrant_health.survey.errors import ColumnMapError, SurveyReadError
from migrant_health.survey.meta import get_meta
from migrant_health.survey.readers import read_survey, read_table, write_survey
from migrant_health.survey.validate import validate_survey

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "survey"


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
    with pytest.raises(ColumnMapError, match="not a schema column"):
        ColumnMap.from_dict({"rename": {"agee": "q1"}})
    with pytest.raises(ColumnMapError, match="srh_levels"):
        ColumnMap.from_dict({"scales": {"srh_levels": 12}})
    with pytest.raises(ColumnMapError, match="age <- q101c"):
        ColumnMap.from_dict({"rename": {"age": "q101c"}}).apply(pd.DataFrame({"a": [1]}))
    with pytest.raises(SurveyReadError, match="unknown survey format"):
        read_table(tmp_path / "survey.xlsx")
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
