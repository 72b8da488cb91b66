"""The DuckDB catalogue lists exactly the run and comparison directories of the runs folder.

Two runs are written by ``migrant-health simulate`` (the baseline with seed 1, a scenario with
seed 2) into a temporary runs folder; comparisons are faked to the contract of
``migrant-health compare``. Tests that add, change or delete directories work on a copy.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from migrant_health import StoreError, list_runs, open_catalogue
from migrant_health import catalogue as catalogue_module
from migrant_health.catalogue import (
    CatalogueWarning,
    catalogue_path,
    delete_run,
    find_run,
    refresh_catalogue,
    register_run,
    run_details,
)
from runs_folder import HOURS, copy_folder, simulate_two_runs, write_comparison


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate_two_runs(tmp_path_factory.mktemp("store"))


@pytest.fixture
def own_runs(runs: Path, tmp_path: Path) -> Path:
    """A copy of the two runs, for a test that adds, changes or deletes directories."""
    return copy_folder(runs, tmp_path / "runs")


def test_simulate_registers_each_run_with_its_scenario_and_seed(runs: Path) -> None:
    # Read without refreshing: simulate itself put the rows there.
    with open_catalogue(runs, refresh=False) as con:
        table = con.sql("SELECT * FROM runs ORDER BY seed").df()
    assert list(table["seed"]) == [1, 2]
    assert list(table["scenario"]) == ["baseline", "shorter hours"]
    assert list(table["kind"]) == ["run", "run"]
    assert [list(o) for o in table["overridden"]] == [[], [HOURS]]
    for row in table.to_dict("records"):
        meta = json.loads((Path(row["path"]) / "run.json").read_text())
        assert row["id"] == Path(row["path"]).name
        assert (row["start_year"], row["end_year"], row["scale"]) == (2008, 2010, 50000.0)
        assert row["agent_years"] == meta["agent_years"] > 0
        assert row["bytes"] == sum(f.stat().st_size for f in Path(row["path"]).iterdir())


def test_sql_over_the_aggregates_view_gives_the_numbers_of_the_parquet_files(runs: Path) -> None:
    with open_catalogue(runs) as con:
        for run_id, path in con.execute("SELECT id, path FROM runs").fetchall():
            by_sql = con.execute(
                'SELECT year, metric, "group", value FROM aggregates WHERE id = ? '
                'ORDER BY metric, "group", year',
                [run_id],
            ).df()
            direct = pd.read_parquet(Path(path) / "aggregates.parquet")
            direct = direct.sort_values(["metric", "group", "year"], ignore_index=True)
            pd.testing.assert_frame_equal(by_sql, direct, check_dtype=False)
        # A comparison across runs is one query: the scenario minus the baseline, by year.
        delta = con.sql(
            """
            SELECT s.year, s.value - b.value AS delta
            FROM aggregates s JOIN aggregates b USING (metric, "group", year)
            WHERE s.scenario = 'shorter hours' AND b.scenario = 'baseline'
              AND metric = 'share_over_44h' AND "group" = 'all'
            ORDER BY year
            """
        ).df()
    table = list_runs(runs).set_index("scenario")
    frames = {
        name: pd.read_parquet(Path(table.loc[name, "path"]) / "aggregates.parquet")
        for name in ("baseline", "shorter hours")
    }
    series = {
        name: frame.query("metric == 'share_over_44h' and group == 'all'").set_index("year")[
            "value"
        ]
        for name, frame in frames.items()
    }
    expected = (series["shorter hours"] - series["baseline"]).sort_index()
    assert list(delta["year"]) == list(expected.index) == [2008, 2009, 2010]
    assert delta["delta"].to_numpy() == pytest.approx(expected.to_numpy())


def test_a_comparison_is_listed_and_its_deltas_are_sql_over_parquet(own_runs: Path) -> None:
    comparison = write_comparison(own_runs / "cmp-hours")
    table = list_runs(own_runs, kind="comparison")
    assert list(table["id"]) == ["cmp-hours"]
    row = table.iloc[0]
    assert row["scenario"] == "baseline,shorter_hours"
    assert (row["replicates"], row["seed"], row["seconds"]) == (2, 3, 4.5)
    assert list(row["overridden"]) == [HOURS]
    assert row["created"] == pd.Timestamp("2030-01-01 19:04:05")  # +08:00 stored in UTC
    assert pd.isna(row["agents"])
    with open_catalogue(own_runs) as con:
        deltas = con.sql("SELECT * FROM deltas ORDER BY year").df()
        replicates = con.sql(
            "SELECT scenario, count(DISTINCT replicate) AS n FROM comparison_aggregates "
            "WHERE id = 'cmp-hours' GROUP BY scenario ORDER BY scenario"
        ).fetchall()
        runs_only = con.sql("SELECT DISTINCT id FROM aggregates").fetchall()
    direct = pd.read_parquet(comparison / "deltas.parquet").sort_values("year", ignore_index=True)
    assert list(deltas["id"]) == ["cmp-hours"] * len(direct)
    pd.testing.assert_frame_equal(deltas.drop(columns="id"), direct, check_dtype=False)
    assert replicates == [("baseline", 2), ("shorter_hours", 2)]
    assert "cmp-hours" not in {i for (i,) in runs_only}  # aggregates holds runs only
    assert set(list_runs(own_runs, kind="run")["kind"]) == {"run"}


def test_the_catalogue_follows_directories_that_appear_change_and_vanish(own_runs: Path) -> None:
    first, second = sorted(p for p in own_runs.iterdir() if p.is_dir())
    assert set(list_runs(own_runs)["id"]) == {first.name, second.name}
    # A run copied in from elsewhere appears without being registered.
    shutil.copytree(first, own_runs / "copied")
    assert set(list_runs(own_runs)["id"]) == {first.name, second.name, "copied"}
    # A directory whose metadata changed is read again.
    meta = json.loads((own_runs / "copied" / "run.json").read_text())
    meta["config"]["seed"] = 99
    (own_runs / "copied" / "run.json").write_text(json.dumps(meta))
    assert find_run("copied", own_runs)["seed"] == 99
    # A directory removed by hand disappears, from the table and from the views.
    shutil.rmtree(second)
    assert set(list_runs(own_runs)["id"]) == {first.name, "copied"}
    with open_catalogue(own_runs) as con:
        ids = {i for (i,) in con.sql("SELECT DISTINCT id FROM aggregates").fetchall()}
        files = {i for (i,) in con.sql("SELECT DISTINCT id FROM files").fetchall()}
    assert ids == files == {first.name, "copied"}


def test_an_empty_folder_has_empty_views(tmp_path: Path) -> None:
    with open_catalogue(tmp_path) as con:
        for view in (
            "aggregates",
            "comparison_aggregates",
            "deltas",
            "costs",
            "cost_effectiveness",
            "runs",
        ):
            assert con.execute(f"SELECT count(*) FROM {view}").fetchall() == [(0,)]
        columns = [c for (c, *_) in con.sql("DESCRIBE deltas").fetchall()]
    assert columns[:3] == ["id", "scenario", "metric"] and "delta_hi" in columns
    assert "delta_se" in columns  # as in a comparison's deltas.parquet


def test_a_directory_with_broken_metadata_is_reported_and_left_out(own_runs: Path) -> None:
    broken = own_runs / "broken"
    shutil.copytree(next(p for p in own_runs.iterdir() if p.is_dir()), broken)
    meta = json.loads((broken / "run.json").read_text())
    del meta["config"]["seed"]
    (broken / "run.json").write_text(json.dumps(meta))
    (own_runs / "notes").mkdir()  # neither run nor comparison: ignored silently
    with pytest.warns(CatalogueWarning) as caught:
        table = list_runs(own_runs)
    assert "broken" not in set(table["id"]) and len(table) == 2
    message = " ".join(str(w.message) for w in caught)
    assert "broken/run.json" in message and "config.seed" in message
    assert "notes" not in message
    (broken / "aggregates.parquet").unlink()
    meta["config"]["seed"] = 5
    (broken / "run.json").write_text(json.dumps(meta))
    with pytest.warns(CatalogueWarning, match="lacks aggregates.parquet"):
        list_runs(own_runs)


def test_a_directory_with_a_damaged_table_is_left_out_and_the_rest_still_queried(
    own_runs: Path,
) -> None:
    """A table cut short (a copy interrupted) is named; the views of the others still work."""
    cut = own_runs / "cut"
    shutil.copytree(next(p for p in own_runs.iterdir() if p.is_dir()), cut)
    table = cut / "aggregates.parquet"
    table.write_bytes(table.read_bytes()[:1000])
    with pytest.warns(CatalogueWarning, match="cut/aggregates.parquet is not a readable Parquet"):
        runs = list_runs(own_runs)
    assert "cut" not in set(runs["id"]) and len(runs) == 2
    with pytest.warns(CatalogueWarning), open_catalogue(own_runs) as con:
        ids = {i for (i,) in con.sql("SELECT DISTINCT id FROM aggregates").fetchall()}
    assert ids == set(runs.loc[runs["kind"] == "run", "id"])
    # A table damaged after its directory was listed is caught too.
    shutil.rmtree(cut)
    listed = own_runs / runs.loc[runs["kind"] == "run", "id"].iloc[0] / "aggregates.parquet"
    listed.write_bytes(listed.read_bytes()[:1000])
    with pytest.warns(CatalogueWarning, match=f"{listed.parent.name}/aggregates.parquet is not"):
        assert listed.parent.name not in set(list_runs(own_runs)["id"])


def test_delete_removes_the_directory_and_its_row(own_runs: Path) -> None:
    victim = list_runs(own_runs)["id"].iloc[0]
    removed = delete_run(victim, own_runs)
    assert removed == own_runs.absolute() / victim and not removed.exists()
    with open_catalogue(own_runs, refresh=False) as con:
        ids = {i for (i,) in con.sql("SELECT id FROM runs").fetchall()}
    assert victim not in ids and len(ids) == 1
    assert sorted(p.name for p in own_runs.iterdir()) == sorted([*ids, "catalogue.duckdb"])


def test_delete_refuses_anything_but_a_run_directory_inside_the_folder(
    own_runs: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(next(p for p in own_runs.iterdir() if p.is_dir()), outside)
    (own_runs / "link").symlink_to(outside, target_is_directory=True)
    (own_runs / "notes").mkdir()
    list_runs(own_runs)
    before = sorted(p.name for p in own_runs.iterdir())
    refusals = {
        "../outside": "no directory ../outside",  # from here, where it is not
        str(own_runs / ".." / "outside"): "not a directory inside the runs folder",
        str(outside): "not a directory inside the runs folder",
        "link": "not a directory inside the runs folder",
        "..": "not a directory inside the runs folder",
        "": "not a directory inside the runs folder",
        "notes": "not a run, comparison or sensitivity directory",
        "catalogue.duckdb": "not a run, comparison or sensitivity directory",
    }
    for given, reason in refusals.items():
        with pytest.raises(StoreError, match=reason):
            delete_run(given, own_runs)
    assert sorted(p.name for p in own_runs.iterdir()) == before
    assert (outside / "run.json").is_file()


def test_an_unknown_id_names_the_closest_ids_first(own_runs: Path) -> None:
    shutil.copytree(next(p for p in own_runs.iterdir() if p.is_dir()), own_runs / "hours-2030")
    with pytest.raises(
        StoreError, match=r"no run or comparison 'hours-2031'.*closest: hours-2030, "
    ):
        find_run("hours-2031", own_runs)


def test_details_hold_the_settings_overrides_and_files(runs: Path) -> None:
    row = list_runs(runs).set_index("scenario").loc["shorter hours"]
    details = run_details(str(row["id"]), runs)
    assert details["settings"]["seed"] == 2 and "scenario" not in details["settings"]
    assert details["scenarios"][0]["overrides"] == {HOURS: {"2009": 8.0}}
    sizes = {f["file"]: f["bytes"] for f in details["files"]}
    assert sizes == {p.name: p.stat().st_size for p in Path(str(row["path"])).iterdir()}


def test_a_missing_runs_folder_is_an_error_not_an_empty_list(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        list_runs(tmp_path / "no-such-folder")
    assert not (tmp_path / "no-such-folder").exists()


def test_a_catalogue_of_another_schema_version_is_rebuilt(own_runs: Path) -> None:
    list_runs(own_runs)
    with duckdb.connect(str(catalogue_path(own_runs))) as con:
        con.execute("UPDATE catalogue_info SET schema_version = 0")
        con.execute("DELETE FROM runs")
    assert len(list_runs(own_runs)) == 2


def test_a_damaged_catalogue_file_is_named_with_the_fix(own_runs: Path) -> None:
    catalogue_path(own_runs).write_text("not a database")
    (own_runs / "broken").mkdir()
    (own_runs / "broken" / "run.json").write_text("{")
    with pytest.raises(StoreError, match="delete it and `migrant-health runs list` rebuilds it"):
        refresh_catalogue(own_runs)
    with pytest.warns(CatalogueWarning) as caught:
        assert len(list_runs(own_runs)) == 2  # from the directories themselves
    messages = [str(w.message) for w in caught]
    assert any("listing the directories directly" in m for m in messages)
    assert any("broken/run.json: not readable as JSON" in m for m in messages)


# --- Several processes at once ------------------------------------------------------------------

# A process that holds the catalogue's write lock until its standard input closes.
HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.read()
"""

