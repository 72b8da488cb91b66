"""The ``migrant-health`` command: a run directory, and clear errors for bad input."""

from __future__ import annotations

import json
import re
import warnings
from datetime import datetime, tzinfo
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import migrant_health
from cli_output import csv_table, strict_json
from migrant_health.cli import preflight
from migrant_health.cli.calibrate import best_so_far
from migrant_health.cli.main import app
from migrant_health.model import default_plan
from migrant_health.params import Scenario
from migrant_health.scenarios import resolve_scenario

runner = CliRunner()
SMALL = ["--scale", "50000", "--end", "2010", "--workers", "1"]
TINY = ["--scale", "200000", "--end", "2010", "--workers", "1"]
SUMMARY_COLUMNS = ["label", "metric", "group", "year", "value", "unit"]
PLAN_COLUMNS = [
    "step",
    "module",
    "seed",
    "does",
    "reads",
    "writes",
    "parameters",
    "results",
    "kernels",
]
PARAMETER_COLUMNS = [
    "path",
    "value",
    "unit",
    "low",
    "high",
    "calibrate_low",
    "calibrate_high",
    "source",
    "description",
]


def _flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return re.sub(r"\s+", " ", text)


def test_simulate_writes_a_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "simulate",
            *SMALL,
            "--snapshot-years",
            "2009,2010",
            "--snapshot-fraction",
            "0.5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Migrant workers (million)" in result.output
    meta = json.loads((out / "run.json").read_text())
    assert meta["config"]["seed"] == 1 and meta["config"]["scale"] == 50000
    assert "health.mental.support" in meta["resolved_parameters"]
    assert meta["timings_seconds"]["simulate"] > 0
    table = pd.read_parquet(out / "aggregates.parquet")
    assert list(table.columns) == ["year", "metric", "group", "value"]
    assert set(table["year"]) == {2008, 2009, 2010}
    for year in (2009, 2010):
        snapshot = pd.read_parquet(out / "snapshots" / f"snapshot_{year}.parquet")
        assert {"pid", "weight", "status", "health", "srh"} <= set(snapshot.columns)
    assert not list(tmp_path.glob(".run.*")), "staging directory left behind"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("health.mental.suport: 0.3\n", "unknown parameter path 'health.mental.suport'"),
        ("policy.public_services.portability: 2.0\n", "allowed range [0, 1]"),
        ("labor.hours.informal: lots\n", "'lots' is not a number"),
        ("name: [unclosed\n", "malformed YAML"),
        ("", "the scenario sets no parameter"),
        ("name: later\n", "the scenario sets no parameter"),
        ("policy.fair_employment.hours_reduction: true\n", "true is a yes/no value"),
        ("name: [a, b]\nhealth.mental.support: 0.3\n", "key 'name' holds a list"),
        ("description:\nhealth.mental.support: 0.3\n", "key 'description' holds nothing"),
        ("name: ''\nhealth.mental.support: 0.3\n", "key 'name' holds nothing"),
    ],
)
def test_bad_scenario_exits_2_without_traceback_or_output(
    tmp_path: Path, content: str, expected: str
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(content)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["simulate", *SMALL, "--scenario", str(scenario), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert expected in _flat(result.output)
    assert "bad.yaml" in _flat(result.output)
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--end", "2040"], "--end 2040 must lie in [2008, 2035]"),
        (["--start", "2012", "--end", "2010"], "--start 2012 is after --end 2010"),
        (["--scale", "0"], "--scale 0.0 must be at least 1"),
        (["--scale", "inf"], "--scale inf is not a number of persons per agent"),
        (["--seed", "-1"], "--seed -1 is outside [0, 2^64 - 1]"),
        (["--workers", "-1"], "--workers -1: give 0 (every available core) or more"),
        (["--seed", str(2**64)], f"--seed {2**64} is outside [0, 2^64 - 1]"),
        (["--scale", "nan"], "--scale nan is not a number of persons per agent"),
        (["--end", "2010", "--snapshot-years", "2020"], "--snapshot-years [2020] fall outside"),
        (["--snapshot-years", "twenty"], "must be years separated by commas"),
    ],
)
def test_impossible_run_settings_exit_2(
    tmp_path: Path, arguments: list[str], expected: str
) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["simulate", "--workers", "1", *arguments, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert expected in _flat(result.output)
    assert not out.exists()


def test_a_directory_given_as_the_scenario_is_named_as_such(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["simulate", *SMALL, "--scenario", str(tmp_path), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "is a directory: give the path of a scenario YAML file" in _flat(result.output)
    assert not out.exists()


def test_a_folder_named_like_a_shipped_scenario_does_not_hide_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run written with ``--out combined`` leaves a folder of that name where one works."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "combined").mkdir()
    assert resolve_scenario("combined").origin == "shipped:combined"
    assert runner.invoke(app, ["scenarios", "list"]).exit_code == 0


def test_a_numeric_scenario_name_reads_as_its_digits(tmp_path: Path) -> None:
    """A year as a name (``name: 2030``) is a label like any other."""
    scenario = tmp_path / "named.yaml"
    scenario.write_text("name: 2030\nhealth.mental.support: 0.3\n")
    assert Scenario.from_yaml(scenario).name == "2030"
    scenario.write_text("name: 2030-01-01\nhealth.mental.support: 0.3\n")  # YAML: a date
    assert Scenario.from_yaml(scenario).name == "2030-01-01"


def test_existing_output_directory_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["simulate", *SMALL, "--out", str(out)])
    assert result.exit_code == 2
    assert (out / "keep.txt").read_text() == "mine"


def test_plan_metrics_and_params_describe_the_model() -> None:
    plan = runner.invoke(app, ["plan"])
    assert plan.exit_code == 0
    # The order itself is held by tests/test_plan.py; the command prints every step.
    steps = [row["module"] for row in default_plan().describe()]
    assert len(steps) == 8
    assert all(step in plan.output for step in steps)
    metrics = runner.invoke(app, ["metrics"])
    for name in (
        "migrant_workers_total",
        "health_gap_urban_rural",
        "rural_medical_spending",
        "returns_health_driven",
        "stage_share",
    ):
        assert name in metrics.output
    params = runner.invoke(app, ["params", "show", "health.mental"])
    assert params.exit_code == 0 and "health.mental.support" in params.output
    missing = runner.invoke(app, ["params", "show", "health.nothing"])
    assert missing.exit_code == 2 and "no parameter under 'health.nothing'" in _flat(missing.output)


def test_unwritable_output_fails_before_simulating(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = runner.invoke(app, ["simulate", *SMALL, "--out", str(blocker / "run")])
    assert result.exit_code == 2
    assert "cannot write the run directory" in _flat(result.output)
    assert "Migrant workers" not in result.output  # it did not simulate first


def test_run_json_records_year_by_year_overrides(tmp_path: Path) -> None:
    scenario = tmp_path / "reform.yaml"
    scenario.write_text("policy.management.support_networks: {2009: 0.03, 2010: 0.05}\n")
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["simulate", *SMALL, "--scenario", str(scenario), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "run.json").read_text())
    assert meta["resolved_parameters"]["policy.management.support_networks"] == {
        "2008": 0.0,
        "2009": 0.03,
        "2010": 0.05,
    }
    assert "rural_hukou_2008.csv" in meta["data_sha256"]
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"migrant-health {version('migrant_health')}"
    assert migrant_health.__version__ == version("migrant_health")


def test_workers_beyond_the_chunks_are_capped_and_recorded(tmp_path: Path) -> None:
    out = tmp_path / "run"
    arguments = ["simulate", "--scale", "50000", "--end", "2009", "--workers", "1000"]
    result = runner.invoke(app, [*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "note: --workers 1000 capped to 1: the work is 1 chunk" in _flat(result.output)
    assert "1 worker(s)" in _flat(result.output)
    assert json.loads((out / "run.json").read_text())["config"]["workers"] == 1


@pytest.mark.parametrize(
    "arguments",
    [["--end", "2040"], ["--scale", "0"], ["--scenario", "typo.yaml"]],
    ids=["end", "scale", "scenario"],
)
def test_a_rejected_run_leaves_no_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("typo.yaml").write_text("health.mental.suport: 0.3\n")
    result = runner.invoke(app, ["simulate", "--workers", "1", *arguments])
    assert result.exit_code == 2, result.output
    assert not Path("runs").exists()


class _SameSecond(datetime):
    """A clock stopped at one second, as for two runs finishing together."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _SameSecond:
        return cls(2030, 1, 1, 12, 0, 0, tzinfo=tz)


def test_two_runs_in_the_same_second_keep_both_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("migrant_health.store.datetime", _SameSecond)
    monkeypatch.setattr("migrant_health.cli.main.datetime", _SameSecond, raising=False)
    small = ["simulate", "--scale", "50000", "--end", "2009", "--workers", "1"]
    first = runner.invoke(app, small)
    second = runner.invoke(app, [*small, "--seed", "2"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    runs = sorted(p.name for p in Path("runs").iterdir() if p.is_dir())  # and catalogue.duckdb
    assert runs == ["run-20300101-120000", "run-20300101-120000-2"]
    seeds = [
        json.loads((Path("runs") / r / "run.json").read_text())["config"]["seed"] for r in runs
    ]
    assert seeds == [1, 2]
    assert "run written to runs/run-20300101-120000-2" in _flat(second.output)


def test_fit_checks_its_report_path_before_simulating(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    report = blocker / "fit.html"
    result = runner.invoke(
        app, ["fit", "--scale", "50000", "--end", "2010", "--workers", "1", "--out", str(report)]
    )
    assert result.exit_code == 2
    assert f"cannot write --out {report}" in _flat(result.output)
    assert "simulating" not in result.output and "Fit to" not in result.output


def test_calibrate_checks_its_study_folder_before_any_trial(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(
        app,
        ["calibrate", "--study", str(blocker / "study"), "--trials", "1", "--scale", "50000"],
    )
    assert result.exit_code == 2
    assert f"cannot write --study {blocker / 'study'}" in _flat(result.output)
    assert "choose another path for --study" in _flat(result.output)


def test_a_first_run_says_it_compiles_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(preflight, "kernels_cached", lambda: False)
    result = runner.invoke(app, ["simulate", *SMALL, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "compiling kernels (first run only" in result.output
    monkeypatch.setattr(preflight, "kernels_cached", lambda: True)
    again = runner.invoke(app, ["simulate", *SMALL, "--out", str(tmp_path / "again")])
    assert "compiling" not in again.output


def test_scenario_keys_after_the_end_are_warned_about(tmp_path: Path) -> None:
    # The shipped scenarios' reforms start in 2025: in a run to 2010 they would change nothing.
    scenario = tmp_path / "later.yaml"
    scenario.write_text("policy.management.support_networks: {2025: 0.05}\n")
    arguments = ["simulate", *SMALL, "--scenario", str(scenario)]
    result = runner.invoke(app, [*arguments, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert (
        f"warning: {scenario}: every key takes effect after --end 2010 "
        "('policy.management.support_networks' (from 2025)); this run equals the baseline. "
        "Use --end 2025 or later." in _flat(result.output)
    )
    scenario.write_text(
        "policy.management.support_networks: {2025: 0.05}\n"
        "policy.public_services.portability: {2009: 0.5}\n"
    )
    partly = runner.invoke(app, [*arguments, "--out", str(tmp_path / "partly")])
    assert partly.exit_code == 0, partly.output
    assert (
        f"warning: {scenario}: 'policy.management.support_networks' (from 2025) takes effect "
        "after --end 2010 and changes nothing in this run" in _flat(partly.output)
    )


def test_a_lever_without_a_year_is_warned_to_rewrite_the_past(tmp_path: Path) -> None:
    """A plain value holds in every year: a reform from 2008 on, which changes the calibrated
    years as well and counts its costs from then; the shipped scenarios give years."""
    scenario = tmp_path / "always.yaml"
    scenario.write_text(
        "policy.public_services.portability: 0.8\n"
        "policy.management.support_networks: {2009: 0.05}\n"
    )
    arguments = ["simulate", *SMALL, "--scenario", str(scenario)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = runner.invoke(app, [*arguments, "--out", str(tmp_path / "run")])
    # Said once, in the command's words: not again by the Python API underneath.
    assert not [w for w in caught if w.category.__name__ == "LeverTimingWarning"]
    assert result.exit_code == 0, result.output
    assert _flat(result.output).count("holds from 2008") == 1
    assert (
        f"warning: {scenario}: 'policy.public_services.portability' holds from 2008, the first "
        "simulated year" in _flat(result.output)
    )
    assert "support_networks' holds" not in _flat(result.output)  # it starts in 2009
    scenario.write_text("policy.public_services.portability: {2025: 0.8}\n")
    later = runner.invoke(app, [*arguments, "--end", "2026", "--out", str(tmp_path / "later")])
    assert later.exit_code == 0, later.output
    assert "holds from 2008" not in _flat(later.output)


def test_calibration_progress_never_shows_nan() -> None:
    assert best_so_far(float("nan")) == "no trial finished yet"
    assert best_so_far(0.08213) == "best J = 0.08213"


def test_plan_is_readable_when_piped() -> None:
    """Piped (not a terminal), every state and parameter name stays whole on its line."""
    output = runner.invoke(app, ["plan"]).output
    words = set(re.findall(r"[a-z_]+", output))
    for row in default_plan().describe():
        for field in ("reads", "writes", "parameters"):
            for name in row[field].split(", "):
                assert set(re.findall(r"[a-z_]+", name)) <= words, (row["module"], field, name)
    assert max(len(line) for line in output.splitlines()) <= 110


def test_simulate_prints_its_summary_as_json_orcsv_table(tmp_path: Path) -> None:
    as_json = runner.invoke(
        app, ["simulate", *TINY, "--out", str(tmp_path / "a"), "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    document = strict_json(as_json.stdout)
    assert set(document) == {
        "scenario",
        "start",
        "end",
        "scale",
        "seed",
        "workers",
        "agent_years",
        "chunks",
        "chunks_total",
        "seconds",
        "run_directory",
        "summary",
    }
    assert document["chunks"] is None and document["chunks_total"] >= 1  # a whole run
    assert document["scenario"] == "baseline" and document["scale"] == 200000
    assert document["run_directory"] == str(tmp_path / "a")
    assert (tmp_path / "a" / "aggregates.parquet").exists()  # the run is written as ever
    assert "simulating 2008-2010" in as_json.stderr  # notes and progress on stderr
    rows = pd.DataFrame(document["summary"])
    assert list(rows.columns) == SUMMARY_COLUMNS
    assert set(rows["year"]) == {2008, 2010}
    total = rows.query("metric == 'migrant_workers_total' and year == 2010")["value"].item()
    assert (
        total > 1e8 and rows.query("metric == 'migrant_workers_total'")["unit"].eq("persons").all()
    )
    # The label is the printed table's without its scale: the value is in persons.
    assert set(rows.query("metric == 'migrant_workers_total'")["label"]) == {"Migrant workers"}
    # An indented row is named with its parent's label: read alone, "by residence" said little.
    assert set(rows.query("metric == 'health_gap_residence'")["label"]) == {
        "Urban-rural health gap: by residence"
    }
    as_csv = runner.invoke(
        app, ["simulate", *TINY, "--out", str(tmp_path / "b"), "--format", "csv"]
    )
    assert as_csv.exit_code == 0, as_csv.output
    table = csv_table(as_csv.stdout)
    assert list(table.columns) == SUMMARY_COLUMNS and len(table) == len(rows)
    assert table["value"].tolist() == pytest.approx(rows["value"].tolist())  # same seed, same run


@pytest.mark.parametrize(
    ("arguments", "key", "columns"),
    [
        (
            ["plan"],
            "steps",
            PLAN_COLUMNS,
        ),
        (["metrics"], "metrics", ["metric", "unit", "definition", "by"]),
        (
            ["params", "show", "health.mental"],
            "parameters",
            PARAMETER_COLUMNS,
        ),
    ],
    ids=["plan", "metrics", "params"],
)
def test_describing_commands_print_json_andcsv_table(
    arguments: list[str], key: str, columns: list[str]
) -> None:
    as_json = runner.invoke(app, [*arguments, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    rows = strict_json(as_json.stdout)[key]
    assert rows and all(list(row) == columns for row in rows)
    as_csv = runner.invoke(app, [*arguments, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    table = csv_table(as_csv.stdout)
    assert list(table.columns) == columns and len(table) == len(rows)


def test_json_and_csv_keep_what_the_text_shows() -> None:
    plan = strict_json(runner.invoke(app, ["plan", "--format", "json"]).stdout)
    assert [row["module"] for row in plan["steps"]] == [
        row["module"] for row in default_plan().describe()
    ]
    assert plan["initialisation"] == [m.name for m in default_plan().init]
    metrics = csv_table(runner.invoke(app, ["metrics", "--format", "csv"]).stdout)
    assert metrics.set_index("metric").loc["stage_share", "by"] == "stage"
    # A value by year is a mapping in JSON, and JSON text in a CSV cell.
    path = "care.enrolment.rural_coverage"
    params = strict_json(runner.invoke(app, ["params", "show", path, "--format", "json"]).stdout)
    value = params["parameters"][0]["value"]
    assert params["path"] == path and isinstance(value, dict) and "2008" in value
    cell = csv_table(runner.invoke(app, ["params", "show", path, "--format", "csv"]).stdout)[
        "value"
    ]
    assert json.loads(cell.item()) == value


@pytest.mark.parametrize(
    "arguments",
    [["plan"], ["metrics"], ["params", "show", "health.mental"], ["simulate", *TINY]],
    ids=["plan", "metrics", "params", "simulate"],
)
def test_an_unknown_format_exits_2_naming_the_choices(tmp_path: Path, arguments: list[str]) -> None:
    out = tmp_path / "run"
    extra = ["--out", str(out)] if arguments[0] == "simulate" else []
    result = runner.invoke(app, [*arguments, *extra, "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr == "error: unknown --format 'xml'; choose one of text, json, csv\n"
    assert result.stdout == "" and not out.exists()


def test_an_option_without_the_one_it_needs_is_named(tmp_path: Path) -> None:
    """--snapshot-fraction without --snapshot-years changed nothing, in silence."""
    result = runner.invoke(
        app, ["simulate", *SMALL, "--snapshot-fraction", "0.5", "--out", str(tmp_path / "a")]
    )
    assert result.exit_code == 0, result.output
    assert "--snapshot-fraction has no effect without --snapshot-years" in _flat(result.stderr)
    assert "has no effect" not in result.stdout
    result = runner.invoke(
        app,
        [
            "simulate", *SMALL, "--snapshot-years", "2010", "--snapshot-fraction", "1e-9",
            "--out", str(tmp_path / "b"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sampled no one at this scale" in _flat(result.stderr)


def test_a_misspelled_parameter_gets_the_closest_paths() -> None:
    result = runner.invoke(app, ["params", "show", "health.mental.bas"])
    assert result.exit_code == 2
    assert "did you mean 'health.mental.base'" in _flat(result.output)


def test_a_nested_scenario_file_is_told_to_write_dotted_paths(tmp_path: Path) -> None:
    nested = tmp_path / "nested.yaml"
    nested.write_text("policy:\n  management:\n    support_networks: {2025: 0.05}\n")
    result = runner.invoke(app, ["scenarios", "show", str(nested)])
    assert result.exit_code == 2
    message = _flat(result.output)
    assert "key 'policy' is a group of" in message and "full dotted path" in message
