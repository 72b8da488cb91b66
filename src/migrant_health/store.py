"""The run directory: ``run.json``, ``aggregates.parquet`` and optional snapshots.

A run is written to a temporary sibling directory and renamed into place at the end, so an
interrupted or failed write leaves nothing half-written behind.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
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
    parameters = {
        path: _jsonable(
            tree.overrides[path][-1] if path in tree.overrides else tree.specs[path].value
        )
        for path in tree.paths()
    }
    return {
        "package": "migrant_health",
        "version": package_version(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "config": _jsonable(config),
        "resolved_parameters": parameters,
        "overridden_parameters": sorted(tree.overrides),
        "agents": result.n_agents,
        "chunks": result.n_chunks,
        "agent_years": result.agent_years,
        "timings_seconds": {k: round(v, 3) for k, v in result.timings.items()},
    }


def write_run(result: RunResult, out: Path, *, overwrite: bool = False) -> Path:
    """Write a run directory atomically and return its path.

    Raises:
        RunConfigError: if ``out`` exists and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise RunConfigError(
            f"output directory {out} already exists; choose another --out or remove it"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (staging / "run.json").write_text(json.dumps(run_metadata(result), indent=2))
        result.aggregates.to_parquet(staging / "aggregates.parquet", index=False)
        if not result.snapshots.empty:
            snap_dir = staging / "snapshots"
            snap_dir.mkdir()
            for year, rows in result.snapshots.groupby("year", sort=True):
                rows.to_parquet(snap_dir / f"snapshot_{year}.parquet", index=False)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def read_aggregates(run_dir: Path) -> pd.DataFrame:
    """The tidy aggregates of a run directory."""
    return pd.read_parquet(Path(run_dir) / "aggregates.parquet")
