"""``migrant-health runs list|show|delete``, and ``simulate`` registering its run.

Two runs are written by ``simulate`` into a temporary runs folder (the baseline with seed 1, a
scenario with seed 2); tests that delete work on a copy.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_output import csv_table, strict_json
from migrant_health import catalogue
from migrant_health.catalogue import catalogue_path, list_runs
from migrant_health.cli.main import app
from migrant_health.run_records import COLUMNS
from runs_folder import HOURS, SMALL, copy_folder, simulate_two_runs, write_comparison

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = simulate_two_runs(tmp_path_factory.mktemp("cli-store"))
    write_comparison(folder / "cmp-hours")
    return folder


@pytest.fixture
def own_runs(runs: Path, tmp_path: Path) -> Path:
    return copy_folder(runs, tmp_path / "runs")


def _ids(runs: Path) -> dict[str, str]:
    """Scenario name -> id of each run."""
    table = list_runs(runs, kind="run")
    return dict(zip(table["scenario"], table["id"], strict=True))


def test_runs_list_prints_every_run_and_comparison(runs: Path) -> None:
    result = runner.invoke(app, ["runs", "list", "--runs", str(runs)])
    assert result.exit_code == 0, result.output
    for run_id in [*_ids(runs).values(), "cmp-hours"]:
        assert run_id in result.output
    assert "comparison" in result.output and "shorter" in result.output


def test_runs_list_as_json_and_csv_has_the_catalogue_columns(runs: Path) -> None:
    document = strict_json(
        runner.invoke(app, ["runs", "list", "--runs", str(runs), "--format", "json"]).stdout
    )
    assert document["catalogue"] == str(catalogue_path(runs))
    by_id = {row["id"]: row for row in document["runs"]}
    ids = _ids(runs)
    assert by_id[ids["baseline"]]["seed"] == 1 and by_id[ids["shorter hours"]]["seed"] == 2
    assert by_id[ids["shorter hours"]]["overridden"] == [HOURS]
    assert by_id["cmp-hours"]["kind"] == "comparison" and by_id["cmp-hours"]["agents"] is None
    assert by_id["cmp-hours"]["created"] == "2030-01-01T19:04:05"
    table = csv_table(
        runner.invoke(
            app, ["runs", "list", "--runs", str(runs), "--kind", "run", "--format", "csv"]
        ).stdout
    )
    assert list(table.columns) == list(COLUMNS)
    assert sorted(table["seed"]) == [1, 2] and set(table["kind"]) == {"run"}
    # Whole numbers are written whole even beside a comparison's missing ones (they read
    # 20700.0, a float to Stata and R).
    every = runner.invoke(app, ["runs", "list", "--runs", str(runs), "--format", "csv"]).stdout
    header, *rows = csv.reader(io.StringIO(every))
    whole = [header.index(c) for c in ("start_year", "seed", "agents", "agent_years", "bytes")]
    written = [row[k] for row in rows for k in whole if row[k]]
    assert written and all(text.isdigit() for text in written), written


def test_runs_show_gives_settings_overrides_and_files(runs: Path) -> None:
    run_id = _ids(runs)["shorter hours"]
    result = runner.invoke(app, ["runs", "show", run_id, "--runs", str(runs)])
    assert result.exit_code == 0, result.output
    assert HOURS in result.output and "aggregates.parquet" in result.output
    document = strict_json(
        runner.invoke(app, ["runs", "show", run_id, "--runs", str(runs), "--format", "json"]).stdout
    )
    assert document["row"]["id"] == run_id and document["settings"]["seed"] == 2
    assert document["scenarios"][0]["overrides"] == {HOURS: {"2009": 8.0}}
    on_disk = {p.name: p.stat().st_size for p in (runs / run_id).iterdir()}
    assert {f["file"]: f["bytes"] for f in document["files"]} == on_disk
    table = csv_table(
        runner.invoke(app, ["runs", "show", run_id, "--runs", str(runs), "--format", "csv"]).stdout
    )
    overrides = table[table["section"] == "overrides"]
    assert list(overrides["key"]) == [HOURS] and list(overrides["scenario"]) == ["shorter hours"]
    assert set(table["section"]) == {"catalogue", "settings", "overrides", "files"}


def test_runs_show_of_a_baseline_run_says_it_has_no_overrides(runs: Path) -> None:
    result = runner.invoke(app, ["runs", "show", _ids(runs)["baseline"], "--runs", str(runs)])
    assert result.exit_code == 0, result.output
    assert "none (the baseline)" in result.output


def test_runs_show_of_a_comparison_leaves_its_missing_counts_empty(runs: Path) -> None:
    """A comparison has no agent count of its own: shown as "-" in text and null in json (the
    catalogue holds pandas' NA there, which the text table once failed on with a traceback)."""
    result = runner.invoke(app, ["runs", "show", "cmp-hours", "--runs", str(runs)])
    assert result.exit_code == 0, result.output
    assert "comparison cmp-hours" in result.output
    document = strict_json(
        runner.invoke(
            app, ["runs", "show", "cmp-hours", "--runs", str(runs), "--format", "json"]
        ).stdout
    )
    assert document["row"]["kind"] == "comparison"
    assert document["row"]["agents"] is None and document["row"]["agent_years"] is None


def test_runs_list_of_a_folder_without_runs_writes_nothing_there(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "readme.txt").write_text("hi", encoding="utf-8")
    result = runner.invoke(app, ["runs", "list", "--runs", str(notes)])
    assert result.exit_code == 0, result.output
    assert "no runs, comparisons or sensitivity studies" in result.output.lower()
    assert sorted(p.name for p in notes.iterdir()) == ["readme.txt"]


def test_runs_delete_asks_first_and_removes_directory_and_row(own_runs: Path) -> None:
    run_id = _ids(own_runs)["baseline"]
    kept = runner.invoke(app, ["runs", "delete", run_id, "--runs", str(own_runs)], input="n\n")
    assert kept.exit_code == 1 and (own_runs / run_id).is_dir()
    assert f"Delete run {run_id} (baseline, 2008-2010" in kept.output
    gone = runner.invoke(app, ["runs", "delete", run_id, "--runs", str(own_runs)], input="y\n")
    assert gone.exit_code == 0, gone.output
    assert not (own_runs / run_id).exists()
    assert run_id not in set(list_runs(own_runs)["id"])
    quiet = runner.invoke(app, ["runs", "delete", "cmp-hours", "--runs", str(own_runs), "--yes"])
    assert quiet.exit_code == 0 and not (own_runs / "cmp-hours").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "show", "run-2"], "no run or comparison 'run-2'"),
        (["runs", "delete", "../elsewhere", "--yes"], "no directory ../elsewhere"),
        (["runs", "show", "/nowhere/run-1"], "no directory /nowhere/run-1; give the path"),
        (["runs", "delete", "/tmp", "--yes"], "not a directory inside the runs folder"),
        (
            ["runs", "delete", "catalogue.duckdb", "--yes"],
            "not a run, comparison or sensitivity directory",
        ),
        (["runs", "list", "--kind", "report"], "unknown kind 'report'; choose one of run"),
        (["runs", "list", "--format", "xml"], "unknown --format 'xml'"),
    ],
)
def test_runs_errors_are_one_line_and_exit_2(own_runs: Path, args: list[str], message: str) -> None:
    list_runs(own_runs)  # the catalogue exists, so deleting its file would be possible
    before = sorted(p.name for p in own_runs.iterdir())
    result = runner.invoke(app, [*args, "--runs", str(own_runs)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in own_runs.iterdir()) == before


def test_an_unknown_id_lists_the_closest_ids(runs: Path) -> None:
    run_id = _ids(runs)["baseline"]
    result = runner.invoke(app, ["runs", "show", run_id[:-1] + "X", "--runs", str(runs)])
    assert result.exit_code == 2
    assert "closest:" in result.output and run_id in result.output


def test_a_missing_runs_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["runs", "list", "--runs", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output


HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""


def test_simulate_warns_but_succeeds_when_the_catalogue_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    catalogue.refresh_catalogue("runs")
    monkeypatch.setattr(catalogue, "LOCK_WAIT_SECONDS", 0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(catalogue_path(tmp_path / "runs"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result = runner.invoke(app, ["simulate", *SMALL])
    finally:
        holder.communicate(timeout=30)
    assert result.exit_code == 0, result.output
    assert (
        "not yet in the catalogue" in result.stderr and "in use by another process" in result.stderr
    )
    written = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
    assert len(written) == 1 and (written[0] / "aggregates.parquet").is_file()
    listed = runner.invoke(app, ["runs", "list", "--format", "json"])
    assert [row["id"] for row in strict_json(listed.stdout)["runs"]] == [written[0].name]


def test_a_run_written_outside_the_runs_folder_creates_no_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["simulate", *SMALL, "--out", "elsewhere/run"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "runs").exists()
    assert not catalogue_path(tmp_path / "elsewhere").exists()


def test_simulate_warns_but_succeeds_when_the_catalogue_is_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    catalogue_path(tmp_path / "runs").write_text("not a database")
    result = runner.invoke(app, ["simulate", *SMALL])
    assert result.exit_code == 0, result.output
    assert "not yet in the catalogue" in result.stderr and "delete it" in result.stderr
    assert len([p for p in (tmp_path / "runs").iterdir() if p.is_dir()]) == 1


def test_runs_show_writes_overrides_as_a_scenario_file_does(runs: Path) -> None:
    """`{2025: 6}` read back from run.json has text years; it printed as {'2025': 6.0}."""
    from migrant_health.value_text import value_text

    assert value_text({"2025": 6.0, "2030": 0.5}) == "2025: 6, 2030: 0.5"
    assert value_text([0.25, 0.25]) == "[0.25, 0.25]" and value_text(True) == "true"
    shown = runner.invoke(app, ["runs", "show", _ids(runs)["shorter hours"], "--runs", str(runs)])
    assert shown.exit_code == 0, shown.output
    assert "{'" not in shown.output
