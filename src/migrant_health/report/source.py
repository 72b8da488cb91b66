"""What a report is made from: a run, comparison or sensitivity directory, found and checked
first.

``migrant-health report`` takes a directory (a run's, a comparison's or a sensitivity study's)
or the id of one in the runs folder, as ``migrant-health runs show`` does. Everything the report
reads is checked before any figure is drawn: the metadata file (``run.json``,
``comparison.json`` or ``sensitivity.json``, with the keys the catalogue checks:
:mod:`migrant_health.run_records`) and the Parquet files the kind of directory must hold. A
directory of no kind, a missing or unreadable file, or an unknown id is a
:class:`~migrant_health.errors.StoreError` naming the path and how to fix it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from migrant_health import catalogue
from migrant_health.errors import StoreError
from migrant_health.experiments.deltas import DELTA_COLUMNS
from migrant_health.run_records import (
    COMPARISON_FILE,
    RUN_FILE,
    SENSITIVITY_FILE,
    Entry,
    read_metadata,
)
from migrant_health.setting_names import setting
from migrant_health.store import RUNS

#: Columns each Parquet file must have for the report to read it.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "run/aggregates.parquet": ("year", "metric", "group", "value"),
    "comparison/aggregates.parquet": ("scenario", "replicate", "year", "metric", "group", "value"),
    # The columns of deltas.parquet that the page draws (not delta_se, replicates).
    "comparison/deltas.parquet": DELTA_COLUMNS[: DELTA_COLUMNS.index("delta_hi") + 1],
    "sensitivity/indices.parquet": ("output", "parameter", "index", "value", "conf"),
    "sensitivity/samples.parquet": ("sample",),
}


@dataclass(frozen=True)
class Results:
    """A checked run, comparison or sensitivity directory.

    Attributes:
        kind: ``run``, ``comparison`` or ``sensitivity``.
        directory: The directory (absolute).
        metadata: The content of ``run.json``, ``comparison.json`` or ``sensitivity.json``.
    """

    kind: str
    directory: Path
    metadata: dict[str, Any]

    @property
    def name(self) -> str:
        """The directory's name (its id in the runs folder)."""
        return self.directory.name

    def file(self, name: str) -> Path:
        """A file of the directory."""
        return self.directory / name


def _kind(directory: Path) -> str | None:
    if (directory / COMPARISON_FILE).is_file():
        return "comparison"
    if (directory / RUN_FILE).is_file():
        return "run"
    if (directory / SENSITIVITY_FILE).is_file():
        return "sensitivity"
    return None


def find_results(target: str | Path, runs: str | Path = RUNS) -> Path:
    """The directory that ``target`` names: a directory path, or an id in the runs folder.

    Raises:
        StoreError: if ``target`` is a directory that is neither a run nor a comparison, a
            file, or an id the runs folder does not hold (the message lists the closest ids).
    """
    path = Path(target)
    if path.is_dir():
        if _kind(path) is None:
            raise StoreError(
                f"{path} is not a run, comparison or sensitivity directory (it holds none of "
                f"{RUN_FILE}, {COMPARISON_FILE}, {SENSITIVITY_FILE}); give a directory written "
                "by `migrant-health simulate`, `compare` or `sensitivity`, or the id of one "
                "(`migrant-health runs list`)"
            )
        return path.absolute()
    if path.exists():
        raise StoreError(
            f"{path} is a file; give a run, comparison or sensitivity directory, or the id of one "
            "(`migrant-health runs list`)"
        )
    if not Path(runs).is_dir():
        raise StoreError(
            f"no directory {path}, and no runs folder {runs} to look it up in as an id; give "
            "the path of a run, comparison or sensitivity directory, or point "
            f"{setting('runs')} at the runs folder"
        )
    return catalogue.run_directory(str(target), runs)


def _check_columns(path: Path, required: tuple[str, ...]) -> None:
    try:
        columns = set(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(f"{path}: not readable as Parquet ({exc})") from exc
    missing = [c for c in required if c not in columns]
    if missing:
        raise StoreError(
            f"{path}: lacks the column(s) {', '.join(missing)}; was it written by another "
            "program? Re-run the command that wrote the directory"
        )


def open_results(target: str | Path, runs: str | Path = RUNS) -> Results:
    """Find and check a run, comparison or sensitivity directory (see :func:`find_results`).

    Raises:
        StoreError: naming the directory or file and what is wrong with it.
    """
    directory = find_results(target, runs)
    kind = _kind(directory)
    assert kind is not None  # find_results returned a directory of a known kind
    try:
        files = tuple(
            (f.relative_to(directory).as_posix(), f.stat().st_size)
            for f in sorted(directory.rglob("*"))
            if f.is_file()
        )
    except OSError as exc:
        raise StoreError(f"{directory}: cannot be read ({exc})") from exc
    entry = Entry(directory.name, kind, directory, stamp="", files=files)
    read_metadata(entry)  # the keys the catalogue needs, and the Parquet files the kind needs
    for key, required in REQUIRED_COLUMNS.items():
        folder_kind, name = key.split("/")
        if folder_kind == kind:
            _check_columns(directory / name, required)
    metadata = json.loads(entry.metadata_file.read_text(encoding="utf-8"))
    return Results(kind, directory, metadata)
