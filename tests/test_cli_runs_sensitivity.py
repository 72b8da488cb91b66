"""A sensitivity study is a directory of the runs folder like a run or a comparison.

``migrant-health sensitivity`` writes ``runs/sensitivity-<date>-<time>``; the catalogue lists it
(kind ``sensitivity``), shows its design, reads its indices in the ``indices`` view and deletes
it, where it was once left out of all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_output import strict_json
from migrant_health.catalogue import list_runs, open_catalogue
from migrant_health.cli.main import app

runner = CliRunner()
PARAMETER = "health.mental.base"
OUTPUT = "depression_share:2010"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runs folder holding one small Morris study (one parameter, two trajectories)."""
    workdir = tmp_path_factory.mktemp("studies")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        result = runner.invoke(
            app,
            [
                "sensitivity", "--method", "morris", "--params", PARAMETER, "--outputs", OUTPUT,
                "--samples", "2", "--end", "2010", "--scale", "50000", "--workers", "1",
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return workdir / "runs"


def test_the_study_is_listed_with_its_method_and_sampled_parameters(runs: Path) -> None:
    table = list_runs(runs)
    assert list(table["kind"]) == ["sensitivity"]
    row = table.iloc[0]
    assert row["scenario"] == "morris (4 runs)" and list(row["overridden"]) == [PARAMETER]
    assert row["end_year"] == 2010 and row["seed"] == 1
    assert list(list_runs(runs, kind="sensitivity")["id"]) == [row["id"]]
    assert list_runs(runs, kind="run").empty


def test_runs_show_gives_the_design(runs: Path) -> None:
    study = list_runs(runs)["id"].iloc[0]
    shown = runner.invoke(app, ["runs", "show", study, "--runs", str(runs), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    document = strict_json(shown.stdout)
    assert document["row"]["kind"] == "sensitivity"
    settings = document["settings"]
    assert settings["method"] == "morris" and settings["parameters"] == [PARAMETER]
    assert settings["outputs"] == [OUTPUT] and settings["runs"] == 4
    assert "indices.parquet" in {f["file"] for f in document["files"]}


def test_the_indices_view_reads_every_study(runs: Path) -> None:
    study = list_runs(runs)["id"].iloc[0]
    with open_catalogue(runs) as con:
        rows = con.execute('SELECT id, parameter, "index" FROM indices').fetchall()
    assert {r[0] for r in rows} == {study} and {r[1] for r in rows} == {PARAMETER}
    assert "mu_star" in {r[2] for r in rows}


def test_runs_delete_removes_a_study(runs: Path, tmp_path: Path) -> None:
    import shutil

    own = tmp_path / "runs"
    shutil.copytree(runs, own, ignore=shutil.ignore_patterns("catalogue.duckdb*"))
    study = list_runs(own)["id"].iloc[0]
    gone = runner.invoke(app, ["runs", "delete", study, "--runs", str(own), "--yes"])
    assert gone.exit_code == 0, gone.output
    assert not (own / study).exists() and list_runs(own).empty


def test_at_80_columns_the_list_keeps_the_scenario_beside_a_long_study_id(runs: Path) -> None:
    """A study's default id is 27 characters; at 80 columns (a pipe's width) it took the
    scenario column's whole width, and the study's replicates read "None"."""
    result = runner.invoke(app, ["runs", "list", "--runs", str(runs)], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "morris" in result.output and "None" not in result.output
