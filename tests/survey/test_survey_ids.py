"""Respondent ids are read as text, exactly as written, from every format.

Read as numbers, ``"0001"`` became ``1`` (the index's ``--out`` wrote ``1, 2, ...``, so the
scores no longer merged back onto the file), and 19-digit ids beside one blank became floats
equal to their neighbours (``1e+18``), reported as duplicates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.readers import read_survey, write_survey
from migrant_health.survey.validate import check_survey

runner = CliRunner()


def test_leading_zeros_survive_reading_and_the_index_scores(tmp_path: Path) -> None:
    data = simulate_survey(30).assign(id=[f"{i:04d}" for i in range(1, 31)])
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    assert read_survey(path)["id"].tolist()[:2] == ["0001", "0002"]
    result = runner.invoke(survey_app, ["index", str(path), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(tmp_path / "s.csv", dtype={"id": str})
    assert scores["id"].tolist() == data["id"].tolist()


def test_long_ids_beside_a_blank_stay_distinct(tmp_path: Path) -> None:
    data = simulate_survey(30).astype({"id": object})
    data["id"] = [str(10**18 + i) for i in range(30)]
    data.loc[5, "id"] = None
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    _, report = check_survey(read_survey(path))
    assert set(report.frame["reason"]) == {"missing value (required for every respondent)"}


@pytest.mark.parametrize("suffix", [".parquet", ".dta", ".sav"])
def test_a_numeric_id_of_another_format_reads_as_its_digits(tmp_path: Path, suffix: str) -> None:
    path = write_survey(simulate_survey(20), tmp_path / f"survey{suffix}")
    assert read_survey(path)["id"].tolist()[:3] == ["1", "2", "3"]
