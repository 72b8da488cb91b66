"""What the catalogue knows about one directory of the runs folder: a run, a comparison or a
sensitivity study.

A *run* directory holds ``run.json`` and ``aggregates.parquet`` (written by
:func:`migrant_health.store.write_run`); a *comparison* directory holds ``comparison.json``,
``aggregates.parquet`` and ``deltas.parquet`` (written by ``migrant-health compare``); a
*sensitivity* directory holds ``sensitivity.json`` and ``indices.parquet`` (written by
``migrant-health sensitivity``). Reading one gives its row of the catalogue's ``runs`` table.
The metadata is checked with pydantic models that name only the keys the catalogue uses, so a
file with more keys (a newer version) still reads, and one that lacks a key is reported with
the file and the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from migrant_health.errors import StoreError

RUN_FILE = "run.json"
COMPARISON_FILE = "comparison.json"
SENSITIVITY_FILE = "sensitivity.json"
#: Each kind of directory's metadata file, in the order a directory is recognised by.
METADATA_FILES: dict[str, str] = {
    "comparison": COMPARISON_FILE,
    "sensitivity": SENSITIVITY_FILE,
    "run": RUN_FILE,
}
# The Parquet tables the views of the catalogue read, where a directory holds them.
VIEWED_FILES = (
    "aggregates.parquet",
    "deltas.parquet",
    "costs.parquet",
    "cost_effectiveness.parquet",
    "indices.parquet",
)
# The Parquet files each kind of directory must hold (the views of the catalogue read them).
REQUIRED_FILES: dict[str, tuple[str, ...]] = {
    "run": ("aggregates.parquet",),
    "comparison": ("aggregates.parquet", "deltas.parquet"),
    "sensitivity": ("indices.parquet",),
}
# The catalogue's ``runs`` table: its columns and types, in order (docs/store.md describes each).
# The table is created from this schema and filled from Arrow tables of it.
ROW_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("path", pa.string()),
        ("created", pa.timestamp("us")),
        ("version", pa.string()),
        ("scenario", pa.string()),
        ("start_year", pa.int32()),
        ("end_year", pa.int32()),
        ("scale", pa.float64()),
        ("seed", pa.int64()),
        ("replicates", pa.int32()),
        ("agents", pa.int64()),
        ("agent_years", pa.int64()),
        ("seconds", pa.float64()),
        ("bytes", pa.int64()),
        ("overridden", pa.list_(pa.string())),
    ]
)
COLUMNS: tuple[str, ...] = tuple(ROW_SCHEMA.names)


class _Metadata(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ScenarioMetadata(_Metadata):
    """A scenario as a run or a comparison records it."""

    name: str
    description: str = ""
    origin: str = ""
    overrides: dict[str, Any] = Field(default_factory=dict)


class ConfigMetadata(_Metadata):
    """The run settings the catalogue lists (``run.json`` and ``comparison.json`` ``config``)."""

    start: int
    end: int
    scale: float
    seed: int


class RunConfigMetadata(ConfigMetadata):
    """A run's settings, with the scenario it ran (``None``: the baseline)."""

    scenario: ScenarioMetadata | None = None


class RunMetadata(_Metadata):
    """The keys of ``run.json`` that the catalogue reads."""

    version: str
    created: datetime
    config: RunConfigMetadata
    overridden_parameters: list[str] = Field(default_factory=list)
    agents: int | None = None
    agent_years: int | None = None
    timings_seconds: dict[str, Any] = Field(default_factory=dict)


class ComparisonMetadata(_Metadata):
    """The keys of ``comparison.json`` that the catalogue reads."""

    kind: Literal["comparison"]
    version: str
    created: datetime
    config: ConfigMetadata
    scenarios: list[ScenarioMetadata] = Field(min_length=1)
    replicates: int
    timings_seconds: dict[str, Any] = Field(default_factory=dict)


class StudyParameter(_Metadata):
    """A parameter a sensitivity study sampled, as ``sensitivity.json`` records it."""

    name: str


class SensitivityMetadata(_Metadata):
    """The keys of ``sensitivity.json`` that the catalogue reads."""

    kind: Literal["sensitivity"]
    version: str
    created: datetime
    method: str
    runs: int
    config: ConfigMetadata
    parameters: list[StudyParameter] = Field(min_length=1)
    timings_seconds: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """A run, comparison or sensitivity directory found in the runs folder, before its metadata
    is read.

    Attributes:
        id: The directory's name.
        kind: ``run``, ``comparison`` or ``sensitivity``.
        path: The directory (absolute).
        stamp: The metadata file's path, modification time and size, and those of the tables
            the catalogue's views read: a directory whose stamp is unchanged since the
            catalogue read it need not be read again.
        files: Every file in the directory (relative POSIX path, bytes), sorted.
    """

    id: str
    kind: str
    path: Path
    stamp: str
    files: tuple[tuple[str, int], ...]

    @property
    def metadata_file(self) -> Path:
        """``run.json``, ``comparison.json`` or ``sensitivity.json``."""
        return self.path / METADATA_FILES[self.kind]


