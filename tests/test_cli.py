"""The ``migrant-health`` command: a run directory, and clear errors for bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app
from migrant_health.model import default_plan

runner = CliRunner()
SMALL = ["--scale", "50000", "--end", "2010", "--workers", "1"]


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
        (["--start", "2012", "--end", "2010"], "--end 2010 must lie in [2012, 2035]"),
        (["--scale", "0"], "--scale 0.0 must be at least 1"),
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
