"""The ``migrant-health survey`` commands, run as a researcher would."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from survey_factory import simulate_survey
from typer.testing import CliRunner

from migrant_health.cli.survey import survey_app
from migrant_health.survey.readers import write_survey

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "survey"
runner = CliRunner()


def test_validate_a_good_file_and_a_mapped_cmds_file(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(100), tmp_path / "survey.dta")
    result = runner.invoke(survey_app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid: 100 respondents" in result.output
    mapped = runner.invoke(
        survey_app,
        [
            "validate",
            str(EXAMPLES / "cmds_like.csv"),
            "--column-map",
            str(EXAMPLES / "cmds_column_map.yaml"),
        ],
    )
    assert mapped.exit_code == 0, mapped.output


def test_validate_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    frame = simulate_survey(30).astype(object).drop(columns=["srh"])
    frame.loc[3, "age"] = 200
    frame.loc[5, "sex"] = "unknown"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    report = tmp_path / "problems.csv"
    result = runner.invoke(survey_app, ["validate", str(path), "--report", str(report)])
    assert result.exit_code == 2
    for needle in (
        "column 'srh'",
        "required column is missing",
        "column 'age'",
        "4 ('200')",
        "column 'sex'",
    ):
        assert needle in result.output
    assert "Traceback" not in result.output
    problems = pd.read_csv(report)
    assert set(problems["column"]) == {"srh", "age", "sex"}


def test_index_writes_scores_and_prints_weights(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(300), tmp_path / "survey.csv")
    out = tmp_path / "scores.parquet"
    result = runner.invoke(
        survey_app, ["index", str(path), "--method", "entropy", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "dimension weights: economic" in result.output
    scores = pd.read_parquet(out)
    assert list(scores.columns) == [
        "id",
        "economic_integration",
        "social_integration",
        "cultural_integration",
        "identity_integration",
        "integration",
        "stage",
        "living_type",
    ]
    assert len(scores) == 300


def test_estimate_prints_json_with_the_documented_shape(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(400), tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app,
        [
            "estimate",
            str(path),
            "--model",
            "ologit",
            "--outcome",
            "srh",
            "--index",
            "--covariates",
            "age,sex",
            "--weights",
            "weight",
            "--cluster",
            "psu",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["model"] == "ologit" and out["n"] == 400
    assert set(out["coefficients"]["integration"]) == {"estimate", "se", "p", "ci_low", "ci_high"}


def test_estimate_mediation_json_has_effects(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(400), tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app,
        [
            "estimate",
            str(path),
            "--model",
            "mediation",
            "--outcome",
            "srh",
            "--index",
            "--mediator",
            "social_support",
            "--covariates",
            "age",
            "--sims",
            "100",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    for key in ("acme", "ade", "total", "prop_mediated"):
        assert {"estimate", "ci_low", "ci_high"} <= set(out[key])


def test_estimate_heterogeneity_by_city_tier(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(600), tmp_path / "survey.csv")
    args = [
        "estimate",
        str(path),
        "--model",
        "heterogeneity",
        "--outcome",
        "srh",
        "--index",
        "--by",
        "dest_city_tier",
        "--group-model",
        "ologit",
        "--covariates",
        "age",
        "--json",
    ]
    result = runner.invoke(survey_app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert len(out["coefficients"]) == 4 and out["equal_effects_test"]["df"] == 3


def test_estimate_on_a_researchers_own_variables(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    own = pd.DataFrame(
        {
            "my_score": rng.normal(size=200),
            "my_x": rng.normal(size=200),
            "age": rng.integers(20, 60, 200),
        }
    )
    path = tmp_path / "own.csv"
    own.to_csv(path, index=False)
    result = runner.invoke(
        survey_app,
        [
            "estimate",
            str(path),
            "--model",
            "ols",
            "--outcome",
            "my_score",
            "--exposure",
            "my_x",
            "--covariates",
            "age",
            "--format",
            "markdown",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "| my_x" in result.output


def test_estimate_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(50), tmp_path / "survey.csv")
    missing = runner.invoke(
        survey_app,
        [
            "estimate",
            str(path),
            "--model",
            "ols",
            "--outcome",
            "bmi",
            "--exposure",
            "no_such_column",
        ],
    )
    assert missing.exit_code == 2
    assert "no_such_column" in missing.output and "Traceback" not in missing.output
    heckman = runner.invoke(
        survey_app,
        ["estimate", str(path), "--model", "heckman", "--outcome", "bmi", "--exposure", "age"],
    )
    assert heckman.exit_code == 2 and "--selection" in heckman.output
    unknown = runner.invoke(
        survey_app, ["estimate", str(path), "--model", "tobit", "--outcome", "bmi"]
    )
    assert unknown.exit_code == 2
