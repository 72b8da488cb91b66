"""The ``migrant-health survey`` commands, run as a researcher would."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from survey_factory import origin_and_destination_survey, simulate_survey
from typer.testing import CliRunner

from cli_output import csv_table, strict_json
from migrant_health.analysis.models import MODEL_NAMES, MODELS
from migrant_health.cli.estimate_options import model_flags
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


def test_mediation_each_category_is_printed_and_csv_is_the_effects(tmp_path: Path) -> None:
    """The effects on each category were in the JSON only; csv is the effects table."""
    path = write_survey(simulate_survey(400), tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "mediation", "--outcome", "srh", "--index"]
    args += ["--mediator", "social_support", "--sims", "100"]
    text = runner.invoke(survey_app, [*args, "--each-category"])
    assert text.exit_code == 0, text.output
    assert "Effects on each category, P(srh = category)" in text.stdout
    section = text.stdout.split("Effects on each category")[1].split("Mediator model")[0]
    assert len(re.findall(r"^\s*(acme|ade|total)\s+[1-5]\s", section, re.MULTILINE)) == 15
    csv = runner.invoke(survey_app, [*args, "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    table = csv_table(csv.stdout)
    assert list(table.columns) == ["term", "scale", "estimate", "se", "p", "ci_low", "ci_high"]
    assert list(table["term"])[:4] == ["acme", "ade", "total", "prop_mediated"]


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


def test_an_instrument_that_is_the_endogenous_regressor_exits_2_with_one_line(
    tmp_path: Path,
) -> None:
    """It ended in linearmodels' rank error, a traceback and exit status 1."""
    path = write_survey(simulate_survey(200), tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "iv", "--outcome", "bmi"]
    result = runner.invoke(survey_app, [*args, "--endogenous", "age", "--instruments", "age"])
    assert result.exit_code == 2
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("error: iv of bmi: 'age' is both an instrument and an endogenous")


