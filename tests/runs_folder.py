"""A runs folder for the catalogue's tests: two real runs written by ``simulate``, fake comparisons.

The runs are written by the command line as a user would (``migrant-health simulate`` in a
folder, with the default ``runs/`` directory); a comparison directory is faked to the contract of
``migrant-health compare`` (comparison.json, aggregates.parquet, deltas.parquet), so the
catalogue's tests do not depend on that command.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app

SMALL = ["--scale", "50000", "--end", "2010", "--workers", "1"]
HOURS = "policy.fair_employment.hours_reduction"
SCENARIO = (
    f"name: shorter hours\ndescription: a working-time rule from 2009\n{HOURS}: {{2009: 8.0}}\n"
)


def simulate_two_runs(workdir: Path) -> Path:
    """Run ``simulate`` twice in ``workdir``: the baseline (seed 1) and a scenario (seed 2).

    Returns:
        The runs folder, ``workdir/runs``, holding the two run directories.
    """
    (workdir / "shorter_hours.yaml").write_text(SCENARIO)
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        for extra in (["--seed", "1"], ["--seed", "2", "--scenario", "shorter_hours.yaml"]):
            result = runner.invoke(app, ["simulate", *SMALL, *extra])
            assert result.exit_code == 0, result.output
    return workdir / "runs"


def copy_folder(runs: Path, target: Path) -> Path:
    """A copy of a runs folder's run directories (not its catalogue), for a test that changes it."""
    target.mkdir(parents=True)
    for directory in runs.iterdir():
        if directory.is_dir():
            shutil.copytree(directory, target / directory.name)
    return target


def write_comparison(
    directory: Path, scenarios: tuple[str, ...] = ("baseline", "shorter_hours")
) -> Path:
    """A fake comparison directory as ``migrant-health compare`` writes it (2 replicates)."""
    directory.mkdir(parents=True)
    metadata = {
        "kind": "comparison",
        "package": "migrant_health",
        "version": "0.1.0",
        "created": "2030-01-02T03:04:05+08:00",
        "config": {"start": 2008, "end": 2010, "scale": 50000.0, "seed": 3},
        "scenarios": [
            {
                "name": name,
                "description": f"scenario {name}",
                "origin": f"{name}.yaml",
                "overrides": {} if name == "baseline" else {HOURS: {"2009": 8.0}},
            }
            for name in scenarios
        ],
        "replicates": 2,
        "timings_seconds": {"simulate": 4.0, "deltas": 0.5},
    }
    (directory / "comparison.json").write_text(json.dumps(metadata))
    rng = np.random.default_rng(0)
    years = [2008, 2009, 2010]
    aggregates = pd.DataFrame(
        [
            {"scenario": s, "replicate": r, "year": y, "metric": "share_over_44h", "group": "all"}
            for s in scenarios
            for r in (0, 1)
            for y in years
        ]
    )
    aggregates["value"] = rng.uniform(0.8, 0.9, len(aggregates))
    aggregates.to_parquet(directory / "aggregates.parquet", index=False)
    deltas = pd.DataFrame(
        [
            {"scenario": s, "metric": "share_over_44h", "group": "all", "year": y}
            for s in scenarios[1:]
            for y in years
        ]
    )
    deltas["baseline"] = 0.88
    deltas["value"] = 0.86
    deltas["delta"] = deltas["value"] - deltas["baseline"]
    deltas["delta_lo"] = deltas["delta"] - 0.01
    deltas["delta_hi"] = deltas["delta"] + 0.01
    deltas["replicates"] = 2
    deltas.to_parquet(directory / "deltas.parquet", index=False)
    return directory
