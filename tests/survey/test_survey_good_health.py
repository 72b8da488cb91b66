"""The health-selection tests say what "good health" is on each outcome, never guess it.

Before, any outcome's higher values counted as good health: a depression score (higher is
worse) "supported" the healthy-migrant effect, chronic disease counted as good health, and a
BMI's messages named the internal ``_good_health``; the text output hid the one-sided p-value
and the verdict, and ``good_from`` had no flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from survey_factory import origin_and_destination_survey
from typer.testing import CliRunner

from migrant_health.analysis.health_selection import HealthSelectionTests
from migrant_health.cli.survey import survey_app
from migrant_health.errors import DataError
from migrant_health.survey.readers import write_survey

runner = CliRunner()


def survey(n: int = 1500) -> pd.DataFrame:
    data = origin_and_destination_survey(n, seed=1, salmon=0.8)
    rng = np.random.default_rng(0)
    return data.assign(
        depression_score=rng.integers(0, 28, len(data)),
        bmi=rng.normal(23, 3, len(data)).round(1),
        # the healthier (srh 4-5) are less often chronically ill
        chronic=(rng.random(len(data)) < np.where(data["srh"] >= 4, 0.1, 0.6)).astype(int),
    )


@pytest.mark.parametrize("outcome", ["depression_score", "bmi"])
def test_an_outcome_that_is_no_measure_of_good_health_is_refused(outcome: str) -> None:
    with pytest.raises(DataError) as raised:
        HealthSelectionTests(outcome).fit(survey())
    message = str(raised.value)
    assert f"'{outcome}' is " in message and "use srh" in message and "chronic" in message
    assert "_good" not in message


def test_chronic_disease_counts_as_ill_health() -> None:
    fit = HealthSelectionTests("chronic").fit(survey())
    assert fit.good_health_ == "no chronic disease"
    # Migrants are healthier (srh) and so less often chronically ill: good health goes up.
    assert fit.summary().set_index("term").loc["healthy_migrant", "estimate"] > 0


def test_a_users_ordinal_column_needs_its_cut_off() -> None:
    data = survey().assign(health=lambda d: d["srh"])
    with pytest.raises(DataError, match="'health' is not 0/1, so say from which value"):
        HealthSelectionTests("health").fit(data)
    assert HealthSelectionTests("health", good_from=4).fit(data).good_health_ == "health >= 4"


def test_a_cut_off_that_leaves_everyone_on_one_side_is_refused() -> None:
    with pytest.raises(DataError, match="--good-from 9 leaves every respondent on one side"):
        HealthSelectionTests(good_from=9).fit(survey())


def test_the_text_output_shows_the_one_sided_p_and_the_verdict(tmp_path: Path) -> None:
    path = write_survey(survey(), tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "health-selection", "--outcome", "srh"]
    result = runner.invoke(survey_app, [*args, "--good-from", "5"])
    assert result.exit_code == 0, result.output
    assert "good health: srh >= 5" in result.stdout
    assert "p_one_sided" in result.stdout and "supported" in result.stdout
    refused = runner.invoke(survey_app, [*args[:-1], "depression_score"])
    assert refused.exit_code == 2
    assert "error: health-selection tests: 'depression_score' is" in refused.stderr


def test_the_command_line_compares_current_migrants_with_migrants_current(
    tmp_path: Path,
) -> None:
    """The Python option had no flag: the command could only compare ever-migrants."""
    data = survey()
    path = write_survey(data, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "health-selection", "--outcome", "srh", "--json"]
    results = {}
    for migrants in ("ever", "current"):
        result = runner.invoke(survey_app, [*args, "--migrants", migrants])
        assert result.exit_code == 0, result.output
        out = json.loads(result.stdout)
        results[migrants] = out["coefficients"]["healthy_migrant"]["estimate"]
        expected = HealthSelectionTests(migrants=migrants).fit(data)  # type: ignore[arg-type]
        assert results[migrants] == pytest.approx(
            expected.summary().set_index("term").loc["healthy_migrant", "estimate"]
        )
    assert results["ever"] != pytest.approx(results["current"])
    wrong = runner.invoke(survey_app, [*args, "--migrants", "returned"])
    assert wrong.exit_code == 2 and "migrants must be 'ever'" in wrong.output