def test_estimate_a_probit(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(400), tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "probit", "--outcome", "willing_to_stay"]
    result = runner.invoke(survey_app, [*args, "--exposure", "social_support", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["model"] == "probit"
    assert out["coefficients"]["social_support"]["estimate"] > 0  # support tracks integration


def test_estimate_the_health_selection_tests(tmp_path: Path) -> None:
    path = tmp_path / "origin_and_city.csv"
    origin_and_destination_survey(3000, seed=1, salmon=0.8).to_csv(path, index=False)
    args = ["estimate", str(path), "--model", "health-selection", "--outcome", "srh"]
    result = runner.invoke(survey_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    tests = json.loads(result.output)["tests"]
    assert tests["healthy_migrant"]["supported"] and tests["salmon_bias"]["supported"]
    table = runner.invoke(survey_app, args)
    assert table.exit_code == 0, table.output
    assert "health-selection: srh" in table.output and "salmon_bias" in table.output


def test_a_flag_the_model_does_not_take_exits_2_naming_flag_and_model(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(50), tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "ols", "--outcome", "bmi", "--exposure", "age"]
    result = runner.invoke(survey_app, [*args, "--instruments", "years_in_city"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert "\n" not in message
    assert message.startswith("error: --instruments is not an option of model 'ols'; it takes:")
    assert "--interact" in message and "--fixed-effects" in message
    # A default-valued flag counts too: it was given, and 'ols' would ignore it.
    mediation_only = runner.invoke(survey_app, [*args, "--sims", "1000"])
    assert mediation_only.exit_code == 2 and "--sims is not an option of model 'ols'" in (
        mediation_only.output
    )


def test_every_model_flag_sets_an_estimator_option_and_shows_its_default() -> None:
    command = typer.main.get_command(survey_app).commands["estimate"]
    ctx = command.make_context("estimate", ["x.csv", "--model", "ols", "--outcome", "y"])
    shown_default = {p.name: p.default for p in command.params}
    for option, (name, flag) in model_flags(ctx).items():
        takers = [MODELS[m].options()[option] for m in MODEL_NAMES if option in MODELS[m].options()]
        assert takers, f"{flag} sets '{option}', which no model takes"
        shown = shown_default[name]
        if shown is not None:  # None means "the model's default"; anything else must be it
            assert all(p.default == shown for p in takers), flag


def test_separation_exits_2_naming_the_variable(tmp_path: Path) -> None:
    frame = simulate_survey(300)
    frame["chronic"] = frame["age"] > 40  # age sorts everyone: no finite logit coefficient
    path = write_survey(frame, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "logit", "--outcome", "chronic"]
    result = runner.invoke(survey_app, [*args, "--exposure", "age"])
    assert result.exit_code == 2
    assert "age predict(s) every respondent's outcome perfectly" in result.output
    assert "Traceback" not in result.output and "***" not in result.output


def test_a_dropped_covariate_is_warned_once_on_stderr_by_name(tmp_path: Path) -> None:
    frame = simulate_survey(300)
    frame["age_again"] = frame["age"]
    path = write_survey(frame, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "ols", "--outcome", "bmi", "--exposure", "age"]
    result = runner.invoke(survey_app, [*args, "--covariates", "age_again,sex", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: ols of bmi: age_again dropped, being collinear") == 1
    assert result.stderr.count("warning:") == 1  # nothing of the libraries' own
    assert "age_again" not in strict_json(result.stdout)["coefficients"]


def test_mediation_flags_set_the_link_outcome_type_and_contrast(tmp_path: Path) -> None:
    frame = simulate_survey(400)
    frame["good_health"] = (frame["srh"] >= 4).astype(int)
    path = write_survey(frame, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "mediation", "--outcome", "good_health"]
    options = ["--exposure", "years_in_city", "--sims", "100", "--json"]
    contrast = ["--control-value", "2", "--treat-value", "8"]
    result = runner.invoke(
        survey_app, [*args, *options, *contrast, "--link", "probit", "--outcome-type", "binary"]
    )
    assert result.exit_code == 0, result.output
    out = strict_json(result.stdout)
    assert out["outcome_type"] == "binary"
    assert out["contrast"] == {"control": 2.0, "treated": 8.0}
    logit = runner.invoke(survey_app, [*args, *options, *contrast])
    emo = "outcome:social_support"
    probit_b = out["coefficients"][emo]["estimate"]
    logit_b = strict_json(logit.stdout)["coefficients"][emo]["estimate"]
    assert logit_b == pytest.approx(1.6 * probit_b, rel=0.15)  # the usual logit/probit ratio


def test_heckman_standard_errors_are_chosen_with_se(tmp_path: Path) -> None:
    frame = simulate_survey(600)
    frame["bmi"] = frame["bmi"].where(frame["willing_to_stay"])
    path = write_survey(frame, tmp_path / "survey.csv")
    args = ["estimate", str(path), "--model", "heckman", "--outcome", "bmi", "--exposure", "age"]
    heckman = [*args, "--selection", "willing_to_stay", "--selection-covariates", "social_support"]
    outs = {}
    for kind in ("robust", "conventional"):
        result = runner.invoke(survey_app, [*heckman, "--se", kind, "--json"])
        assert result.exit_code == 0, result.output
        outs[kind] = strict_json(result.stdout)
        assert outs[kind]["se_type"] == kind
    se = {k: o["coefficients"]["outcome:age"]["se"] for k, o in outs.items()}
    assert se["robust"] != se["conventional"]
    assert se["robust"] == pytest.approx(se["conventional"], rel=0.3)
    refused = runner.invoke(survey_app, [*heckman, "--se", "conventional", "--weights", "weight"])
    assert refused.exit_code == 2 and "--se robust" in refused.output


def test_heckman_counts_the_respondents_it_leaves_out(tmp_path: Path) -> None:
    """Origin respondents have no willing_to_stay: they were left out without a word."""
    frame = simulate_survey(600)
    frame["bmi"] = frame["bmi"].where(frame["willing_to_stay"])
    frame["willing_to_stay"] = frame["willing_to_stay"].astype(object)
    frame.loc[:99, "willing_to_stay"] = None
    frame.loc[100:104, "weight"] = 0.0
    path = write_survey(frame, tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app,
        [
            "estimate", str(path), "--model", "heckman", "--outcome", "bmi", "--exposure",
            "age", "--selection", "willing_to_stay", "--selection-covariates",
            "social_support", "--weights", "weight", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = strict_json(result.stdout)
    assert (out["n"], out["respondents"], out["n_dropped"]) == (495, 600, 105)
    assert out["dropped"] == {"willing_to_stay missing": 100, "weight zero": 5}
    assert "105 of 600 respondents dropped" in result.stderr


def test_json_has_null_where_a_number_is_undefined() -> None:
    from migrant_health.analysis.base import json_ready

    result = {"se": float("nan"), "p": np.float64("inf"), "n": np.int64(3), "ok": np.bool_(True)}
    assert json.dumps(json_ready(result), allow_nan=False) == (
        '{"se": null, "p": null, "n": 3, "ok": true}'
    )


@pytest.mark.parametrize(
    ("table_format", "comment"), [("latex", re.compile(r"^%")), ("html", re.compile(r"^<!--"))]
)
def test_markup_output_is_markup_only(table_format: str, comment: re.Pattern[str]) -> None:
    """LaTeX and HTML output can be pasted into a document: no plain-text line in between."""
    result = runner.invoke(
        survey_app,
        [
            "estimate",
            str(EXAMPLES / "example_survey.csv"),
            "--index",
            "--model",
            "mediation",
            "--outcome",
            "srh",
            "--mediator",
            "social_support",
            "--covariates",
            "age",
            "--sims",
            "100",
            "--format",
            table_format,
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert comment.match(lines[0])  # the heading "mediation: srh, n = 300" as a comment
    assert not any(line.startswith("mediation:") for line in lines)
    assert sum(bool(comment.match(line)) for line in lines) >= 2  # and the effects' title
    table = r"\begin{tabular}" if table_format == "latex" else "<table"
    assert result.stdout.count(table) >= 2  # the effects as a table of the same format


OLOGIT = ["--index", "--model", "ologit", "--outcome", "srh", "--covariates", "age,sex"]
VALIDATE_KEYS = ["file", "valid", "respondents", "schema_columns", "other_columns", "encoding"]
PROBLEM_COLUMNS = ["column", "row", "reason", "value"]


def test_validate_prints_json_and_csv(tmp_path: Path) -> None:
    good = write_survey(simulate_survey(100), tmp_path / "survey.csv")
    as_json = runner.invoke(survey_app, ["validate", str(good), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    document = strict_json(as_json.stdout)
    assert list(document) == [*VALIDATE_KEYS, "problems"]
    assert document["valid"] and document["respondents"] == 100 and document["problems"] == []
    header_only = runner.invoke(survey_app, ["validate", str(good), "--format", "csv"])
    assert header_only.exit_code == 0 and header_only.stdout == ",".join(PROBLEM_COLUMNS) + "\n"
    frame = simulate_survey(30).astype(object).drop(columns=["srh"])
    frame.loc[3, "age"] = 200
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    # A file with problems still exits 2, with the readable report on stderr.
    as_csv = runner.invoke(survey_app, ["validate", str(bad), "--format", "csv"])
    assert as_csv.exit_code == 2 and "column 'age'" in as_csv.stderr
    problems = csv_table(as_csv.stdout)
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert problems.set_index("column").loc["age", "row"] == 4
    as_json = runner.invoke(survey_app, ["validate", str(bad), "--format", "json"])
    assert as_json.exit_code == 2
    document = strict_json(as_json.stdout)
    assert document["valid"] is False
    assert {"column": "srh", "row": None}.items() <= document["problems"][0].items()


def test_index_prints_json_and_csv(tmp_path: Path) -> None:
    path = write_survey(simulate_survey(300), tmp_path / "survey.csv")
    args = ["index", str(path), "--method", "entropy"]
    as_json = runner.invoke(survey_app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    document = strict_json(as_json.stdout)
    assert list(document) == [
        "method",
        "n",
        "weighted",
        "mean_integration",
        "dimension_weights",
        "stages",
        "scores_file",
        "weights",
    ]
    assert document["n"] == 300 and document["scores_file"] is None
    assert set(document["dimension_weights"]) == {"economic", "social", "cultural", "identity"}
    assert sum(document["stages"].values()) == pytest.approx(1.0)
    as_csv = runner.invoke(survey_app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    weights = csv_table(as_csv.stdout)
    assert list(weights.columns) == ["indicator", "dimension", "weight", "within_dimension"]
    assert len(weights) == len(document["weights"]) and weights["weight"].sum() == pytest.approx(1)


def test_index_stage_shares_are_the_surveys_weighted_shares(tmp_path: Path) -> None:
    """A survey's stage shares describe its population: each respondent counts with their
    weight (they were plain shares of respondents); a file without weights says so."""
    survey = simulate_survey(400, seed=8)
    survey["weight"] = np.where(survey["sex"] == "female", 3.0, 1.0)
    path = write_survey(survey, tmp_path / "weighted.csv")
    scores_path = tmp_path / "scores.csv"
    result = runner.invoke(
        survey_app, ["index", str(path), "--format", "json", "--out", str(scores_path)]
    )
    assert result.exit_code == 0, result.output
    document = strict_json(result.stdout)
    scores = pd.read_csv(scores_path)
    weight = survey["weight"].to_numpy()
    expected = pd.Series(weight).groupby(scores["stage"]).sum() / weight.sum()
    assert document["weighted"] is True
    assert document["stages"] == pytest.approx(expected.to_dict())
    assert document["mean_integration"] == pytest.approx(
        np.average(scores["integration"], weights=weight)
    )
    text = runner.invoke(survey_app, ["index", str(path)])
    assert "(weighted)" in text.stdout


def test_estimate_prints_csv_and_json_is_the_same_as_the_json_flag() -> None:
    args = ["estimate", str(EXAMPLES / "example_survey.csv"), *OLOGIT]
    as_csv = runner.invoke(survey_app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    table = csv_table(as_csv.stdout)
    assert list(table.columns)[:6] == ["term", "estimate", "se", "p", "ci_low", "ci_high"]
    assert {"integration", "age", "1|2"} <= set(table["term"])
    as_json = runner.invoke(survey_app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert {"model", "n", "coefficients"} <= set(strict_json(as_json.stdout))
    assert runner.invoke(survey_app, [*args, "--json"]).stdout == as_json.stdout
    both = runner.invoke(survey_app, [*args, "--json", "--format", "json"])
    assert both.stdout == as_json.stdout
    conflict = runner.invoke(survey_app, [*args, "--json", "--format", "csv"])
    assert conflict.exit_code == 2
    assert conflict.stderr == "error: --json means --format json; give --json or --format csv\n"


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        (["validate"], "text, json, csv"),
        (["index"], "text, json, csv"),
        (
            ["estimate", "--model", "ols", "--outcome", "bmi"],
            "text, markdown, latex, html, json, csv",
        ),
    ],
    ids=["validate", "index", "estimate"],
)
def test_an_unknown_format_exits_2_naming_the_choices(command: list[str], choices: str) -> None:
    data = str(EXAMPLES / "example_survey.csv")
    result = runner.invoke(survey_app, [command[0], data, *command[1:], "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr == f"error: unknown --format 'xml'; choose one of {choices}\n"
    assert result.stdout == ""


def test_index_weights_without_the_index_are_named(tmp_path: Path) -> None:
    """--index-method chose nothing without --index, in silence."""
    path = write_survey(simulate_survey(200), tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app,
        [
            "estimate", str(path), "--model", "ols", "--outcome", "bmi",
            "--exposure", "social_support", "--index-method", "entropy",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "--index-method has no effect without --index" in " ".join(result.stderr.split())
    assert "has no effect" not in result.stdout


def test_origin_respondents_without_the_origin_are_named(tmp_path: Path) -> None:
    """--origin-n drew no one without --include-origin (said before any simulation)."""
    result = runner.invoke(
        survey_app,
        [
            "synth", "--year", "2010", "--n", "10", "--origin-n", "5",
            "--out", str(tmp_path / "survey.xlsx"),
        ],
    )  # fmt: skip
    output = " ".join(result.output.split())
    assert "--origin-n has no effect" in " ".join(result.stderr.split())
    assert result.exit_code == 2 and "unknown survey format '.xlsx'" in output


@pytest.mark.parametrize("command", ["index", "validate"])
def test_an_output_under_a_file_is_named_before_reading(tmp_path: Path, command: str) -> None:
    """It said "cannot read or write ...: File exists" once the survey was read."""
    (tmp_path / "afile").write_text("")
    option = "--out" if command == "index" else "--report"
    target = tmp_path / "afile" / "x.csv"
    result = runner.invoke(
        survey_app, [command, str(EXAMPLES / "example_survey.csv"), option, str(target)]
    )
    assert result.exit_code == 2
    assert "afile is a file, not a folder" in " ".join(result.output.split())


def test_a_model_without_regressors_prints_no_empty_table(tmp_path: Path) -> None:
    """Thresholds only: a null model, printed without an empty marginal-effects frame."""
    path = write_survey(simulate_survey(300), tmp_path / "survey.csv")
    result = runner.invoke(
        survey_app, ["estimate", str(path), "--model", "ologit", "--outcome", "srh"]
    )
    assert result.exit_code == 0, result.output
    assert "1|2" in result.output
    assert "Empty DataFrame" not in result.output


def test_a_first_synthetic_survey_says_it_compiles_and_compiles_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It printed nothing for minutes on a first run; every other command that simulates says
    so and compiles the kernels side by side first."""
    from migrant_health.cli import preflight

    compiled: list[int] = []
    monkeypatch.setattr(preflight, "kernels_cached", lambda: False)
    monkeypatch.setattr(preflight, "compile_kernels", lambda config, progress: compiled.append(1))
    result = runner.invoke(
        survey_app,
        [
            "synth",
            "--year",
            "2010",
            "--n",
            "20",
            "--out",
            str(tmp_path / "s.csv"),
            "--workers",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "compiling kernels (first run only" in " ".join(result.stderr.split())
    assert compiled == [1]


def test_a_synthetic_survey_is_checked_before_a_first_run_compiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A typo in the scenario or the year cost the whole first compilation."""
    from migrant_health.cli import preflight

    monkeypatch.setattr(preflight, "kernels_cached", lambda: False)
    monkeypatch.setattr(preflight, "compile_kernels", lambda config, progress: pytest.fail())
    out = str(tmp_path / "s.csv")
    for wrong, expected in (
        (["--year", "2050"], "outside the simulation's years"),
        (["--year", "2010", "--scenario", "nosuch"], "nosuch"),
        (["--year", "2010", "--workers", "-1"], "--workers -1"),
    ):
        result = runner.invoke(survey_app, ["synth", *wrong, "--n", "20", "--out", out])
        assert result.exit_code == 2, result.output
        assert expected in " ".join(result.output.split())
        assert "compiling" not in result.output
