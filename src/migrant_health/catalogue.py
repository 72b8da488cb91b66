"""The DuckDB catalogue of the runs folder: every run and comparison, and SQL over their Parquet.

``runs/catalogue.duckdb`` indexes the run and comparison directories of the runs folder. Its
table ``runs`` has one row per directory; its views ``aggregates``, ``comparison_aggregates``,
``deltas``, ``costs`` and ``cost_effectiveness`` read every directory's Parquet files at query
time, with the directory's id as a column, so a comparison across runs is one SQL query
(docs/store.md lists every column).

The directories are the truth and the catalogue only an index of them: every refresh scans the
folder under the catalogue's write lock, adds new directories, re-reads changed ones and drops
vanished ones, so it never lists a run that is gone. ``simulate`` refreshes it after writing a
run, and :func:`list_runs` and :func:`open_catalogue` before reading it.

DuckDB lets one process write a database file at a time. A refresh that finds the file locked
retries for :data:`LOCK_WAIT_SECONDS`; if it is still locked (any open connection of another
process holds the lock, even a read-only one), the run that wanted to be registered is
registered by the next refresh instead, since that scans the folder again. Because the scan
happens while the lock is held, two runs finishing at once cannot overwrite each other's row.
"""

from __future__ import annotations

import difflib
import json
import random
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from migrant_health.errors import StoreError
from migrant_health.run_records import (
    COLUMNS,
    METADATA_FILES,
    ROW_SCHEMA,
    find_entries,
    read_row,
)
from migrant_health.setting_names import setting
from migrant_health.store import RUNS

__all__ = [
    "CATALOGUE_FILE",
    "KINDS",
    "LOCK_WAIT_SECONDS",
    "CatalogueWarning",
    "Refresh",
    "catalogue_path",
    "delete_run",
    "find_run",
    "list_runs",
    "open_catalogue",
    "refresh_catalogue",
    "register_run",
    "run_details",
    "run_directory",
]

CATALOGUE_FILE = "catalogue.duckdb"
KINDS: tuple[str, ...] = ("run", "comparison", "sensitivity")
# A refresh takes a fraction of a second, so a few seconds cover several runs finishing at once;
# a lock held longer is an open connection, which waiting would not outlast.
LOCK_WAIT_SECONDS = 5.0
# Raised whenever the tables or views change, so an older catalogue is rebuilt, not misread.
SCHEMA_VERSION = 3
# New catalogue files are written in the storage format of DuckDB 1.0, which every DuckDB since
# reads: the duckdb shell, R or DBeaver of an older release than this Python package's can open
# the catalogue (the default would be the newest format, unreadable to them).
STORAGE_VERSION = "v1.0.0"

_SCHEMA = """
CREATE TABLE catalogue_info (schema_version INTEGER);
CREATE TABLE files (id VARCHAR, file VARCHAR, bytes BIGINT, path VARCHAR);
CREATE TABLE scan_state (id VARCHAR, stamp VARCHAR);
"""
_FILES = pa.schema(
    [("id", pa.string()), ("file", pa.string()), ("bytes", pa.int64()), ("path", pa.string())]
)
_OBJECTS = {
    "VIEW": ("aggregates", "comparison_aggregates", "deltas", "costs", "cost_effectiveness"),
    "TABLE": ("runs", "files", "scan_state", "catalogue_info"),
}
# The views' columns when no directory has the file (read_parquet needs at least one file).
_EMPTY_VIEWS = {
    "aggregates": "id VARCHAR, scenario VARCHAR, year BIGINT, metric VARCHAR, "
    '"group" VARCHAR, value DOUBLE',
    "comparison_aggregates": "id VARCHAR, scenario VARCHAR, replicate BIGINT, year BIGINT, "
    'metric VARCHAR, "group" VARCHAR, value DOUBLE',
    "deltas": 'id VARCHAR, scenario VARCHAR, metric VARCHAR, "group" VARCHAR, year BIGINT, '
    "baseline DOUBLE, value DOUBLE, delta DOUBLE, delta_lo DOUBLE, delta_hi DOUBLE, "
    "delta_se DOUBLE, replicates BIGINT",
    "costs": "id VARCHAR, scenario VARCHAR, lever VARCHAR, unit VARCHAR, "
    "reached_person_years DOUBLE, cost_bn_cny_discounted DOUBLE",
    "cost_effectiveness": "id VARCHAR, scenario VARCHAR, outcome VARCHAR, unit VARCHAR, "
    "averted DOUBLE, averted_lo DOUBLE, averted_hi DOUBLE, cost_bn_cny_discounted DOUBLE, "
    "cost_per_outcome_cny DOUBLE",
    "indices": 'id VARCHAR, output VARCHAR, parameter VARCHAR, "index" VARCHAR, value DOUBLE, '
    "conf DOUBLE",
}


