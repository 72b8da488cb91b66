"""Every command shares one error guard: a user's error is one line on stderr and exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from migrant_health.atomic import atomic_directory, atomic_path
from migrant_health.cli.errors import friendly_errors
from migrant_health.errors import DataError

runner = CliRunner()
# Longer than a terminal line and with text that rich would read as markup.
LONG = "the model needs column(s) C(education)[2], which the data lack " + "(available: ...) " * 5


def _app(error: Exception) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @friendly_errors
    def fail(column: str = typer.Option("age")) -> None:
        """A command that fails with ``error``."""
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (DataError(LONG), LONG),
        (np.linalg.LinAlgError("Singular matrix"), "covariates are collinear"),
        (
            FileNotFoundError(2, "No such file or directory", "survey.dta"),
            "cannot read or write survey.dta: No such file or directory",
        ),
    ],
)
def test_a_users_error_is_one_line_without_traceback(error: Exception, message: str) -> None:
    result = runner.invoke(_app(error), [])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_a_bug_keeps_its_traceback() -> None:
    result = runner.invoke(_app(KeyError("oops")), [])
    assert result.exit_code == 1
    assert isinstance(result.exception, KeyError)


def test_the_decorated_command_keeps_its_options(tmp_path: Path) -> None:
    result = runner.invoke(_app(DataError("bad")), ["--column", str(tmp_path)])
    assert result.exit_code == 2 and "error: bad" in result.output


def test_ctrl_c_after_an_output_was_written_says_it_is_complete(tmp_path: Path) -> None:
    """A Ctrl-C while a command prints its summary: the run it wrote is whole, and kept."""
    app = typer.Typer()
    table = tmp_path / "table.csv"

    @app.command()
    @friendly_errors
    def write_then_print() -> None:
        """Writes a file atomically, then is interrupted."""
        with atomic_path(table) as tmp:
            tmp.write_text("a,b\n1,2\n")
        raise KeyboardInterrupt

    result = runner.invoke(app, [])
    assert result.exit_code == 130
    assert result.output.strip() == (
        f"interrupted: stopped before finishing; {table} had been written in full before it; "
        "nothing half-written was left"
    )
    assert table.read_text() == "a,b\n1,2\n"


def test_ctrl_c_before_anything_was_written_names_no_output(tmp_path: Path) -> None:
    app = typer.Typer()

    @app.command()
    @friendly_errors
    def interrupted_while_writing() -> None:
        """Interrupted inside an atomic write: the target never appears."""
        with atomic_path(tmp_path / "table.csv") as tmp:
            tmp.write_text("a,b\n")
            raise KeyboardInterrupt

    result = runner.invoke(app, [])
    assert result.exit_code == 130
    assert result.output.strip() == (
        "interrupted: stopped before finishing; nothing half-written was left"
    )
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_names_a_results_directory_once_and_not_the_files_staged_in_it(
    tmp_path: Path,
) -> None:
    """A directory of results is one output: its staged files are not named, a rewrite once."""
    app = typer.Typer()
    study = tmp_path / "study"
    settings = tmp_path / "settings.json"

    @app.command()
    @friendly_errors
    def write_then_print() -> None:
        """Writes a file twice and a directory with a figure in it, then is interrupted."""
        for _ in range(2):
            with atomic_path(settings) as tmp:
                tmp.write_text("{}")
        with (
            atomic_directory(study, tmp_path, "study") as (staging, _target),
            atomic_path(staging / "indices.png") as tmp,
        ):
            tmp.write_bytes(b"png")
        raise KeyboardInterrupt

    result = runner.invoke(app, [])
    assert result.exit_code == 130
    assert f"; {settings}, {study} had been written in full before it;" in result.output
    assert (study / "indices.png").exists()
