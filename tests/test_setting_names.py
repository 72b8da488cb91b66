"""A message names a setting the way the user gave it: a flag on the command line, an argument
in Python (a Python caller had been told about ``--end`` and ``--scale``, flags it never saw)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from migrant_health import RunConfig, compare, simulate
from migrant_health.cli.main import app
from migrant_health.errors import RunConfigError
from migrant_health.setting_names import from_the_command_line, setting, verbatim

runner = CliRunner()


def test_python_callers_are_told_about_arguments() -> None:
    with pytest.raises(RunConfigError, match=r"^end=2040 must lie in \[2008, 2035\] \(from start"):
        simulate(RunConfig(end=2040))
    with pytest.raises(RunConfigError, match=r"^scale=0\.5 must be at least 1 person per agent"):
        simulate(RunConfig(scale=0.5))
    with pytest.raises(RunConfigError, match=r"^replicates=1 must be at least 2"):
        compare(["fair_employment"], replicates=1)


def test_the_command_line_names_its_flags() -> None:
    result = runner.invoke(app, ["simulate", "--end", "2040"])
    assert result.exit_code == 2
    assert "--end 2040 must lie in [2008, 2035] (from --start" in result.output
    result = runner.invoke(app, ["compare", "--scenarios", "fair_employment", "--replicates", "1"])
    assert result.exit_code == 2
    assert "--replicates 1 must be at least 2" in result.output


def test_after_a_command_python_reads_as_python_again() -> None:
    """Tests (and notebooks using the runner) run commands in their own process."""
    runner.invoke(app, ["simulate", "--end", "2040"])
    with pytest.raises(RunConfigError, match=r"^end=2040 "):
        simulate(RunConfig(end=2040))


def test_a_value_is_spelt_for_each_reader() -> None:
    assert setting("snapshot_years", [2050]) == "snapshot_years=[2050]"
    assert setting("chunks", (3, 5), flag_value="3:5") == "chunks=(3, 5)"
    assert setting("bounds", verbatim("{'x': (0.5, 0.7)}")) == "bounds={'x': (0.5, 0.7)}"
    assert setting("study_dir", flag="--study") == "study_dir"
    assert setting("end", np.int64(2009)) == "end=2009"  # not end=np.int64(2009)
    with from_the_command_line():
        assert setting("snapshot_years", [2050]) == "--snapshot-years [2050]"
        assert setting("chunks", (3, 5), flag_value="3:5") == "--chunks 3:5"
        assert setting("study_dir", flag="--study") == "--study"