class CatalogueWarning(UserWarning):
    """The catalogue could not be brought up to date, or a directory of the folder is broken."""


class _UnavailableError(StoreError):
    """The catalogue file cannot be opened now (locked, unwritable or not a DuckDB file)."""


@dataclass(frozen=True)
class Refresh:
    """What a refresh changed in the catalogue.

    Attributes:
        added: Ids of directories newly listed.
        updated: Ids of directories whose metadata changed and was read again.
        removed: Ids of directories gone (or broken) and dropped.
        problems: One message per directory that could not be listed (bad or missing metadata).
    """

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def catalogue_path(runs: str | Path = RUNS) -> Path:
    """The catalogue file of a runs folder: ``runs/catalogue.duckdb``."""
    return Path(runs) / CATALOGUE_FILE


def _folder(runs: str | Path) -> Path:
    folder = Path(runs)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise StoreError(
            f"the runs folder {folder} {what}; run `migrant-health simulate` to create runs/, "
            f"or pass the folder holding your runs with {setting('runs')}"
        )
    return folder.absolute()


def _connect(path: Path, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A connection to the catalogue file, retrying for ``wait`` seconds while it is locked.

    Raises:
        _UnavailableError: if it is still locked after ``wait`` seconds, or cannot be opened.
    """
    deadline = time.monotonic() + wait
    config: dict[str, str | bool | int | float | list[str]] = (
        {} if read_only else {"storage_compatibility_version": STORAGE_VERSION}
    )
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            message = str(exc)
            if "Could not set lock" in message and time.monotonic() < deadline:
                # Another process is writing; a write takes milliseconds. Jitter keeps two
                # waiting processes from retrying in lockstep.
                time.sleep(random.uniform(0.02, 0.1))
                continue
            raise _UnavailableError(_why_unavailable(path, message)) from exc


@contextmanager
def _connection(path: Path, *, read_only: bool, wait: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`_connect` as a context manager that closes the connection (and so the lock)."""
    con = _connect(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def _why_unavailable(path: Path, message: str) -> str:
    if "Could not set lock" in message:
        return (
            f"the catalogue {path} is in use by another process ({message.splitlines()[0]}); "
            "close it (an open duckdb shell or notebook connection holds it) and try again"
        )
    if "different configuration" in message:
        return (
            f"the catalogue {path} is already open in this process with other settings; "
            "close that connection first"
        )
    return (
        f"cannot open the catalogue {path}: {message.splitlines()[0]}; it holds nothing the "
        "run directories do not, so delete it and `migrant-health runs list` rebuilds it"
    )


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables, or rebuild them if they were made by another schema version."""
    tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    present = {name for (name,) in tables}
    if "catalogue_info" in present:
        row = con.execute("SELECT max(schema_version) FROM catalogue_info").fetchone()
        if row is not None and row[0] == SCHEMA_VERSION:
            return
    for kind, names in _OBJECTS.items():
        for name in names:
            con.execute(f"DROP {kind} IF EXISTS {name}")
    con.execute(_SCHEMA)
    # The runs table takes its columns and types from the row schema.
    con.register("_incoming", ROW_SCHEMA.empty_table())
    con.execute("CREATE TABLE runs AS SELECT * FROM _incoming")
    con.unregister("_incoming")
    con.execute("INSERT INTO catalogue_info VALUES (?)", [SCHEMA_VERSION])
    _create_views(con)


def _sql_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the views over the Parquet files the ``files`` table lists.

    A view names its files (DuckDB reads them at query time); ``filename = true`` adds each
    row's file, which the ``files`` table maps to the directory's id.
    """

    def files(kind: str, name: str) -> list[str]:
        rows = con.execute(
            "SELECT f.path FROM files f JOIN runs r USING (id) "
            "WHERE r.kind = ? AND f.file = ? ORDER BY f.id",
            [kind, name],
        ).fetchall()
        return [path for (path,) in rows]

    selects = {
        "aggregates": (
            files("run", "aggregates.parquet"),
            'f.id, r.scenario, p.year, p.metric, p."group", p.value',
            "JOIN runs r ON r.id = f.id",
        ),
        "comparison_aggregates": (
            files("comparison", "aggregates.parquet"),
            "f.id, p.* EXCLUDE (filename)",
            "",
        ),
        "deltas": (files("comparison", "deltas.parquet"), "f.id, p.* EXCLUDE (filename)", ""),
        # The cost tables of comparisons (docs/policy.md, section 7).
        "costs": (files("comparison", "costs.parquet"), "f.id, p.* EXCLUDE (filename)", ""),
        "cost_effectiveness": (
            files("comparison", "cost_effectiveness.parquet"),
            "f.id, p.* EXCLUDE (filename)",
            "",
        ),
        # The indices of sensitivity studies (docs/sensitivity.md).
        "indices": (files("sensitivity", "indices.parquet"), "f.id, p.* EXCLUDE (filename)", ""),
    }
    for view, (paths, columns, join) in selects.items():
        if paths:
            body = (
                f"SELECT {columns} FROM read_parquet({_sql_list(paths)}, filename = true, "
                f"union_by_name = true) p JOIN files f ON f.path = p.filename {join}"
            )
        else:
            names = ", ".join(f"NULL::{c.split()[-1]} AS {c.split()[0]}" for c in _columns(view))
            body = f"SELECT {names} WHERE false"
        con.execute(f"CREATE OR REPLACE VIEW {view} AS {body}")


def _columns(view: str) -> list[str]:
    return [c.strip() for c in _EMPTY_VIEWS[view].split(",")]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append an Arrow table to a catalogue table.

    One statement for the whole table: a statement per row takes seconds for a few hundred runs.
    """
    columns = ", ".join(rows.column_names)
    con.register("_incoming", rows)
    try:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _incoming")
    finally:
        con.unregister("_incoming")


def _refresh(con: duckdb.DuckDBPyConnection, folder: Path) -> Refresh:
    """Bring the catalogue in line with the folder (the caller holds the write lock)."""
    _ensure_schema(con)
    entries = find_entries(folder)
    known: dict[str, str] = dict(con.execute("SELECT id, stamp FROM scan_state").fetchall())
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for entry in entries:
        if known.get(entry.id) != entry.stamp:
            try:
                rows.append(read_row(entry))
            except StoreError as exc:
                problems.append(str(exc))
    fresh = {row["id"] for row in rows}
    kept = [e for e in entries if known.get(e.id) == e.stamp or e.id in fresh]
    kept_ids = {e.id for e in kept}
    stale = sorted(i for i in known if i not in kept_ids or i in fresh)
    files = sorted((e.id, name, size, str(e.path / name)) for e in kept for name, size in e.files)
    before = sorted(con.execute("SELECT id, file, bytes, path FROM files").fetchall())
    if not rows and not stale and files == before:
        return Refresh(problems=tuple(problems))
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("runs", "scan_state"):
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, id)", [stale])
        _insert(con, "runs", pa.Table.from_pylist(rows, schema=ROW_SCHEMA))
        stamps = {e.id: e.stamp for e in entries}
        _insert(
            con,
            "scan_state",
            pa.table({"id": sorted(fresh), "stamp": [stamps[i] for i in sorted(fresh)]}),
        )
        con.execute("DELETE FROM files")
        listed = [dict(zip(_FILES.names, f, strict=True)) for f in files]
        _insert(con, "files", pa.Table.from_pylist(listed, schema=_FILES))
        # A directory can gain files (a report) without its metadata changing.
        con.execute("UPDATE runs SET bytes = (SELECT sum(bytes) FROM files f WHERE f.id = runs.id)")
        _create_views(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Refresh(
        added=tuple(sorted(i for i in fresh if i not in known)),
        updated=tuple(sorted(i for i in fresh if i in known)),
        removed=tuple(i for i in stale if i not in fresh),
        problems=tuple(problems),
    )


def refresh_catalogue(runs: str | Path = RUNS, *, wait: float | None = None) -> Refresh:
    """Bring the catalogue of a runs folder in line with its directories (creating it if new).

    Args:
        runs: The runs folder.
        wait: Seconds to wait for a lock held by another process (default
            :data:`LOCK_WAIT_SECONDS`).

    Returns:
        What changed, and the directories that could not be listed.

    Raises:
        StoreError: if the folder does not exist, or the catalogue is locked for longer than
            ``wait``, cannot be written, or is not a DuckDB file.
    """
    folder = _folder(runs)
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    with _connection(catalogue_path(folder), read_only=False, wait=wait) as con:
        return _refresh(con, folder)


def register_run(run_dir: str | Path, *, wait: float | None = None) -> Refresh:
    """Add a run or comparison directory just written to the catalogue of its folder.

    This is a refresh of the folder holding ``run_dir`` (so anything else missed is added too).
    ``migrant-health simulate`` calls it after writing a run into the runs folder, and only
    warns if it fails: the next refresh lists the run anyway.

    Raises:
        StoreError: as :func:`refresh_catalogue`.
    """
    return refresh_catalogue(Path(run_dir).absolute().parent, wait=wait)


def open_catalogue(
    runs: str | Path = RUNS,
    *,
    refresh: bool = True,
    read_only: bool = True,
    wait: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the catalogue of a runs folder, refreshed first.

    Close it when done (or use it in a ``with`` block): while a process holds a connection, no
    other process can write the catalogue (a read-only one still lets others read).

    Example::

        with open_catalogue("runs") as con:
            con.sql("SELECT id, scenario, seed FROM runs").df()

    Args:
        runs: The runs folder.
        refresh: Scan the folder first, so the catalogue lists exactly its directories.
        read_only: Open read-only (several processes may read at once).
        wait: Seconds to wait for a lock held by another process.

    Raises:
        StoreError: if the folder does not exist, or the catalogue cannot be opened (locked,
            unwritable, not a DuckDB file, or missing when ``refresh`` is false).
    """
    folder = _folder(runs)
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    path = catalogue_path(folder)
    if refresh:
        for problem in refresh_catalogue(folder, wait=wait).problems:
            warnings.warn(f"not listed: {problem}", CatalogueWarning, stacklevel=2)
    elif not path.exists():
        raise StoreError(
            f"no catalogue at {path}; `migrant-health runs list --runs {runs}` builds it"
        )
    return _connect(path, read_only=read_only, wait=wait)


def _scanned_rows(folder: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The ``runs`` table computed from the directories alone (when the catalogue is busy).

    Returns:
        The rows, and one message per directory that could not be read.
    """
    rows = []
    problems = []
    for entry in find_entries(folder):
        try:
            rows.append(read_row(entry))
        except StoreError as exc:
            problems.append(str(exc))
    return pd.DataFrame(rows, columns=list(COLUMNS)), tuple(problems)


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise StoreError(f"unknown kind '{kind}'; choose one of {', '.join(KINDS)}")


def list_runs(runs: str | Path = RUNS, kind: str | None = None) -> pd.DataFrame:
    """Every run and comparison of a runs folder, oldest first: the catalogue's ``runs`` table.

    The catalogue is refreshed first. If it cannot be (another process holds it for longer than
    :data:`LOCK_WAIT_SECONDS`, the folder is read-only, the file is damaged), the same rows are
    computed from the directories themselves and a :class:`CatalogueWarning` says why. A
    directory whose metadata is broken is left out with a :class:`CatalogueWarning`.

    Args:
        runs: The runs folder.
        kind: ``run`` or ``comparison`` to list only that kind (default: both).

    Raises:
        StoreError: if the folder does not exist or ``kind`` is unknown.
    """
    _check_kind(kind)
    folder = _folder(runs)
    if not catalogue_path(folder).exists() and not find_entries(folder):
        # Nothing to catalogue: a folder without runs (often a mistyped --runs) is left as it
        # was, without a catalogue file written into it.
        return _scanned_rows(folder)[0]
    try:
        refresh = refresh_catalogue(folder)
        with _connection(catalogue_path(folder), read_only=True, wait=LOCK_WAIT_SECONDS) as con:
            table = con.execute("SELECT * FROM runs ORDER BY created, id").df()
    except _UnavailableError as exc:
        warnings.warn(f"{exc}; listing the directories directly", CatalogueWarning, stacklevel=2)
        table, problems = _scanned_rows(folder)
        table = table.sort_values(["created", "id"], ignore_index=True)
        refresh = Refresh(problems=problems)
    for problem in refresh.problems:
        warnings.warn(f"not listed: {problem}", CatalogueWarning, stacklevel=2)
    if kind is not None:
        table = table[table["kind"] == kind].reset_index(drop=True)
    return table


def _name_in(folder: Path, run_id: str) -> str:
    """The directory name that ``run_id`` (an id, or a path to the directory) gives.

    Raises:
        StoreError: if it points outside the runs folder (``..``, an absolute path elsewhere, a
            symbolic link leading out) or names a hidden directory.
    """
    given = Path(run_id)
    candidate = given if given.is_absolute() or len(given.parts) > 1 else folder / given
    resolved = candidate.resolve()
    if run_id.strip() and len(given.parts) > 1 and not candidate.exists():
        raise StoreError(
            f"no directory {run_id}; give the path of a run or comparison directory, or its id "
            "(`migrant-health runs list`)"
        )
    if resolved.parent != folder.resolve() or not run_id.strip():
        raise StoreError(
            f"'{run_id}' is not a directory inside the runs folder {folder}; give the id of a "
            f"run or comparison (`migrant-health runs list`), or point {setting('runs')} at its "
            "folder"
        )
    if resolved.name.startswith("."):
        raise StoreError(
            f"'{run_id}' is a hidden directory of {folder} (a run being written or deleted), "
            "not a run or comparison"
        )
    return resolved.name


def _unknown(run_id: str, ids: Sequence[str], folder: Path) -> StoreError:
    if not ids:
        return StoreError(f"no run or comparison '{run_id}': the runs folder {folder} holds none")
    closest = difflib.get_close_matches(run_id, ids, n=3, cutoff=0.0)
    return StoreError(
        f"no run or comparison '{run_id}' in {folder}; closest: {', '.join(closest)} "
        "(`migrant-health runs list` shows all)"
    )


def find_run(run_id: str, runs: str | Path = RUNS) -> dict[str, Any]:
    """The catalogue row of one run or comparison (refreshed first).

    Args:
        run_id: Its id (the directory's name), or the path of its directory.
        runs: The runs folder.

    Raises:
        StoreError: if no directory of the folder has that id (the message lists the closest
            ids), or ``run_id`` points outside the folder.
    """
    folder = _folder(runs)
    name = _name_in(folder, run_id)
    table = list_runs(folder)
    match = table[table["id"] == name]
    if match.empty:
        raise _unknown(run_id, list(table["id"]), folder)
    return {str(k): v for k, v in match.iloc[0].items()}


def run_details(run_id: str, runs: str | Path = RUNS) -> dict[str, Any]:
    """Everything ``migrant-health runs show`` prints about one run or comparison.

    Args:
        run_id: Its id (the directory's name), or the path of its directory.
        runs: The runs folder.

    Returns:
        ``row`` (its catalogue row), ``settings`` (the run settings recorded in its metadata,
        with ``replicates`` for a comparison), ``scenarios`` (name, description, origin and
        overrides of each scenario; a run of the baseline has none) and ``files`` (each file of
        the directory with its size in bytes).

    Raises:
        StoreError: as :func:`find_run`.
    """
    row = find_run(run_id, runs)
    directory = Path(row["path"])
    meta_name = METADATA_FILES[row["kind"]]
    metadata = json.loads((directory / meta_name).read_text(encoding="utf-8"))
    settings = dict(metadata.get("config", {}))
    if row["kind"] == "comparison":
        scenarios = list(metadata.get("scenarios", []))
        settings["replicates"] = metadata.get("replicates")
    elif row["kind"] == "sensitivity":
        # A study samples parameters instead of running scenarios: its design, as settings.
        scenarios = []
        settings.update(
            method=metadata.get("method"),
            samples=metadata.get("samples"),
            runs=metadata.get("runs"),
            parameters=[p.get("name") for p in metadata.get("parameters", [])],
            outputs=[o.get("name") for o in metadata.get("outputs", [])],
        )
    else:
        scenario = settings.pop("scenario", None)
        scenarios = [scenario] if scenario else []
    files = [
        {"file": file.relative_to(directory).as_posix(), "bytes": file.stat().st_size}
        for file in sorted(directory.rglob("*"))
        if file.is_file()
    ]
    return {"row": row, "settings": settings, "scenarios": scenarios, "files": files}


def run_directory(run_id: str, runs: str | Path = RUNS) -> Path:
    """The run or comparison directory that ``run_id`` names, checked to be one.

    It need not be listed (its metadata may be broken), but it must be a directory directly
    inside the runs folder holding ``run.json`` or ``comparison.json``.

    Args:
        run_id: Its id (the directory's name), or the path of its directory.
        runs: The runs folder.

    Raises:
        StoreError: if ``run_id`` points outside the runs folder or at something that is not a
            run or comparison directory, or names nothing (the message lists the closest ids).
    """
    folder = _folder(runs)
    name = _name_in(folder, run_id)
    target = folder / name
    ids = [e.id for e in find_entries(folder)]
    if not target.exists():
        raise _unknown(run_id, ids, folder)
    if target.is_symlink() or name not in ids:
        raise StoreError(
            f"{target} is not a run, comparison or sensitivity directory (it holds no "
            "run.json, comparison.json or sensitivity.json); nothing deleted"
        )
    return target


def delete_run(run_id: str, runs: str | Path = RUNS) -> Path:
    """Delete a run or comparison directory and its catalogue row; return the path removed.

    The directory is first renamed to a hidden name (at once it is neither listed nor read by
    the views), then removed, then the catalogue is refreshed. If the catalogue is busy, a
    :class:`CatalogueWarning` says so and the next refresh drops the row.

    Args:
        run_id: Its id (the directory's name), or the path of its directory.
        runs: The runs folder.

    Raises:
        StoreError: as :func:`run_directory` (nothing is deleted then).
    """
    target = run_directory(run_id, runs)
    folder = target.parent
    doomed = Path(tempfile.mkdtemp(prefix=f".deleting-{target.name}.", dir=folder))
    target.rename(doomed / target.name)
    try:
        shutil.rmtree(doomed)
    except OSError as exc:
        raise StoreError(
            f"{target} was moved to {doomed} but could not be removed completely ({exc}); "
            "remove that folder by hand"
        ) from exc
    try:
        refresh_catalogue(folder)
    except _UnavailableError as exc:
        warnings.warn(
            f"{exc}; the row of {target.name} goes at the next refresh",
            CatalogueWarning,
            stacklevel=2,
        )
    return target