def find_entries(runs: Path) -> list[Entry]:
    """The run, comparison and sensitivity directories directly inside ``runs``, sorted by name.

    Hidden directories are skipped: they are a run being written (``store.write_run`` writes to
    a hidden sibling and renames it) or one being deleted. So is any directory holding neither
    metadata file (a name reserved by a run still writing, a user's notes),
    and a symbolic link: what it leads to is not in the folder, and ``runs delete`` would refuse it.
    """
    found = []
    for path in sorted(Path(runs).absolute().iterdir()):
        if path.name.startswith(".") or path.is_symlink() or not path.is_dir():
            continue
        kind = next((k for k, name in METADATA_FILES.items() if (path / name).is_file()), None)
        if kind is None:
            continue
        meta = path / METADATA_FILES[kind]
        try:
            status = meta.stat()
            files = tuple(
                (file.relative_to(path).as_posix(), file.stat().st_size)
                for file in sorted(path.rglob("*"))
                if file.is_file()
            )
            # The tables the views read count too: one damaged after it was listed is checked
            # again (read_row) rather than left to fail every query.
            tables = [path / name for name in VIEWED_FILES if (path / name).is_file()]
            viewed = "".join(f"|{t.name}:{t.stat().st_mtime_ns}:{t.stat().st_size}" for t in tables)
        except FileNotFoundError:  # deleted while we looked: it is gone, not broken
            continue
        stamp = f"{meta}|{status.st_mtime_ns}|{status.st_size}{viewed}"
        found.append(Entry(path.name, kind, path, stamp, files))
    return found


def read_metadata(entry: Entry) -> RunMetadata | ComparisonMetadata | SensitivityMetadata:
    """The checked metadata of a run, comparison or sensitivity directory.

    Raises:
        StoreError: naming the file, and the key that is missing or wrong, or the Parquet file
            that is missing.
    """
    where = entry.metadata_file
    try:
        content = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{where}: not readable as JSON ({exc})") from exc
    model: type[RunMetadata] | type[ComparisonMetadata] | type[SensitivityMetadata] = RunMetadata
    if entry.kind == "comparison":
        model = ComparisonMetadata
    elif entry.kind == "sensitivity":
        model = SensitivityMetadata
    try:
        metadata = model.model_validate(content)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'top level'}: {e['msg']}" for e in exc.errors()
        )
        raise StoreError(f"{where}: {reasons}") from exc
    present = {name for name, _ in entry.files}
    missing = [name for name in REQUIRED_FILES[entry.kind] if name not in present]
    if missing:
        raise StoreError(f"{entry.path}: the {entry.kind} directory lacks {', '.join(missing)}")
    return metadata


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC without a time zone (a naive time is taken to be UTC already)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _seconds(timings: dict[str, Any]) -> float | None:
    """Wall time of a run: ``total`` if recorded, else the sum of its numeric steps."""
    if isinstance(timings.get("total"), int | float):
        return round(float(timings["total"]), 3)
    steps = [v for v in timings.values() if isinstance(v, int | float) and not isinstance(v, bool)]
    return round(float(sum(steps)), 3) if steps else None


def _check_tables(entry: Entry) -> None:
    """Refuse a directory whose Parquet tables cannot be opened (cut short, overwritten).

    Only the footers of the tables the catalogue's views read (:data:`VIEWED_FILES`) are read.
    A damaged table in the catalogue made every later query of every run fail, not only that
    directory's.
    """
    for name, _ in entry.files:
        if name not in VIEWED_FILES:
            continue
        try:
            pq.read_metadata(entry.path / name)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(
                f"{entry.path / name} is not a readable Parquet table ({exc}); run it again "
                "or remove the directory"
            ) from exc


def read_row(entry: Entry) -> dict[str, Any]:
    """The directory's row of the catalogue's ``runs`` table (keys: :data:`COLUMNS`, in order).

    Raises:
        StoreError: if its metadata is unreadable or incomplete (see :func:`read_metadata`), or
            one of its Parquet tables is damaged (the catalogue's views would fail on it).
    """
    meta = read_metadata(entry)
    _check_tables(entry)
    config = meta.config
    agents: int | None
    agent_years: int | None
    replicates: int | None
    if isinstance(meta, ComparisonMetadata):
        scenario = ",".join(s.name for s in meta.scenarios)
        overridden = sorted({path for s in meta.scenarios for path in s.overrides})
        replicates = meta.replicates
        agents = agent_years = None
    elif isinstance(meta, SensitivityMetadata):
        # A study has no scenario of its own: its method and runs, and the parameters it
        # sampled as what it overrides.
        scenario = f"{meta.method} ({meta.runs} runs)"
        overridden = sorted({p.name for p in meta.parameters})
        replicates = agents = agent_years = None
    else:
        run_config = meta.config
        scenario = run_config.scenario.name if run_config.scenario else "baseline"
        overridden = sorted(meta.overridden_parameters)
        replicates = 1
        agents, agent_years = meta.agents, meta.agent_years
    return {
        "id": entry.id,
        "kind": entry.kind,
        "path": str(entry.path),
        "created": _utc(meta.created),
        "version": meta.version,
        "scenario": scenario,
        "start_year": config.start,
        "end_year": config.end,
        "scale": config.scale,
        "seed": config.seed,
        "replicates": replicates,
        "agents": agents,
        "agent_years": agent_years,
        "seconds": _seconds(meta.timings_seconds),
        "bytes": sum(size for _, size in entry.files),
        "overridden": overridden,
    }
