"""The run directory: ``run.json``, ``aggregates.parquet`` and optional snapshots.

A run is written to a temporary sibling directory and renamed into place at the end, so an
interrupted or failed write leaves nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migrant_health.engine.run import RunResult
from migrant_health.errors import RunConfigError


def package_version() -> str:
    """Installed version of migrant_health (``0+unknown`` from a bare source tree)."""
    try:
        return version("migrant_health")
    except PackageNotFoundError:  # pragma: no cover - source tree without install
        return "0+unknown"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_writable(out: Path) -> None:
    """Fail early, before a long simulation, if ``out`` cannot be created.

    Raises:
        RunConfigError: naming the directory and the reason.
    """
    out = Path(out)
    if out.exists():
        raise RunConfigError(
            f"output directory {out} already exists; choose another --out or remove it"
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = Path(tempfile.mkdtemp(prefix=f".{out.name}.probe.", dir=out.parent))
        probe.rmdir()
    except OSError as exc:
        raise RunConfigError(
            f"cannot write the run directory {out}: {exc.strerror or exc}; choose another --out"
        ) from exc


def data_hashes() -> dict[str, str]:
    """SHA-256 of every data file shipped with the package (inputs of the run)."""
    folder = files("migrant_health.data")
    return {
        entry.name: hashlib.sha256(entry.read_bytes()).hexdigest()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith((".csv", ".yaml"))
    }


def _resolved(result: RunResult, path: str) -> Any:
    """A parameter's value, or ``{year: value}`` over the run when it changes by year."""
    tree = result.tree
    spec = tree.specs[path]
    if path not in tree.overrides and not isinstance(spec.value, dict):
        return _jsonable(spec.value)
    years = range(result.config.start, result.config.end + 1)
    by_year = {year: _jsonable(np.asarray(tree.value_at(path, year)).tolist()) for year in years}
    values = list(by_year.values())
    return values[0] if all(v == values[0] for v in values) else by_year


def run_metadata(result: RunResult) -> dict[str, Any]:
    """Everything needed to reproduce and audit a run."""
    config = asdict(result.config)
    scenario = result.config.scenario
    config["scenario"] = (
        None
        if scenario is None
        else {
            "name": scenario.name,
            "description": scenario.description,
            "origin": scenario.origin,
            "overrides": _jsonable(scenario.overrides),
        }
    )
    tree = result.tree
    parameters = {path: _resolved(result, path) for path in tree.paths()}
    return {
        "package": "migrant_health",
        "version": package_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "config": _jsonable(config),
        "resolved_parameters": parameters,
        "overridden_parameters": sorted(tree.overrides),
        "data_sha256": data_hashes(),
        "agents": result.n_agents,
        "chunks": result.n_chunks,
        "agent_years": result.agent_years,
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
    }


def write_run(result: RunResult, out: Path) -> Path:
    """Write a run directory atomically and return its path.

    The files are written to a temporary sibling directory that is renamed to ``out`` at the
    end; on any failure it is removed, so nothing half-written is left behind.

    Raises:
        RunConfigError: if ``out`` exists or cannot be written.
    """
    out = Path(out)
    check_writable(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        # mkdtemp makes an owner-only directory; give the run the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)
        (staging / "run.json").write_text(json.dumps(run_metadata(result), indent=2))
        result.aggregates.to_parquet(staging / "aggregates.parquet", index=False)
        if not result.snapshots.empty:
            snap_dir = staging / "snapshots"
            snap_dir.mkdir()
            for year, rows in result.snapshots.groupby("year", sort=True):
                rows.to_parquet(snap_dir / f"snapshot_{year}.parquet", index=False)
        staging.rename(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise RunConfigError(f"cannot write the run directory {out}: {exc}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def read_aggregates(run_dir: Path) -> pd.DataFrame:
    """The tidy aggregates of a run directory."""
    return pd.read_parquet(Path(run_dir) / "aggregates.parquet")
