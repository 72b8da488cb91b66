"""Run directories: unique names for parallel runs, nothing half-written, the user's umask."""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migrant_health import RunConfig, RunResult, StoreError, load_run, save_run, simulate
from migrant_health.params import Scenario
from migrant_health.store import reserve_run_dir, write_run


@pytest.fixture(scope="module")
def tiny_run() -> RunResult:
    return simulate(RunConfig(end=2009, scale=50_000, workers=1))


def test_runs_in_the_same_second_get_their_own_directories(tmp_path: Path) -> None:
    # Another run has just claimed this second's name (its directory is still empty).
    first = reserve_run_dir(tmp_path, stamp="20300101-120000")
    second = reserve_run_dir(tmp_path, stamp="20300101-120000")
    third = reserve_run_dir(tmp_path, stamp="20300101-120000")
    assert [p.name for p in (first, second, third)] == [
        "run-20300101-120000",
        "run-20300101-120000-2",
        "run-20300101-120000-3",
    ]


def test_unnamed_runs_never_overwrite_each_other(tmp_path: Path, tiny_run: RunResult) -> None:
    one = write_run(tiny_run, runs=tmp_path / "runs")
    two = write_run(tiny_run, runs=tmp_path / "runs")
    assert one != two
    for path in (one, two):
        assert json.loads((path / "run.json").read_text())["config"]["end"] == 2009
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == sorted([one.name, two.name])


def test_an_interrupted_write_leaves_nothing(
    tmp_path: Path, tiny_run: RunResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_run(tiny_run, runs=tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the staging copy nor the reserved name
    with pytest.raises(KeyboardInterrupt):
        write_run(tiny_run, out=tmp_path / "a" / "b" / "run")
    with pytest.raises(KeyboardInterrupt):
        write_run(tiny_run, runs=tmp_path / "runs")
    assert list(tmp_path.iterdir()) == []  # nor the folders made for them


def test_run_files_get_the_permissions_of_any_new_file(tmp_path: Path, tiny_run: RunResult) -> None:
    previous = os.umask(0o027)
    try:
        out = write_run(tiny_run, tmp_path / "run")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "run.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "aggregates.parquet").stat().st_mode) == 0o640


def test_a_run_saved_from_python_loads_back_with_its_results_and_settings(tmp_path: Path) -> None:
    hours = "policy.fair_employment.hours_reduction"
    reform = Scenario(name="shorter_hours", overrides={hours: {2009: 8.0}})
    run = simulate(RunConfig(end=2009, scale=50_000, snapshot_years=(2009,), scenario=reform))
    folder = save_run(run, tmp_path / "reform")
    again = load_run(folder)
    pd.testing.assert_frame_equal(again.aggregates, run.aggregates)
    pd.testing.assert_frame_equal(again.snapshots, run.snapshots.reset_index(drop=True))
    assert again.config == run.config and again.config.scenario.name == "shorter_hours"
    assert again.tree.value_at(hours, 2009) == 8.0 and again.tree.value_at(hours, 2008) == 0.0
    assert again.value("share_over_44h", 2009) == run.value("share_over_44h", 2009)
    assert (again.agent_years, again.n_agents) == (run.agent_years, run.n_agents)


def test_a_folder_that_is_no_run_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no such folder \(a run directory holds run.json"):
        load_run(tmp_path / "missing")
    (tmp_path / "notes").mkdir()
    with pytest.raises(StoreError, match=r"notes: not a run directory"):
        load_run(tmp_path / "notes")


def test_every_metric_a_run_reports_has_a_unit_and_a_definition(tiny_run: RunResult) -> None:
    from migrant_health import metrics

    table = metrics().set_index("metric")
    assert set(tiny_run.aggregates["metric"]) <= set(table.index)
    assert table["unit"].str.len().gt(0).all() and table["definition"].str.len().gt(0).all()
    assert table.loc["depression_share", "unit"] == "share (0-1)"


def test_a_run_with_fixed_mortality_factors_loads_back_with_them(
    tmp_path: Path, tiny_run: RunResult
) -> None:
    held = simulate(
        RunConfig(end=2009, scale=50_000, fixed_mortality_factors=tiny_run.mortality_factors)
    )
    again = load_run(save_run(held, tmp_path / "held"))
    np.testing.assert_array_equal(again.config.fixed_mortality_factors, tiny_run.mortality_factors)
    # Its per-chunk records are not kept: asking for them says so.
    with pytest.raises(StoreError, match=r"holds no mortality factors: a run read back"):
        _ = again.mortality_factors


def test_a_run_recorded_with_other_parameters_says_so_when_loaded(
    tmp_path: Path, tiny_run: RunResult
) -> None:
    """A run written by a version with other defaults: its results are its own, but the tree
    read back is this version's, and the reader is told."""
    from migrant_health.store import StoreWarning

    folder = save_run(tiny_run, tmp_path / "older")
    meta = json.loads((folder / "run.json").read_text())
    meta["resolved_parameters"]["health.mental.base"] = 0.5
    (folder / "run.json").write_text(json.dumps(meta))
    with pytest.warns(StoreWarning, match=r"health.mental.base: 0.5 recorded, 0.\d+ now"):
        load_run(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StoreWarning)
        load_run(save_run(tiny_run, tmp_path / "same"))  # this version's own: no warning
