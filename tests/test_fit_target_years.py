"""Targets the simulated years cannot reach are refused before any run, naming the file.

A targets file whose only rows lay after the demographic data's last year simulated 2008-2035
and then failed with ``ValueError: no weighted targets to fit`` (fit), or named an ``--end``
the user never gave (calibrate) (a review of 2026-12-05).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app
from migrant_health.errors import DataError
from migrant_health.experiments.matching import load_targets, match_targets

runner = CliRunner()
HEADER = "key,year,value,unit,source,confidence\n"


def _targets(tmp_path: Path, *years: int) -> Path:
    path = tmp_path / "later.csv"
    rows = "".join(
        f"nbs.migrant_workers_total,{year},30000,10k persons,a projection,recalled\n"
        for year in years
    )
    path.write_text(HEADER + rows)
    return path


def test_rows_after_the_last_simulated_year_alone_are_refused(tmp_path: Path) -> None:
    matched = match_targets(load_targets(_targets(tmp_path, 2050, 2060)))
    with pytest.raises(DataError, match=r"later\.csv: .* lies in 2050-2060, outside .* 2008-2035"):
        matched.require_years(2008, 2035)
    match_targets(load_targets(_targets(tmp_path, 2020, 2050))).require_years(2008, 2035)


@pytest.mark.parametrize("command", ["fit", "calibrate"])
def test_fit_and_calibrate_refuse_them_before_running(tmp_path: Path, command: str) -> None:
    targets = _targets(tmp_path, 2050)
    study = tmp_path / "study"
    extra = ["--out", str(tmp_path / "fit.html")] if command == "fit" else ["--study", str(study)]
    result = runner.invoke(app, [command, "--scale", "50000", "--targets", str(targets), *extra])
    assert result.exit_code == 2, result.output
    assert "outside the simulated years 2008-2035" in " ".join(result.output.split())
    assert "Traceback" not in result.output and "--end" not in result.output
    assert not study.exists() and not (tmp_path / "fit.html").exists()


def test_an_impossible_end_is_named_before_the_targets_and_a_later_one_suggested(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["fit", "--end", "2005", "--out", str(tmp_path / "f.html")])
    assert result.exit_code == 2 and "--end 2005 must lie in [2008, 2035]" in result.output
    matched = match_targets(load_targets(_targets(tmp_path, 2020)))
    with pytest.raises(DataError, match=r"or a later end \(up to 2035\)"):
        matched.require_years(2008, 2012, 2035)


@pytest.mark.parametrize("command", ["fit", "calibrate"])
def test_rows_before_the_first_year_blame_the_targets_not_an_end_never_given(
    tmp_path: Path, command: str
) -> None:
    targets = _targets(tmp_path, 2003, 2005)
    extra = (
        ["--out", str(tmp_path / "f.html")]
        if command == "fit"
        else ["--study", str(tmp_path / "s")]
    )
    result = runner.invoke(app, [command, "--scale", "50000", "--targets", str(targets), *extra])
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "before the simulation's first year 2008" in output and "--end" not in output


def test_fit_workers_below_zero_say_what_is_allowed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["fit", "--workers", "-1", "--out", str(tmp_path / "f.html")])
    assert result.exit_code == 2
    assert "--workers -1: give 0 (every available core) or more" in result.output
