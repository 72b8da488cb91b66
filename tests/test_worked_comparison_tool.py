"""tools/worked_comparison.py prints docs/policy.md section 6's tables from a comparison.

A tiny comparison (2 replicates of fair employment, 2034-2035, 100,000 persons per agent) is
run once; the tool's cells must be the deltas table's numbers in the rows' units, for the
last year, and its facts the directory's.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import migrant_health

TOOL = Path(__file__).resolve().parents[1] / "tools" / "worked_comparison.py"
SCENARIO = "fair_employment"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("worked_comparison", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while it is defined
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("worked") / "worked"
    deltas = migrant_health.compare(
        ["baseline", SCENARIO],
        replicates=2,
        start=2034,
        end=2035,
        scale=100_000,
        seed=1,
        workers=1,
        out=out,
    )
    return out, deltas


def _cells(printed: str, label: str) -> list[str]:
    """The cells of the table row whose first cell is ``label``."""
    lines = [line for line in printed.splitlines() if line.startswith(f"| {label} |")]
    assert len(lines) == 1, f"no single row {label!r} in:\n{printed}"
    return [cell.strip() for cell in lines[0].strip("|").split("|")]


def _delta(deltas: pd.DataFrame, metric: str, group: str, year: int) -> pd.Series:
    rows = deltas[
        (deltas["scenario"] == SCENARIO)
        & (deltas["metric"] == metric)
        & (deltas["group"] == group)
        & (deltas["year"] == year)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


#: The numbers of a delta row: the baseline, the delta and its interval.
INTERVAL = ["baseline", "delta", "delta_lo", "delta_hi"]


def _assert_shown(cells: list[str], values: pd.Series, decimals: int) -> None:
    """The baseline cell and the ``delta [low, high]`` cell show ``values`` to ``decimals``.

    Compared as numbers within half a unit of the last digit shown: the tool scales by a factor
    (``x 1e-6``) where this test divides, and a value on a rounding boundary (116.45 million)
    may print either way.
    """
    baseline, interval = cells
    delta, low, high = (float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?", interval))
    assert interval.startswith(("+", "-"))  # the delta carries its sign
    half = 0.5 * 10.0**-decimals + 1e-9
    shown = (float(baseline), delta, low, high)
    expected = (values["baseline"], values["delta"], values["delta_lo"], values["delta_hi"])
    for number, value in zip(shown, expected, strict=True):
        assert abs(number - value) <= half, (cells, expected)


def test_the_tables_carry_the_deltas_in_the_rows_units(
    comparison: tuple[Path, pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    out, deltas = comparison
    assert _tool().main([str(out)]) == 0
    printed = capsys.readouterr().out

    header = _cells(printed, "2035, delta [90 % interval]")
    assert header == ["2035, delta [90 % interval]", "baseline", f"`{SCENARIO}`"]

    hours = _delta(deltas, "share_over_44h", "all", 2035)  # a share, in points
    assert hours["delta"] < -0.1  # the shorter week: a cell that is not all zeros
    hours_row = _cells(printed, "Working over 44 h a week (points)")
    assert hours_row[0] == "Working over 44 h a week (points)"
    _assert_shown(hours_row[1:], hours[INTERVAL] * 100, decimals=1)
    local = _delta(deltas, "migrant_workers_local", "all", 2035)  # persons, in millions
    local_row = _cells(printed, "Local migrant workers (million)")
    _assert_shown(local_row[1:], local[INTERVAL] / 1e6, decimals=1)

    costs = pd.read_parquet(out / "costs.parquet")
    total = costs.query("scenario == @SCENARIO and lever == 'total'")["cost_bn_cny_discounted"]
    row = _cells(printed, f"`{SCENARIO}`")
    assert row[1] == f"{total.iloc[0]:,.0f}"
    assert "training_coverage" in row[2]  # the costliest lever of fair employment
    assert "Costs (bn CNY, 2034-2035, discounted at 5 % to 2034; mean of the 2" in printed

    aggregates = len(pd.read_parquet(out / "aggregates.parquet"))
    assert "- runs: 4 (2 scenarios x 2 replicates)" in printed
    assert f"- rows: {aggregates:,} in aggregates.parquet" in printed
    assert "- replicates: seeds 1-2; parameter sets: shipped, trial " in printed
