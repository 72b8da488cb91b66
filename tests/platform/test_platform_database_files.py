"""The embedded database's files are the owner's only, without touching the process's umask.

The umask belongs to the whole process: set in the thread that opens a database connection, it
changed the permissions of whatever another thread created meanwhile (a run directory written
by a job came out 0700).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from migrant_health.platform.database import make_engine
from migrant_health.platform.settings import Settings


def test_the_database_and_its_journal_are_the_owners_only_and_the_umask_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_umask(mask: int) -> int:
        raise AssertionError(f"os.umask({mask:o}) called while opening the database")

    previous = os.umask(0o022)
    try:
        monkeypatch.setattr(os, "umask", no_umask)
        engine = make_engine(Settings.from_data_dir(tmp_path / "data"))
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        files = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "data").iterdir()}
        engine.dispose()
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert "platform.sqlite-wal" in files, files  # written while a connection is open
    assert files["platform.sqlite"] == 0o600
    assert files["platform.sqlite-wal"] == 0o600  # SQLite gives it the database's permissions
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
