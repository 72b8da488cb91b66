"""A problem found in a file read with ``read_survey`` names the file, wherever it is found.

Before, ``validate_survey(read_survey("bad.csv"))`` said ``survey: 5 problem(s)`` and
``survey estimate bad.csv --index`` with bad index items ``integration index: 3 problem(s)``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.errors import SurveyValidationError
from migrant_health.survey.readers import read_survey, write_survey
from migrant_health.survey.validate import validate_survey

runner = CliRunner()


def bad_file(tmp_path: Path) -> Path:
    data = simulate_survey(50).astype({"feels_local": object})
    data.loc[[1, 2], "feels_local"] = 9
    return write_survey(data, tmp_path / "bad.csv")


def test_validating_a_table_read_from_a_file_names_the_file(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    with pytest.raises(SurveyValidationError, match=rf"^{path}: 2 problem\(s\)"):
        validate_survey(read_survey(path))


def test_bad_index_items_in_estimate_name_the_file(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    result = runner.invoke(
        survey_app,
        ["estimate", str(path), "--model", "ols", "--outcome", "bmi", "--index"],
    )
    assert result.exit_code == 2
    assert f"error: {path} (integration index): 2 problem(s)" in result.stderr


def test_a_table_written_again_does_not_carry_the_path_it_was_read_from(tmp_path: Path) -> None:
    """The name is for messages on this machine; a Parquet file keeps a table's attrs and would
    hand the reader's local path to whoever receives the file."""
    import pyarrow.parquet as pq

    first = write_survey(simulate_survey(30), tmp_path / "wave.csv")
    table = read_survey(first)
    assert table.attrs["source_file"] == str(first)
    again = write_survey(table, tmp_path / "shared.parquet")
    assert str(first) not in str(pq.read_schema(again).metadata)
    assert read_survey(again).attrs["source_file"] == str(again)
    assert table.attrs["source_file"] == str(first)  # the table itself keeps it
