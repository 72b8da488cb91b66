"""``migrant-health fit --csv`` writes the fit table, and tools/fit_diff.py compares two of them.

One small fit (50,000 persons per agent, 2008-2012) is run through the CLI; the second table
is the first with one target's model value moved by two tolerances, so the tool must name it
as moved and as no longer passing, and leave the others alone.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app
from migrant_health.experiments.fit import FIT_COLUMNS, objective

TOOL = Path(__file__).resolve().parents[1] / "tools" / "fit_diff.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fit_diff", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def fit_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("fit")
    csv = folder / "before.csv"
    result = CliRunner().invoke(
        app,
        [
            "fit", "--scale", "50000", "--end", "2012", "--workers", "1",
            "--out", str(folder / "report.html"), "--csv", str(csv),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return csv, " ".join(result.output.split())


def test_the_csv_is_the_printed_fit(fit_csv: tuple[Path, str]) -> None:
    csv, printed = fit_csv
    table = pd.read_csv(csv)
    assert list(table.columns) == list(FIT_COLUMNS)
    summary = re.search(r"(\d+) of (\d+) targets within tolerance .* J = ([0-9.]+)", printed)
    assert summary is not None, printed
    assert int(table["pass"].sum()) == int(summary.group(1))
    assert len(table) == int(summary.group(2))
    assert objective(table) == pytest.approx(float(summary.group(3)), rel=5e-3)


def test_fit_diff_names_what_moved(fit_csv: tuple[Path, str], tmp_path: Path) -> None:
    csv, _ = fit_csv
    before = pd.read_csv(csv)
    passing = before.index[before["pass"]][0]
    after = before.copy()
    tolerance = before.loc[passing, "tolerance"]
    after.loc[passing, "model"] = before.loc[passing, "model"] + 2.0 * tolerance
    after.loc[passing, "pass"] = False
    moved = tmp_path / "after.csv"
    after.to_csv(moved, index=False)
    tool = _tool()
    text = tool.compare(tool.read_fit(csv), tool.read_fit(moved), 0.1)
    key, year = before.loc[passing, "key"], before.loc[passing, "year"]
    assert f"- {key} {year}: now fails" in text
    assert "Moved by more than 0.1 of the tolerance: 1 target(s)." in text
    assert re.search(rf"\| {re.escape(key)} \| {year} \|.*\| \+2\.00 \|", text), text


def test_a_fit_written_before_a_column_was_added_still_compares(
    fit_csv: tuple[Path, str], tmp_path: Path
) -> None:
    """A fit table of older code (here without ``lines``) is the usual "before"."""
    csv, _ = fit_csv
    tool = _tool()
    old = tmp_path / "before.csv"
    pd.read_csv(csv).drop(columns=["lines"]).to_csv(old, index=False)
    text = tool.compare(tool.read_fit(old), tool.read_fit(csv), 0.1)
    assert "Pass changed: 0 target(s)." in text


def test_fit_diff_rejects_a_file_that_is_no_fit_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    assert _tool().main([str(other), str(other)]) == 2
    message = capsys.readouterr().err
    assert str(other) in message and "fit --csv" in message


def test_a_target_without_tolerance_counts_as_moved_when_it_changes(
    fit_csv: tuple[Path, str],
) -> None:
    csv, _ = fit_csv
    tool = _tool()
    before = tool.read_fit(csv)
    after = before.copy()
    after.loc[0, "tolerance"] = 0.0
    after.loc[0, "model"] = before.loc[0, "model"] * 1.001
    text = tool.compare(before, after, 0.1)
    assert "Moved by more than 0.1 of the tolerance: 1 target(s)." in text
    assert f"| {before.loc[0, 'key']} | {before.loc[0, 'year']} |" in text
    # Unchanged, it is not listed.
    same = before.assign(tolerance=0.0)
    assert "Moved by more than 0.1 of the tolerance: 0 target(s)." in tool.compare(same, same, 0.1)


def test_an_empty_fit_table_is_refused(fit_csv: tuple[Path, str], tmp_path: Path) -> None:
    csv, _ = fit_csv
    empty = tmp_path / "empty.csv"
    pd.read_csv(csv).head(0).to_csv(empty, index=False)
    assert _tool().main([str(csv), str(empty)]) == 2


def test_fit_refuses_a_csv_that_is_its_report(tmp_path: Path) -> None:
    same = tmp_path / "fit.html"
    result = CliRunner().invoke(app, ["fit", "--out", str(same), "--csv", str(same)])
    assert result.exit_code == 2
    assert "give the fit table a file of its own" in " ".join(result.output.split())
    assert not same.exists()
