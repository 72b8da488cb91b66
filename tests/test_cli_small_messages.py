"""Small wrong inputs each get the one right message (a new user's review of 2026-12-05)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrant_health.cli.main import app, console

runner = CliRunner()
SMALL = ["--scale", "50000", "--end", "2009", "--workers", "1"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_an_out_that_is_a_file_is_called_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    result = runner.invoke(app, ["simulate", *SMALL, "--out", str(tmp_path / "afile")])
    assert result.exit_code == 2
    assert "is an existing file, not a directory" in _flat(result.output)


def test_a_part_that_does_not_exist_is_called_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["combine", str(tmp_path / "nope"), "--out", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "nope: no such directory" in _flat(result.output)
    assert not (tmp_path / "c").exists()


def test_a_snapshot_fraction_out_of_range_is_an_error_and_nothing_else(tmp_path: Path) -> None:
    """It also warned that the fraction had no effect, which contradicted the error."""
    result = runner.invoke(
        app, ["simulate", *SMALL, "--snapshot-fraction", "1.5", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "must lie in (0, 1]" in _flat(result.output)
    assert "no effect" not in result.output


@pytest.mark.parametrize("arguments", [["metrics", "--format", "json"], ["metrics"]])
def test_a_reader_that_stops_reading_is_not_an_error(arguments: list[str]) -> None:
    """``migrant-health metrics --format json | head -c 10`` printed "error: cannot read or
    write: Broken pipe" and exited 2."""
    command = [sys.executable, "-m", "migrant_health", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first line
    errors = process.stderr.read().decode()
    assert process.wait() == 1
    assert errors == ""


def test_piped_metric_names_are_whole() -> None:
    """Names are what a user types into --outputs and series(): 80 columns cut six of them."""
    from migrant_health.model import default_plan

    output = runner.invoke(app, ["metrics"]).output
    for metric in default_plan().metrics:
        assert metric.name in output, metric.name


def test_piped_parameters_read_one_after_another() -> None:
    """A five-column table at 80 columns split the sources into words of seven letters."""
    output = runner.invoke(app, ["params", "show", "health.bmi"]).output
    lines = output.splitlines()
    assert "health.bmi.adjustment" in lines
    assert any(line.startswith("  source: assumption: weight adapts") for line in lines)
    assert all(len(line) <= max(80, console.width) for line in lines)
    assert "│" not in output


def test_a_broken_pipe_other_than_stdout_s_is_an_error() -> None:
    """Only a reader of stdout that has gone is quiet; a worker's or a socket's pipe is not."""
    import typer

    from migrant_health.cli.errors import friendly_errors

    @friendly_errors
    def command() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(typer.Exit) as stopped:
        command()
    assert stopped.value.exit_code == 2


def test_a_bar_that_never_showed_leaves_no_empty_line(tmp_path: Path) -> None:
    """Off a terminal (here, the runner's captured streams) the progress bar never shows, and
    it used to leave an empty line where it would have been: before report's error, and
    between simulate's first line and its summary."""
    report = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert report.exit_code == 2
    assert report.output.startswith("error:"), report.output[:80]
    run = runner.invoke(app, ["simulate", *SMALL, "--out", str(tmp_path / "run")])
    assert run.exit_code == 0, run.output
    first, second = run.output.splitlines()[:2]
    assert first.startswith("simulating 2008-2009") and second.strip(), run.output[:160]
