"""A small real comparison and a small real run, for the report's tests.

The comparison is what ``migrant-health compare`` writes, made by the public API: the baseline
and two shipped strategies (fair employment, modern management), 2 replicates, 2008-2013, one
agent per 50,000 persons. The shipped levers start in 2025; here each starts in 2010 instead
(the scenario's own values, shifted in time), so that a comparison ending in 2013 has deltas to
show. And a tiny comparison and a tiny run made by hand, to the contract of ``compare`` and
``simulate``, for the checks that need no simulation (a real run's report is the one of
docs/store.md, run by ``test_docs_commands.py``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from filelock import FileLock
from typer.testing import CliRunner

from migrant_health import Scenario, compare
from migrant_health.cli.main import app
from migrant_health.scenarios import resolve_scenario

END = 2013
LEVER_YEAR = 2010
STRATEGIES = ("fair_employment", "migrant_management")
SCALE = 50_000


def starting_in(name: str, year: int = LEVER_YEAR) -> Scenario:
    """A shipped scenario whose levers start in ``year`` (later steps keep their spacing)."""
    scenario = resolve_scenario(name)

    def shifted(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        first = min(int(y) for y in value)
        return {int(y) - first + year: v for y, v in value.items()}

    overrides = {path: shifted(value) for path, value in scenario.overrides.items()}
    return dataclasses.replace(scenario, name=f"{name}_{year}", overrides=overrides)


def small_comparison(out: Path) -> Path:
    """Write the small comparison to ``out`` (which must not exist) and return it."""
    compare(
        [starting_in(name) for name in STRATEGIES],
        replicates=2,
        end=END,
        scale=SCALE,
        workers=1,
        out=out,
    )
    return out


@dataclasses.dataclass(frozen=True)
class SharedReport:
    """The small comparison and its report, made once per test session.

    Attributes:
        comparison: The comparison directory (read it, do not change it: tests share it).
        page: The report, written by ``migrant-health report``.
        figures: The folder its charts were saved in (``--figures``, SVG).
    """

    comparison: Path
    page: Path
    figures: Path


def shared_report(factory: pytest.TempPathFactory) -> SharedReport:
    """The small comparison and its report, made by the first test that asks for them.

    The test files of the report run on different pytest-xdist workers; the comparison is the
    slow part, so it is made once in the session's shared temporary folder, under a file lock
    (the way pytest-xdist's documentation shares a session fixture between workers).
    """
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of the session
    folder = root / "report-fixture"
    shared = SharedReport(folder / "small-comparison", folder / "report.html", folder / "figures")
    with FileLock(str(root / "report-fixture.lock")):
        if not shared.page.exists():
            folder.mkdir(exist_ok=True)
            if not shared.comparison.exists():
                small_comparison(shared.comparison)
            result = CliRunner().invoke(
                app,
                [
                    "report",
                    str(shared.comparison),
                    "--out",
                    str(shared.page),
                    "--figures",
                    str(shared.figures),
                ],
            )
            assert result.exit_code == 0, result.output
    return shared


def tiny_run(out: Path) -> Path:
    """A run directory made by hand, to the contract of ``simulate``: a scenario's run.

    The share working over 44 hours a week, in all and by sex, 2008-2010, under a working-time
    rule from 2009; ``run.json`` with the keys ``simulate`` writes and the catalogue reads.
    """
    out.mkdir(parents=True)
    rows = [
        {"year": year, "metric": "share_over_44h", "group": group, "value": value}
        for year in (2008, 2009, 2010)
        for group, value in (("all", 0.6), ("sex=female", 0.55), ("sex=male", 0.65))
    ]
    pd.DataFrame(rows).to_parquet(out / "aggregates.parquet", index=False)
    scenario = {
        "name": "shorter_hours",
        "description": "a working-time rule from 2009",
        "origin": "shorter_hours.yaml",
        "overrides": {"policy.fair_employment.hours_reduction": {"2009": 6.0}},
    }
    metadata = {
        "package": "migrant_health",
        "version": "test",
        "created": "2026-12-01T00:00:00+00:00",
        "config": {"start": 2008, "end": 2010, "scale": 50_000.0, "seed": 3, "scenario": scenario},
        "overridden_parameters": list(scenario["overrides"]),
        "agents": 20_000,
        "agent_years": 60_000,
        "timings_seconds": {"setup": 1.0, "simulate": 2.0},
    }
    (out / "run.json").write_text(json.dumps(metadata), encoding="utf-8")
    return out


def tiny_comparison(out: Path) -> Path:
    """A comparison directory made by hand, to the contract of ``compare``, for quick checks.

    One headline metric (the share working over 44 hours a week) by sex, 2008-2010, the
    baseline and one scenario in 2 replicates; ``deltas.parquet`` computed by the comparison's
    own SQL. A page of it draws three charts instead of thirty.
    """
    from migrant_health.experiments.deltas import write_deltas

    out.mkdir(parents=True)
    rows = [
        {
            "scenario": scenario,
            "replicate": replicate,
            "year": year,
            "metric": "share_over_44h",
            "group": group,
            "value": 0.6
            + 0.01 * replicate
            - (0.1 * (year - 2008) if scenario != "baseline" else 0),
        }
        for scenario in ("baseline", "shorter_hours")
        for replicate in (0, 1)
        for year in (2008, 2009, 2010)
        for group in ("all", "sex=female", "sex=male")
    ]
    pd.DataFrame(rows).to_parquet(out / "aggregates.parquet", index=False)
    write_deltas(
        out / "aggregates.parquet",
        ["baseline", "shorter_hours"],
        "baseline",
        out / "deltas.parquet",
    )
    metadata = {
        "kind": "comparison",
        "version": "test",
        "created": "2026-12-01T00:00:00+00:00",
        "config": {"start": 2008, "end": 2010, "scale": 50_000.0, "seed": 1},
        "scenarios": [
            {"name": "baseline", "description": "the shipped defaults", "overrides": {}},
            {
                "name": "shorter_hours",
                "description": "a working-time rule",
                "overrides": {"policy.fair_employment.hours_reduction": {"2009": 6.0}},
            },
        ],
        "replicates": 2,
        "interval": 0.9,
    }
    (out / "comparison.json").write_text(json.dumps(metadata), encoding="utf-8")
    return out