# A process that waits for the go file, moves its staged run into the folder and registers it.
REGISTER = """
import sys, time
from pathlib import Path
from migrant_health.catalogue import register_run
staged, go = Path(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
target = staged.parent / staged.name.removeprefix(".staged-")
staged.rename(target)
register_run(target)
"""


def _python(code: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _registered(runs: Path) -> set[str]:
    """The ids in the catalogue, read without a refresh (which would repair a lost row)."""
    with open_catalogue(runs, refresh=False) as con:
        return {i for (i,) in con.sql("SELECT id FROM runs").fetchall()}


@pytest.mark.parametrize("locked", [False, True], ids=["race", "while-locked"])
def test_runs_registering_at_once_all_keep_their_rows(own_runs: Path, locked: bool) -> None:
    before = set(list_runs(own_runs)["id"])
    source = own_runs / sorted(before)[0]
    names = [f"parallel-{k}" for k in range(3)]
    for name in names:
        shutil.copytree(source, own_runs / f".staged-{name}")
    go = own_runs.parent / "go"
    holder = _python(HOLD_LOCK, catalogue_path(own_runs)) if locked else None
    if holder is not None:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    workers = [_python(REGISTER, own_runs / f".staged-{name}", go) for name in names]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        go.touch()
        if holder is not None:
            time.sleep(1.0)  # every worker is now waiting for the lock
            assert all(w.poll() is None for w in workers)
            holder.communicate(timeout=30)  # closing its stdin releases the lock
        for worker in workers:
            _, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
    finally:
        for process in [*workers, *([holder] if holder else [])]:
            if process.poll() is None:
                process.kill()
    assert _registered(own_runs) == before | set(names)


def test_a_busy_catalogue_fails_registration_but_not_the_listing(
    own_runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    list_runs(own_runs)
    monkeypatch.setattr(catalogue_module, "LOCK_WAIT_SECONDS", 0.3)
    shutil.copytree(next(p for p in own_runs.iterdir() if p.is_dir()), own_runs / "late")
    holder = _python(HOLD_LOCK, catalogue_path(own_runs))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="in use by another process"):
            register_run(own_runs / "late")
        with pytest.warns(CatalogueWarning, match="listing the directories directly"):
            listed = list_runs(own_runs)
        assert "late" in set(listed["id"])  # from the directories themselves
    finally:
        holder.communicate(timeout=30)
    assert "late" not in _registered(own_runs)
    list_runs(own_runs)  # the next refresh repairs what was missed
    assert "late" in _registered(own_runs)


def test_the_stata_export_of_the_docs_reads_back(runs: Path, tmp_path: Path) -> None:
    with open_catalogue(runs) as con:
        table = con.sql(
            "SELECT id, scenario, seed, start_year, end_year, scale, created FROM runs"
        ).df()
    table.to_stata(tmp_path / "runs.dta", write_index=False)
    back = pd.read_stata(tmp_path / "runs.dta")
    assert list(back["id"]) == list(table["id"])
    assert list(back["seed"]) == list(table["seed"])
    assert list(back["created"]) == list(table["created"].dt.floor("ms"))
