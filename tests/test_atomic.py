"""Files are written atomically: the target appears complete or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrant_health.atomic import atomic_directory, atomic_path


def test_a_successful_write_is_renamed_onto_the_target(tmp_path: Path) -> None:
    target = tmp_path / "new folder" / "scores.csv"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent and tmp.suffix == ".csv"  # same folder, same format
        assert not target.exists()  # nothing at the target while writing
        tmp.write_text("id,score\n1,0.5\n")
    assert target.read_text() == "id,score\n1,0.5\n"
    assert os.listdir(target.parent) == ["scores.csv"]


def test_the_written_file_gets_the_usual_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "report.html") as tmp:
            tmp.write_text("<html></html>")
    finally:
        os.umask(umask)
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_neither_target_nor_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "survey.dta"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a file")
        raise RuntimeError("the writer failed")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "best.yaml"
    target.write_text("previous: 1\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert target.read_text() == "previous: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["best.yaml"]


def test_a_directory_appears_complete_under_a_new_name(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with atomic_directory(None, runs, "comparison", stamp="20260101-120000") as (staging, target):
        assert target == runs / "comparison-20260101-120000"
        assert target.is_dir() and not any(target.iterdir())  # the name is claimed, empty
        (staging / "table.parquet").write_text("x")
    assert os.listdir(target) == ["table.parquet"]
    assert os.listdir(runs) == ["comparison-20260101-120000"]  # no staging left
    with atomic_directory(None, runs, "comparison", stamp="20260101-120000") as (_, second):
        pass
    assert second.name == "comparison-20260101-120000-2"  # same second, another name


def test_a_failed_directory_leaves_nothing(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(RuntimeError), atomic_directory(None, runs, "comparison") as (staging, _):
        (staging / "half.parquet").write_text("x")
        raise RuntimeError("interrupted")
    assert os.listdir(runs) == []  # a folder that was there stays
    with pytest.raises(RuntimeError), atomic_directory(tmp_path / "out", runs, "c") as (_, target):
        raise RuntimeError("interrupted")
    assert not target.exists() and sorted(os.listdir(tmp_path)) == ["runs"]


def test_a_failed_write_removes_the_folders_it_made_and_only_those(tmp_path: Path) -> None:
    """``--out a/b/run`` stopped by Ctrl-C or SIGTERM left an empty ``a/b`` behind."""
    with (
        pytest.raises(KeyboardInterrupt),
        atomic_directory(tmp_path / "a" / "b" / "run", tmp_path, "c"),
    ):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt), atomic_directory(None, tmp_path / "runs", "c"):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "x" / "y" / "report.html"):
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []
    # A folder that another writer filled meanwhile stays, and so do its parents.
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x" / "y" / "report.html"):
        (tmp_path / "x" / "notes.txt").write_text("someone else's")
        raise RuntimeError("the writer failed")
    assert os.listdir(tmp_path) == ["x"] and os.listdir(tmp_path / "x") == ["notes.txt"]


def test_a_path_through_a_new_folder_and_back_counts_only_that_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``new/../kept/file``: the existing ``kept`` (and whatever the user keeps in it, even
    nothing) stays when the write fails; ``new``, made for the write, goes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError), atomic_path("new/../kept/file.txt"):
        raise RuntimeError("the writer failed")
    assert sorted(os.listdir(tmp_path)) == ["kept"]
